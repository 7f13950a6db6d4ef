// The BING page: ask for the key, upload with progress, list the user's videos with their live
// stage, and show a request's progress and result (tracks over the video, events, commentary).
// Plain DOM and standard APIs only, so it runs as it is in Chromium and Firefox.
import { api, ApiError, getKey, setKey, uploadVideo, watchVideo } from './api.mjs';
import { drawFrame, frameAt, indexTracks } from './overlay.mjs';

const stageNames = ['uploading', 'ingest', 'mot', 'action', 'commentary', 'speech', 'deliver'];
const stageLabels = {
  uploading: 'Upload', ingest: 'Ingest', mot: 'Tracking', action: 'Actions', commentary: 'Commentary', speech: 'Voice', deliver: 'Delivery',
  done: 'Done', failed: 'Failed', cancelled: 'Cancelled',
};
const knownStorage = 'bing.videos';

const $ = (id) => document.getElementById(id);

/** Builds an element: h('li', {class: 'x', onclick}, 'text', child). Text is never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'style') el.style.cssText = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const show = (el, visible) => { el.hidden = !visible; };

function showError(el, err) {
  if (!err) {
    el.textContent = '';
    show(el, false);
    return;
  }
  el.textContent = err instanceof ApiError ? err.message : String(err?.message ?? err);
  show(el, true);
  if (err instanceof ApiError && err.status === 401) askForKey('That key was refused. Enter a valid API key.');
}

function formatBytes(n) {
  if (!Number.isFinite(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i += 1;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatTime(seconds) {
  if (!Number.isFinite(seconds)) return '';
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

// ---------------------------------------------------------------------------------------------
// The key

function askForKey(message) {
  const dialog = $('key-dialog');
  showError($('key-error'), message ? new Error(message) : undefined);
  $('key-input').value = getKey();
  if (!dialog.open) dialog.showModal();
  $('key-input').focus();
}

$('key-form').addEventListener('submit', (e) => {
  const key = $('key-input').value.trim();
  if (!key) {
    e.preventDefault();
    return;
  }
  setKey(key);
  showError($('key-error'));
  restart();
});
$('key-dialog').addEventListener('cancel', (e) => {
  if (!getKey()) e.preventDefault();
});
$('change-key').addEventListener('click', () => askForKey());

// ---------------------------------------------------------------------------------------------
// Videos this browser uploaded, remembered so the list works even where the server cannot list.

function knownVideos() {
  try {
    const list = JSON.parse(localStorage.getItem(knownStorage) ?? '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function remember(video) {
  const list = knownVideos().filter((v) => v.videoId !== video.videoId);
  list.unshift({ videoId: video.videoId, fileName: video.fileName, startedAt: video.startedAt ?? new Date().toISOString() });
  localStorage.setItem(knownStorage, JSON.stringify(list.slice(0, 50)));
}

// ---------------------------------------------------------------------------------------------
// Upload

let currentUpload;

$('upload-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = $('upload-file').files?.[0];
  if (!file || currentUpload) return;
  if (!getKey()) {
    askForKey();
    return;
  }
  const language = $('upload-language').value;
  const bar = $('upload-progress');
  const text = $('upload-text');
  showError($('upload-error'));
  show($('upload-state'), true);
  show($('upload-abort'), true);
  $('upload-start').disabled = true;
  bar.value = 0;
  text.textContent = `0 of ${formatBytes(file.size)}`;
  const started = performance.now();
  currentUpload = uploadVideo(file, language, (loaded, total) => {
    const fraction = total > 0 ? loaded / total : 0;
    bar.value = fraction;
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0.5 ? ` · ${formatBytes(loaded / seconds)}/s` : '';
    text.textContent = loaded >= total
      ? `${formatBytes(total)} sent · starting…`
      : `${formatBytes(loaded)} of ${formatBytes(total)} · ${Math.floor(fraction * 100)}%${rate}`;
  });
  try {
    const answer = await currentUpload.promise;
    text.textContent = `Uploaded ${file.name}`;
    remember({ videoId: answer.videoId, fileName: file.name });
    $('upload-form').reset();
    $('upload-language').value = language;
    upsertVideo({ videoId: answer.videoId, workflowId: answer.workflowId, status: 'running', stage: 'ingest', fileName: file.name, startedAt: new Date().toISOString() });
    select(answer.videoId);
    void refreshList();
  } catch (err) {
    if (err?.name === 'AbortError') {
      text.textContent = 'Upload stopped · upload the same file again to continue';
    } else {
      showError($('upload-error'), err);
      text.textContent = '';
    }
  } finally {
    currentUpload = undefined;
    show($('upload-abort'), false);
    $('upload-start').disabled = false;
  }
});
$('upload-abort').addEventListener('click', () => currentUpload?.abort());

// ---------------------------------------------------------------------------------------------
// The list

const videos = new Map(); // videoId -> summary (from the list) merged with the latest status
let listOrder = [];
let nextPageToken;
let listSupported = true;
let listTimer;

function upsertVideo(summary) {
  const merged = { ...(videos.get(summary.videoId) ?? {}), ...summary };
  videos.set(summary.videoId, merged);
  if (!listOrder.includes(summary.videoId)) listOrder.unshift(summary.videoId);
  renderList();
  return merged;
}

/** Each stage's state for a video: from its full status where known, else from its stage. */
function stagesOf(video) {
  if (video.stages) return video.stages;
  const at = stageNames.indexOf(video.stage);
  const ended = video.stage === 'done';
  return Object.fromEntries(stageNames.map((name, i) => {
    let state = 'pending';
    if (ended || (at >= 0 && i < at)) state = 'done';
    else if (i === at) state = video.status === 'running' ? 'running' : video.status === 'cancelled' ? 'cancelled' : 'failed';
    return [name, { state, progress: state === 'done' ? 1 : 0 }];
  }));
}

