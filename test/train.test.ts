// The training job, run as a child process under the SageMaker training contract on generated
// labelled examples (test/fixtures/training), and `bing job`, which runs any job by hand.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBing } from '../api/cli/main';
import { builtinParams } from '../jobs/action/params';
import { loadModel } from '../jobs/action/model';
import type { ActionEvent, ActionsFile } from '../jobs/formats';
import { matchEvents, pooled, prf } from '../jobs/event-match';
import { scoreModel } from '../jobs/train/evaluate';
import { readExamples } from '../jobs/train/examples';
import { splitExamples } from '../jobs/train/split';
import { writeTrainingData } from './fixtures/training';
import { jobCommands } from '../common/job-programs';
import { DEFAULT_MOT_SETTINGS, type MotSettings } from '../jobs/mot/settings';
import { hota } from '../jobs/mot-hota';
import { readMot, score } from '../jobs/mot-metrics';
import { writeMotSequences } from './fixtures/training/mot-sequences';

const projectRoot = join(__dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'bing-train-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const data = join(scratch, 'data');
let names: string[] = [];
beforeAll(() => {
  names = writeTrainingData({ out: data, count: 8, seconds: 8 });
});

/** Speed thresholds three to four times too high: most start, stop and sprint events are missed. */
const POOR = { version: 'poor-1', params: { walkSpeed: 1, runSpeed: 2.5, sprintSpeed: 5 } };

interface Channels {
  train?: string | null;
  /** File name → content. */
  pretrained?: Record<string, string | Buffer>;
  current?: Record<string, string>;
  hyperparameters?: Record<string, string>;
}

interface JobRun { status: number | null; stdout: string; stderr: string; root: string }

let runs = 0;
function runTraining(channels: Channels): JobRun {
  const root = join(scratch, `job-${++runs}`);
  const channel = (name: string) => join(root, 'input', 'data', name);
  mkdirSync(channel('train'), { recursive: true });
  if (channels.train !== null) cpSync(channels.train ?? data, channel('train'), { recursive: true });
  for (const name of ['pretrained', 'current'] as const) {
    for (const [file, content] of Object.entries(channels[name] ?? {})) {
      mkdirSync(channel(name), { recursive: true });
      writeFileSync(join(channel(name), file), content);
    }
  }
  mkdirSync(join(root, 'input', 'config'), { recursive: true });
  writeFileSync(join(root, 'input', 'config', 'hyperparameters.json'), JSON.stringify(channels.hyperparameters ?? {}));
  const child = spawnSync(process.execPath, jobCommands().train.slice(1), {
    cwd: projectRoot, env: { ...process.env, BING_JOB_ROOT: root }, encoding: 'utf8',
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, root };
}

/** The run failed (exit code 1) for `reason`, written to output/failure, and left no model. */
function expectFailure(run: JobRun, reason: RegExp): void {
  expect(run.status).toBe(1);
  expect(readFileSync(join(run.root, 'output', 'failure'), 'utf8')).toMatch(reason);
  expect(existsSync(join(run.root, 'model', 'model.json'))).toBe(false);
}

/** A gzipped tar holding model.json, as SageMaker packs a model directory. */
function modelArchive(model: unknown): Buffer {
  const dir = mkdtempSync(join(scratch, 'archive-'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  createTar({ gzip: true, file: join(dir, 'model.tar.gz'), cwd: dir, sync: true }, ['model.json']);
  return readFileSync(join(dir, 'model.tar.gz'));
}

describe('training data', () => {
  it('holds valid examples whose tracks carry a tracker\'s faults', () => {
    const examples = readExamples(data);
    expect(examples.map((e) => e.name)).toEqual(names);
    expect(names[0]).toBe('clip-401');
    for (const e of examples) {
      const truthIds = new Set(e.events.flatMap((ev) => ev.trackIds));
      const trackIds = new Set(e.tracks.tracks.map((t) => t.id));
      for (const id of truthIds) expect(trackIds.has(id)).toBe(true);
      expect(new Set(e.events.map((ev) => ev.action)).size).toBeGreaterThanOrEqual(4);
    }
    const persons = examples.flatMap((e) => e.tracks.tracks.filter((t) => t.class === 'person'));
    // Missed detections: tracks have holes between their first and last frame.
    expect(persons.some((t) => t.boxes.length < t.boxes.at(-1)!.frame - t.boxes[0]!.frame + 1)).toBe(true);
    // Fragments and spurious tracks: more person tracks than players, some of them short.
    expect(persons.some((t) => t.boxes.length < 25)).toBe(true);
  });
});

describe('event scores', () => {
  const ev = (action: ActionEvent['action'], start: number, end: number, trackIds = [1]): ActionEvent => ({ id: 'x', action, start, end, trackIds, confidence: 1 });

  it('matches events one to one by action and time within the tolerance', () => {
    const truth = [ev('pass', 1, 2), ev('pass', 1.5, 2.5), ev('stop', 4, 4)];
    const predicted = [ev('pass', 1.2, 2.1), ev('stop', 5.2, 5.2), ev('sprint', 0, 1)];
    const total = pooled(matchEvents(predicted, truth).values());
    expect(total).toEqual({ truth: 3, predicted: 3, tp: 1 });
    expect(prf(total).f1).toBeCloseTo(1 / 3);
    expect(pooled(matchEvents(predicted, truth, 1.5).values()).tp).toBe(2);
  });

  it('needs the same players when given a map of track ids', () => {
    const truth = [ev('pass', 1, 2, [1, 2])];
    const predicted = [ev('pass', 1, 2, [7, 8])];
    expect(pooled(matchEvents(predicted, truth, 1, new Map([[7, 1], [8, 2]])).values()).tp).toBe(1);
    expect(pooled(matchEvents(predicted, truth, 1, new Map([[7, 2], [8, 1]])).values()).tp).toBe(0);
  });
});

describe('split', () => {
  it('holds out at least one example and keeps one to train on, the same for the same seed', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const split = splitExamples(items, 0.25, 5);
    expect(split.heldOut).toHaveLength(2);
    expect([...split.train, ...split.heldOut].sort()).toEqual(items);
    expect(splitExamples(items, 0.25, 5)).toEqual(split);
    expect(splitExamples(items, 0.01, 5).heldOut).toHaveLength(1);
    expect(splitExamples(items, 0.99, 5).train).toHaveLength(1);
  });
});

describe('training job', () => {
  let run: JobRun;
  beforeAll(() => {
    run = runTraining({
      pretrained: { 'poor.pt': modelArchive(POOR) },
      current: { 'model.json': JSON.stringify({ version: 'current-3', params: builtinParams }) },
      hyperparameters: { kind: 'action', version: 'v7', seed: '3', rounds: '2', max_seconds: '600' },
    });
  });

  it('raises held-out F1 well above the poor pretrained model\'s', () => {
    expect(run.status, run.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(run.root, 'model', 'metrics.json'), 'utf8')) as Record<string, unknown> & Record<'candidate' | 'pretrained' | 'current', { f1: number; precision: number; recall: number }>;
    console.log(`held-out F1: candidate ${metrics.candidate.f1}, pretrained ${metrics.pretrained.f1}, current ${metrics.current.f1}`);
    expect(metrics).toMatchObject({ kind: 'action', metric: 'f1', examples: { train: 6, heldOut: 2 } });
    expect(metrics.candidate.f1).toBeGreaterThan(metrics.pretrained.f1 + 0.1);
    // The figures are the models' real scores on the held-out examples.
    const heldOut = readExamples(data).filter((e) => (metrics.heldOut as string[]).includes(e.name));
    expect(heldOut).toHaveLength(2);
    const model = loadModel(join(run.root, 'model'));
    expect(metrics.candidate.f1).toBeCloseTo(scoreModel(model.params, heldOut, 1).f1, 4);
    expect(metrics.pretrained.f1).toBeCloseTo(scoreModel({ ...builtinParams, ...POOR.params }, heldOut, 1).f1, 4);
    expect(metrics.current.f1).toBeCloseTo(scoreModel(builtinParams, heldOut, 1).f1, 4);
    for (const which of ['candidate', 'pretrained', 'current']) expect(run.stderr).toMatch(new RegExp(`^metric ${which}_f1=[0-9.]+$`, 'm'));
  });

  it('writes a model that the action job loads, with the version given', () => {
    const written = JSON.parse(readFileSync(join(run.root, 'model', 'model.json'), 'utf8')) as { trainedFrom: unknown };
    expect(written.trainedFrom).toEqual({ pretrained: 'poor.pt' });
    const model = loadModel(join(run.root, 'model'));
    expect(model).toMatchObject({ name: 'bing-action-rules', version: 'v7' });
    expect(model.params.sprintSpeed).toBeLessThan(POOR.params.sprintSpeed);
  });

  it('reports progress as JSON lines, the last one complete', () => {
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; progress: number; stage: string });
    expect(lines.some((l) => l.stage === 'train')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'progress', progress: 1, stage: 'done' });
  });

  it('runs the trained model through `bing job action`', async () => {
    const out = join(scratch, 'cli-action');
    const code = await runBing(['job', 'action', '--tracks', join(data, names[0]!, 'tracks.json'), '--model', join(run.root, 'model', 'model.json'), '--out', out]);
    expect(code).toBe(0);
    const actions = JSON.parse(readFileSync(join(out, 'actions.json'), 'utf8')) as ActionsFile;
    expect(actions.model.version).toBe('v7');
    expect(actions.events.length).toBeGreaterThan(0);
  });
});

