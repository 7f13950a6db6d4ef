// The page's side of the BING API: the key, JSON calls with problem+json errors, uploads with
// progress (tus, resumable), and live status through Server-Sent Events (polling where they are not available).
// The answers' types follow the schemas of the same names in /openapi.json.

/**
 * One stage's state in a status.
 * @typedef {object} StageState
 * @property {string} state pending, running, done, failed, cancelled or skipped
 * @property {number} progress 0 to 1
 * @property {number} [seconds]
 */

/**
 * One segment of a long video in a status.
 * @typedef {object} SegmentProgress
 * @property {number} index
 * @property {number} startSeconds
 * @property {number} endSeconds
 * @property {string} mot pending, running, done, failed or cancelled
 * @property {number} motProgress 0 to 1
 * @property {string} action
 * @property {string} commentary
 * @property {string} [commentaryKey]
 * @property {number} [lines] how many lines its commentary holds, once it exists
 */

/**
 * A video in a page of GET /v1/videos (VideoPage's `videos`).
 * @typedef {object} VideoListing
 * @property {string} videoId
 * @property {string} workflowId
 * @property {string} status running, completed, failed, cancelled, terminated or timed_out
 * @property {string} stage
 * @property {string} [fileName]
 * @property {string} [startedAt]
 * @property {string} [closedAt]
 */

/**
 * GET /v1/videos: a page of the user's videos, newest first.
 * @typedef {object} VideoPage
 * @property {VideoListing[]} videos
 * @property {string} [nextPageToken]
 */

/**
 * GET /v1/videos/{id} and each `status` event: schema VideoStatus.
 * @typedef {object} VideoStatus
 * @property {string} videoId
 * @property {string} userId
 * @property {number} run
 * @property {string} status
 * @property {string} workflowId
 * @property {string} stage
 * @property {Record<string, StageState>} stages
 * @property {SegmentProgress[]} [segments] a long video's segments, in order
 * @property {string} [error]
 * @property {Record<string, string>} files signed links to every stored file, by name
 * @property {string} [fileName]
 * @property {string} [startedAt]
 * @property {string} [closedAt]
 * @property {{ summary?: { language?: string } }} [result] the manifest, once completed
 */

/**
 * What an upload answers (schema UploadAccepted), as far as the page reads it.
 * @typedef {object} UploadAccepted
 * @property {string} videoId
 * @property {string} workflowId
 * @property {string} statusUrl
 */

const keyStorage = 'bing.apiKey';

/** @returns {string} */
export function getKey() {
  try {
    return localStorage.getItem(keyStorage) ?? '';
  } catch {
    return '';
  }
}

/** @param {string} key */
export function setKey(key) {
  localStorage.setItem(keyStorage, key.trim());
}

/** An error answer of the API (RFC 9457 problem+json), or a network failure (status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} title
   * @param {string} [detail]
   */
  constructor(status, title, detail) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

/**
 * @param {number} status
 * @param {string} statusText
 * @param {string} text the body
 */
function problemFrom(status, statusText, text) {
  /** @type {{ title?: unknown, detail?: unknown } | undefined} */
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const title = typeof body?.title === 'string' ? body.title : statusText || `HTTP ${status}`;
  const detail = typeof body?.detail === 'string' ? body.detail : undefined;
  return new ApiError(status, title, detail);
}

/**
 * Calls the API with the key; resolves to the parsed JSON body (or null when there is none).
 * @param {string} path
 * @param {{ method?: string }} [options]
 * @returns {Promise<unknown>}
 */