function stageSummary(video) {
  const stage = video.stage;
  if (video.status !== 'running') {
    if (video.status === 'completed') return 'Done';
    return `${video.status.replace('_', ' ')}${stageNames.includes(stage) ? ` at ${stageLabels[stage].toLowerCase()}` : ''}`;
  }
  if (!stageNames.includes(stage)) return stageLabels[stage] ?? stage;
  const progress = video.stages?.[stage]?.progress;
  const label = stageLabels[stage] ?? stage;
  return progress > 0 && progress < 1 ? `${label} ${Math.round(progress * 100)}%` : `${label}…`;
}

function stageBar(video) {
  const stages = stagesOf(video);
  return h('span', { class: 'stagebar', 'aria-hidden': 'true' }, stageNames.map((name) => {
    const s = stages[name] ?? { state: 'pending', progress: 0 };
    const fill = s.state === 'done' ? 1 : s.state === 'running' ? Math.max(0.08, s.progress || 0) : 0;
    return h('span', { class: `seg ${s.state}`, title: `${stageLabels[name]}: ${s.state}` },
      h('span', { class: 'fill', style: `width: ${Math.round(fill * 100)}%` }));
  }));
}

function renderList() {
  const list = $('video-list');
  const filter = $('stage-filter').value;
  const rows = listOrder.map((id) => videos.get(id)).filter((v) => v && (!filter || v.stage === filter));
  list.replaceChildren(...rows.map((v) => h('li', { class: v.videoId === selectedId ? 'selected' : undefined },
    h('button', { type: 'button', class: 'video-row', dataset: { videoId: v.videoId }, onclick: () => openFromList(v.videoId), 'aria-current': v.videoId === selectedId ? 'true' : undefined },
      h('span', { class: 'name' }, v.fileName || v.videoId),
      h('span', { class: `badge ${v.status}` }, v.status?.replace('_', ' ') ?? ''),
      h('span', { class: 'when muted' }, formatDate(v.startedAt)),
      h('span', { class: 'stage-text' }, stageSummary(v)),
      stageBar(v)))));
  show($('videos-empty'), rows.length === 0);
  show($('videos-more'), Boolean(nextPageToken));
}

