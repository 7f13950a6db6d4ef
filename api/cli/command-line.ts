// The `bing` command line's one grammar (commander): which command takes what, checked before
// anything is sent or run, and the help generated from it.
import { Argument, Command, CommanderError, Option } from 'commander';
import type { z } from 'zod';
import { JOB_PROGRAMS, type JobProgram } from '../../common/job-programs';
import { languages, type Language } from '../../contracts/video-commentary';
import type { commentaryQuery, teamNamesSchema, uploadSettings } from '../openapi/videos';
import { JOB_INPUTS, planJob, type JobOptions, type JobPlan } from './job-command';
import { UsageError } from './usage-error';

export type Style = z.infer<typeof uploadSettings>['style'];
/** The files the API serves, or `text`: the timed lines for people. */
export type CommentaryFormat = z.infer<typeof commentaryQuery>['format'] | 'text';
export type TeamNames = Required<z.infer<typeof teamNamesSchema>>;

/** Each value the option or argument `label` may take; anything else is a UsageError. */
function oneOf<T extends string>(label: string, values: readonly T[]) {
  return (value: string): T => {
    if (!values.includes(value as T)) throw new UsageError(`${label} must be one of ${values.join(', ')}, not ${value}`);
    return value as T;
  };
}

function choiceOption<T extends string>(name: string, description: string, values: readonly T[], fallback: T): Option {
  return new Option(`--${name} <${name}>`, description).choices(values).default(fallback).argParser(oneOf(`--${name}`, values));
}

/** --teams "Reds,Blues": the names of team 0 and team 1, used instead of shirt colours. */
function teamNames(value: string): TeamNames {
  const names = value.split(',').map((n) => n.trim());
  if (names.length !== 2 || names.some((n) => n.length === 0 || n.length > 60)) throw new UsageError('--teams takes two names of 1 to 60 characters, e.g. --teams "Reds,Blues"');
  return { 0: names[0]!, 1: names[1]! };
}

function directory(value: string): string {
  if (value === '') throw new UsageError('--save needs a directory');
  return value;
}

const defaults = { language: 'en', style: 'play-by-play', format: 'text', json: false } as const;

const options = {
  language: choiceOption('language', 'the commentary language', languages, defaults.language),
  style: choiceOption('style', 'the commentary style', ['play-by-play', 'summary'] satisfies Style[], defaults.style),
  teams: new Option('--teams <A,B>', 'names for team 0 and team 1 instead of their shirt colours').argParser(teamNames),
  format: choiceOption('format', 'the timed lines as text, or the file as the API serves it', ['text', 'json', 'vtt', 'srt'] satisfies CommentaryFormat[], defaults.format),
  save: new Option('--save <DIR>', 'also write commentary.json, .vtt, .srt, commentary.wav and commentated.mp4 into DIR').argParser(directory),
  json: new Option('--json', 'print JSON'),
  user: new Option('--user <NAME>', 'act for that user (with the local key)'),
};

/** The commands that call the API: their positional argument, if any, and the options they take besides --user. */
const apiCommands = {
  process: {
    target: 'FILE', options: [options.language, options.style, options.teams, options.save, options.json],
    description: 'upload a video (resumably: run it again after an interruption), follow it and print its commentary',
  },
  commentary: { target: 'ID', options: [options.format, options.save], description: 'print a finished request\'s commentary' },
  status: { target: 'ID', options: [options.json], description: 'show where a request is' },
  watch: {
    target: 'ID', options: [options.json],
    description: 'follow a request to its end: its stages, a long video\'s segments, and its commentary lines as they appear',
  },
  cancel: { target: 'ID', options: [], description: 'cancel a request (its GPU job is stopped)' },
  rerun: { target: 'ID', options: [options.json], description: 'process a finished request again with today\'s models' },
  jobs: { target: undefined, options: [options.json], description: 'list GPU jobs and how often each was started' },
  models: {
    target: undefined, options: [options.json],
    description: 'each model\'s current version, its trained versions (promoted or rejected, and why) and its retraining',
  },
} satisfies Record<string, { target: string | undefined; options: Option[]; description: string }>;

export type ApiCommand = keyof typeof apiCommands;

