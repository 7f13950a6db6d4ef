// The events on a timeline and in a list, and the commentary line by line: each seeks the video,
// and the ones at the time on screen are highlighted as it plays.
import { $, h } from './dom.mjs';
import { formatTime } from './format.mjs';
import { mediaDuration, onTimeChange, seek } from './player.mjs';

/** @typedef {{ id: string, start: number, end: number, trackIds: number[], action: string, confidence: number }} ActionEvent */
/** @typedef {{ video?: { duration?: number }, events?: ActionEvent[] }} ActionsFile actions.json */
/** @typedef {{ start: number, end: number, text: string }} CommentaryLine */
/** @typedef {{ language: string, model?: string, lines?: CommentaryLine[], text?: string }} Commentary commentary.json */


/** @type {Record<string, string>} */
const actionNames = {
  'start-moving': 'starts moving', stop: 'stops', sprint: 'sprint', meet: 'meet', possession: 'possession',
  pass: 'pass', shot: 'shot', dribble: 'dribble', tackle: 'tackle',
};
/** @param {string} action */
const actionName = (action) => actionNames[action] ?? action;

/** @type {ActionEvent[]} */
let events = [];
/** @type {Commentary | undefined} */
let commentary;
/** @type {Element | undefined} the event the list last scrolled to */
let followed;

/**
 * @param {ActionEvent[]} actionEvents the events of actions.json
 */
export function renderEvents(actionEvents) {
  events = [...actionEvents].sort((a, b) => a.start - b.start);
  const duration = mediaDuration() || Math.max(1, ...events.map((e) => e.end));
  // Lanes so that overlapping events stay clickable.
  /** @type {number[]} */
  const laneEnds = [];
  const placed = events.map((event) => {
    let lane = laneEnds.findIndex((end) => end <= event.start);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(0);
    }
    laneEnds[lane] = Math.max(event.end, event.start + duration * 0.02);
    return { event, lane };
  });
  const lanes = Math.max(1, Math.min(6, laneEnds.length));
  $('timeline').style.setProperty('--lanes', String(lanes));
  $('timeline-lanes').replaceChildren(...placed.map(({ event, lane }) => h('button', {
    type: 'button',
    class: `mark action-${event.action}`,
    style: `left: ${(event.start / duration) * 100}%; width: max(6px, ${((event.end - event.start) / duration) * 100}%); top: calc(${Math.min(lane, lanes - 1)} * var(--lane-height));`,
    title: `${formatTime(event.start)} ${actionName(event.action)} (${event.trackIds.map((t) => `#${t}`).join(', ')})`,
    'aria-label': `${actionName(event.action)} at ${formatTime(event.start)}`,
    dataset: { eventId: event.id },
    onclick: () => seek(event.start),
  })));
  $('event-list').replaceChildren(...events.map((event) => h('li', { dataset: { eventId: event.id } },
    h('button', { type: 'button', class: 'event-row', onclick: () => seek(event.start) },
      h('span', { class: 'mono' }, formatTime(event.start)),
      h('span', { class: `dot action-${event.action}`, 'aria-hidden': 'true' }),
      h('span', { class: 'grow' }, actionName(event.action)),
      h('span', { class: 'muted' }, event.trackIds.map((t) => `#${t}`).join(' ')),
      h('span', { class: 'muted mono' }, `${Math.round(event.confidence * 100)}%`)))));
  if (!events.length) $('event-list').replaceChildren(h('li', { class: 'muted' }, 'No events were recognised.'));
}

/** @param {Commentary | undefined} c commentary.json */
export function renderCommentary(c) {
  commentary = c;
  /** @type {Record<string, string>} */
  const languages = { en: 'English', ko: 'Korean' };
  $('commentary-meta').textContent = c ? [languages[c.language] ?? c.language, c.model].filter(Boolean).join(' · ') : '';
  const lines = c?.lines ?? [];
  $('commentary').replaceChildren(...lines.map((line, i) => h('li', { dataset: { line: String(i) } },
    h('button', { type: 'button', class: 'line-row', onclick: () => seek(line.start + 0.01) },
      h('span', { class: 'mono muted' }, formatTime(line.start)),
      h('span', { class: 'grow', lang: c?.language }, line.text)))));
  if (!lines.length && c?.text) $('commentary').replaceChildren(h('li', {}, c.text));
}

export function clearTimeline() {
  events = [];
  commentary = undefined;
  $('timeline-lanes').replaceChildren();
  $('event-list').replaceChildren();
  $('commentary').replaceChildren();
  $('now-line').textContent = '';
}

/**
 * Highlights the events and the commentary line at a time, and moves the playhead.
 * @param {number} t seconds
 */
function highlightAt(t) {
  const duration = mediaDuration();
  if (duration) $('playhead').style.left = `${Math.min(100, (t / duration) * 100)}%`;
  const active = new Set();
  for (const e of events) if (t >= e.start && t <= e.end) active.add(e.id);
  for (const el of document.querySelectorAll('[data-event-id]')) {
    if (el instanceof HTMLElement) el.classList.toggle('active', active.has(el.dataset.eventId));
  }
  // The event list follows the video (it scrolls by itself, never the page).
  const list = $('event-list');
  const first = list.querySelector('li.active');
  if (first instanceof HTMLElement && first !== followed) {
    followed = first;
    if (first.offsetTop < list.scrollTop || first.offsetTop + first.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = first.offsetTop;
  }
  const lines = commentary?.lines ?? [];
  for (const el of $('commentary').children) {
    const line = el instanceof HTMLElement ? lines[Number(el.dataset.line)] : undefined;
    el.classList.toggle('active', Boolean(line && t >= line.start && t < line.end));
  }
  // The line being spoken, also under the player: the native subtitles can hide behind the
  // controls on a small screen.
  const now = lines.find((line) => t >= line.start && t < line.end);
  const nowLine = $('now-line');
  nowLine.textContent = now?.text ?? '';
  if (commentary?.language) nowLine.lang = commentary.language;
}

export function initTimeline() {
  // A click on the timeline between the events seeks to that moment.
  $('timeline').addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('.mark')) return;
    const box = $('timeline').getBoundingClientRect();
    const duration = mediaDuration();
    if (duration && box.width) seek(((e.clientX - box.left) / box.width) * duration);
  });
  onTimeChange((time, seeked) => {
    if (seeked) followed = undefined;
    highlightAt(time);
  });
}
