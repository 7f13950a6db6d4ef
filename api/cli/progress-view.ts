// Shows a request's stages as progress bars, a long video's segments on one line, and its commentary
// lines as they appear: redrawn in place on a terminal (the lines printed above the bars), one line
// per change otherwise.
import { stageNames } from '../../contracts/video-commentary';
import type { SegmentProgress } from '../../contracts/segments';
import type { VideoStatus } from '../../client/videos-service';
import type { Commentary } from './api-client';
import { timedLine } from './commentary-files';

const width = 24;

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
}

/** One line of the progress area; off a terminal it is printed once per `key`, and never without one. */
interface Row {
  text: string;
  key?: string;
}

/** e.g. "3/8 tracked, 2 commented" */
function segmentCounts(segments: SegmentProgress[]): string {
  const tracked = segments.filter((s) => s.mot === 'done').length;
  const commented = segments.filter((s) => s.commentary === 'done').length;
  return `${tracked}/${segments.length} tracked, ${commented} commented`;
}

function segmentRow(segments: SegmentProgress[]): Row {
  const tracking = segments.reduce((sum, s) => sum + (s.mot === 'done' ? 1 : s.motProgress), 0) / segments.length;
  const counts = segmentCounts(segments);
  return { text: `${'segments'.padEnd(11)} ${bar(tracking)}  ${counts}`, key: `segments:${counts}` };
}

export class ProgressView {
  private drawn: Row[] = [];
  private readonly printed = new Set<string>();
  private readonly linesShown = new Set<string>();

  constructor(private readonly out: NodeJS.WriteStream) {}

  upload(sent: number, total: number): void {
    this.draw([{ text: `upload      ${bar(total ? sent / total : 1)}  ${(sent / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`, key: 'upload' }]);
  }

  stages(status: VideoStatus): void {
    const rows = stageNames.map((name): Row => {
      const stage = status.stages[name];
      const label = name.padEnd(11);
      if (stage.state === 'pending') return { text: `${label} ${' '.repeat(width + 7)} pending` };
      const seconds = stage.seconds !== undefined ? `  ${stage.seconds.toFixed(1)} s` : '';
      return { text: `${label} ${bar(stage.state === 'done' ? 1 : stage.progress)}  ${stage.state}${seconds}`, key: `${name}:${stage.state}` };
    });
    if (status.segments?.length) rows.push(segmentRow(status.segments));
    this.draw(rows);
  }

  /** Prints the lines not shown yet, in the order given. */
  commentary(lines: Commentary['lines']): void {
    const fresh = lines.filter((l) => !this.linesShown.has(`${l.start}|${l.end}|${l.text}`));
    if (!fresh.length) return;
    for (const l of fresh) this.linesShown.add(`${l.start}|${l.end}|${l.text}`);
    const text = fresh.map((l) => `${timedLine(l)}\n`).join('');
    if (!this.out.isTTY || !this.drawn.length) {
      this.out.write(text);
      return;
    }
    // Above the progress area, which is drawn again below them.
    this.out.write(`\x1b[${this.drawn.length}A\x1b[J${text}`);
    this.write(this.drawn);
  }

  /** Ends the in-place area so that later output starts below it. */
  done(): void {
    this.drawn = [];
  }

  private write(rows: Row[]): void {
    this.out.write(rows.map((r) => `\x1b[2K${r.text}\n`).join(''));
    this.drawn = rows;
  }

  private draw(rows: Row[]): void {
    if (this.out.isTTY) {
      if (this.drawn.length) this.out.write(`\x1b[${this.drawn.length}A`);
      this.write(rows);
      return;
    }
    // Not a terminal: each row once for each change it shows (a stage starting and ending).
    for (const row of rows) {
      if (!row.key || this.printed.has(row.key)) continue;
      this.printed.add(row.key);
      this.out.write(`${row.text}\n`);
    }
  }
}
