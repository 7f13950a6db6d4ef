// Facts about a video from ffprobe, and proof that ffmpeg can decode its first frames.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { VideoFacts } from '../workflows/definitions';

const run = promisify(execFile);

export class NotAVideo extends Error {}

interface ProbeOutput {
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string; duration?: string; nb_frames?: string }[];
  format?: { format_name?: string; duration?: string };
}

const rate = (r?: string): number => {
  const [n, d] = (r ?? '0/1').split('/').map(Number);
  return n && d ? n / d : 0;
};

/** ffmpeg's first complaint, without the server-side path it names the file by. */
const firstLine = (err: unknown, path: string): string =>
  ((err as { stderr?: string }).stderr ?? String(err)).replaceAll(`${path}: `, '').split('\n').map((l) => l.trim()).find(Boolean) ?? 'unknown error';

export async function probeVideo(path: string): Promise<VideoFacts> {
  let probe: ProbeOutput;
  try {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], { maxBuffer: 16 << 20 });
    probe = JSON.parse(stdout) as ProbeOutput;
  } catch (err) {
    throw new NotAVideo(`not a readable video: ${firstLine(err, path)}`);
  }
  const video = probe.streams?.find((s) => s.codec_type === 'video');
  if (!video?.width || !video.height) throw new NotAVideo('not a video: the file has no video stream');
  try {
    await run('ffmpeg', ['-v', 'error', '-xerror', '-i', path, '-map', '0:v:0', '-frames:v', '3', '-f', 'null', '-']);
  } catch (err) {
    throw new NotAVideo(`the video stream cannot be decoded: ${firstLine(err, path)}`);
  }
  const fps = rate(video.avg_frame_rate) || rate(video.r_frame_rate);
  const durationSeconds = Number(probe.format?.duration ?? video.duration ?? 0) ||
    (fps > 0 && video.nb_frames ? Number(video.nb_frames) / fps : 0);
  if (!(durationSeconds > 0)) throw new NotAVideo('not a video: it has no duration (a still image or an empty stream)');
  return {
    durationSeconds,
    fps,
    width: video.width,
    height: video.height,
    codec: video.codec_name ?? 'unknown',
    container: probe.format?.format_name ?? 'unknown',
  };
}
