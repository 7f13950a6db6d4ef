// The MOT job's pipeline replayed on the detections an earlier run wrote (detections.txt, at every
// frame: BING_DETECT_STRIDE=1), without the detector, which takes most of the job's time: settings
// and cadences are tried in seconds. The frames are still decoded, for the players' colours and
// the ball.
import { readFileSync } from 'node:fs';
import type { Detection } from '../jobs/mot/detector';
import { workingSize } from '../jobs/mot/detector';
import { probeVideo } from '../jobs/mot/frames';
import { trackVideo, type Cadence, type TrackedVideo } from '../jobs/mot/pipeline';
import type { MotSettings } from '../jobs/mot/settings';

/** Detections by 0-based frame, in source pixels, from a MOTChallenge detection file. */
export function readDetections(path: string): Map<number, Detection[]> {
  const frames = new Map<number, Detection[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [frame = 0, , x = 0, y = 0, w = 0, h = 0, score = 0] = line.split(',').map(Number);
    const list = frames.get(frame - 1) ?? [];
    list.push({ x, y, w, h, score });
    frames.set(frame - 1, list);
  }
  return frames;
}

export async function replayDetections(video: string, detections: Map<number, Detection[]>, settings: MotSettings, cadence: Cadence): Promise<TrackedVideo> {
  const probe = await probeVideo(video);
  const tile = workingSize(probe.width, probe.height, settings.detector.inputSize);
  const sx = probe.width / tile.width;
  const sy = probe.height / tile.height;
  return trackVideo(video, probe, settings, cadence, {
    tile,
    tilesPerCall: 1,
    detect: async (frames) => frames.map((f) => (detections.get(f.index) ?? [])
      .filter((d) => d.score >= settings.detector.minScore)
      .map((d) => ({ x: d.x / sx, y: d.y / sy, w: d.w / sx, h: d.h / sy, score: d.score }))),
  });
}
