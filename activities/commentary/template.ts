// Template commentary: deterministic for a seed, every line built from the events it names.
import type { ActionEvent, ActionsFile, Commentary, CommentaryLine } from './actions';
import { colourName, phrases, playerName, teamWord, type Language } from './phrases';

export interface TeamInfo {
  team: 0 | 1 | null;
  color?: [number, number, number] | null;
}

const priority: Record<string, number> = {
  shot: 9, tackle: 8, pass: 7, dribble: 6, sprint: 5, possession: 4, meet: 3, 'start-moving': 2, stop: 1,
};

const minLineSeconds = 1.5;
const gapSeconds = 0.25;

/** A small seeded PRNG (mulberry32): the same seed gives the same commentary. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedOf(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** The most telling events that fit on screen one after another, in time order. */
function selectEvents(events: ActionEvent[], duration: number): ActionEvent[] {
  const ranked = [...events].sort((x, y) => (priority[y.action] ?? 0) - (priority[x.action] ?? 0) || y.confidence - x.confidence || x.start - y.start);
  const taken: { start: number; end: number; event: ActionEvent }[] = [];
  for (const event of ranked) {
    if (!phrases.en[event.action]) continue;
    const start = event.start;
    const end = Math.min(Math.max(event.end, start + minLineSeconds), Math.max(duration, event.end));
    if (taken.every((t) => end + gapSeconds <= t.start || start >= t.end + gapSeconds)) taken.push({ start, end, event });
  }
  return taken.sort((x, y) => x.start - y.start).map((t) => t.event);
}

export function templateCommentary(actions: ActionsFile, teams: Map<number, TeamInfo>, language: Language, seed: number): Commentary {
  const next = random(seed);
  const name = (trackId: number | undefined) => {
    if (trackId === undefined) return language === 'en' ? 'a player' : '한 선수';
    const info = teams.get(trackId);
    const team = info?.team === null || info?.team === undefined ? undefined : teamWord[language](colourName(info.color, language), info.team);
    return playerName[language](trackId, team);
  };
  let lastTemplate = '';
  const lines: CommentaryLine[] = selectEvents(actions.events, actions.video.duration).map((event) => {
    const options = phrases[language][event.action]!;
    let index = Math.floor(next() * options.length);
    if (`${event.action}:${index}` === lastTemplate) index = (index + 1) % options.length;
    lastTemplate = `${event.action}:${index}`;
    const text = options[index]!.replaceAll('{a}', name(event.trackIds[0])).replaceAll('{b}', name(event.trackIds[1]));
    const end = Math.min(Math.max(event.end, event.start + minLineSeconds), Math.max(actions.video.duration, event.end));
    return { start: round(event.start), end: round(end), text: capitalise(text), eventIds: [event.id] };
  });
  for (let i = 0; i + 1 < lines.length; i++) lines[i]!.end = Math.min(lines[i]!.end, lines[i + 1]!.start);
  return { language, model: 'template-v1', lines, text: lines.map((l) => l.text).join(' ') };
}

const round = (s: number) => Math.round(s * 1000) / 1000;
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
