// Shows a request's stages as progress bars: redrawn in place on a terminal, one line per change otherwise.
import { stageNames } from '../../contracts/video-commentary';
import type { VideoStatus } from '../../client/videos-service';

const width = 24;

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
}

export class ProgressView {
  private drawnLines = 0;
  private readonly printed = new Set<string>();

  constructor(private readonly out: NodeJS.WriteStream) {}

  upload(sent: number, total: number): void {
    this.draw([`upload      ${bar(total ? sent / total : 1)}  ${(sent / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`]);
  }

  stages(status: VideoStatus): void {
    const lines = stageNames.map((name) => {
      const stage = status.stages[name];
      const label = name.padEnd(11);
      if (stage.state === 'pending') return `${label} ${' '.repeat(width + 7)} pending`;
      const seconds = stage.seconds !== undefined ? `  ${stage.seconds.toFixed(1)} s` : '';
      return `${label} ${bar(stage.state === 'done' ? 1 : stage.progress)}  ${stage.state}${seconds}`;
    });
    this.draw(lines);
  }

  /** Ends the in-place area so that later output starts below it. */
  done(): void {
    this.drawnLines = 0;
  }

  private draw(lines: string[]): void {
    if (this.out.isTTY) {
      if (this.drawnLines) this.out.write(`\x1b[${this.drawnLines}A`);
      this.out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
      this.drawnLines = lines.length;
      return;
    }
    // Not a terminal: one line for each stage as it starts and ends.
    for (const line of lines) {
      const [name = '', state = ''] = [line.slice(0, 11).trim(), /(pending|running|done|failed|cancelled)/.exec(line)?.[1] ?? ''];
      if (state === 'pending' || this.printed.has(`${name}:${state}`)) continue;
      this.printed.add(`${name}:${state}`);
      this.out.write(`${line}\n`);
    }
  }
}