describe('training job failures', () => {
  it.each([
    { name: 'not JSON', file: 'model.pt', content: 'PK\u0003\u0004 torch weights', reason: /^pretrained weights model\.pt are not a BING action model: .*not valid JSON/ },
    { name: 'another schema', file: 'weights.safetensors', content: '{"layers": [1, 2]}', reason: /^pretrained weights weights\.safetensors are not a BING action model: .*version/ },
    { name: 'bad parameter values', file: 'model.json', content: '{"version": "1", "params": {"walkSpeed": -1}}', reason: /^pretrained weights model\.json are not a BING action model: .*walkSpeed/ },
    { name: 'an unknown extension', file: 'model.bin', content: '{}', reason: /pretrained weights model\.bin have an unknown extension/ },
  ])('fails when the pretrained weights are $name', ({ file, content, reason }) => {
    const run = runTraining({ pretrained: { [file]: content } });
    expectFailure(run, reason);
  });

  it('fails when the pretrained channel holds several files', () => {
    const run = runTraining({ pretrained: { 'a.pt': JSON.stringify(POOR), 'b.pt': JSON.stringify(POOR) } });
    expectFailure(run, /pretrained channel holds 2 files \(a\.pt, b\.pt\)/);
  });

  it('fails on an empty train channel', () => {
    const run = runTraining({ train: null });
    expectFailure(run, /the train channel holds no examples/);
  });

  it('fails naming the example and its defect', () => {
    const broken = join(scratch, 'broken');
    cpSync(data, broken, { recursive: true });
    writeFileSync(join(broken, names[2]!, 'events.json'), JSON.stringify({ events: [{ id: 'e1', start: 1, end: 2, trackIds: [1], action: 'header' }] }));
    rmSync(join(broken, names[4]!, 'tracks.json'));
    const run = runTraining({ train: broken });
    expectFailure(run, new RegExp(`^example ${names[2]}: events.json is malformed: events\\.0\\.action`));
  });

  it('fails for a kind it does not train', () => {
    const run = runTraining({ hyperparameters: { kind: 'pose' } });
    expectFailure(run, /unknown kind 'pose': the reference training job trains kind=action or kind=mot/);
  });

  it('fails naming a bad hyperparameter', () => {
    const run = runTraining({ hyperparameters: { holdout: '1.5' } });
    expectFailure(run, /bad hyperparameters: holdout: must be a fraction/);
  });
});

