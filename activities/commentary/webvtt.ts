import type { CommentaryLine } from './actions';

function timestamp(seconds: number, separator: '.' | ','): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${separator}${pad(ms % 1000, 3)}`;
}

const cueText = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('-->', '--&gt;');

export function toWebVtt(lines: CommentaryLine[]): string {
  const cues = lines.map((l, i) => `${i + 1}\n${timestamp(l.start, '.')} --> ${timestamp(l.end, '.')}\n${cueText(l.text)}\n`);
  return ['WEBVTT', '', ...cues].join('\n');
}
