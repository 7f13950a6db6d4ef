// The MOT person detector on a real photograph: samples.jpg ships with @vladmandic/human (1280 x 1158).
// Its top row holds eight small photos (y 0-157); below, from y 196 down, a group photo of women
// and men in a hotel lobby, overdrawn with human's own face and body boxes and a column of text.
// Counted by eye, 16 people have a head in the group picture, and 2 more are cut off at its left
// and right edges (a leg, a shoulder and arm): 18 in all.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JOB_DETECTOR, PersonDetector, type Detection } from '../jobs/mot/detector';

// The package exports no subpaths; its main file lives in dist/, the assets beside it.
const SAMPLES = join(dirname(require.resolve('@vladmandic/human')), '..', 'assets', 'samples.jpg');

interface Region { x: number; y: number; w: number; h: number }

/** The sixth photo of the top row: a woman in a lilac dress sitting on a bar stool, alone. */
const SINGLE: Region = { x: 797, y: 0, w: 106, h: 158 };
const GROUP: Region = { x: 0, y: 196, w: 1280, h: 962 };
const GROUP_PEOPLE = 18;
/** Torso centres, in samples.jpg pixels, of six clearly visible people in the group. */
const TORSOS = {
  'white cut-out dress': [170, 756],
  'blonde, black lace top': [310, 696],
  'cream lace dress': [450, 726],
  'burgundy dress': [710, 696],
  'yellow dress': [1040, 796],
  'dark sequin jacket': [1140, 756],
} as const;

/** Crops a region of samples.jpg and scales it to the MOT job's working size for it, as RGB24. */
function decode(region: Region): { rgb: Uint8Array; width: number; height: number } {
  const { width, height } = detector.workingSize(region.w, region.h);
  const rgb = execFileSync('ffmpeg', [
    '-v', 'error', '-i', SAMPLES,
    '-vf', `crop=${region.w}:${region.h}:${region.x}:${region.y},scale=${width}:${height}`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-',
  ], { maxBuffer: 16 << 20 });
  expect(rgb.length).toBe(width * height * 3);
  return { rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.byteLength), width, height };
}

async function detect(region: Region): Promise<{ people: Detection[]; width: number; height: number }> {
  const { rgb, width, height } = decode(region);
  const [people = []] = await detector.detectTiles([rgb], width, height);
  return { people, width, height };
}

const contains = (d: Detection, x: number, y: number): boolean => x >= d.x && x <= d.x + d.w && y >= d.y && y <= d.y + d.h;

let detector: PersonDetector;

beforeAll(async () => {
  detector = await PersonDetector.load(JOB_DETECTOR);
});

describe('person detector on a photograph', () => {
  it('finds exactly the one person in a single-person photo', async () => {
    const { people, width, height } = await detect(SINGLE);
    expect(people).toHaveLength(1);
    const [person] = people as [Detection];
    expect(person.score).toBeGreaterThan(0.3);
    // Her whole figure, head to shoes, with her torso inside the box.
    expect(person.h).toBeGreaterThan(0.7 * height);
    expect(contains(person, 0.4 * width, 0.47 * height)).toBe(true);
  });

  it('finds most of the people in a group photo, and no more than are there', async () => {
    const { people, width, height } = await detect(GROUP);
    expect(people.length).toBeGreaterThanOrEqual(8);
    expect(people.length).toBeLessThanOrEqual(GROUP_PEOPLE + 2);
    // Each of the clearly visible people is inside a box of their own: the one whose centre is
    // nearest their torso.
    const sx = GROUP.w / width;
    const sy = GROUP.h / height;
    const owners = Object.entries(TORSOS).map(([who, [x, y]]) => {
      const px = (x - GROUP.x) / sx;
      const py = (y - GROUP.y) / sy;
      const around = people.filter((d) => contains(d, px, py));
      expect(around, who).not.toHaveLength(0);
      const distance = (d: Detection): number => Math.hypot(d.x + d.w / 2 - px, d.y + d.h / 2 - py);
      return around.reduce((a, b) => (distance(b) < distance(a) ? b : a));
    });
    expect(new Set(owners).size).toBe(owners.length);
  });
});