async function fetchList(pageToken) {
  const params = new URLSearchParams({ pageSize: '20' });
  const stage = $('stage-filter').value;
  if (stage) params.set('stage', stage);
  if (pageToken) params.set('pageToken', pageToken);
  return api(`/v1/videos?${params}`);
}

/** The list from the server; where it has no list endpoint, the videos this browser knows. */
async function refreshList({ more = false } = {}) {
  if (!getKey()) return;
  try {
    if (listSupported) {
      try {
        const page = await fetchList(more ? nextPageToken : undefined);
        const listed = page.videos ?? [];
        for (const v of listed) {
          // Keep the per-stage progress read earlier while the video is still at the same stage.
          const before = videos.get(v.videoId);
          const keep = before?.stages && before.status === v.status && before.stage === v.stage;
          upsertVideo({ ...v, stages: keep ? before.stages : undefined });
        }
        const ids = listed.map((v) => v.videoId);
        // Visibility lags a moment behind a new upload: keep the selected video on the list.
        if (!more && selectedId && !ids.includes(selectedId) && videos.has(selectedId)) ids.unshift(selectedId);
        listOrder = more ? [...listOrder.filter((id) => !ids.includes(id)), ...ids] : ids;
        nextPageToken = page.nextPageToken || undefined;
      } catch (err) {
        if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 405)) throw err;
        listSupported = false;
      }
    }
    if (!listSupported) {
      const known = knownVideos();
      const statuses = await Promise.all(known.map((k) => api(`/v1/videos/${encodeURIComponent(k.videoId)}`).then(
        (s) => ({ ...s, fileName: k.fileName }),
        (err) => (err.status === 404 ? undefined : { videoId: k.videoId, fileName: k.fileName, status: 'running', stage: 'uploading', startedAt: k.startedAt }),
      )));
      listOrder = [];
      for (const s of statuses) if (s) upsertVideo(s);
      listOrder = statuses.filter(Boolean).map((s) => s.videoId);
    }
    // The list has each video's stage; the running ones' progress comes from their status.
    const running = listOrder.map((id) => videos.get(id)).filter((v) => v?.status === 'running' && v.videoId !== selectedId).slice(0, 8);
    await Promise.all(running.map((v) => api(`/v1/videos/${encodeURIComponent(v.videoId)}`).then((s) => upsertVideo(s), () => undefined)));
    showError($('videos-error'));
  } catch (err) {
    showError($('videos-error'), err);
  }
  renderList();
}

function scheduleList() {
  clearTimeout(listTimer);
  const anyRunning = [...videos.values()].some((v) => v.status === 'running');
  listTimer = setTimeout(async () => {
    if (!document.hidden) await refreshList();
    scheduleList();
  }, anyRunning ? 3000 : 15000);
}

$('stage-filter').addEventListener('change', () => {
  nextPageToken = undefined;
  void refreshList();
});
$('videos-more').addEventListener('click', () => void refreshList({ more: true }));
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refreshList();
});

// ---------------------------------------------------------------------------------------------
// One video: progress, controls, result

let selectedId;
let stopWatching;
let shownResult; // `${videoId}#${run}` of the result on screen
let current; // {status, tracks (index), actions, commentary, files}

function select(videoId) {
  if (selectedId === videoId && stopWatching) return;
  stopWatching?.();
  selectedId = videoId;
  current = undefined;
  clearResult();
  const summary = videos.get(videoId);
  $('detail-title').textContent = summary?.fileName || videoId;
  $('detail-status').textContent = 'Loading…';
  $('stages').replaceChildren();
  showError($('detail-error'));
  show($('detail'), true);
  renderList();
  if (history.replaceState) history.replaceState(null, '', `#${encodeURIComponent(videoId)}`);
  stopWatching = watchVideo(videoId, {
    onStatus: (status) => {
      if (selectedId !== videoId) return;
      showError($('detail-error'));
      renderStatus(status);
    },
    onError: (err) => {
      if (selectedId === videoId) showError($('detail-error'), err);
    },
  });
}

/** Selects a video from the list and brings its view into sight where it is below the fold. */
function openFromList(videoId) {
  select(videoId);
  const top = $('detail').getBoundingClientRect().top;
  if (top > window.innerHeight * 0.6) $('detail').scrollIntoView({ block: 'start', behavior: 'smooth' });
}

