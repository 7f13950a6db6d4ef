// A finished request's commentary on the command line: printed in a format, or saved as files.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiClient, Commentary } from './api-client';
import type { CommentaryFormat } from './command-line';

const clock = (seconds: number) => `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${(seconds % 60).toFixed(1).padStart(4, '0')}`;

/** One line for people: `  [00:12.0 - 00:14.5] text`. */
export const timedLine = (l: Commentary['lines'][number]): string => `  [${clock(l.start)} - ${clock(l.end)}] ${l.text}`;

/** The timed lines, for people. */
export function commentaryText(commentary: Commentary): string {
  return [`Commentary (${commentary.language}):`, ...commentary.lines.map(timedLine)].join('\n') + '\n';
}

export async function formattedCommentary(api: ApiClient, videoId: string, format: CommentaryFormat): Promise<string> {
  if (format === 'text') return commentaryText(await api.commentary(videoId));
  const body = await api.commentaryAs(videoId, format);
  return body.endsWith('\n') ? body : `${body}\n`;
}

const subtitleFormats = ['json', 'vtt', 'srt'] as const;
/** Spoken commentary, stored when the speech stage ran. */
const mediaFiles = ['commentary.wav', 'commentated.mp4'];

const size = (bytes: number) => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`);

/**
 * Writes commentary.json, .vtt and .srt, and commentary.wav and commentated.mp4 where the request
 * has them, into `dir`; tells `report` of each file written.
 */
export async function saveCommentary(api: ApiClient, videoId: string, dir: string, report: (line: string) => void): Promise<void> {
  await mkdir(dir, { recursive: true });
  const wrote = async (path: string) => {
    report(`wrote ${path} (${size((await stat(path)).size)})`);
  };
  for (const format of subtitleFormats) {
    const path = join(dir, `commentary.${format}`);
    await writeFile(path, await api.commentaryAs(videoId, format));
    await wrote(path);
  }
  const { files } = await api.status(videoId);
  for (const name of mediaFiles.filter((n) => files[n])) {
    const path = join(dir, name);
    await api.download(files[name]!, path);
    await wrote(path);
  }
}
