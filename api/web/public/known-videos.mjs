// Videos this browser uploaded, remembered so the list works even where the server cannot list.

const knownStorage = 'bing.videos';

/** @typedef {{ videoId: string, fileName?: string, startedAt?: string }} KnownVideo */

/** @returns {KnownVideo[]} newest first */
export function knownVideos() {
  try {
    const list = JSON.parse(localStorage.getItem(knownStorage) ?? '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

/** @param {KnownVideo} video */
export function remember(video) {
  const list = knownVideos().filter((v) => v.videoId !== video.videoId);
  list.unshift({ videoId: video.videoId, fileName: video.fileName, startedAt: video.startedAt ?? new Date().toISOString() });
  localStorage.setItem(knownStorage, JSON.stringify(list.slice(0, 50)));
}