function closeDetail() {
  stopWatching?.();
  stopWatching = undefined;
  selectedId = undefined;
  clearResult();
  show($('detail'), false);
  if (history.replaceState) history.replaceState(null, '', location.pathname + location.search);
  renderList();
}
$('close-detail').addEventListener('click', closeDetail);

function renderStatus(status) {
  const video = upsertVideo({ ...status, fileName: status.fileName ?? videos.get(status.videoId)?.fileName });
  $('detail-title').textContent = video.fileName || status.videoId;
  const parts = [status.status.replace('_', ' ')];
  if (status.status === 'running') parts.push(stageSummary(video));
  if (status.run > 1) parts.push(`run ${status.run}`);
  if (video.startedAt) parts.push(`started ${formatDate(video.startedAt)}`);
  $('detail-status').textContent = parts.join(' · ');
  $('detail-status').className = `status-line ${status.status}`;
  const stages = stagesOf(status);
  // The stages the server reports, in its order; the known six where it reports none.
  const names = status.stages ? Object.keys(status.stages) : stageNames;
  $('stages').replaceChildren(...names.map((name) => {
    const s = stages[name] ?? { state: 'pending', progress: 0 };
    const value = s.state === 'done' ? 1 : s.progress || 0;
    return h('li', { class: `stage ${s.state}`, dataset: { stage: name } },
      h('span', { class: 'stage-name' }, stageLabels[name] ?? name),
      h('progress', { max: '1', value: String(value), 'aria-label': `${stageLabels[name] ?? name} progress` }),
      h('span', { class: 'stage-state muted' }, s.state === 'running' && s.progress > 0 ? `${Math.round(s.progress * 100)}%` : s.state,
        Number.isFinite(s.seconds) ? ` · ${s.seconds.toFixed(1)} s` : ''));
  }));
  // A cancelled request says so in its status line; any other error is shown as one.
  if (status.error && status.status !== 'cancelled') showError($('detail-error'), new Error(status.error));
  show($('cancel-button'), status.status === 'running');
  show($('rerun-button'), status.status !== 'running');
  $('cancel-button').disabled = false;
  $('rerun-button').disabled = false;
  const resultKey = `${status.videoId}#${status.run ?? 1}`;
  if (status.status === 'completed' && status.files && shownResult !== resultKey) {
    shownResult = resultKey;
    void showResult(status, resultKey);
  } else if (status.status === 'completed' && status.files && current?.status) {
    current.status = status; // fresher signed URLs
  } else if (status.status !== 'completed' && shownResult) {
    clearResult();
  }
}

