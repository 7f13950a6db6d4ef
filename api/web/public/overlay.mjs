// The tracks drawn over the video: each track's box at the frame on screen, with its id in its
// team's colour. Boxes are in source pixels; frames are 1-based, frame = floor(time * fps) + 1.

/** @typedef {{ fps: number, width: number, height: number, frames?: number, duration?: number }} VideoFacts */
/** @typedef {{ frame: number, x: number, y: number, w: number, h: number, score: number }} Box */
/**
 * tracks.json, the MOT job's output.
 * @typedef {object} TracksFile
 * @property {VideoFacts} video
 * @property {{ id: number, class: string, team?: number | null, color?: number[], boxes?: Box[] }[]} [tracks]
 */
/** @typedef {[number, number, number]} Colour */
/** @typedef {{ id: number, kind: string, team: number | null, colour: Colour, boxes: Box[] }} Track */
/** @typedef {{ video: VideoFacts, tracks: Track[], maxGap: number }} TrackIndex */
/** @typedef {{ start: number, end: number, trackIds: number[] }} TimedEvent an event of actions.json, as the overlay reads it */

/** @type {Colour[]} */
const teamColours = [[229, 57, 53], [30, 136, 229]];
/** @type {Colour} */
const ballColour = [255, 214, 0];
/** @type {Colour} */
const unknownColour = [189, 189, 189];

/**
 * Sorts each track's boxes by frame and picks its colour once.
 * @param {TracksFile} tracksFile
 * @returns {TrackIndex}
 */
export function indexTracks(tracksFile) {
  const video = tracksFile.video;
  const tracks = (tracksFile.tracks ?? []).map((t) => ({
    id: t.id,
    kind: t.class,
    team: t.team ?? null,
    colour: colourOf(t),
    boxes: [...(t.boxes ?? [])].sort((a, b) => a.frame - b.frame),
  })).filter((t) => t.boxes.length > 0);
  // Across a gap of at most this many frames a box is interpolated; a longer gap is a lost track.
  const maxGap = Math.max(2, Math.ceil((video.fps || 25) / 2));
  return { video, tracks, maxGap };
}

/**
 * @param {NonNullable<TracksFile['tracks']>[number]} track
 * @returns {Colour}
 */
function colourOf(track) {
  if (track.class === 'ball') return ballColour;
  if (Array.isArray(track.color) && track.color.length === 3) return /** @type {Colour} */ (track.color.map((c) => Math.max(0, Math.min(255, Math.round(c)))));
  if (track.team === 0 || track.team === 1) return teamColours[track.team] ?? unknownColour;
  return unknownColour;
}

/**
 * @param {number} time seconds
 * @param {{ fps: number, frames?: number }} video
 */
export function frameAt(time, video) {
  const frame = Math.floor(time * video.fps + 1e-6) + 1;
  return Math.max(1, video.frames ? Math.min(video.frames, frame) : frame);
}

/**
 * The track's box at a frame: its own, interpolated across a short gap, or none.
 * @param {{ boxes: Box[] }} track
 * @param {number} frame
 * @param {number} maxGap
 * @returns {Box | undefined}
 */
export function boxAt(track, frame, maxGap) {
  const boxes = track.boxes;
  let lo = 0;
  let hi = boxes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((boxes[mid]?.frame ?? frame) < frame) lo = mid + 1;
    else hi = mid;
  }
  const next = boxes[lo];
  if (next && next.frame === frame) return next;
  const prev = boxes[lo - 1];
  if (!prev || !next) return undefined;
  if (next.frame - prev.frame > maxGap) return undefined;
  const k = (frame - prev.frame) / (next.frame - prev.frame);
  const mix = (/** @type {number} */ a, /** @type {number} */ b) => a + (b - a) * k;
  return { frame, x: mix(prev.x, next.x), y: mix(prev.y, next.y), w: mix(prev.w, next.w), h: mix(prev.h, next.h), score: Math.min(prev.score, next.score) };
}

