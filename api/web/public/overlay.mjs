// The tracks drawn over the video: each track's box at the frame on screen, with its id in its
// team's colour. Boxes are in source pixels; frames are 1-based, frame = floor(time * fps) + 1.

const teamColours = [[229, 57, 53], [30, 136, 229]];
const ballColour = [255, 214, 0];
const unknownColour = [189, 189, 189];

/** Sorts each track's boxes by frame and picks its colour once. */
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

function colourOf(track) {
  if (track.class === 'ball') return ballColour;
  if (Array.isArray(track.color) && track.color.length === 3) return track.color.map((c) => Math.max(0, Math.min(255, Math.round(c))));
  if (track.team === 0 || track.team === 1) return teamColours[track.team];
  return unknownColour;
}

export function frameAt(time, video) {
  const frame = Math.floor(time * video.fps + 1e-6) + 1;
  return Math.max(1, video.frames ? Math.min(video.frames, frame) : frame);
}

export function timeOfFrame(frame, video) {
  return (frame - 1) / video.fps;
}

/** The track's box at a frame: its own, interpolated across a short gap, or none. */
export function boxAt(track, frame, maxGap) {
  const boxes = track.boxes;
  let lo = 0;
  let hi = boxes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (boxes[mid].frame < frame) lo = mid + 1;
    else hi = mid;
  }
  const next = boxes[lo];
  if (next && next.frame === frame) return next;
  const prev = boxes[lo - 1];
  if (!prev || !next) return undefined;
  if (next.frame - prev.frame > maxGap) return undefined;
  const k = (frame - prev.frame) / (next.frame - prev.frame);
  const mix = (a, b) => a + (b - a) * k;
  return { frame, x: mix(prev.x, next.x), y: mix(prev.y, next.y), w: mix(prev.w, next.w), h: mix(prev.h, next.h), score: Math.min(prev.score, next.score) };
}

/** Every track's box at a frame. */
export function boxesAt(index, frame) {
  const out = [];
  for (const track of index.tracks) {
    const box = boxAt(track, frame, index.maxGap);
    if (box) out.push({ track, box });
  }
  return out;
}

const rgb = ([r, g, b], a = 1) => `rgba(${r}, ${g}, ${b}, ${a})`;
const isLight = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b > 150;

/**
 * Draws the boxes of one frame on a canvas laid exactly over the video element. The video is
 * letterboxed inside the element (object-fit: contain), so boxes are mapped onto its content box.
 * Returns how many boxes it drew.
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

function strokeShape(ctx, kind, x, y, w, h) {
  if (kind === 'ball') {
    ctx.beginPath();
    ctx.arc(x + w / 2, y + h / 2, Math.max(w, h) / 2 + 3, 0, Math.PI * 2);
    ctx.stroke();
  } else {
    ctx.strokeRect(x, y, w, h);
  }
}