$('cancel-button').addEventListener('click', async () => {
  const id = selectedId;
  if (!id) return;
  $('cancel-button').disabled = true;
  try {
    await api(`/v1/videos/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
    $('detail-status').textContent = 'cancelling…';
  } catch (err) {
    showError($('detail-error'), err);
    $('cancel-button').disabled = false;
  }
});

$('rerun-button').addEventListener('click', async () => {
  const id = selectedId;
  if (!id) return;
  $('rerun-button').disabled = true;
  try {
    await api(`/v1/videos/${encodeURIComponent(id)}/rerun`, { method: 'POST' });
    clearResult();
    upsertVideo({ videoId: id, status: 'running', stage: 'ingest', stages: undefined, closedAt: undefined });
    stopWatching?.();
    stopWatching = undefined;
    select(id);
    void refreshList();
  } catch (err) {
    showError($('detail-error'), err);
    $('rerun-button').disabled = false;
  }
});

// ---------------------------------------------------------------------------------------------
// The result view

const video = $('video');
const overlay = $('overlay');

function clearResult() {
  shownResult = undefined;
  show($('result'), false);
  video.pause();
  video.removeAttribute('src');
  for (const t of [...video.querySelectorAll('track')]) t.remove();
  video.load();
  $('timeline-lanes').replaceChildren();
  $('event-list').replaceChildren();
  $('commentary').replaceChildren();
  $('now-line').textContent = '';
  $('downloads').replaceChildren();
  $('spoken-audio').removeAttribute('src');
  show($('spoken-audio'), false);
  $('spoken-links').replaceChildren();
  show($('spoken'), false);
  show($('voice-option'), false);
  $('voice').checked = false;
  if (current) current.tracks = undefined;
  drawOverlay();
}

async function getJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${res.status} ${res.statusText} for a result file`);
  return res.json();
}

function fileUrl(files, ...names) {
  for (const name of names) if (files[name]) return files[name];
  return undefined;
}

function crossOrigin(url) {
  try {
    return new URL(url, location.href).origin !== location.origin;
  } catch {
    return false;
  }
}

async function showResult(status, resultKey) {
  const files = status.files;
  current = { status, files, tracks: undefined, actions: undefined, commentary: undefined };
  show($('result'), true);
  const sourceUrl = fileUrl(files, 'source', 'source.mp4', 'video.mp4');
  const vttUrl = fileUrl(files, 'commentary.vtt');
  const language = status.result?.summary?.language ?? 'en';
  // A presigned URL on another origin needs CORS for the subtitles to load.
  if ([sourceUrl, vttUrl].some((u) => u && crossOrigin(u))) video.crossOrigin = 'anonymous';
  else video.removeAttribute('crossorigin');
  if (sourceUrl) video.src = sourceUrl;
  if (vttUrl) addSubtitles(vttUrl, language);
  video.load();
  renderDownloads(files);
  renderSpoken(files);

  const [tracks, actions, commentary] = await Promise.allSettled(['tracks.json', 'actions.json', 'commentary.json']
    .map((name) => (files[name] ? getJson(files[name]) : Promise.reject(new Error(`no ${name} in the results`)))));
  if (shownResult !== resultKey) return;
  const problems = [];
  if (tracks.status === 'fulfilled') {
    current.tracks = indexTracks(tracks.value);
    const { width, height } = tracks.value.video;
    if (width && height) $('player').style.setProperty('--ar', `${width} / ${height}`);
  } else problems.push(tracks.reason);
  if (actions.status === 'fulfilled') current.actions = actions.value;
  else problems.push(actions.reason);
  if (commentary.status === 'fulfilled') current.commentary = commentary.value;
  else problems.push(commentary.reason);
  if (problems.length) showError($('detail-error'), problems[0]);
  renderTimeline();
  renderCommentary();
  drawOverlay();
  document.body.dataset.result = 'ready';
}

function addSubtitles(url, language) {
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

function renderDownloads(files) {
  const names = Object.keys(files).sort((a, b) => (a === 'source' ? -1 : b === 'source' ? 1 : a.localeCompare(b)));
  $('downloads').replaceChildren(...names.map((name) => {
    const fileName = name === 'source' ? (videos.get(selectedId)?.fileName || 'source') : name;
    return h('li', {}, h('a', { href: files[name], download: fileName, rel: 'noopener' }, name === 'source' ? `source video (${fileName})` : name));
  }));
}

function renderSpoken(files) {
  const audioName = Object.keys(files).find((n) => /^commentary\.(wav|mp3|ogg|opus|m4a|aac)$/i.test(n));
  const commentated = fileUrl(files, 'commentated.mp4');
  const audio = $('spoken-audio');
  if (audioName) {
    audio.src = files[audioName];
    show(audio, true);
  }
  const links = [];
  if (commentated) links.push(h('a', { href: commentated, download: 'commentated.mp4' }, 'commentated.mp4'), ' — the video with the spoken commentary and subtitles');
  $('spoken-links').replaceChildren(...links);
  show($('spoken'), Boolean(audioName || commentated));
  show($('voice-option'), Boolean(commentated));
}

// With "spoken commentary" on, the player shows commentated.mp4 (same frames, voice mixed in).
$('voice').addEventListener('change', () => {
  const files = current?.status?.files ?? current?.files;
  if (!files) return;
  const url = $('voice').checked ? fileUrl(files, 'commentated.mp4') : fileUrl(files, 'source', 'source.mp4');
  if (!url) return;
  const time = video.currentTime;
  const playing = !video.paused;
  video.src = url;
  video.addEventListener('loadedmetadata', () => {
    video.currentTime = time;
    if (playing) void video.play();
  }, { once: true });
});

// A signed URL that expired: fetch fresh ones and carry on where the video was.
let lastRefresh = 0;
video.addEventListener('error', async () => {
  if (!current || !selectedId || Date.now() - lastRefresh < 10000 || !video.getAttribute('src')) return;
  lastRefresh = Date.now();
  try {
    const status = await api(`/v1/videos/${encodeURIComponent(selectedId)}`);
    const url = status.files && ($('voice').checked ? fileUrl(status.files, 'commentated.mp4') : fileUrl(status.files, 'source', 'source.mp4'));
    if (!url) return;
    current.status = status;
    const time = video.currentTime;
    video.src = url;
    video.addEventListener('loadedmetadata', () => { video.currentTime = time; }, { once: true });
  } catch (err) {
    showError($('detail-error'), err);
  }
});

function resultDuration() {
  return current?.tracks?.video?.duration || current?.actions?.video?.duration || (Number.isFinite(video.duration) ? video.duration : 0);
}

function seek(time) {
  video.currentTime = Math.max(0, time);
  drawOverlay();
}

const actionNames = {
  'start-moving': 'starts moving', stop: 'stops', sprint: 'sprint', meet: 'meet', possession: 'possession',
  pass: 'pass', shot: 'shot', dribble: 'dribble', tackle: 'tackle',
};

function renderTimeline() {
  const events = [...(current?.actions?.events ?? [])].sort((a, b) => a.start - b.start);
  const duration = resultDuration() || Math.max(1, ...events.map((e) => e.end));
  // Lanes so that overlapping events stay clickable.
  const laneEnds = [];
  const placed = events.map((event) => {
    let lane = laneEnds.findIndex((end) => end <= event.start);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(0);
    }
    laneEnds[lane] = Math.max(event.end, event.start + duration * 0.02);
    return { event, lane };
  });
  const lanes = Math.max(1, Math.min(6, laneEnds.length));
  $('timeline').style.setProperty('--lanes', String(lanes));
  $('timeline-lanes').replaceChildren(...placed.map(({ event, lane }) => h('button', {
    type: 'button',
    class: `mark action-${event.action}`,
    style: `left: ${(event.start / duration) * 100}%; width: max(6px, ${((event.end - event.start) / duration) * 100}%); top: calc(${Math.min(lane, lanes - 1)} * var(--lane-height));`,
    title: `${formatTime(event.start)} ${actionNames[event.action] ?? event.action} (${event.trackIds.map((t) => `#${t}`).join(', ')})`,
    'aria-label': `${actionNames[event.action] ?? event.action} at ${formatTime(event.start)}`,
    dataset: { eventId: event.id },
    onclick: () => seek(event.start),
  })));
  $('event-list').replaceChildren(...events.map((event) => h('li', { dataset: { eventId: event.id } },
    h('button', { type: 'button', class: 'event-row', onclick: () => seek(event.start) },
      h('span', { class: 'mono' }, formatTime(event.start)),
      h('span', { class: `dot action-${event.action}`, 'aria-hidden': 'true' }),
      h('span', { class: 'grow' }, actionNames[event.action] ?? event.action),
      h('span', { class: 'muted' }, event.trackIds.map((t) => `#${t}`).join(' ')),
      h('span', { class: 'muted mono' }, `${Math.round(event.confidence * 100)}%`)))));
  if (!events.length) $('event-list').replaceChildren(h('li', { class: 'muted' }, 'No events were recognised.'));
}

// A click on the timeline between the events seeks to that moment.
$('timeline').addEventListener('click', (e) => {
  if (e.target.closest('.mark')) return;
  const box = $('timeline').getBoundingClientRect();
  const duration = resultDuration();
  if (duration && box.width) seek(((e.clientX - box.left) / box.width) * duration);
});

function renderCommentary() {
  const c = current?.commentary;
  const languages = { en: 'English', ko: 'Korean' };
  $('commentary-meta').textContent = c ? [languages[c.language] ?? c.language, c.model].filter(Boolean).join(' · ') : '';
  const lines = c?.lines ?? [];
  $('commentary').replaceChildren(...lines.map((line, i) => h('li', { dataset: { line: String(i) } },
    h('button', { type: 'button', class: 'line-row', onclick: () => seek(line.start + 0.01) },
      h('span', { class: 'mono muted' }, formatTime(line.start)),
      h('span', { class: 'grow', lang: c.language }, line.text)))));
  if (!lines.length && c?.text) $('commentary').replaceChildren(h('li', {}, c.text));
}

let followed;

/** Highlights the events and the commentary line at the current time, and moves the playhead. */
function updateTimes() {
  const t = video.currentTime;
  const duration = resultDuration();
  if (duration) $('playhead').style.left = `${Math.min(100, (t / duration) * 100)}%`;
  const active = new Set();
  for (const e of current?.actions?.events ?? []) if (t >= e.start && t <= e.end) active.add(e.id);
  for (const el of document.querySelectorAll('[data-event-id]')) el.classList.toggle('active', active.has(el.dataset.eventId));
  // The event list follows the video (it scrolls by itself, never the page).
  const list = $('event-list');
  const first = list.querySelector('li.active');
  if (first && first !== followed) {
    followed = first;
    if (first.offsetTop < list.scrollTop || first.offsetTop + first.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = first.offsetTop;
  }
  const lines = current?.commentary?.lines ?? [];
  for (const el of $('commentary').children) {
    const line = lines[Number(el.dataset.line)];
    el.classList.toggle('active', Boolean(line && t >= line.start && t < line.end));
  }
  // The line being spoken, also under the player: the native subtitles can hide behind the
  // controls on a small screen.
  const now = lines.find((line) => t >= line.start && t < line.end);
  $('now-line').textContent = now?.text ?? '';
  if (current?.commentary?.language) $('now-line').lang = current.commentary.language;
}

function drawOverlay(mediaTime = video.currentTime) {
  const index = current?.tracks;
  if (!index) {
    drawFrame(overlay, undefined, 1);
    $('frame-info').textContent = '';
    return;
  }
  const frame = frameAt(mediaTime, index.video);
  const highlight = new Set();
  for (const e of current?.actions?.events ?? []) if (mediaTime >= e.start && mediaTime <= e.end) for (const id of e.trackIds) highlight.add(id);
  const drawn = drawFrame(overlay, index, frame, { highlight, visible: $('show-boxes').checked });
  overlay.dataset.frame = String(frame);
  overlay.dataset.boxes = String(drawn);
  $('frame-info').textContent = `frame ${frame} · ${drawn} tracked`;
}

// Redraw on every presented frame where the browser says which one (requestVideoFrameCallback),
// else on every animation frame while playing; and after seeks, pauses and resizes.
if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) {
  const onFrame = (_now, meta) => {
    drawOverlay(meta.mediaTime);
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
} else {
  const loop = () => {
    drawOverlay();
    if (!video.paused && !video.ended) requestAnimationFrame(loop);
  };
  video.addEventListener('play', () => requestAnimationFrame(loop));
}
for (const type of ['seeked', 'loadeddata', 'pause', 'timeupdate']) video.addEventListener(type, () => {
  if (type === 'seeked') followed = undefined;
  if (type !== 'timeupdate' || video.paused) drawOverlay();
  updateTimes();
});
video.addEventListener('loadedmetadata', () => {
  if (!current?.tracks && video.videoWidth) $('player').style.setProperty('--ar', `${video.videoWidth} / ${video.videoHeight}`);
});
new ResizeObserver(() => drawOverlay()).observe(overlay);
$('show-boxes').addEventListener('change', () => drawOverlay());

// ---------------------------------------------------------------------------------------------
// Start

function restart() {
  listSupported = true;
  nextPageToken = undefined;
  void refreshList().then(scheduleList);
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash) {
    stopWatching?.();
    stopWatching = undefined;
    select(fromHash);
  }
}

if (getKey()) restart();
else askForKey();
