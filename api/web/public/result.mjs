// A completed request's result: the player, the events and the commentary read from its result
// files, the spoken track, and every file to download.
import { $, byId, h, show, showError } from './dom.mjs';
import { indexTracks } from './overlay.mjs';
import { loadVideo, redraw, resetPlayer, setAnalysis, setFiles } from './player.mjs';
import { clearTimeline, renderCommentary, renderEvents } from './timeline.mjs';
import { selectedId, videoById } from './videos.mjs';

/** @typedef {import('./api.mjs').VideoStatus} VideoStatus */
/** @typedef {import('./overlay.mjs').TracksFile} TracksFile */
/** @typedef {import('./timeline.mjs').ActionsFile} ActionsFile */
/** @typedef {import('./timeline.mjs').Commentary} Commentary */

const spokenAudio = byId('spoken-audio', HTMLAudioElement);

/** @type {string | undefined} `${videoId}#${run}` of the result on screen */
let shownResult;

/**
 * @param {Record<string, string>} files
 * @param {string} name
 * @returns {Promise<unknown>}
 */
async function resultFile(files, name) {
  const url = files[name];
  if (!url) throw new Error(`no ${name} in the results`);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${res.status} ${res.statusText} for a result file`);
  return res.json();
}

/** @param {Record<string, string>} files */
function renderDownloads(files) {
  const names = Object.keys(files).sort((a, b) => (a === 'source' ? -1 : b === 'source' ? 1 : a.localeCompare(b)));
  const id = selectedId();
  $('downloads').replaceChildren(...names.map((name) => {
    const fileName = name === 'source' ? ((id && videoById(id)?.fileName) || 'source') : name;
    return h('li', {}, h('a', { href: files[name], download: fileName, rel: 'noopener' }, name === 'source' ? `source video (${fileName})` : name));
  }));
}

/** @param {Record<string, string>} files */
function renderSpoken(files) {
  const audioName = Object.keys(files).find((n) => /^commentary\.(wav|mp3|ogg|opus|m4a|aac)$/i.test(n));
  const commentated = files['commentated.mp4'];
  if (audioName) {
    spokenAudio.src = files[audioName] ?? '';
    show(spokenAudio, true);
  }
  const links = [];
  if (commentated) links.push(h('a', { href: commentated, download: 'commentated.mp4' }, 'commentated.mp4'), ' — the video with the spoken commentary and subtitles');
  $('spoken-links').replaceChildren(...links);
  show($('spoken'), Boolean(audioName || commentated));
}

/**
 * @param {VideoStatus} status a completed one
 * @param {string} resultKey
 */
async function showResult(status, resultKey) {
  const files = status.files;
  show($('result'), true);
  loadVideo(files, status.result?.summary?.language ?? 'en');
  renderDownloads(files);
  renderSpoken(files);

  const [tracks, actions, commentary] = /** @type {[PromiseSettledResult<TracksFile>, PromiseSettledResult<ActionsFile>, PromiseSettledResult<Commentary>]} */ (
    await Promise.allSettled(['tracks.json', 'actions.json', 'commentary.json'].map((name) => resultFile(files, name))));
  if (shownResult !== resultKey) return;
  const problems = [tracks, actions, commentary].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  const analysis = actions.status === 'fulfilled' ? actions.value : undefined;
  setAnalysis(tracks.status === 'fulfilled' ? indexTracks(tracks.value) : undefined, analysis);
  if (problems.length) showError($('detail-error'), problems[0]);
  renderEvents(analysis?.events ?? []);
  renderCommentary(commentary.status === 'fulfilled' ? commentary.value : undefined);
  redraw();
  document.body.dataset.result = 'ready';
}

/** Empties the result view and hides it. */
export function clearResult() {
  shownResult = undefined;
  show($('result'), false);
  resetPlayer();
  clearTimeline();
  $('downloads').replaceChildren();
  spokenAudio.removeAttribute('src');
  show(spokenAudio, false);
  $('spoken-links').replaceChildren();
  show($('spoken'), false);
}

/**
 * Shows the result of a status that has one (once per run; a later status brings fresher links),
 * and clears it when the status has none.
 * @param {VideoStatus} status
 */
export function showStatusResult(status) {
  const resultKey = `${status.videoId}#${status.run ?? 1}`;
  if (status.status !== 'completed') {
    if (shownResult) clearResult();
  } else if (status.files && shownResult !== resultKey) {
    shownResult = resultKey;
    void showResult(status, resultKey);
  } else if (status.files) {
    setFiles(status.files);
  }
}
