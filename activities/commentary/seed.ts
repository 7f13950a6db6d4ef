// A commentary's seed from text (FNV-1a): the same video, or the same request to a model, gives the same seed.
export function seedOf(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}
