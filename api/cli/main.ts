// bing: the command-line client. `bing process FILE` uploads a video and follows it to its commentary;
// `bing watch ID` follows a request; `bing commentary ID` prints a finished request's commentary or saves its files; `bing job` runs a
// reference job on this machine. bin.cjs runs runBing.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VideoStatus } from '../../client/videos-service';
import { runJob } from './job-command';
import { showModels } from './models-view';
import { formatTable } from './table';
import { ApiClient, ApiError } from './api-client';
import { commentaryText, formattedCommentary, saveCommentary } from './commentary-files';
import { parseCommandLine, type ApiInvocation, type Invocation } from './command-line';
import { ProgressView } from './progress-view';
import { UsageError } from './usage-error';

function apiKey(): string {
  if (process.env.BING_API_KEY) return process.env.BING_API_KEY;
  const file = join(resolve(process.env.BING_DATA_DIR ?? '.data'), 'api-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(`no API key: set BING_API_KEY, or run \`npm start\` first (it writes ${file})`);
  }
}

/** Where `bing process` remembers unfinished uploads, so that running it again on the file resumes. */
const uploadsFile = () => join(process.env.BING_DATA_DIR ? resolve(process.env.BING_DATA_DIR) : join(homedir(), '.bing'), 'tus-uploads.json');

const finished = (s: VideoStatus) => s.status !== 'running';

/**
 * Shows the lines of the segments commented since `shown` segments were (a long video's commentary
 * as it runs); returns how many are now shown. Lines that cannot be read now come with a later status.
 */
async function newLines(api: ApiClient, status: VideoStatus, view: ProgressView, shown: number): Promise<number> {
  const commented = status.segments?.filter((s) => s.commentaryKey !== undefined).length ?? 0;
  if (status.status !== 'running' || commented <= shown) return shown;
  const commentary = await api.commentary(status.videoId).catch(() => undefined);
  if (!commentary) return shown;
  view.commentary(commentary.lines);
  return commented;
}

/** Polls the status until the request ends, riding out a minute of the API being away (a restart). */
async function follow(api: ApiClient, videoId: string, view: ProgressView | undefined): Promise<VideoStatus> {
  let unreachableSince: number | undefined;
  let commented = 0;
  for (;;) {
    let status: VideoStatus;
    try {
      status = await api.status(videoId);
      unreachableSince = undefined;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > 60_000) throw err;
      await sleep(1000);
      continue;
    }
    view?.stages(status);
    if (view) commented = await newLines(api, status, view, commented);
    if (finished(status)) return status;
    await sleep(500);
  }
}

const toStderr = (line: string) => process.stderr.write(`${line}\n`);

async function processVideo(api: ApiClient, { target: file, language, style, teams, save, json }: ApiInvocation): Promise<number> {
  const view = json ? undefined : new ProgressView(process.stderr);
  const { videoId, workflowId } = await api.upload(file, { language, style, teams }, (sent, total) => view?.upload(sent, total));
  view?.done();
  if (!json) process.stderr.write(`video ${videoId} (workflow ${workflowId})\n`);
  const status = await follow(api, videoId, view);
  if (status.status !== 'completed') {
    if (json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    else process.stderr.write(`\nrequest ${status.status} at stage ${status.stage}: ${status.error ?? 'no reason given'}\n`);
    return 1;
  }
  const commentary = await api.commentary(videoId);
  process.stdout.write(json ? `${JSON.stringify({ ...status, commentary }, null, 2)}\n` : `\n${commentaryText(commentary)}`);
  if (save) await saveCommentary(api, videoId, save, toStderr);
  return 0;
}

/** Follows a request to its end (`bing watch`, `bing rerun`); exit status 0 when it completed. */
async function followToEnd(api: ApiClient, videoId: string, json: boolean): Promise<number> {
  const status = await follow(api, videoId, json ? undefined : new ProgressView(process.stderr));
  if (json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  else if (status.status !== 'completed') process.stderr.write(`\nrequest ${status.status} at stage ${status.stage}: ${status.error ?? 'no reason given'}\n`);
  return status.status === 'completed' ? 0 : 1;
}

async function showCommentary(api: ApiClient, { target: videoId, format, save }: ApiInvocation): Promise<number> {
  process.stdout.write(await formattedCommentary(api, videoId, format));
  if (save) await saveCommentary(api, videoId, save, toStderr);
  return 0;
}

async function showStatus(api: ApiClient, videoId: string, json: boolean): Promise<number> {
  const status = await api.status(videoId);
  if (json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  } else {
    process.stdout.write(`video ${status.videoId}: ${status.status}, stage ${status.stage}${status.error ? ` (${status.error})` : ''}\n`);
    new ProgressView(process.stdout).stages(status);
  }
  return status.status === 'failed' ? 1 : 0;
}

async function listJobs(api: ApiClient, json: boolean): Promise<number> {
  const { jobs } = await api.jobs();
  if (json) {
    process.stdout.write(`${JSON.stringify(jobs, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(formatTable([['JOB', 'VIDEO', 'KIND', 'STATUS', 'STARTS', 'STARTED', 'SECONDS'],
    ...jobs.map((j) => [j.name, j.videoId ?? '-', j.kind, j.status, String(j.starts), j.startedAt, j.seconds.toFixed(1)])]));
  return 0;
}

async function run(argv: string[]): Promise<number> {
  let invocation: Invocation | 'help';
  try {
    invocation = parseCommandLine(argv, (help) => process.stdout.write(help));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bing: ${err.message}\n${err.usage}`);
    return 2;
  }
  if (invocation === 'help') return 0;
  if (invocation.command === 'job') return runJob(invocation.plan);
  const { command, target, json } = invocation;
  const api = new ApiClient(process.env.BING_API_URL ?? 'http://127.0.0.1:8080', apiKey(), invocation.user, uploadsFile());
  switch (command) {
    case 'process':
      return processVideo(api, invocation);
    case 'commentary':
      return showCommentary(api, invocation);
    case 'status':
      return showStatus(api, target, json);
    case 'cancel': {
      const { status, stage } = await api.cancel(target);
      process.stdout.write(`cancellation requested: ${status} at stage ${stage}\n`);
      return 0;
    }
    case 'rerun': {
      const { run } = await api.rerun(target);
      if (!json) process.stderr.write(`run ${run} of video ${target} started\n`);
      return followToEnd(api, target, json);
    }
    case 'watch':
      return followToEnd(api, target, json);
    case 'jobs':
      return listJobs(api, json);
    case 'models':
      return showModels(api, json);
  }
}

/** Runs `bing ARGV...`; its exit status. */
export async function runBing(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (err) {
    process.stderr.write(`bing: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
