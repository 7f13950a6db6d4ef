// The player: the video (or, with spoken commentary on, the commentated video) with its subtitles
// and the tracks drawn over it, redrawn on every frame; links that expired are signed afresh.
import { getVideo } from './api.mjs';
import { $, byId, h, show, showError } from './dom.mjs';
import { activeTrackIds, drawFrame, frameAt } from './overlay.mjs';
import { selectedId } from './videos.mjs';

/** @typedef {import('./overlay.mjs').TrackIndex} TrackIndex */
/** @typedef {{ video?: { duration?: number }, events?: import('./overlay.mjs').TimedEvent[] }} Analysis the actions file as the player reads it */

const video = byId('video', HTMLVideoElement);
const overlay = byId('overlay', HTMLCanvasElement);
const showBoxes = byId('show-boxes', HTMLInputElement);
const voice = byId('voice', HTMLInputElement);

/** @type {Record<string, string> | undefined} the result's files, with the freshest links */
let files;
/** @type {TrackIndex | undefined} */
let tracks;
/** @type {Analysis | undefined} */
let actions;
/** @type {((time: number, seeked: boolean) => void)[]} */
const timeListeners = [];

/**
 * @param {Record<string, string>} from
 * @param {...string} names
 */
const fileUrl = (from, ...names) => names.map((name) => from[name]).find(Boolean);

/** @param {Record<string, string>} from the video to play: commentated with the voice on, else the source */
const mediaUrl = (from) => (voice.checked ? fileUrl(from, 'commentated.mp4') : fileUrl(from, 'source', 'source.mp4'));

/** @param {string} url */
function crossOrigin(url) {
  try {
    return new URL(url, location.href).origin !== location.origin;
  } catch {
    return false;
  }
}

/**
 * @param {string} url
 * @param {string} language
 */
function addSubtitles(url, language) {
  /** @type {Record<string, string>} */
  const labels = { en: 'English', ko: '한국어' };
  const track = h('track', { kind: 'subtitles', src: url, srclang: language, label: `Commentary (${labels[language] ?? language})`, default: true });
  video.append(track);
  // `default` shows it in most browsers; make sure, once the element has its TextTrack.
  const showIt = () => {
    for (const t of video.textTracks) t.mode = 'showing';
  };
  showIt();
  track.addEventListener('load', showIt);
}

/**
 * Loads a result's video with its subtitles.
 * @param {Record<string, string>} resultFiles signed links by file name
 * @param {string} language the subtitles' language
 */
export function loadVideo(resultFiles, language) {
  files = resultFiles;
  const sourceUrl = fileUrl(files, 'source', 'source.mp4', 'video.mp4');
  const vttUrl = fileUrl(files, 'commentary.vtt');
  // A presigned URL on another origin needs CORS for the subtitles to load.
  if ([sourceUrl, vttUrl].some((u) => u && crossOrigin(u))) video.crossOrigin = 'anonymous';
  else video.removeAttribute('crossorigin');
  if (sourceUrl) video.src = sourceUrl;
  if (vttUrl) addSubtitles(vttUrl, language);
  video.load();
  show($('voice-option'), Boolean(fileUrl(files, 'commentated.mp4')));
}

/** @param {Record<string, string>} resultFiles the same files with fresher links */
export function setFiles(resultFiles) {
  files = resultFiles;
}

/**
 * What the overlay draws and the timeline spans: the tracks and the recognised events.
 * @param {TrackIndex | undefined} trackIndex
 * @param {Analysis | undefined} analysis
 */
export function setAnalysis(trackIndex, analysis) {
  tracks = trackIndex;
  actions = analysis;
  if (tracks?.video.width && tracks.video.height) $('player').style.setProperty('--ar', `${tracks.video.width} / ${tracks.video.height}`);
}

export function resetPlayer() {
  files = undefined;
  tracks = undefined;
  actions = undefined;
  video.pause();
  video.removeAttribute('src');
  for (const t of [...video.querySelectorAll('track')]) t.remove();
  video.load();
  show($('voice-option'), false);
  voice.checked = false;
  redraw();
}

/** The result's length in seconds: from its files, else the video's, else 0. */
export function mediaDuration() {
  return tracks?.video.duration || actions?.video?.duration || (Number.isFinite(video.duration) ? video.duration : 0);
}

/** @param {number} time seconds */
export function seek(time) {
  video.currentTime = Math.max(0, time);
  redraw();
}

/** @param {(time: number, seeked: boolean) => void} listener called after each seek, pause and time update */
export function onTimeChange(listener) {
  timeListeners.push(listener);
}

/** Draws the tracks at the frame on screen, and says which frame it is. */
export function redraw(mediaTime = video.currentTime) {
  if (!tracks) {
    drawFrame(overlay, undefined, 1);
    $('frame-info').textContent = '';
    return;
  }
  const frame = frameAt(mediaTime, tracks.video);
  const highlight = activeTrackIds(actions?.events ?? [], mediaTime);
  const drawn = drawFrame(overlay, tracks, frame, { highlight, visible: showBoxes.checked });
  overlay.dataset.frame = String(frame);
  overlay.dataset.boxes = String(drawn);
  $('frame-info').textContent = `frame ${frame} · ${drawn} tracked`;
}

/**
 * Plays another URL from where the video was.
 * @param {string} url
 * @param {{ keepPlaying?: boolean }} [options] keepPlaying: go on playing if it was
 */
function switchTo(url, { keepPlaying = false } = {}) {
  const time = video.currentTime;
  const playing = keepPlaying && !video.paused;
  video.src = url;
  video.addEventListener('loadedmetadata', () => {
    video.currentTime = time;
    if (playing) void video.play();
  }, { once: true });
}

// Redraw on every presented frame where the browser says which one (requestVideoFrameCallback),
// else on every animation frame while playing.
function followFrames() {
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
    /** @type {VideoFrameRequestCallback} */
    const onFrame = (_now, meta) => {
      redraw(meta.mediaTime);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  } else {
    const loop = () => {
      redraw();
      if (!video.paused && !video.ended) requestAnimationFrame(loop);
    };
    video.addEventListener('play', () => requestAnimationFrame(loop));
  }
}

// A signed URL that expired: fetch fresh ones and carry on where the video was.
let lastRefresh = 0;
async function refreshLinks() {
  const id = selectedId();
  if (!files || !id || Date.now() - lastRefresh < 10000 || !video.getAttribute('src')) return;
  lastRefresh = Date.now();
  try {
    const status = await getVideo(id);
    const url = status.files && mediaUrl(status.files);
    if (!url) return;
    files = status.files;
    switchTo(url);
  } catch (err) {
    showError($('detail-error'), err);
  }
}

export function initPlayer() {
  followFrames();
  // With "spoken commentary" on, the player shows commentated.mp4 (same frames, voice mixed in).
  voice.addEventListener('change', () => {
    const url = files && mediaUrl(files);
    if (url) switchTo(url, { keepPlaying: true });
  });
  video.addEventListener('error', () => void refreshLinks());
  // And after seeks, pauses and resizes.
  for (const type of ['seeked', 'loadeddata', 'pause', 'timeupdate']) video.addEventListener(type, () => {
    if (type !== 'timeupdate' || video.paused) redraw();
    for (const listener of timeListeners) listener(video.currentTime, type === 'seeked');
  });
  video.addEventListener('loadedmetadata', () => {
    if (!tracks && video.videoWidth) $('player').style.setProperty('--ar', `${video.videoWidth} / ${video.videoHeight}`);
  });
  new ResizeObserver(() => redraw()).observe(overlay);
  showBoxes.addEventListener('change', () => redraw());
}
