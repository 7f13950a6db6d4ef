// The labelled sequences of the train channel for the MOT model: one directory per sequence holding
// one video and its MOTChallenge ground truth, gt/gt.txt or gt.txt (`frame,id,left,top,width,height,
// conf,...`, 1-based frames; rows with conf 0 are not scored, as MOTChallenge marks what to ignore).
// Other files (scene descriptions, events, seqinfo.ini) are left alone. Every defect is a JobFailure
// naming the sequence.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobFailure } from '../contract';
import { probeVideo, type Probe } from '../mot/frames';
import type { MotBox } from '../mot-metrics';
import { channelItems } from './channel';

export interface Sequence {
  name: string;
  video: string;
  probe: Probe;
  gt: MotBox[];
}

const VIDEO_EXTENSIONS = ['.mp4', '.mkv', '.webm', '.avi', '.mov', '.m4v', '.mpg', '.mpeg', '.ts'];
const GT_FILES = ['gt/gt.txt', 'gt.txt'];

function parseGt(text: string, name: string): MotBox[] {
  const boxes: MotBox[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const [frame, id, x, y, w, h, conf] = line.split(',').map(Number);
    const valid = [frame, id, x, y, w, h].every((v) => v !== undefined && Number.isFinite(v))
      && Number.isInteger(frame) && frame! >= 1 && w! > 0 && h! > 0;
    if (!valid) throw new JobFailure(`sequence ${name}: gt.txt line ${i + 1} is not MOTChallenge ground truth (frame,id,left,top,width,height,...): '${line.slice(0, 80)}'`);
    if (conf !== 0) boxes.push({ frame: frame!, id: id!, x: x!, y: y!, w: w!, h: h! });
  });
  if (boxes.length === 0) throw new JobFailure(`sequence ${name}: gt.txt holds no boxes to score`);
  return boxes;
}

async function readSequence(dir: string, name: string): Promise<Sequence> {
  const found = readdirSync(dir);
  const videos = found.filter((f) => VIDEO_EXTENSIONS.some((ext) => f.toLowerCase().endsWith(ext)));
  if (videos.length !== 1) {
    throw new JobFailure(`sequence ${name}: expected one video (${VIDEO_EXTENSIONS.join(', ')}), found ${videos.length ? videos.join(', ') : `none among ${found.join(', ') || 'nothing'}`}`);
  }
  const gtFile = GT_FILES.find((f) => existsSync(join(dir, f)));
  if (!gtFile) throw new JobFailure(`sequence ${name}: no ground truth (expected ${GT_FILES.join(' or ')}, found ${found.join(', ')})`);
  const video = join(dir, videos[0]!);
  const probe = await probeVideo(video).catch((err: unknown) => {
    throw new JobFailure(`sequence ${name}: ${(err as Error).message}`);
  });
  return { name, video, probe, gt: parseGt(readFileSync(join(dir, gtFile), 'utf8'), name) };
}

/** The sequences of a channel directory, in name order. */
export async function readSequences(dir: string): Promise<Sequence[]> {
  const names = channelItems(dir, 'sequence', 'a video and gt/gt.txt (MOTChallenge)');
  const sequences: Sequence[] = [];
  for (const name of names) sequences.push(await readSequence(join(dir, name), name));
  return sequences;
}
