// A long video's results from its segments' results: the same tracks.json, tracks.txt,
// actions.json and commentary files an unsegmented run writes. Each box, event and commentary
// line belongs to the segment whose core holds its frame or its start, so none is lost or doubled
// at a boundary; event ids are made unique by their segment.
import { segmentEventId, segmentPrefix, type Segment } from '../../contracts/segments';
import { actionsFileSchema, commentaryFileSchema, readArtifact, type ActionEvent, type ActionsFile, type Commentary, type CommentaryLine } from '../commentary/actions';
import { storeCommentary } from '../commentary/write-commentary';
import { badInput } from '../failures';
import type { Storage } from '../storage/storage';
import { assembleTracks } from './assemble-tracks';

export interface AssembleRequest {
  resultsPrefix: string;
  /** The video's segments, in order: each one's stitched tracks.json, actions.json and commentary.json are under segmentPrefix(resultsPrefix, index). */
  segments: Segment[];
  videoId: string;
}

export interface AssembleResult {
  tracksKey: string;
  tracksTxtKey: string;
  actionsKey: string;
  commentaryKey: string;
  vttKey: string;
  srtKey: string;
  /** Person tracks. */
  tracks: number;
  events: number;
  lines: number;
}

/** Segments one after another, each core starting where the previous one ends. */
function checkSegments(segments: readonly Segment[]): void {
  if (!segments.length) throw badInput('there are no segments to assemble');
  segments.forEach((s, k) => {
    if (s.index !== k) throw badInput(`segment ${k} of the list has index ${s.index}`);
    if (k > 0 && s.coreFirstFrame !== segments[k - 1]!.coreEndFrame) throw badInput(`segment ${k}'s core does not start where segment ${k - 1}'s ends`);
  });
}

/** The events that start in each segment's core, in segment order. */
async function assembleActions(storage: Storage, resultsPrefix: string, segments: readonly Segment[], video: ActionsFile['video']) {
  const events: ActionEvent[] = [];
  let model: ActionsFile['model'];
  for (const segment of segments) {
    const actions = await readArtifact(storage, `${segmentPrefix(resultsPrefix, segment.index)}actions.json`, actionsFileSchema);
    model ??= actions.model;
    const from = segment.coreFirstFrame / actions.video.fps;
    const to = segment.coreEndFrame / actions.video.fps;
    for (const e of actions.events) if (from <= e.start && e.start < to) events.push({ ...e, id: segmentEventId(segment.index, e.id) });
  }
  const actionsKey = `${resultsPrefix}actions.json`;
  const file: ActionsFile = { video, ...(model ? { model } : {}), events };
  await storage.put(actionsKey, `${JSON.stringify(file)}\n`, { 'content-type': 'application/json' });
  return { actionsKey, events: events.length };
}

/** Every segment's lines (each commented only its core's events) in time order, their event ids renamed as the events are. */
async function assembleCommentary(storage: Storage, resultsPrefix: string, segments: readonly Segment[], duration: number) {
  const lines: CommentaryLine[] = [];
  let first: Commentary | undefined;
  let usage: Commentary['usage'];
  for (const segment of segments) {
    const commentary = await readArtifact(storage, `${segmentPrefix(resultsPrefix, segment.index)}commentary.json`, commentaryFileSchema);
    first ??= commentary;
    if (commentary.language !== first.language) throw badInput(`segment ${segment.index}'s commentary is in ${commentary.language}, segment 0's in ${first.language}`);
    lines.push(...commentary.lines.map((l) => ({ ...l, eventIds: l.eventIds.map((id) => segmentEventId(segment.index, id)) })));
    if (commentary.usage) {
      const sum = usage ?? { requests: 0, promptTokens: 0, completionTokens: 0 };
      usage = {
        requests: sum.requests + commentary.usage.requests,
        promptTokens: sum.promptTokens + commentary.usage.promptTokens,
        completionTokens: sum.completionTokens + commentary.usage.completionTokens,
      };
    }
  }
  lines.sort((a, b) => a.start - b.start || a.end - b.end);
  const whole: Commentary = { language: first!.language, model: first!.model, lines, text: lines.map((l) => l.text).join(' '), ...(usage ? { usage } : {}) };
  return { ...(await storeCommentary(storage, resultsPrefix, whole, duration)), lines: lines.length };
}

export function createAssembleSegments(storage: Storage) {
  return async function assembleSegments(request: AssembleRequest): Promise<AssembleResult> {
    const { resultsPrefix, segments } = request;
    checkSegments(segments);
    const tracks = await assembleTracks(storage, resultsPrefix, segments);
    const actions = await assembleActions(storage, resultsPrefix, segments, tracks.video);
    const commentary = await assembleCommentary(storage, resultsPrefix, segments, tracks.video.duration);
    return {
      tracksKey: tracks.tracksKey, tracksTxtKey: tracks.tracksTxtKey, tracks: tracks.tracks,
      actionsKey: actions.actionsKey, events: actions.events,
      commentaryKey: commentary.commentaryKey, vttKey: commentary.vttKey, srtKey: commentary.srtKey, lines: commentary.lines,
    };
  };
}
