// The page's side of the BING API: the key, JSON calls with problem+json errors, uploads with
// progress (tus, resumable), and live status through Server-Sent Events (polling where they are not available).

const keyStorage = 'bing.apiKey';

export function getKey() {
  try {
    return localStorage.getItem(keyStorage) ?? '';
  } catch {
    return '';
  }
}

export function setKey(key) {
  localStorage.setItem(keyStorage, key.trim());
}

/** An error answer of the API (RFC 9457 problem+json), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

function problemFrom(status, statusText, text) {
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

/** Calls the API with the key; resolves to the parsed JSON body (or null when there is none). */
export async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      body,
      signal,
      headers: { authorization: `Bearer ${getKey()}`, accept: 'application/json', ...headers },
    });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(0, 'Network error', 'the server did not answer');
  }
  const text = await res.text();
  if (!res.ok) throw problemFrom(res.status, res.statusText, text);
  return text ? JSON.parse(text) : null;
}

/**
 * Uploads a file with tus (tus-js-client, loaded by the page as the global `tus`) to /v1/uploads:
 * resumable, so an upload stopped or broken off continues where the server has it when the same
 * file is uploaded again (its fingerprint and upload URL are kept in localStorage). Returns
 * {promise, abort}; the promise resolves to {videoId, workflowId, statusUrl}.
 */
export function uploadVideo(file, language, onProgress) {
  const tus = globalThis.tus;
  let upload;
  let rejectUpload;
  const promise = new Promise((resolve, reject) => {
    rejectUpload = reject;
    if (!tus?.Upload) {
      reject(new ApiError(0, 'Upload unavailable', 'the upload library did not load; reload the page'));
      return;
    }
    upload = new tus.Upload(file, {
      endpoint: new URL('/v1/uploads', location.href).href,
      chunkSize: 16 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      headers: { authorization: `Bearer ${getKey()}` },
      metadata: { filename: file.name.slice(0, 255), filetype: file.type || 'application/octet-stream', language },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => onProgress(sent, total),
      onSuccess: () => {
        const videoId = new URL(upload.url, location.href).pathname.split('/').pop();
        resolve({ videoId, workflowId: `video-${videoId}`, statusUrl: `/v1/videos/${videoId}` });
      },
      onError: (err) => {
        const res = err?.originalResponse;
        reject(res ? problemFrom(res.getStatus(), '', res.getBody() ?? '') : new ApiError(0, 'Network error', 'the upload broke off; upload the same file again to continue'));
      },
    });
    upload.findPreviousUploads().then(
      (previous) => {
        const last = previous.sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)))[0];
        if (last) upload.resumeFromPreviousUpload(last);
        upload.start();
      },
      () => upload.start(),
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
 * stream cannot be opened. Calls onStatus with each status and onError with each failure;
 * returns a function that stops watching.
 */
export function watchVideo(videoId, { onStatus, onError }) {
  const id = encodeURIComponent(videoId);
  let stopped = false;
  let timer;
  let source;

  const poll = async () => {
    timer = undefined;
    if (stopped) return;
    try {
      const status = await api(`/v1/videos/${id}`);
      if (stopped) return;
      onStatus(status);
      if (status.status !== 'running') return;
    } catch (err) {
      if (stopped) return;
      onError(err);
      if (err.status === 401 || err.status === 404) return;
    }
    timer = setTimeout(poll, 2000);
  };

  if (typeof EventSource === 'function') {
    source = new EventSource(`/v1/videos/${id}/events?key=${encodeURIComponent(getKey())}`);
    source.addEventListener('status', (e) => {
      if (stopped) return;
      try {
        onStatus(JSON.parse(e.data));
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
