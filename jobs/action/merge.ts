// Merges overlapping (or nearly touching) events of the same action and players, then numbers them.
import type { ActionEvent } from '../formats';
import type { Draft } from './events';

const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;

export function mergeEvents(drafts: Draft[], gapSeconds: number): ActionEvent[] {
  const groups = new Map<string, Draft[]>();
  for (const d of drafts) {
    // Pairs in meet are unordered; pass and tackle keep [from, to].
    const ids = d.action === 'meet' ? [...d.trackIds].sort((a, b) => a - b) : d.trackIds;
    const key = `${d.action}:${ids.join(',')}`;
    const list = groups.get(key) ?? [];
    list.push({ ...d, trackIds: ids });
    groups.set(key, list);
  }
  const merged: Draft[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => a.start - b.start);
    let cur: Draft | undefined;
    for (const d of list) {
      if (cur && d.start <= cur.end + gapSeconds) {
        cur.end = Math.max(cur.end, d.end);
        cur.confidence = Math.max(cur.confidence, d.confidence);
      } else {
        if (cur) merged.push(cur);
        cur = { ...d };
      }
    }
    if (cur) merged.push(cur);
  }
  merged.sort((a, b) => a.start - b.start || a.end - b.end || a.action.localeCompare(b.action) || a.trackIds.join().localeCompare(b.trackIds.join()));
  return merged.map((d, i) => ({
    id: `ev-${String(i + 1).padStart(4, '0')}`,
    start: round(Math.max(0, d.start)),
    end: round(Math.max(d.start, d.end)),
    trackIds: d.trackIds,
    action: d.action,
    confidence: round(Math.min(1, Math.max(0, d.confidence))),
  }));
}
