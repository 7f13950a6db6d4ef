// The `bing` command line's grammar: which command takes what, checked before anything is sent.
import { parseArgs } from 'node:util';

export const usage = `usage:
  bing process FILE [--language en|ko] [--style play-by-play|summary] [--teams A,B] [--save DIR] [--json]
                                   upload a video (resumably: run it again after an interruption),
                                   follow it and print its commentary; --save also writes its files
  bing commentary ID [--format text|json|vtt|srt] [--save DIR]
                                   print a finished request's commentary; --save writes
                                   commentary.json, .vtt, .srt, commentary.wav and commentated.mp4 into DIR
  bing status ID [--json]          show where a request is
  bing cancel ID                   cancel a request (its GPU job is stopped)
  bing rerun ID [--json]           process a finished request again with today's models
  bing jobs [--json]               list GPU jobs and how often each was started
  bing models [--json]             each model's current version, its trained versions (promoted or
                                   rejected, and why) and its retraining
  bing job <mot|action|train> ...  run one reference job on this machine, without the API
                                   (\`bing job\` alone prints its options)

Every command takes --user NAME: act for that user (with the local key).
The API is BING_API_URL (default http://127.0.0.1:8080) with the key BING_API_KEY
(default: the local key in $BING_DATA_DIR/api-key, which \`npm start\` prints).`;

export class UsageError extends Error {}

const optionTypes = {
  user: { type: 'string' },
  language: { type: 'string' },
  style: { type: 'string' },
  teams: { type: 'string' },
  format: { type: 'string' },
  save: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof optionTypes;

const choices = {
  language: ['en', 'ko'],
  style: ['play-by-play', 'summary'],
  format: ['text', 'json', 'vtt', 'srt'],
} as const;

export type Language = (typeof choices.language)[number];
export type Style = (typeof choices.style)[number];
export type CommentaryFormat = (typeof choices.format)[number];
export interface TeamNames { 0: string; 1: string }

/** --teams "Reds,Blues": the names of team 0 and team 1, used instead of shirt colours. */
function teamNames(value: string | undefined): TeamNames | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((n) => n.trim());
  if (names.length !== 2 || names.some((n) => n.length === 0 || n.length > 60)) throw new UsageError('--teams takes two names of 1 to 60 characters, e.g. --teams "Reds,Blues"');
  return { 0: names[0]!, 1: names[1]! };
}

/** Each command's positional argument, if any, and the options it takes besides --user and --help. */
const commands = {
  process: { target: 'FILE', options: ['language', 'style', 'teams', 'save', 'json'] },
  commentary: { target: 'ID', options: ['format', 'save'] },
  status: { target: 'ID', options: ['json'] },
  cancel: { target: 'ID', options: [] },
  rerun: { target: 'ID', options: ['json'] },
  jobs: { target: undefined, options: ['json'] },
  models: { target: undefined, options: ['json'] },
} satisfies Record<string, { target: string | undefined; options: OptionName[] }>;

export type Command = keyof typeof commands;

export interface Invocation {
  command: Command;
  /** The FILE or ID; '' for `jobs` and `models`. */
  target: string;
  user?: string;
  language: Language;
  style: Style;
  teams?: TeamNames;
  format: CommentaryFormat;
  save?: string;
  json: boolean;
}

const isCommand = (name: string): name is Command => Object.hasOwn(commands, name);

function choice<K extends keyof typeof choices>(name: K, value: string | undefined, fallback: (typeof choices)[K][number]): (typeof choices)[K][number] {
  if (value === undefined) return fallback;
  const allowed: readonly string[] = choices[name];
  if (!allowed.includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not ${value}`);
  return value as (typeof choices)[K][number];
}

/** The invocation, or 'help'; throws UsageError for anything that is not a valid command line. */
export function parseCommandLine(argv: string[]): Invocation | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: optionTypes });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { positionals, values } = parsed;
  if (values.help) return 'help';
  const [command, target, ...extra] = positionals;
  if (!command) throw new UsageError('no command given');
  if (!isCommand(command)) throw new UsageError(`unknown command ${command}`);
  const grammar: { target: string | undefined; options: readonly OptionName[] } = commands[command];
  if (grammar.target && !target) throw new UsageError(`bing ${command} needs ${grammar.target}`);
  const unexpected = grammar.target ? extra : positionals.slice(1);
  if (unexpected.length) throw new UsageError(`unexpected argument ${unexpected[0]}`);
  for (const name of Object.keys(values) as OptionName[]) {
    if (name !== 'user' && !grammar.options.includes(name)) throw new UsageError(`bing ${command} does not take --${name}`);
  }
  if (values.save === '') throw new UsageError('--save needs a directory');
  return {
    command,
    target: target ?? '',
    user: values.user,
    language: choice('language', values.language, 'en'),
    style: choice('style', values.style, 'play-by-play'),
    teams: teamNames(values.teams),
    format: choice('format', values.format, 'text'),
    save: values.save,
    json: values.json ?? false,
  };
}
