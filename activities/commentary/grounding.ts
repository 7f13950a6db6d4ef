// The rule every commentary line keeps, whoever wrote it: it names events that exist, and it is
// shown within their span (from the first one's start to the last one's end).
import type { ActionEvent, CommentaryLine } from './actions';
import type { Language } from '../../contracts/video-commentary';

/** Slack for times rounded to the millisecond. */
const epsilon = 0.001;

const hangul = /[\uac00-\ud7a3]/;

export const containsHangul = (text: string) => hangul.test(text);

/** Everything wrong with the lines, one sentence each; empty when they are grounded. */
export function groundingProblems(lines: CommentaryLine[], events: ActionEvent[] | Map<string, ActionEvent>, language?: Language): string[] {
  const byId = events instanceof Map ? events : new Map(events.map((e) => [e.id, e]));
  const problems: string[] = [];
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`;
    if (!line.text.trim()) problems.push(`${where} has no text`);
    if (!(Number.isFinite(line.start) && Number.isFinite(line.end)) || line.end < line.start) {
      problems.push(`${where} has start ${line.start} after end ${line.end}`);
    }
    if (!line.eventIds.length) {
      problems.push(`${where} names no events`);
      return;
    }
    const unknown = line.eventIds.filter((id) => !byId.has(id));
    if (unknown.length) {
      problems.push(`${where} names events that do not exist: ${unknown.slice(0, 5).join(', ')}`);
      return;
    }
    const named = line.eventIds.map((id) => byId.get(id)!);
    const first = Math.min(...named.map((e) => e.start));
    const last = Math.max(...named.map((e) => e.end));
    if (line.start < first - epsilon || line.end > last + epsilon) {
      problems.push(`${where} runs ${line.start}-${line.end} s, outside its events' span ${first}-${last} s`);
    }
    if (language === 'ko' && !containsHangul(line.text)) problems.push(`${where} is not in Korean (Hangul)`);
  });
  return problems;
}