export interface ApiInvocation {
  command: ApiCommand;
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

/** `bing job`: a reference job run on this machine, without the API. */
export interface JobInvocation {
  command: 'job';
  plan: JobPlan;
}

export type Invocation = ApiInvocation | JobInvocation;

/** Every field, the defaults where the command has no such option. */
function apiInvocation(command: ApiCommand, target: string | undefined, given: Partial<ApiInvocation>): ApiInvocation {
  const { user, language = defaults.language, style = defaults.style, teams, format = defaults.format, save, json = defaults.json } = given;
  return { command, target: target ?? '', user, language, style, teams, format, save, json };
}

const environment = `
The API is BING_API_URL (default http://127.0.0.1:8080) with the key BING_API_KEY
(default: the local key in $BING_DATA_DIR/api-key, which \`npm start\` prints).`;

const jobNotes = `
Either --root, or the job's input files and --out: a contract directory is laid out from them in a
temporary directory, the job run and its outputs copied to --out.`;

function jobCommand(program: Command, found: (invocation: Invocation) => void): void {
  const job = program.command('job')
    .description('run one reference job on this machine, without the API')
    .addArgument(new Argument('<JOB>', 'the job').choices(JOB_PROGRAMS).argParser(oneOf('JOB', JOB_PROGRAMS)))
    .option('--root <DIR>', 'a prepared contract directory, run as it is (BING_JOB_ROOT=DIR)')
    .option('--out <DIR>', 'where the job\'s outputs are copied');
  for (const [kind, inputs] of Object.entries(JOB_INPUTS)) {
    for (const [name, input] of Object.entries(inputs)) job.option(`--${name} <${input.directory ? 'DIR' : 'FILE'}>`, `${kind}: ${input.description}`);
  }
  job.option('--hyperparameters <key=value...>', 'train: kind, version, seed, holdout, max_seconds, rounds, tolerance (see jobs/train/hyperparameters.ts)')
    .addHelpText('after', jobNotes)
    .action(() => found({ command: 'job', plan: planJob(job.processedArgs[0] as JobProgram, job.opts<JobOptions>()) }));
}

function bingProgram(found: (invocation: Invocation) => void, writeHelp: (text: string) => void): Command {
  // Settings first: the subcommands inherit them. Errors are not printed here but thrown, for parseCommandLine.
  const program = new Command('bing')
    .description('BING\'s command-line client: sports videos in, broadcast-style commentary out')
    .exitOverride()
    .configureOutput({ writeOut: writeHelp, writeErr: () => undefined, outputError: () => undefined })
    .addHelpText('after', environment);
  for (const [name, spec] of Object.entries(apiCommands) as [ApiCommand, (typeof apiCommands)[ApiCommand]][]) {
    const command = program.command(name).description(spec.description);
    if (spec.target) command.argument(`<${spec.target}>`);
    for (const option of [...spec.options, options.user]) command.addOption(option);
    command.action(() => found(apiInvocation(name, command.processedArgs[0] as string | undefined, command.opts())));
  }
  jobCommand(program, found);
  return program;
}

/** Commander's complaint in bing's words. */
function complaint(command: Command, err: CommanderError): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  const path = command.parent ? `bing ${command.name()}` : 'bing';
  switch (err.code) {
    case 'commander.help': // with exit code 1: no subcommand
      return 'no command given';
    case 'commander.unknownCommand':
      return `unknown command ${quoted}`;
    case 'commander.missingArgument':
      return `${path} needs ${quoted}`;
    case 'commander.excessArguments':
      return `unexpected argument ${command.args[command.registeredArguments.length]}`;
    case 'commander.unknownOption': {
      const elsewhere = command.parent?.commands.some((other) => other.options.some((o) => o.long === quoted));
      return elsewhere ? `${path} does not take ${quoted}` : `Unknown option '${quoted}'${err.message.slice(err.message.indexOf(`'${quoted}'`) + quoted.length + 2)}`;
    }
    default:
      return err.message.replace(/^error: /, '');
  }
}

/**
 * The invocation, or 'help' once the help asked for went to `writeHelp`. Throws UsageError, with the
 * help of the command concerned, for anything that is not a valid command line.
 */
export function parseCommandLine(argv: string[], writeHelp: (text: string) => void = () => undefined): Invocation | 'help' {
  let invocation: Invocation | undefined;
  const program = bingProgram((found) => {
    invocation = found;
  }, writeHelp);
  let current = program;
  program.hook('preSubcommand', (_, subcommand) => {
    current = subcommand;
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message, current.helpInformation());
    if (!(err instanceof CommanderError)) throw err;
    if (err.code === 'commander.helpDisplayed' || (err.code === 'commander.help' && err.exitCode === 0)) return 'help';
    throw new UsageError(complaint(current, err), current.helpInformation());
  }
  return invocation!;
}
