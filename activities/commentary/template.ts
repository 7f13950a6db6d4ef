// Template commentary: deterministic for a seed, every line built from the events it names and
// timed within them, no two consecutive lines from one template, in English or Korean.
import type { ActionEvent, ActionsFile, Commentary, CommentaryLine, Style } from './actions';
import { mulberry32 } from '../../contracts/random';
import type { Language } from '../../contracts/video-commentary';
import type { Commentator, CommentaryInput } from './backend';
import { naming, phrases, summaryPhrases, type Naming, type TrackTeam } from './phrases';

export const templateModel = 'template-v2';

const priority: Record<string, number> = {
  shot: 9, tackle: 8, pass: 7, dribble: 6, sprint: 5, possession: 4, meet: 3, 'start-moving': 2, stop: 1,
};

/** Lines start at least this far apart, so that each can be read (and spoken) before the next. */
const minSpacingSeconds = 1.5;

/** Times in whole milliseconds, rounded inwards so that a line never leaves its events' span. */
const ceilMs = (s: number) => Math.ceil(s * 1000 - 1e-6) / 1000;
const floorMs = (s: number) => Math.floor(s * 1000 + 1e-6) / 1000;

function span(events: ActionEvent[]): { start: number; end: number } {
  const start = ceilMs(Math.min(...events.map((e) => e.start)));
  const end = floorMs(Math.max(...events.map((e) => e.end)));
  return { start, end: Math.max(start, end) };
}

/** Picks one of a phrase list, never a template the previous line used. */
class Picker {
  private previous = new Set<string>();
  private current = new Set<string>();
  constructor(private readonly next: () => number) {}

  pick(key: string, options: string[]): string {
    let index = Math.floor(this.next() * options.length);
    for (let i = 0; i < options.length && this.previous.has(`${key}:${index}`); i++) index = (index + 1) % options.length;
    this.current.add(`${key}:${index}`);
    return options[index]!;
  }

  endLine(): void {
    this.previous = this.current;
    this.current = new Set();
  }
}

/** Korean subject particle after a name: 이 after a final consonant, 가 after a vowel, 이(가) for non-Hangul. */
function subjectParticle(word: string): string {
  const code = word.trim().codePointAt(word.trim().length - 1) ?? 0;
  if (code < 0xac00 || code > 0xd7a3) return '이(가)';
  return (code - 0xac00) % 28 === 0 ? '가' : '이';
}

