// A seeded synthetic match: events of every kind the commentary knows, at a footballer's pace, and
// eleven tracks (five a side and one without a team) to name them by.
import type { ActionEvent, ActionsFile } from '../../activities/commentary/actions';
import { phrases, type TrackTeam } from '../../activities/commentary/phrases';

function rng(seed: number) {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

/** `seconds` of play: an event every 0.4 to 2.9 seconds. */
export function syntheticMatch(seconds: number, seed = 1): ActionsFile {
  const next = rng(seed);
  const actions = Object.keys(phrases.en);
  const events: ActionEvent[] = [];
  for (let t = 0.3, i = 1; t < seconds - 1; t += 0.4 + next() * 2.5, i++) {
    const action = actions[Math.floor(next() * actions.length)]!;
    const a = 1 + Math.floor(next() * 10);
    const b = 1 + ((a + Math.floor(next() * 8)) % 10);
    const pair = action === 'pass' || action === 'tackle' || action === 'meet';
    const length = action === 'shot' ? 0.2 : 0.3 + next() * 2;
    events.push({ id: `e${i}`, start: Math.round(t * 1000) / 1000 + 0.0004, end: Math.min(seconds, t + length), trackIds: pair ? [a, b] : [a], action, confidence: 0.5 + next() / 2 });
  }
  return { video: { fps: 25, width: 1280, height: 720, duration: seconds }, model: { name: 'test', version: '1' }, events };
}

export const syntheticTrackList = Array.from({ length: 11 }, (_, i) => ({
  id: i + 1, class: 'person', team: i === 10 ? null : ((i % 2) as 0 | 1),
  color: i === 10 ? null : i % 2 === 0 ? [210, 35, 35] as [number, number, number] : [35, 60, 210] as [number, number, number],
}));

export const syntheticTeams = new Map<number, TrackTeam>(syntheticTrackList.map((t) => [t.id, { team: t.team, color: t.color }]));
