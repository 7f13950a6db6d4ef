// Commentary lines as subtitle files, WebVTT and SRT. A line is timed to its events, which can be
// shorter than anyone can read: here, and only here, a cue is held for a minimum time, as long as
// that does not run into the next line or past the end of the video.
import type { CommentaryLine } from './actions';

export interface CueOptions {
  /** Shortest time a cue stays on screen, in seconds. */
  minDisplaySeconds?: number;
  /** The video's duration: no cue runs past it. */
  duration?: number;
}

export interface Cue {
  start: number;
  end: number;
  text: string;
}

export function cues(lines: CommentaryLine[], { minDisplaySeconds = 1.5, duration }: CueOptions = {}): Cue[] {
  const sorted = [...lines].sort((x, y) => x.start - y.start || x.end - y.end);
  return sorted.map((line, i) => {
    let end = Math.max(line.end, line.start + minDisplaySeconds);
    const next = sorted.slice(i + 1).find((l) => l.start > line.start);
    if (next) end = Math.min(end, Math.max(next.start, line.end));
    if (duration !== undefined && duration > line.start) end = Math.min(end, duration);
    end = Math.max(end, line.start + 0.01);
    return { start: line.start, end, text: line.text.replace(/\s*[\r\n]+\s*/g, ' ').trim() };
  });
}

function timestamp(seconds: number, separator: '.' | ','): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

const vttText = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function toWebVtt(lines: CommentaryLine[], options?: CueOptions): string {
  const body = cues(lines, options).map((c, i) => `${i + 1}\n${timestamp(c.start, '.')} --> ${timestamp(c.end, '.')}\n${vttText(c.text)}\n`);
  return ['WEBVTT', '', ...body].join('\n');
}

/** SubRip: numbered cues, `HH:MM:SS,mmm` timestamps, a blank line after each. */
export function toSrt(lines: CommentaryLine[], options?: CueOptions): string {
  return cues(lines, options).map((c, i) => `${i + 1}\n${timestamp(c.start, ',')} --> ${timestamp(c.end, ',')}\n${c.text}\n\n`).join('');
}