function fill(template: string, values: Record<string, string>): string {
  let text = template;
  if (values.team !== undefined) text = text.replaceAll('{team}이', `${values.team}${subjectParticle(values.team)}`);
  for (const [k, v] of Object.entries(values)) text = text.replaceAll(`{${k}}`, v);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The most telling events that can be read one after another, in time order. */
function selectEvents(events: ActionEvent[], language: Language): ActionEvent[] {
  const ranked = [...events]
    .filter((e) => phrases[language][e.action] && e.end >= e.start)
    .sort((x, y) => (priority[y.action] ?? 0) - (priority[x.action] ?? 0) || y.confidence - x.confidence || x.start - y.start || x.id.localeCompare(y.id));
  // Each event claims its own span, and at least minSpacingSeconds, for its line; claims never overlap.
  // The line itself keeps the event's times: the claim only spaces the lines out.
  const taken: { start: number; end: number; event: ActionEvent }[] = [];
  for (const event of ranked) {
    const start = event.start;
    const end = Math.max(event.end, start + minSpacingSeconds);
    if (taken.every((t) => end <= t.start || start >= t.end)) taken.push({ start, end, event });
  }
  return taken.sort((x, y) => x.start - y.start).map((t) => t.event);
}

function playByPlay(events: ActionEvent[], names: Naming, language: Language, picker: Picker): CommentaryLine[] {
  return selectEvents(events, language).map((event) => {
    const text = fill(picker.pick(event.action, phrases[language][event.action]!), {
      a: names.player(event.trackIds[0]), b: names.player(event.trackIds[1]),
    });
    picker.endLine();
    return { ...span([event]), text, eventIds: [event.id] };
  });
}

interface Fact {
  kind: string;
  events: ActionEvent[];
  values: Record<string, string>;
}

/** The team most of these events' first players play for, or null. */
function mainTeam(events: ActionEvent[], tracks: Map<number, TrackTeam>): 0 | 1 | null {
  const count = [0, 0];
  for (const e of events) {
    const team = tracks.get(e.trackIds[0] ?? -1)?.team;
    if (team === 0 || team === 1) count[team]!++;
  }
  if (count[0] === count[1]) return null;
  return count[0]! > count[1]! ? 0 : 1;
}

/** What happened in one spell of play, most telling first. */
function facts(events: ActionEvent[], tracks: Map<number, TrackTeam>, names: Naming): Fact[] {
  const of = (action: string) => events.filter((e) => e.action === action).sort((x, y) => y.confidence - x.confidence || x.start - y.start);
  const best = (list: ActionEvent[]) => list[0]!;
  const found: Fact[] = [];
  const shots = of('shot');
  if (shots.length === 1) found.push({ kind: 'shot', events: shots, values: { player: names.player(best(shots).trackIds[0]) } });
  if (shots.length > 1) found.push({ kind: 'shots', events: shots, values: { n: String(shots.length), team: names.team(mainTeam(shots, tracks)) } });
  const passes = of('pass');
  if (passes.length > 1) found.push({ kind: 'passes', events: passes, values: { n: String(passes.length), team: names.team(mainTeam(passes, tracks)) } });
  for (const kind of ['tackle', 'dribble', 'sprint']) {
    const list = of(kind);
    if (list.length) found.push({ kind, events: [best(list)], values: { player: names.player(best(list).trackIds[0]) } });
  }
  const possession = of('possession');
  const holder = mainTeam(possession, tracks);
  if (possession.length && holder !== null) found.push({ kind: 'possession', events: possession, values: { team: names.team(holder) } });
  if (!found.length && events.length) found.push({ kind: 'movement', events, values: {} });
  return found;
}

/** Spells of play short enough to describe in a line: about an eighth of the video, 10 to 60 s. */
const spellSeconds = (duration: number) => Math.min(60, Math.max(10, duration / 8));

function summary(actions: ActionsFile, tracks: Map<number, TrackTeam>, names: Naming, language: Language, picker: Picker): CommentaryLine[] {
  const events = actions.events.filter((e) => e.end >= e.start).sort((x, y) => x.start - y.start || x.id.localeCompare(y.id));
  const length = spellSeconds(Math.max(actions.video.duration, ...events.map((e) => e.end)));
  const spells = new Map<number, ActionEvent[]>();
  for (const e of events) {
    const index = Math.floor(e.start / length);
    spells.set(index, [...(spells.get(index) ?? []), e]);
  }
  const lines: CommentaryLine[] = [];
  for (const spell of spells.values()) {
    const told = facts(spell, tracks, names).slice(0, 2);
    if (!told.length) continue;
    const text = told.map((f) => fill(picker.pick(f.kind, summaryPhrases[language][f.kind]!), f.values)).join(' ');
    picker.endLine();
    const cited = [...new Set(told.flatMap((f) => f.events))];
    lines.push({ ...span(cited), text, eventIds: cited.sort((x, y) => x.start - y.start).map((e) => e.id) });
  }
  // A spell's line may reach into the next spell's: it ends where the next begins (still within its events).
  for (let i = 0; i + 1 < lines.length; i++) lines[i]!.end = Math.max(lines[i]!.start, Math.min(lines[i]!.end, lines[i + 1]!.start));
  return lines;
}

export interface TemplateOptions {
  language: Language;
  style?: Style;
  seed: number;
  teamNames?: CommentaryInput['options']['teamNames'];
  roster?: CommentaryInput['options']['roster'];
}

export function templateCommentary(actions: ActionsFile, tracks: Map<number, TrackTeam>, options: TemplateOptions): Commentary {
  const { language, style = 'play-by-play' } = options;
  const names = naming(language, tracks, options.teamNames, options.roster);
  const picker = new Picker(mulberry32(options.seed));
  const lines = style === 'summary'
    ? summary(actions, tracks, names, language, picker)
    : playByPlay(actions.events, names, language, picker);
  return { language, model: templateModel, lines, text: lines.map((l) => l.text).join(' ') };
}

/** The local backend: no network, no key, the same commentary for the same video every time. */
export function templateCommentator(): Commentator {
  return {
    name: 'template',
    write: async ({ actions, tracks, options }) => templateCommentary(actions, tracks, options),
  };
}
