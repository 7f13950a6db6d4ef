// Real footage: the two MOT15 sequences in ../shared/real-footage (read from there, never copied;
// skipped with a note when absent), scored by motmetrics as the generated clips are, and the
// ball-less clips (those two and OpenCV's vtest.avi, from Debian's opencv-doc) checked for what
// must not be there: a ball track, ball events, a commentary line about a ball, team colours.
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { templateCommentary } from '../activities/commentary/template';
import type { ActionsFile, TracksFile } from '../jobs/formats';
import { hota } from '../jobs/mot-hota';
import { readMot } from '../jobs/mot-metrics';
import { actionsOut, motmetricsEval, r3, repo, runAction, runMot, tracksOut, work, type JobRun } from './tracking-jobs';
import type { Row, Sequence } from './tracking-peers';

export const REAL_FOOTAGE = join(repo, '..', 'shared', 'real-footage');
const REAL_SEQUENCES = ['TUD-Campus', 'TUD-Stadtmitte'];
export const VTEST = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
const BALL_EVENTS = new Set(['possession', 'pass', 'shot', 'dribble', 'tackle']);
const BALL_WORDS = /\bball\b|\bpass|\bshoot|\bshot\b|\bgoal\b|\btackle|dribbl/i;
const COLOUR_WORDS = /\b(red|blue|white|yellow|black|orange|green|purple|sky blue|home|away)\b/i;

/** The real sequences present, with a note for each one absent. */
export function realSequences(notes: string[]): Sequence[] {
  return REAL_SEQUENCES.flatMap((name) => {
    const dir = join(REAL_FOOTAGE, name);
    if (existsSync(join(dir, 'video.mp4')) && existsSync(join(dir, 'gt.txt'))) return [{ name, group: name, video: join(dir, 'video.mp4'), gt: join(dir, 'gt.txt') }];
    notes.push(`${name} skipped: not in ${dir}`);
    return [];
  });
}

/** What the ball-less checks read of one clip's jobs. */
function ballLess(run: JobRun, act: JobRun): Row {
  const tracks = JSON.parse(readFileSync(join(tracksOut(run), 'tracks.json'), 'utf8')) as TracksFile;
  const actions = JSON.parse(readFileSync(actionsOut(act), 'utf8')) as ActionsFile;
  const people = tracks.tracks.filter((t) => t.class === 'person');
  const teams = new Map(people.map((t) => [t.id, { team: t.team, color: t.color }]));
  const lines = (['play-by-play', 'summary'] as const).flatMap((style) => templateCommentary(actions, teams, { language: 'en', style, seed: 1 }).lines);
  return {
    'person tracks': people.length,
    'ball frames': tracks.tracks.filter((t) => t.class === 'ball').reduce((n, t) => n + t.boxes.length, 0),
    'players in a team': people.filter((t) => t.team !== null).length,
    'ball events': actions.events.filter((e) => BALL_EVENTS.has(e.action)).length,
    'commentary lines': lines.length,
    'lines about a ball': lines.filter((l) => BALL_WORDS.test(l.text)).length,
    'lines with a team colour': lines.filter((l) => COLOUR_WORDS.test(l.text)).length,
  };
}

/** The MOT job as users run it (default cadence) on the real sequences and vtest.avi. */
export async function realFootageBench(sequences: Sequence[], notes: string[]): Promise<Row[]> {
  const root = join(work, 'real');
  const gtDir = join(root, 'gt');
  const testDir = join(root, 'test');
  mkdirSync(testDir, { recursive: true });
  const runs: { name: string; gt?: string; run: JobRun; act: JobRun }[] = [];
  for (const s of sequences) {
    const run = await runMot(`real-${s.name}`, s.video);
    mkdirSync(join(gtDir, s.name, 'gt'), { recursive: true });
    symlinkSync(s.gt, join(gtDir, s.name, 'gt', 'gt.txt'));
    symlinkSync(join(tracksOut(run), 'tracks.txt'), join(testDir, `${s.name}.txt`));
    runs.push({ name: s.name, gt: s.gt, run, act: await runAction(`real-action-${s.name}`, join(tracksOut(run), 'tracks.json')) });
  }
  if (existsSync(VTEST)) {
    const run = await runMot('real-vtest', VTEST);
    runs.push({ name: 'vtest.avi (no ground truth)', run, act: await runAction('real-action-vtest', join(tracksOut(run), 'tracks.json')) });
  } else {
    notes.push(`vtest.avi skipped: not at ${VTEST} (apt-get install opencv-doc)`);
  }
  const mm = sequences.length ? motmetricsEval(gtDir, testDir) : new Map<string, Record<string, number>>();
  return runs.map(({ name, gt, run, act }) => {
    const m = mm.get(name);
    const scores: Row = m && gt
      ? { MOTA: r3(m.MOTA!), IDF1: r3(m.IDF1!), HOTA: r3(hota(readMot(gt), readMot(join(tracksOut(run), 'tracks.txt'))).hota), IDs: m.IDs!, FP: m.FP!, FN: m.FN! }
      : {};
    return { clip: name, ...scores, ...ballLess(run, act) };
  });
}
