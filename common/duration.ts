// Durations as the configuration writes them ('90s', '5m', '24h'), in milliseconds. (Workflow code
// may not import common/: workflows/duration.ts is its own copy for the retraining workflow.)
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** What config.ts accepts as a duration. */
export const durationPattern = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

export function durationMs(text: string): number {
  const match = durationPattern.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * units[match[2]!]!;
}
