// Facts about a video from ffprobe, and proof that ffmpeg decodes its frames. The file is read only
// through the allowed containers (common/video-input.ts): a playlist, an image sequence or a still
// image is refused by ffmpeg before it opens anything, and named here as what it is.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NotAVideo } from '../common/errors';
import { SAFE_VIDEO_INPUT } from '../common/video-input';
import type { VideoFacts } from '../contracts/video-commentary';

const run = promisify(execFile);

/** Shorter videos are refused: too little for tracking, actions or a line of commentary. */
export const MIN_VIDEO_SECONDS = 1;

export interface ProbeOutput {
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

/** Demuxers of files that name other files. */
const playlists = new Set(['hls', 'dash', 'concat', 'imf', 'sdp']);
const isImage = (demuxer: string) => ['image2', 'image2pipe', 'gif', 'apng'].includes(demuxer) || demuxer.endsWith('_pipe');

/** The demuxer ffmpeg detected and refused, from its "[hls @ 0x…] Format not on whitelist" line. */
const refusedDemuxer = (err: unknown): string | undefined =>
  /^\[(\w+) @ [^\]]*\] Format not on whitelist/m.exec((err as { stderr?: string }).stderr ?? '')?.[1];

function notAllowed(demuxer: string): NotAVideo {
  if (playlists.has(demuxer)) return new NotAVideo(`the file is a playlist (${demuxer}), not a video file`);
  if (isImage(demuxer)) return new NotAVideo(`the file is an image or an image sequence (${demuxer}), not a video`);
  return new NotAVideo(`not a video in an accepted container: ffmpeg reads the file as ${demuxer}; accepted are MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV, Ogg, MXF and raw H.264/HEVC`);
}

/** ffmpeg or ffprobe on the user's file, which it may read only as one video in an allowed container. */
async function readVideo(command: 'ffmpeg' | 'ffprobe', path: string, args: string[], what: string): Promise<string> {
  try {
    const { stdout } = await run(command, ['-v', 'error', ...SAFE_VIDEO_INPUT, '-i', path, ...args], { maxBuffer: 16 << 20 });
    return stdout;
  } catch (err) {
    const demuxer = refusedDemuxer(err);
    throw demuxer ? notAllowed(demuxer) : new NotAVideo(`${what}: ${firstLine(err, path)}`);
  }
}

/** ffprobe's streams and format of the user's file; NotAVideo when it cannot be read as a video. */
export async function ffprobe(path: string): Promise<ProbeOutput> {
  return JSON.parse(await readVideo('ffprobe', path, ['-print_format', 'json', '-show_format', '-show_streams'], 'not a readable video')) as ProbeOutput;
}

export async function probeVideo(path: string): Promise<VideoFacts> {
  const probe = await ffprobe(path);
  const video = probe.streams?.find((s) => s.codec_type === 'video');
  if (!video?.width || !video.height) throw new NotAVideo('not a video: the file has no video stream');
  // One line per decoded frame: three prove the stream decodes and is more than a still image.
  const crc = await readVideo('ffmpeg', path, ['-xerror', '-map', '0:v:0', '-frames:v', '3', '-f', 'framecrc', '-'], 'the video stream cannot be decoded');
  const frames = crc.split('\n').filter((line) => line && !line.startsWith('#')).length;
  if (frames < 2) throw new NotAVideo(`not a video: ${frames ? 'it holds a single frame (a still image)' : 'none of its frames decodes'}`);
  const fps = rate(video.avg_frame_rate) || rate(video.r_frame_rate);
  const durationSeconds = Number(probe.format?.duration ?? video.duration ?? 0) ||
    (fps > 0 && video.nb_frames ? Number(video.nb_frames) / fps : 0);
  if (!(durationSeconds > 0)) throw new NotAVideo('not a video: it has no duration (a still image or an empty stream)');
  // A picture under a long sound track is as short as its video stream.
  const videoSeconds = Number(video.duration) || durationSeconds;
  if (videoSeconds < MIN_VIDEO_SECONDS) throw new NotAVideo(`the video is ${videoSeconds.toFixed(2)} s long; BING needs at least ${MIN_VIDEO_SECONDS} s`);
  return {
    durationSeconds,
    fps,
    width: video.width,
    height: video.height,
    codec: video.codec_name ?? 'unknown',
    container: probe.format?.format_name ?? 'unknown',
  };
}
