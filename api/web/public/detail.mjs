// One video: its live status stage by stage, cancel and rerun, and its result once completed.
import { actOnVideo, watchVideo } from './api.mjs';
import { $, byId, h, show, showError } from './dom.mjs';
import { formatDate } from './format.mjs';
import { addSegmentCommentary, clearLive, showSegments } from './live-commentary.mjs';
import { refreshList } from './list.mjs';
import { clearResult, showStatusResult } from './result.mjs';
import { pendingStage, stageLabel, stageNames, stagesOf, stageSummary } from './stages.mjs';
import { selectedId, setSelectedId, upsertVideo, videoById } from './videos.mjs';

/** @typedef {import('./api.mjs').VideoStatus} VideoStatus */

const cancelButton = byId('cancel-button', HTMLButtonElement);
const rerunButton = byId('rerun-button', HTMLButtonElement);

/** @type {(() => void) | undefined} */
let stopWatching;

/** @param {string} videoId shows it and follows its status */
export function select(videoId) {
  if (selectedId() === videoId && stopWatching) return;
  stopWatching?.();
  setSelectedId(videoId);
  clearResult();
  clearLive();
  $('detail-title').textContent = videoById(videoId)?.fileName || videoId;
  $('detail-status').textContent = 'Loading…';
  $('stages').replaceChildren();
  showError($('detail-error'));
  show($('detail'), true);
  if (history.replaceState) history.replaceState(null, '', `#${encodeURIComponent(videoId)}`);
  stopWatching = watchVideo(videoId, {
    onStatus: (status) => {
      if (selectedId() !== videoId) return;
      showError($('detail-error'));
      renderStatus(status);
    },
    onCommentary: (segment) => {
      if (selectedId() === videoId) addSegmentCommentary(segment);
    },
    onError: (err) => {
      if (selectedId() === videoId) showError($('detail-error'), err);
    },
  });
}

/** @param {string} videoId selects it again, following it afresh */
export function reselect(videoId) {
  stopWatching?.();
  stopWatching = undefined;
  select(videoId);
}

/** @param {string} videoId selects it and brings its view into sight where it is below the fold */
export function openFromList(videoId) {
  select(videoId);
  const top = $('detail').getBoundingClientRect().top;
  if (top > window.innerHeight * 0.6) $('detail').scrollIntoView({ block: 'start', behavior: 'smooth' });
}

function closeDetail() {
  stopWatching?.();
  stopWatching = undefined;
  setSelectedId(undefined);
  clearResult();
  show($('detail'), false);
  if (history.replaceState) history.replaceState(null, '', location.pathname + location.search);
}

/** @param {VideoStatus} status */
function renderStatus(status) {
  const video = upsertVideo({ ...status, fileName: status.fileName ?? videoById(status.videoId)?.fileName });
  $('detail-title').textContent = video.fileName || status.videoId;
  const parts = [status.status.replace('_', ' ')];
  if (status.status === 'running') parts.push(stageSummary(video));
  if (status.run > 1) parts.push(`run ${status.run}`);
  if (video.startedAt) parts.push(`started ${formatDate(video.startedAt)}`);
  $('detail-status').textContent = parts.join(' · ');
  $('detail-status').className = `status-line ${status.status}`;
  const stages = stagesOf(status);
  // The stages the server reports, in its order; the known ones where it reports none.
  const names = status.stages ? Object.keys(status.stages) : stageNames;
  $('stages').replaceChildren(...names.map((name) => {
    const s = stages[name] ?? pendingStage;
    const value = s.state === 'done' ? 1 : s.progress || 0;
    return h('li', { class: `stage ${s.state}`, dataset: { stage: name } },
      h('span', { class: 'stage-name' }, stageLabel(name)),
      h('progress', { max: '1', value: String(value), 'aria-label': `${stageLabel(name)} progress` }),
      h('span', { class: 'stage-state muted' }, s.state === 'running' && s.progress > 0 ? `${Math.round(s.progress * 100)}%` : s.state,
        s.seconds !== undefined && Number.isFinite(s.seconds) ? ` · ${s.seconds.toFixed(1)} s` : ''));
  }));
  showSegments(status);
  // A cancelled request says so in its status line; any other error is shown as one.
  if (status.error && status.status !== 'cancelled') showError($('detail-error'), new Error(status.error));
  show(cancelButton, status.status === 'running');
  show(rerunButton, status.status !== 'running');
  cancelButton.disabled = false;
  rerunButton.disabled = false;
  showStatusResult(status);
}

/**
 * A button that asks the API to act on the selected video, disabled until it answers; an error
 * enables it again.
 * @param {HTMLButtonElement} button
 * @param {'cancel' | 'rerun'} action
 * @param {(videoId: string) => void} then
 */
function actionButton(button, action, then) {
  button.addEventListener('click', async () => {
    const id = selectedId();
    if (!id) return;
    button.disabled = true;
    try {
      await actOnVideo(id, action);
      then(id);
    } catch (err) {
      showError($('detail-error'), err);
      button.disabled = false;
    }
  });
}

export function initDetail() {
  byId('close-detail', HTMLButtonElement).addEventListener('click', closeDetail);
  actionButton(cancelButton, 'cancel', () => {
    $('detail-status').textContent = 'cancelling…';
  });
  actionButton(rerunButton, 'rerun', (id) => {
    clearResult();
    upsertVideo({ videoId: id, status: 'running', stage: 'ingest', stages: undefined, closedAt: undefined });
    reselect(id);
    void refreshList();
  });
}