describe('bing job', () => {
  it.each([
    { name: 'no job', args: [] },
    { name: 'an unknown job', args: ['dance', '--root', scratch] },
    { name: 'no --out', args: ['action', '--tracks', join(scratch, 'data', 'clip-401', 'tracks.json')] },
    { name: 'a missing input file', args: ['action', '--tracks', join(scratch, 'nothing.json'), '--out', scratch] },
    { name: 'an input of another job', args: ['mot', '--tracks', join(scratch, 'data', 'clip-401', 'tracks.json'), '--out', scratch] },
    { name: '--root with input files', args: ['train', '--root', scratch, '--data', data] },
    { name: 'hyperparameters for the action job', args: ['action', '--tracks', join(scratch, 'data', 'clip-401', 'tracks.json'), '--out', scratch, '--hyperparameters', 'seed=1'] },
    { name: 'a hyperparameter without a value', args: ['train', '--data', data, '--out', scratch, '--hyperparameters', 'seed'] },
    { name: 'an unknown option', args: ['train', '--data', data, '--out', scratch, '--fast'] },
  ])('answers $name with the usage and exit code 2', async ({ args }) => {
    expect(await runBing(['job', ...args])).toBe(2);
  });

  it('exits with the job\'s exit code on a prepared root that fails', async () => {
    const root = join(scratch, 'cli-root');
    mkdirSync(join(root, 'input', 'data', 'train'), { recursive: true });
    expect(await runBing(['job', 'train', '--root', root])).toBe(1);
    expect(readFileSync(join(root, 'output', 'failure'), 'utf8')).toMatch(/no examples/);
  });
});

