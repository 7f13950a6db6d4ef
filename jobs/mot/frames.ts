// The video side: ffprobe's facts, and ffmpeg decoding the frames of the video or of a range of it,
// scaled to the detector's working size and piped out raw (RGB24), so any container and codec
// ffmpeg reads works.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { JobFailure } from '../contract';
import type { VideoFacts } from '../formats';

export interface Probe extends VideoFacts {
  codec: string;
  container: string;
  /**
   * Whether ffmpeg's seek to a frame's time lands on that frame: an indexed container (MP4/MOV,
   * Matroska/WebM) at a constant frame rate. Seeks in MPEG-TS/PS, AVI and the like were seen to land
   * frames off or to decode from a non-key frame.
   */
  seeksToFrames: boolean;
}

interface FfprobeOutput {
  streams?: {
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    nb_frames?: string;
    nb_read_packets?: string;
    duration?: string;
  }[];
  format?: { format_name?: string; duration?: string };
}

/**
 * ffmpeg input options that let a file be read only as one video in a real container: a playlist
 * (HLS, concat) or an image sequence inside it cannot open another file. The list matches ingest's
 * (common/video-input.ts); this job is its own program and keeps its own copy.
 */
const SAFE_INPUT = ['-protocol_whitelist', 'file,pipe', '-format_whitelist', 'mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,ogg,mxf,h264,hevc'];

export async function probeVideo(path: string): Promise<Probe> {
  let out: FfprobeOutput;
  try {
    const { stdout } = await promisify(execFile)('ffprobe', [
      '-v', 'error', '-select_streams', 'v:0', '-count_packets',
      '-show_entries', 'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames,nb_read_packets,duration:format=format_name,duration',
      '-of', 'json', ...SAFE_INPUT, path,
    ], { maxBuffer: 1 << 20 });
    out = JSON.parse(stdout) as FfprobeOutput;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new JobFailure(`the input is not a video ffmpeg can read: ${stderr || (err as Error).message}`);
  }
  const stream = out.streams?.[0];
  if (!stream?.width || !stream.height) throw new JobFailure('the input is not a video: it has no video stream');
  const fps = rate(stream.avg_frame_rate) || rate(stream.r_frame_rate);
  const duration = Number(stream.duration ?? out.format?.duration ?? NaN);
  const frames = Number(stream.nb_read_packets ?? stream.nb_frames ?? NaN) || Math.round(duration * fps);
  if (!fps || !(frames > 1)) throw new JobFailure(`the input is not a video: ${frames || 'no'} frame(s) at ${fps || 'unknown'} fps (a still image?)`);
  const container = out.format?.format_name ?? 'unknown';
  return {
    width: stream.width,
    height: stream.height,
    fps,
    frames,
    duration: Number.isFinite(duration) ? duration : frames / fps,
    codec: stream.codec_name ?? 'unknown',
    container,
    seeksToFrames: /(^|,)(mov|matroska)(,|$)/.test(container) && rate(stream.avg_frame_rate) === rate(stream.r_frame_rate),
  };
}

export interface DecodedFrame {
  /** 0-based index of the frame in the video. */
  index: number;
  /** RGB24 at the working size. */
  rgb: Buffer;
}

/** Frames [first, end) of a video, 0-based; no `end`: to the end of the video. */
export interface FrameRange {
  first: number;
  end?: number;
}

/**
 * Decodes the frames of `range` scaled (not cropped) to width × height, on one decoding thread (the
 * job is meant to keep up on one core). The first frame is reached by seeking half a frame before its
 * time where that is exact (`video.seeksToFrames`), else by decoding from the start and dropping the
 * frames before it unscaled. ffmpeg's cheaper `fast_bilinear` scaler was tried: it smears the ball
 * too much to be found.
 */
export async function* decodeFrames(path: string, video: Pick<Probe, 'fps' | 'seeksToFrames'>, width: number, height: number, range: FrameRange = { first: 0 }): AsyncGenerator<DecodedFrame> {
  const { first, end } = range;
  const seek = first > 0 && video.seeksToFrames;
  const filters = [...(first > 0 && !seek ? [`select='gte(n\\,${first})'`] : []), `scale=${width}:${height}:flags=bilinear`];
  const ffmpeg = spawn('ffmpeg', [
    '-v', 'error', '-nostdin', '-threads', '1', ...SAFE_INPUT, ...(seek ? ['-ss', ((first - 0.5) / video.fps).toFixed(6)] : []), '-i', path, '-map', '0:v:0',
    '-vf', filters.join(','), ...(end === undefined ? [] : ['-frames:v', String(end - first)]),
    '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  ffmpeg.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = once(ffmpeg, 'close') as Promise<[number | null]>;
  const size = width * height * 3;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let n = 0;
  try {
    for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= size) {
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        yield { index: first + n++, rgb: all.subarray(0, size) };
        pending = all.length > size ? [all.subarray(size)] : [];
        pendingBytes = all.length - size;
      }
    }
  } finally {
    if (ffmpeg.exitCode === null) ffmpeg.kill();
  }
  const [code] = await exited;
  if (code !== 0) throw new JobFailure(`ffmpeg could not decode the video (exit ${code}): ${stderr.trim()}`);
  if (n === 0) throw new JobFailure('ffmpeg decoded no frames from the video');
}

function rate(r: string | undefined): number {
  const [num, den] = (r ?? '').split('/').map(Number);
  return num && den ? num / den : 0;
}

/**
 * Keeps up to `ahead` items of a generator decoded in advance, so ffmpeg decodes the next frames
 * while the detector works (a pipe holds only 64 KiB: without this ffmpeg would wait for us).
 */
export async function* prefetch<T>(source: AsyncGenerator<T>, ahead: number): AsyncGenerator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  try {
    for (;;) {
      while (queue.length < ahead) queue.push(source.next());
      const next = await queue.shift()!;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await Promise.allSettled(queue);
    await source.return(undefined);
  }
}
