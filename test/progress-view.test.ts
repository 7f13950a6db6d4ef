// The command line's progress view: a long video's segments on one line, and commentary lines
// printed once each, above the bars on a terminal and as plain lines elsewhere.
import { describe, expect, it } from 'vitest';
import { ProgressView } from '../api/cli/progress-view';
import type { VideoStatus } from '../client/videos-service';
import type { SegmentProgress } from '../contracts/segments';
import { stageNames, type Progress } from '../contracts/video-commentary';

/** A stream that keeps what is written to it. */
function output(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => written.join('') };
}

const segment = (index: number, mot: SegmentProgress['mot'], motProgress: number, commentary: SegmentProgress['commentary']): SegmentProgress =>
  ({ index, startSeconds: index * 120, endSeconds: index * 120 + 124, mot, motProgress, action: commentary, commentary });

function status(segments: SegmentProgress[]): VideoStatus {
  const stages = Object.fromEntries(stageNames.map((s) => [s, { state: s === 'mot' ? 'running' : 'pending', progress: 0 }])) as Progress['stages'];
  return { videoId: 'v1', userId: 'u', run: 1, stage: 'mot', stages, segments, status: 'running', workflowId: 'video-v1' };
}

const lines = [{ start: 3, end: 5, text: 'Red 4 takes it forward.', eventIds: [] }, { start: 125, end: 127, text: 'Blue 7 wins it back.', eventIds: [] }];

describe('the progress view', () => {
  it('off a terminal: the segment counts once per change, each line once', () => {
    const out = output(false);
    const view = new ProgressView(out.stream);
    view.stages(status([segment(0, 'done', 1, 'done'), segment(1, 'running', 0.5, 'pending')]));
    view.commentary(lines.slice(0, 1));
    view.stages(status([segment(0, 'done', 1, 'done'), segment(1, 'running', 0.75, 'pending')]));
    view.stages(status([segment(0, 'done', 1, 'done'), segment(1, 'done', 1, 'done')]));
    view.commentary(lines);
    expect(out.text()).toBe([
      `mot         [${'-'.repeat(24)}]   0%  running`,
      `segments    [${'#'.repeat(18)}${'-'.repeat(6)}]  75%  1/2 tracked, 1 commented`,
      '  [00:03.0 - 00:05.0] Red 4 takes it forward.',
      `segments    [${'#'.repeat(24)}] 100%  2/2 tracked, 2 commented`,
      '  [02:05.0 - 02:07.0] Blue 7 wins it back.',
      '',
    ].join('\n'));
  });

  it('on a terminal: new lines go above the bars, which are drawn again below them', () => {
    const out = output(true);
    const view = new ProgressView(out.stream);
    view.stages(status([segment(0, 'done', 1, 'done'), segment(1, 'running', 0.5, 'pending')]));
    const drawn = out.text();
    const rows = stageNames.length + 1;
    expect(drawn.split('\n')).toHaveLength(rows + 1);
    view.commentary(lines.slice(0, 1));
    view.commentary(lines.slice(0, 1));
    expect(out.text()).toBe(`${drawn}\x1b[${rows}A\x1b[J  [00:03.0 - 00:05.0] Red 4 takes it forward.\n${drawn}`);
  });
});
