// The segment plan: overlapping read ranges whose cores cover every frame exactly once.
import { describe, expect, it } from 'vitest';
import { planSegments, type SegmentSettings } from '../contracts/segments';

const settings: SegmentSettings = { seconds: 120, maxParallel: 2, overlapSeconds: 4 };

function expectCoresPartition(frames: number, segments: ReturnType<typeof planSegments>): void {
  expect(segments[0]!.coreFirstFrame).toBe(0);
  expect(segments.at(-1)!.coreEndFrame).toBe(frames);
  for (const [k, s] of segments.entries()) {
    expect(s.index).toBe(k);
    expect(s.firstFrame).toBeLessThanOrEqual(s.coreFirstFrame);
    expect(s.coreFirstFrame).toBeLessThan(s.coreEndFrame);
    expect(s.coreEndFrame).toBeLessThanOrEqual(s.endFrame);
    if (k > 0) expect(s.coreFirstFrame).toBe(segments[k - 1]!.coreEndFrame);
  }
}

describe('planSegments', () => {
  it('keeps a video no longer than a segment whole', () => {
    expect(planSegments(3000, 25, settings)).toEqual([{ index: 0, firstFrame: 0, endFrame: 3000, coreFirstFrame: 0, coreEndFrame: 3000 }]);
  });

  it('cuts an 8-minute match into 2-minute segments that reach 4 s into the next, split in the middle of the overlap', () => {
    const segments = planSegments(12_000, 25, settings);
    expect(segments.map((s) => [s.firstFrame, s.endFrame])).toEqual([[0, 3100], [3000, 6100], [6000, 9100], [9000, 12_000]]);
    expect(segments.map((s) => [s.coreFirstFrame, s.coreEndFrame])).toEqual([[0, 3050], [3050, 6050], [6050, 9050], [9050, 12_000]]);
    expectCoresPartition(12_000, segments);
  });

  it('gives the remainder to the last segment rather than a sliver shorter than the overlap', () => {
    const segments = planSegments(3060, 25, settings);
    expect(segments).toHaveLength(1);
    const longer = planSegments(6090, 25, settings);
    expect(longer.map((s) => [s.firstFrame, s.endFrame])).toEqual([[0, 3100], [3000, 6090]]);
    expectCoresPartition(6090, longer);
  });

  it('plans a 3-hour match in 90 segments whose cores cover it exactly', () => {
    const frames = 3 * 3600 * 25;
    const segments = planSegments(frames, 25, settings);
    expect(segments).toHaveLength(90);
    expectCoresPartition(frames, segments);
    expect(JSON.stringify(segments).length).toBeLessThan(10_000);
  });
});