async function api(path, { method = 'GET' } = {}) {
  let res;
  try {
    res = await fetch(path, { method, headers: { authorization: `Bearer ${getKey()}`, accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'Network error', 'the server did not answer');
  }
  const text = await res.text();
  if (!res.ok) throw problemFrom(res.status, res.statusText, text);
  return text ? JSON.parse(text) : null;
}

const videoPath = (/** @type {string} */ videoId) => `/v1/videos/${encodeURIComponent(videoId)}`;

/**
 * A page of the user's videos.
 * @param {{ stage?: string, pageToken?: string }} query
 * @returns {Promise<VideoPage>}
 */
export function listVideos({ stage, pageToken }) {
  const params = new URLSearchParams({ pageSize: '20' });
  if (stage) params.set('stage', stage);
  if (pageToken) params.set('pageToken', pageToken);
  return /** @type {Promise<VideoPage>} */ (api(`/v1/videos?${params}`));
}

/**
 * @param {string} videoId
 * @returns {Promise<VideoStatus>}
 */
export function getVideo(videoId) {
  return /** @type {Promise<VideoStatus>} */ (api(videoPath(videoId)));
}

/**
 * Asks for the request to be cancelled or run again; resolves once the API has taken it.
 * @param {string} videoId
 * @param {'cancel' | 'rerun'} action
 */
export async function actOnVideo(videoId, action) {
  await api(`${videoPath(videoId)}/${action}`, { method: 'POST' });
}

/**
 * Uploads a file with tus (tus-js-client, loaded by the page as the global `tus`) to /v1/uploads:
 * resumable, so an upload stopped or broken off continues where the server has it when the same
 * file is uploaded again (its fingerprint and upload URL are kept in localStorage).
 * @param {File} file
 * @param {string} language
 * @param {(sent: number, total: number) => void} onProgress
 * @returns {{ promise: Promise<UploadAccepted>, abort: () => void }}
 */
export function uploadVideo(file, language, onProgress) {
  const { tus } = /** @type {{ tus?: typeof import('tus-js-client') }} */ (globalThis);
  /** @type {import('tus-js-client').Upload | undefined} */
  let upload;
  /** @type {(reason: unknown) => void} */
  let rejectUpload = () => {};
  /** @type {Promise<UploadAccepted>} */
  const promise = new Promise((resolve, reject) => {
    rejectUpload = reject;
    if (!tus?.Upload) {
      reject(new ApiError(0, 'Upload unavailable', 'the upload library did not load; reload the page'));
      return;
    }
    const started = new tus.Upload(file, {
      endpoint: new URL('/v1/uploads', location.href).href,
      chunkSize: 16 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      headers: { authorization: `Bearer ${getKey()}` },
      metadata: { filename: file.name.slice(0, 255), filetype: file.type || 'application/octet-stream', language },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => onProgress(sent, total),
      onSuccess: () => {
        const videoId = new URL(started.url ?? '', location.href).pathname.split('/').pop() ?? '';
        resolve({ videoId, workflowId: `video-${videoId}`, statusUrl: `/v1/videos/${videoId}` });
      },
      onError: (err) => {
        const res = 'originalResponse' in err ? err.originalResponse : null;
        reject(res ? problemFrom(res.getStatus(), '', res.getBody() ?? '') : new ApiError(0, 'Network error', 'the upload broke off; upload the same file again to continue'));
      },
    });
    upload = started;
    started.findPreviousUploads().then(
      (previous) => {
        const last = previous.sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)))[0];
        if (last) started.resumeFromPreviousUpload(last);
        started.start();
      },
      () => started.start(),
    );
  });
  const abort = () => {
    // Keeps the upload on the server and its URL here: uploading the same file again resumes it.
    void upload?.abort();
    rejectUpload(new DOMException('the upload was stopped', 'AbortError'));
  };
  return { promise, abort };
}

/**
 * Follows one video's status until its request ends: Server-Sent Events from
 * /v1/videos/{id}/events, falling back to polling GET /v1/videos/{id} every two seconds when the
 * stream cannot be opened. Calls onStatus with each status, onCommentary with each segment's lines
 * as they appear (from the stream only) and onError with each failure; returns a function that
 * stops watching.
 * @param {string} videoId
 * @param {{ onStatus: (status: VideoStatus) => void, onCommentary: (segment: import('./live-commentary.mjs').SegmentCommentary) => void, onError: (err: unknown) => void }} handlers
 * @returns {() => void}
 */
export function watchVideo(videoId, { onStatus, onCommentary, onError }) {
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {EventSource | undefined} */
  let source;

  const poll = async () => {
    timer = undefined;
    if (stopped) return;
    try {
      const status = await getVideo(videoId);
      if (stopped) return;
      onStatus(status);
      if (status.status !== 'running') return;
    } catch (err) {
      if (stopped) return;
      onError(err);
      if (err instanceof ApiError && (err.status === 401 || err.status === 404)) return;
    }
    timer = setTimeout(poll, 2000);
  };

  if (typeof EventSource === 'function') {
    source = new EventSource(`${videoPath(videoId)}/events?key=${encodeURIComponent(getKey())}`);
    source.addEventListener('status', (e) => {
      if (stopped) return;
      try {
        onStatus(JSON.parse(e.data));
      } catch (err) {
        onError(err);
      }
    });
    source.addEventListener('commentary', (e) => {
      if (stopped) return;
      try {
        onCommentary(JSON.parse(e.data));
      } catch (err) {
        onError(err);
      }
    });
    source.addEventListener('end', () => {
      source?.close();
      source = undefined;
      // One last read, in case the stream ended before its last status reached us.
      void poll();
    });
    source.onerror = () => {
      // CONNECTING: the browser reconnects by itself. CLOSED: the stream was refused; poll instead.
      if (source && source.readyState === EventSource.CLOSED) {
        source = undefined;
        if (!stopped && timer === undefined) void poll();
      }
    };
  } else {
    void poll();
  }

  return () => {
    stopped = true;
    source?.close();
    source = undefined;
    clearTimeout(timer);
  };
}
