// The `bing` command line's arguments: what it refuses before sending anything. What it does against
// the API is driven in test/e2e.test.ts, on the whole stack.
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../api/cli/command-line';
import { bing } from './helpers/stack';

/** An API that is never reached: a bad command line ends with status 2 before any request. */
const env = { ...process.env, BING_API_URL: 'http://127.0.0.1:9', BING_API_KEY: 'unused' };

describe('bing command line', () => {
  it.each([
    [[], /no command given/],
    [['publish', 'x'], /unknown command publish/],
    [['process'], /bing process needs FILE/],
    [['commentary'], /bing commentary needs ID/],
    [['status', 'a', 'b'], /unexpected argument b/],
    [['jobs', 'extra'], /unexpected argument extra/],
    [['process', 'clip.mp4', '--language', 'fr'], /--language must be one of en, ko, not fr/],
    [['process', 'clip.mp4', '--style', 'poetry'], /--style must be one of play-by-play, summary/],
    [['commentary', 'v1', '--format', 'xml'], /--format must be one of text, json, vtt, srt/],
    [['commentary', 'v1', '--save'], /--save/],
    [['commentary', 'v1', '--save', ''], /--save needs a directory/],
    [['commentary', 'v1', '--language', 'ko'], /bing commentary does not take --language/],
    [['jobs', '--save', 'out'], /bing jobs does not take --save/],
    [['process', 'clip.mp4', '--teams', 'Reds'], /--teams takes two names/],
    [['commentary', 'v1', '--teams', 'Reds,Blues'], /bing commentary does not take --teams/],
    [['status', 'v1', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(message);
  });

  it('reads each command with its defaults', () => {
    expect(parseCommandLine(['process', 'clip.mp4', '--language', 'ko', '--style', 'summary', '--save', 'out'])).toEqual({
      command: 'process', target: 'clip.mp4', user: undefined, language: 'ko', style: 'summary', format: 'text', save: 'out', json: false,
    });
    expect(parseCommandLine(['process', 'clip.mp4', '--teams', ' Reds , Blue Boys'])).toMatchObject({ teams: { 0: 'Reds', 1: 'Blue Boys' } });
    expect(parseCommandLine(['commentary', 'v1', '--format', 'srt', '--user', 'ann'])).toMatchObject({ command: 'commentary', target: 'v1', format: 'srt', user: 'ann', save: undefined });
    expect(parseCommandLine(['jobs', '--json'])).toMatchObject({ command: 'jobs', target: '', json: true });
    expect(parseCommandLine(['status', '-h'])).toBe('help');
  });

  it('answers a bad command line with its usage and status 2, sending nothing', async () => {
    const { code, stdout, stderr } = await bing(env, 'process', 'clip.mp4', '--language', 'fr');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^bing: --language must be one of en, ko, not fr\nUsage: bing process \[options\] <FILE>\n/);
    expect(stdout).toBe('');
  });

  it('prints its usage on --help, with status 0', async () => {
    const { code, stdout } = await bing(env, 'commentary', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: bing commentary \[options\] <ID>\n/);
    expect(stdout).toMatch(/--format <format> .*\n.*\(choices: "text", "json", "vtt", "srt", default: "text"\)/);
    expect(stdout).toMatch(/--save <DIR> /);
  });

  it('passes a valid command line on to the API (here one that cannot be reached: status 1)', async () => {
    const { code, stderr } = await bing(env, 'commentary', 'v1', '--format', 'srt', '--save', 'out');
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach the BING API at http:\/\/127\.0\.0\.1:9/);
  });
});
