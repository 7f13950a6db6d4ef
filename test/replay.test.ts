// Replays every recorded history in test/histories/ (test/histories/record.ts; README: Replay tests)
// on the workflow code the worker runs: histories recorded on earlier commits prove that a deploy of
// this code can take over requests and retraining runs that older workers started, with tracing off
// and on (the OpenTelemetry workflow interceptors only add headers and a sink, no commands). A copy of
// videoCommentary that schedules one more activity first must fail its replay.
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowCode } from '../workers/bundle-workflows';
import { projectRoot } from '../workers/tools';
import { readHistory } from './helpers/histories';

const historiesDir = join(projectRoot, 'test', 'histories');

let files: string[];
let dir: string;

beforeAll(async () => {
  files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
  dir = await mkdtemp(join(tmpdir(), 'bing-replay-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The replay error of each history file that failed, by file name. */
async function replayErrors(options: ReplayWorkerOptions, names: string[]): Promise<Record<string, Error>> {
  const histories = await Promise.all(names.map(async (name) => ({ workflowId: name, history: await readHistory(join(historiesDir, name)) })));
  const errors: Record<string, Error> = {};
  for await (const result of Worker.runReplayHistories(options, histories)) {
    if (result.error) errors[result.workflowId] = result.error;
  }
  return errors;
}

describe('replay of recorded histories', () => {
  it('has histories of both workflows: completed, cancelled and failed requests, a promotion and a continued run', () => {
    for (const scenario of ['video-completed', 'video-cancelled-during-mot', 'video-failed-not-a-video', 'retraining-promoted', 'retraining-continued-rejected']) {
      expect(files.filter((f) => f.startsWith(`${scenario}.`)).length, scenario).toBeGreaterThanOrEqual(2);
    }
  });

  it('replays every history on the workflow code the worker runs', async () => {
    expect(await replayErrors(workflowCode(), files)).toEqual({});
  }, 120_000);

  it('replays every history with the OpenTelemetry workflow interceptors: workflows started before tracing was switched on keep replaying', async () => {
    const exporter = new InMemorySpanExporter();
    const sinks = { exporter: makeWorkflowExporter(exporter, new Resource({ 'service.name': 'bing-replay' })) };
    expect(await replayErrors({ ...workflowCode(true), sinks }, files)).toEqual({});
  }, 120_000);

  it('fails the replay of videoCommentary histories when the workflow schedules an activity the history lacks', async () => {
    const workflows = join(dir, 'workflows');
    await cp(join(projectRoot, 'workflows'), workflows, { recursive: true });
    await cp(join(projectRoot, 'contracts'), join(dir, 'contracts'), { recursive: true });
    await symlink(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
    const file = join(workflows, 'video-commentary.ts');
    const code = await readFile(file, 'utf8');
    const first = 'const models = await currentModels();';
    expect(code).toContain(first);
    await writeFile(file, code.replace(first, `await discardVideo({ uploadKey: incomingKey(videoId), resultsPrefix: prefix });\n    ${first}`));

    const videos = files.filter((f) => f.startsWith('video-'));
    const errors = await replayErrors({ workflowsPath: join(workflows, 'index.ts') }, videos);
    expect(Object.keys(errors).sort()).toEqual(videos);
    for (const err of Object.values(errors)) expect(err).toBeInstanceOf(DeterminismViolationError);
  }, 120_000);
});
