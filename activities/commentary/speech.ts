// Text to speech, one interface: espeak-ng locally (a Debian package, no network), the OpenAI
// speech API (or a compatible server) in production. A speaker writes one line to an audio file.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import OpenAI from 'openai';
import type { Language } from '../../contracts/video-commentary';
import { openAIFailure } from './openai-failures';

export interface Speaker {
  readonly name: 'espeak' | 'openai';
  /** Writes `text` spoken in `language` to `outFile`, in a format ffmpeg reads (WAV). */
  speak(text: string, language: Language, outFile: string, signal?: AbortSignal): Promise<void>;
}

const espeakVoices: Record<Language, string> = { en: 'en-gb', ko: 'ko' };

export interface EspeakOptions {
  /** Words a minute per language. */
  rate?: Partial<Record<Language, number>>;
  /** The program, `espeak-ng` on the PATH unless given. */
  command?: string;
}

export function espeakSpeaker({ rate = {}, command = 'espeak-ng' }: EspeakOptions = {}): Speaker {
  const wpm = { en: 180, ko: 200, ...rate };
  return {
    name: 'espeak',
    speak: (text, language, outFile, signal) => new Promise<void>((resolve, reject) => {
      // The text goes on stdin, so that nothing in it can be taken for an option.
      const child = spawn(command, ['-v', espeakVoices[language], '-s', String(wpm[language]), '-w', outFile, '--stdin'], {
        stdio: ['pipe', 'ignore', 'pipe'], signal,
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`espeak-ng failed (${code}): ${stderr.trim().slice(0, 300)}`))));
      child.stdin.on('error', () => undefined);
      child.stdin.end(text);
    }),
  };
}

export interface OpenAISpeechOptions {
  apiKey: string;
  baseURL?: string;
  /** gpt-4o-mini-tts unless given. */
  model?: string;
  /** alloy unless given. */
  voice?: string;
  timeoutMs?: number;
}

export function openAISpeaker(options: OpenAISpeechOptions): Speaker {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeoutMs ?? 60_000, maxRetries: 0 });
  const model = options.model ?? 'gpt-4o-mini-tts';
  return {
    name: 'openai',
    async speak(text, language, outFile, signal) {
      try {
        const response = await client.audio.speech.create({
          model, voice: options.voice ?? 'alloy', input: text, response_format: 'wav',
          ...(model.startsWith('tts-1') ? {} : {
            instructions: `Speak ${language === 'ko' ? 'Korean' : 'English'} like a lively football commentator on television.`,
          }),
        }, { signal });
        await writeFile(outFile, Buffer.from(await response.arrayBuffer()));
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        throw openAIFailure(err, 'speech request', options.apiKey);
      }
    },
  };
}

export type SpeechSettings = { backend: 'espeak' } & EspeakOptions | ({ backend: 'openai' } & OpenAISpeechOptions);

export function createSpeaker(settings: SpeechSettings = { backend: 'espeak' }): Speaker {
  return settings.backend === 'openai' ? openAISpeaker(settings) : espeakSpeaker(settings);
}
