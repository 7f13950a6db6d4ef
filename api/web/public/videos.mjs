// The videos on the page: each one's latest summary and status by id, the list's order, and the
// selected one. Every change tells the one listener (the list, which draws them).

/** @typedef {import('./stages.mjs').Video} Video */

/** @type {Map<string, Video>} */
const byVideoId = new Map();
/** @type {string[]} */
let order = [];
/** @type {string | undefined} */
let selected;
let changed = () => {};

/** @param {() => void} listener */
export function onVideosChange(listener) {
  changed = listener;
}

/** @param {string} videoId */
export const videoById = (videoId) => byVideoId.get(videoId);

export const allVideos = () => [...byVideoId.values()];

/** The videos in the list's order. */
export const listedVideos = () => order.map((id) => byVideoId.get(id)).filter((v) => v !== undefined);

export const listOrder = () => order;

/** @param {string[]} videoIds */
export function setListOrder(videoIds) {
  order = videoIds;
}

/**
 * Merges what is known of a video into what was; a new one goes first in the list.
 * @param {Partial<Video> & { videoId: string }} summary
 * @returns {Video}
 */
export function upsertVideo(summary) {
  const merged = /** @type {Video} */ ({ ...byVideoId.get(summary.videoId), ...summary });
  byVideoId.set(summary.videoId, merged);
  if (!order.includes(summary.videoId)) order.unshift(summary.videoId);
  changed();
  return merged;
}

export const selectedId = () => selected;

/** @param {string | undefined} videoId */
export function setSelectedId(videoId) {
  selected = videoId;
  changed();
}