/**
 * Every track's box at a frame.
 * @param {TrackIndex} index
 * @param {number} frame
 */
function boxesAt(index, frame) {
  /** @type {{ track: Track, box: Box }[]} */
  const out = [];
  for (const track of index.tracks) {
    const box = boxAt(track, frame, index.maxGap);
    if (box) out.push({ track, box });
  }
  return out;
}

/**
 * The tracks in the events at a time, which the overlay draws stronger.
 * @param {TimedEvent[]} events
 * @param {number} time seconds
 */
export function activeTrackIds(events, time) {
  /** @type {Set<number>} */
  const ids = new Set();
  for (const e of events) if (time >= e.start && time <= e.end) for (const id of e.trackIds) ids.add(id);
  return ids;
}

const rgb = (/** @type {Colour} */ [r, g, b], a = 1) => `rgba(${r}, ${g}, ${b}, ${a})`;
const isLight = (/** @type {Colour} */ [r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b > 150;

/**
 * Draws the boxes of one frame on a canvas laid exactly over the video element. The video is
 * letterboxed inside the element (object-fit: contain), so boxes are mapped onto its content box.
 * Returns how many boxes it drew.
 * @param {HTMLCanvasElement} canvas
 * @param {TrackIndex | undefined} index
 * @param {number} frame
 * @param {{ highlight?: Set<number>, visible?: boolean }} [options] highlight: tracks drawn stronger
 */
export function drawFrame(canvas, index, frame, { highlight = new Set(), visible = true } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth;
  const cssHeight = canvas.clientHeight;
  const width = Math.max(1, Math.round(cssWidth * dpr));
  const height = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return 0;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!visible || !index || !cssWidth || !cssHeight) return 0;

  const { width: vw, height: vh } = index.video;
  const scale = Math.min(cssWidth / vw, cssHeight / vh);
  const left = (cssWidth - vw * scale) / 2;
  const top = (cssHeight - vh * scale) / 2;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.lineJoin = 'round';
  const fontSize = Math.max(10, Math.min(14, Math.round(cssWidth / 70)));
  ctx.font = `600 ${fontSize}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';

  const drawn = boxesAt(index, frame);
  for (const { track, box } of drawn) {
    const x = left + box.x * scale;
    const y = top + box.y * scale;
    const w = box.w * scale;
    const h = box.h * scale;
    const strong = highlight.has(track.id);
    const line = strong ? 3 : 2;
    // A dark halo under the colour keeps the box visible on any background.
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.55)';
    ctx.lineWidth = line + 2;
    strokeShape(ctx, track.kind, x, y, w, h);
    ctx.strokeStyle = rgb(track.colour);
    ctx.lineWidth = line;
    strokeShape(ctx, track.kind, x, y, w, h);

    const label = track.kind === 'ball' ? 'ball' : `${track.id}`;
    const padX = 3;
    const labelWidth = ctx.measureText(label).width + padX * 2;
    const labelHeight = fontSize + 3;
    const lx = Math.min(Math.max(x, left), left + vw * scale - labelWidth);
    const ly = y - labelHeight >= top ? y - labelHeight : y + h;
    ctx.fillStyle = rgb(track.colour, strong ? 1 : 0.85);
    ctx.fillRect(lx, ly, labelWidth, labelHeight);
    ctx.fillStyle = isLight(track.colour) ? '#000' : '#fff';
    ctx.fillText(label, lx + padX, ly + 2);
  }
  return drawn.length;
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {string} kind
 * @param {number} x
 * @param {number} y
 * @param {number} w
 * @param {number} h
 */
function strokeShape(ctx, kind, x, y, w, h) {
  if (kind === 'ball') {
    ctx.beginPath();
    ctx.arc(x + w / 2, y + h / 2, Math.max(w, h) / 2 + 3, 0, Math.PI * 2);
    ctx.stroke();
  } else {
    ctx.strokeRect(x, y, w, h);
  }
}
