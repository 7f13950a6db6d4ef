// The voice track's format, 24 kHz mono 16-bit PCM, and the WAV files BING writes in it: the whole
// track (commentary.wav) and each line's clip.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const sampleRate = 24_000;
const headerBytes = 44;

/** Input options for a file BING made itself (the voice, the subtitles): read as that format only. */
export const madeHere = (format: 'wav' | 'srt') => ['-protocol_whitelist', 'file,pipe', '-f', format];

/**
 * Audio files as 16-bit mono PCM at the track's rate, each sped up by its tempo where that is over
 * 1, by one ffmpeg for all of them: starting ffmpeg costs far more than converting a line's clip.
 * Each file's samples are written beside it (`${file}.pcm`) and read back.
 */
export async function pcmAll(inputs: { file: string; tempo?: number }[], signal?: AbortSignal): Promise<Buffer[]> {
  if (inputs.length === 0) return [];
  const outputs = inputs.map(({ file }) => `${file}.pcm`);
  await run('ffmpeg', [
    '-v', 'error', '-y',
    ...inputs.flatMap(({ file }) => [...madeHere('wav'), '-i', file]),
    ...inputs.flatMap(({ tempo = 1 }, i) => [
      '-map', `${i}:a:0`, ...(tempo > 1.001 ? ['-filter:a', `atempo=${tempo.toFixed(3)}`] : []),
      '-f', 's16le', '-ac', '1', '-ar', String(sampleRate), outputs[i]!,
    ]),
  ], { maxBuffer: 16 << 20, signal });
  return Promise.all(outputs.map((output) => readFile(output)));
}

export function wavHeader(samples: number): Buffer {
  const header = Buffer.alloc(headerBytes);
  const data = samples * 2;
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data, 40);
  return header;
}

/** PCM samples as a WAV file in the track's format. */
export const toWav = (samples: Buffer): Buffer => Buffer.concat([wavHeader(samples.length / 2), samples]);

/** The PCM samples of a WAV file that toWav wrote; undefined for anything else (a clip from an older format, a damaged one). */
export function wavSamples(wav: Buffer): Buffer | undefined {
  if (wav.length < headerBytes) return undefined;
  const samples = wav.subarray(headerBytes);
  return wavHeader(samples.length / 2).equals(wav.subarray(0, headerBytes)) && samples.length % 2 === 0 ? samples : undefined;
}
