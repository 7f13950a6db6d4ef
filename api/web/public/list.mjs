// The list of the user's videos with each one's live stage: a page at a time from the server, or
// the videos this browser uploaded where the server has no list; refreshed while any runs.
import { ApiError, getKey, getVideo, listVideos } from './api.mjs';
import { $, byId, h, show, showError } from './dom.mjs';
import { formatDate } from './format.mjs';
import { knownVideos } from './known-videos.mjs';
import { pendingStage, stageLabel, stageNames, stagesOf, stageSummary } from './stages.mjs';
import { allVideos, listedVideos, listOrder, onVideosChange, selectedId, setListOrder, upsertVideo, videoById } from './videos.mjs';

/** @typedef {import('./stages.mjs').Video} Video */

const stageFilter = byId('stage-filter', HTMLSelectElement);

/** @type {string | undefined} */
let nextPageToken;
let listSupported = true;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let listTimer;
/** @type {(videoId: string) => void} */
let open = () => {};

/** @param {Video} video */
function stageBar(video) {
  const stages = stagesOf(video);
  return h('span', { class: 'stagebar', 'aria-hidden': 'true' }, stageNames.map((name) => {
    const s = stages[name] ?? pendingStage;
    const fill = s.state === 'done' ? 1 : s.state === 'running' ? Math.max(0.08, s.progress || 0) : 0;
    return h('span', { class: `seg ${s.state}`, title: `${stageLabel(name)}: ${s.state}` },
      h('span', { class: 'fill', style: `width: ${Math.round(fill * 100)}%` }));
  }));
}

export function renderList() {
  const filter = stageFilter.value;
  const rows = listedVideos().filter((v) => !filter || v.stage === filter);
  const selected = selectedId();
  $('video-list').replaceChildren(...rows.map((v) => h('li', { class: v.videoId === selected ? 'selected' : undefined },
    h('button', { type: 'button', class: 'video-row', dataset: { videoId: v.videoId }, onclick: () => open(v.videoId), 'aria-current': v.videoId === selected ? 'true' : undefined },
      h('span', { class: 'name' }, v.fileName || v.videoId),
      h('span', { class: `badge ${v.status}` }, v.status?.replace('_', ' ') ?? ''),
      h('span', { class: 'when muted' }, formatDate(v.startedAt)),
      h('span', { class: 'stage-text' }, stageSummary(v)),
      stageBar(v)))));
  show($('videos-empty'), rows.length === 0);
  show($('videos-more'), Boolean(nextPageToken));
}

/** @param {boolean} next the page after the one shown, added below it */
async function readPage(next) {
  const page = await listVideos({ stage: stageFilter.value, pageToken: next ? nextPageToken : undefined });
  const listed = page.videos ?? [];
  for (const v of listed) {
    // Keep the per-stage progress read earlier while the video is still at the same stage.
    const before = videoById(v.videoId);
    const keep = before?.stages && before.status === v.status && before.stage === v.stage;
    upsertVideo({ ...v, stages: keep ? before.stages : undefined });
  }
  const ids = listed.map((v) => v.videoId);
  // Visibility lags a moment behind a new upload: keep the selected video on the list.
  const selected = selectedId();
  if (!next && selected && !ids.includes(selected) && videoById(selected)) ids.unshift(selected);
  setListOrder(next ? [...listOrder().filter((id) => !ids.includes(id)), ...ids] : ids);
  nextPageToken = page.nextPageToken || undefined;
}

/** Where the server cannot list: the statuses of the videos this browser uploaded. */
async function readKnown() {
  const known = knownVideos();
  const statuses = await Promise.all(known.map((k) => getVideo(k.videoId).then(
    (s) => ({ ...s, fileName: k.fileName }),
    (err) => (err instanceof ApiError && err.status === 404 ? undefined : { videoId: k.videoId, workflowId: `video-${k.videoId}`, fileName: k.fileName, status: 'running', stage: 'uploading', startedAt: k.startedAt }),
  )));
  setListOrder([]);
  for (const s of statuses) if (s) upsertVideo(s);
  setListOrder(statuses.filter((s) => s !== undefined).map((s) => s.videoId));
}

/**
 * The list from the server; where it has no list endpoint, the videos this browser knows.
 * @param {{ more?: boolean }} [options] more: the next page
 */
export async function refreshList({ more = false } = {}) {
  if (!getKey()) return;
  try {
    if (listSupported) {
      try {
        await readPage(more);
      } catch (err) {
        if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 405)) throw err;
        listSupported = false;
      }
    }
    if (!listSupported) await readKnown();
    // The list has each video's stage; the running ones' progress comes from their status.
    const running = listedVideos().filter((v) => v.status === 'running' && v.videoId !== selectedId()).slice(0, 8);
    await Promise.all(running.map((v) => getVideo(v.videoId).then((s) => upsertVideo(s), () => undefined)));
    showError($('videos-error'));
  } catch (err) {
    showError($('videos-error'), err);
  }
  renderList();
}

/** Reads the list again every few seconds while a video runs, else every 15 s, while the page is in sight. */
export function scheduleList() {
  clearTimeout(listTimer);
  const anyRunning = allVideos().some((v) => v.status === 'running');
  listTimer = setTimeout(async () => {
    if (!document.hidden) await refreshList();
    scheduleList();
  }, anyRunning ? 3000 : 15000);
}

/** Reads the list from its first page, asking the server again whether it can list. */
export function restartList() {
  listSupported = true;
  nextPageToken = undefined;
  void refreshList().then(scheduleList);
}

/** @param {(videoId: string) => void} onOpen called with the video a row opens */
export function initList(onOpen) {
  open = onOpen;
  onVideosChange(renderList);
  stageFilter.addEventListener('change', () => {
    nextPageToken = undefined;
    void refreshList();
  });
  $('videos-more').addEventListener('click', () => void refreshList({ more: true }));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refreshList();
  });
}