describe('MOT training job', () => {
  const sequences = join(scratch, 'mot-sequences');
  /** The built-in settings but the detector's input side: small clips, quick detection. */
  const START = { name: 'upstream-mot', version: 'u1', settings: { detector: { inputSize: 320 } } };
  let run: JobRun;
  let metrics: { kind: string; metric: string; heldOut: string[]; examples: unknown } & Record<'candidate' | 'pretrained' | 'current', Record<string, number>>;

  /** Runs the MOT job by hand on a prepared root with the model directory given; its tracks.txt, tracks.json and log. */
  async function runMotJob(video: string, modelFiles: string) {
    const root = join(scratch, `mot-job-${++runs}`);
    mkdirSync(join(root, 'processing', 'input', 'video'), { recursive: true });
    cpSync(video, join(root, 'processing', 'input', 'video', 'video.mp4'));
    cpSync(modelFiles, join(root, 'processing', 'input', 'model'), { recursive: true });
    const child = spawnSync(process.execPath, jobCommands().mot.slice(1), { cwd: projectRoot, env: { ...process.env, BING_JOB_ROOT: root }, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const out = join(root, 'processing', 'output', 'tracks');
    return { tracksTxt: join(out, 'tracks.txt'), tracks: JSON.parse(readFileSync(join(out, 'tracks.json'), 'utf8')) as { detector: Record<string, unknown> }, log: child.stderr };
  }

  beforeAll(async () => {
    await writeMotSequences({ out: sequences, count: 3, seconds: 3, players: 6 });
    run = runTraining({
      train: sequences,
      pretrained: { 'mot-upstream.pt': modelArchive(START) },
      hyperparameters: { kind: 'mot', version: 'v3', seed: '2', rounds: '1', max_seconds: '600' },
    });
    if (run.status === 0) metrics = JSON.parse(readFileSync(join(run.root, 'model', 'metrics.json'), 'utf8')) as typeof metrics;
  }, 600_000);

  it('searches the tracking settings and scores candidate, pretrained and current on the held-out sequence', () => {
    expect(run.status, run.stderr).toBe(0);
    console.log(`held-out IDF1/HOTA: candidate ${JSON.stringify(metrics.candidate)}, pretrained ${JSON.stringify(metrics.pretrained)}, current ${JSON.stringify(metrics.current)}`);
    expect(metrics).toMatchObject({ kind: 'mot', metric: 'idf1_hota', examples: { train: 2, heldOut: 1 } });
    for (const which of ['candidate', 'pretrained', 'current'] as const) {
      const s = metrics[which];
      expect(s.idf1_hota).toBeCloseTo((s.idf1! + s.hota!) / 2, 3);
      expect(s.idf1).toBeGreaterThan(0);
      expect(run.stderr).toMatch(new RegExp(`^metric ${which}_idf1_hota=[0-9.]+$`, 'm'));
    }
    // The search moved at least one tracking setting for the better on the train sequences.
    expect(run.stderr).toMatch(/^round 1: people\.|^round 1: objects\./m);
    // Once per sequence for the starting model's detector (320) and once for the held-out one at the current model's (512).
    expect(run.stderr).toContain('the detector ran 4 times');
  });

  it('writes a MOT model whose held-out score is what the MOT job then does with it', async () => {
    const written = JSON.parse(readFileSync(join(run.root, 'model', 'model.json'), 'utf8')) as { name: string; version: string; settings: MotSettings; trainedFrom: unknown };
    expect(written).toMatchObject({ name: 'upstream-mot', version: 'v3', trainedFrom: { pretrained: 'mot-upstream.pt' } });
    expect(written.settings.detector.inputSize).toBe(320);
    expect(written.settings.people).not.toEqual(DEFAULT_MOT_SETTINGS.people);
    const heldOut = join(sequences, metrics.heldOut[0]!);
    const job = await runMotJob(join(heldOut, 'video.mp4'), join(run.root, 'model'));
    expect(job.log).toMatch(/^mot: model upstream-mot version v3; settings \{/m);
    expect(job.tracks.detector).toMatchObject({ model: { name: 'upstream-mot', version: 'v3' }, input: 320 });
    const gt = readMot(join(heldOut, 'gt', 'gt.txt'));
    const tracked = readMot(job.tracksTxt);
    expect(score(gt, tracked).idf1).toBeCloseTo(metrics.candidate.idf1!, 3);
    expect(hota(gt, tracked).hota).toBeCloseTo(metrics.candidate.hota!, 3);
  });

  it('runs a MOT model that brings its own detector graph', async () => {
    const model = join(scratch, 'mot-with-detector');
    const human = join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
    mkdirSync(join(model, 'detector'), { recursive: true });
    cpSync(join(human, 'centernet.bin'), join(model, 'detector', 'centernet.bin'));
    cpSync(join(human, 'centernet.json'), join(model, 'detector', 'model.json'));
    writeFileSync(join(model, 'model.json'), JSON.stringify({ version: 'd1', settings: { detector: { inputSize: 256 } } }));
    createTar({ gzip: true, file: join(scratch, 'mot-with-detector.tar.gz'), cwd: model, sync: true }, ['model.json', 'detector']);
    const input = join(scratch, 'mot-with-detector-input');
    mkdirSync(input);
    cpSync(join(scratch, 'mot-with-detector.tar.gz'), join(input, 'model.tar.gz'));
    const job = await runMotJob(join(sequences, 'clip-501', 'video.mp4'), input);
    expect(job.log).toContain('mot: model bing-mot version d1 with its own detector graph');
    expect(job.tracks.detector).toMatchObject({ source: 'the MOT model\'s detector/model.json', input: 256 });
  });

  describe('failures', () => {
  const mot = (channels: Channels) => runTraining({ train: sequences, ...channels, hyperparameters: { kind: 'mot', ...channels.hyperparameters } });

  it.each([
    { name: 'an action model', file: 'poor.pt', content: JSON.stringify(POOR), reason: /^pretrained weights poor\.pt are not a BING MOT model: MOT model poor\.pt is malformed: settings/ },
    { name: 'torch weights', file: 'model.pt', content: 'PK\u0003\u0004 torch weights', reason: /^pretrained weights model\.pt are not a BING MOT model: .*not valid JSON/ },
    { name: 'bad settings', file: 'mot.json', content: '{"version": "1", "settings": {"people": {"tracker": {"minHits": 0.5}}, "detector": {"inputSize": 100}}}', reason: /^pretrained weights mot\.json are not a BING MOT model: .*bad settings: detector\.inputSize: must be a multiple of 32.*people\.tracker\.minHits/ },
  ])('fails when the pretrained weights are $name', ({ file, content, reason }) => {
    const run = mot({ pretrained: { [file]: content } });
    expectFailure(run, reason);
  });

  it('fails on an archive whose detector/ holds no graph', () => {
    const dir = mkdtempSync(join(scratch, 'archive-'));
    mkdirSync(join(dir, 'detector'));
    writeFileSync(join(dir, 'detector', 'weights.bin'), 'x');
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ version: '1', settings: {} }));
    createTar({ gzip: true, file: join(dir, 'model.tar.gz'), cwd: dir, sync: true }, ['model.json', 'detector']);
    const run = mot({ pretrained: { 'mot.tar.gz': readFileSync(join(dir, 'model.tar.gz')) } });
    expectFailure(run, /not a BING MOT model: MOT model mot\.tar\.gz has a detector\/ without a tfjs graph model\.json/);
  });

  it('fails naming a sequence without ground truth', () => {
    const broken = join(scratch, 'mot-broken');
    cpSync(sequences, broken, { recursive: true });
    rmSync(join(broken, 'clip-502', 'gt'), { recursive: true });
    const run = mot({ train: broken });
    expectFailure(run, /^sequence clip-502: no ground truth \(expected gt\/gt\.txt or gt\.txt/);
  });
});
});
