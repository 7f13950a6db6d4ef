// Small real videos made with ffmpeg's test sources, for tests that need a decodable file.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function testPattern(path: string, { seconds = 1, codec = 'libx264', size = '160x120' } = {}): Promise<string> {
  await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=${size}:rate=25`, '-c:v', codec, '-pix_fmt', 'yuv420p', path]);
  return path;
}
