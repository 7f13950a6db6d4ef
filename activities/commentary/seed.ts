// A commentary's seed from text (FNV-1a): the same video, or the same request to a model, gives the same seed.
export function seedOf(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** The seed of a video's commentary, or of one window of it: each segment of a long video picks its own phrases. */
export const commentarySeed = (videoId: string, window?: { from: number; to: number }): number =>
  seedOf(window ? `${videoId}@${window.from}-${window.to}` : videoId);
