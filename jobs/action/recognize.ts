// The recogniser as a pure function: tracks and parameters in, merged events and a motion summary out.
import type { ActionEvent, TracksFile } from '../formats';
import { ballEvents } from './ball';
import { estimateCamera } from './camera';
import { meetEvents, motionEvents, timeOf } from './events';
import { mergeEvents } from './merge';
import { motionOf, STATES, type Motion, type MotionState } from './motion';
import type { ActionParams } from './params';
import { oddWindow, trackSegments } from './series';

export interface PlayerMotion {
  trackId: number;
  team: 0 | 1 | null;
  /** Seconds spent in each state. */
  seconds: Record<MotionState, number>;
  /** [state, start, end] runs, in seconds. */
  runs: [MotionState, number, number][];
}

export interface Recognition {
  events: ActionEvent[];
  motion: PlayerMotion[];
}

export function recognize(file: TracksFile, params: ActionParams, onProgress: (p: number) => void = () => {}): Recognition {
  const fps = file.video.fps;
  const window = oddWindow(params.smoothSeconds, fps);
  const maxGap = Math.round(params.maxGapSeconds * fps);
  const people = file.tracks.filter((t) => t.class === 'person');
  const segments = people.flatMap((track) => trackSegments(track, maxGap, window));
  let frames = file.video.frames;
  for (const t of file.tracks) for (const b of t.boxes) frames = Math.max(frames, b.frame);
  const camera = estimateCamera(segments, frames, params, fps);
  onProgress(0.3);
  const persons: Motion[] = segments.map((seg) => motionOf(seg, params, fps, camera));
  onProgress(0.5);
  const drafts = persons.flatMap((m) => motionEvents(m, params, fps));
  drafts.push(...meetEvents(persons, params, fps));
  onProgress(0.7);
  drafts.push(...ballEvents(file.tracks, persons, params, fps, file.video.width, camera));
  onProgress(0.9);
  const round = (v: number) => Math.round(v * 100) / 100;
  const motion = people.map((track): PlayerMotion => {
    const seconds = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<MotionState, number>;
    const runs: PlayerMotion['runs'] = [];
    for (const m of persons.filter((p) => p.segment.trackId === track.id)) {
      for (const r of m.runs) {
        const name = STATES[r.state]!;
        seconds[name] = round(seconds[name] + (r.to - r.from + 1) / fps);
        runs.push([name, round(timeOf(m.segment.first + r.from, fps)), round(timeOf(m.segment.first + r.to, fps))]);
      }
    }
    return { trackId: track.id, team: track.team, seconds, runs };
  });
  return { events: mergeEvents(drafts, params.mergeGapSeconds), motion };
}
