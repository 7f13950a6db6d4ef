// Small real videos made with ffmpeg's test sources, for tests that need a decodable file.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPatternOptions {
  seconds?: number;
  codec?: string;
  size?: string;
  rate?: number;
  /** Written into the container's metadata: a marker a test can look for in other files. */
  comment?: string;
}

export async function testPattern(path: string, { seconds = 1, codec = 'libx264', size = '160x120', rate = 25, comment }: TestPatternOptions = {}): Promise<string> {
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=${size}:rate=${rate}`, '-c:v', codec, '-pix_fmt', 'yuv420p',
    ...(comment ? ['-metadata', `comment=${comment}`] : []), path]);
  return path;
}
