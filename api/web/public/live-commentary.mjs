// A long video while it runs: its segments on one line, and the commentary lines of the segments
// commented so far, in time order, as the event stream brings them.
import { $, h, show } from './dom.mjs';
import { formatTime } from './format.mjs';

/** @typedef {import('./api.mjs').VideoStatus} VideoStatus */
/** @typedef {import('./api.mjs').SegmentProgress} SegmentProgress */
/** @typedef {import('./timeline.mjs').CommentaryLine} CommentaryLine */
/**
 * The data of a `commentary` event: one segment's lines, times of the whole video.
 * @typedef {{ index: number, startSeconds: number, endSeconds: number, lines: CommentaryLine[] }} SegmentCommentary
 */

/** @type {Map<number, CommentaryLine[]>} each commented segment's lines, by index */
const bySegment = new Map();

/** @param {SegmentProgress[]} segments e.g. "Segments: 3/8 tracked, 2 commented" */
function segmentSummary(segments) {
  const tracked = segments.filter((s) => s.mot === 'done').length;
  const commented = segments.filter((s) => s.commentary === 'done').length;
  return `Segments: ${tracked}/${segments.length} tracked, ${commented} commented`;
}

function renderLines() {
  const lines = [...bySegment.values()].flat().sort((a, b) => a.start - b.start || a.end - b.end);
  $('live-commentary').replaceChildren(...lines.map((line) => h('li', { class: 'line-row' },
    h('span', { class: 'mono muted' }, formatTime(line.start)),
    h('span', { class: 'grow' }, line.text))));
  show($('live'), lines.length > 0);
}

/**
 * Shows the segments of a running status; hides the live view once the request has ended (the
 * result then shows the whole commentary).
 * @param {VideoStatus} status
 */
export function showSegments(status) {
  const segments = status.status === 'running' ? status.segments ?? [] : [];
  $('segments-line').textContent = segments.length ? segmentSummary(segments) : '';
  show($('segments-line'), segments.length > 0);
  if (status.status !== 'running') clearLive();
}

/** @param {SegmentCommentary} segment adds its lines to the list */
export function addSegmentCommentary(segment) {
  bySegment.set(segment.index, segment.lines);
  renderLines();
}

export function clearLive() {
  bySegment.clear();
  renderLines();
  show($('segments-line'), false);
}
