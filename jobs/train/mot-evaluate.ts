// A MOT model's scores on labelled sequences: each sequence tracked by the MOT job's own pipeline
// (jobs/mot/pipeline.ts) with the model's settings, its people scored against the ground truth at
// IoU 0.5: IDF1 and MOTA (jobs/mot-metrics.ts), HOTA (jobs/mot-hota.ts), pooled over the sequences
// (IDF1 and MOTA from the summed counts, HOTA weighted by ground-truth boxes). The objective is the
// mean of IDF1 and HOTA: IDF1 weighs identities kept over the whole sequence, HOTA detection and
// association alike, and both lie in [0, 1]. The detector runs once per sequence and detector
// configuration (graph, detector settings, cadence); its detections are replayed for every other
// model that shares that configuration, since tracking settings leave them unchanged.
import { JobFailure } from '../contract';
import type { Detection } from '../mot/detector';
import { PersonDetector } from '../mot/detector';
import type { MotModel } from '../mot/model';
import { trackVideo, type DetectionSource } from '../mot/pipeline';
import { hota } from '../mot-hota';
import { score, type MotBox } from '../mot-metrics';
import type { Sequence } from './sequences';

export const MOT_METRIC = 'idf1_hota';

export interface MotScores {
  [MOT_METRIC]: number;
  idf1: number;
  hota: number;
  mota: number;
}

interface Recording {
  tile: { width: number; height: number };
  tilesPerCall: number;
  /** Detections in tile pixels by 0-based frame. */
  frames: Map<number, Detection[]>;
}

const detectorKey = (model: MotModel): string =>
  JSON.stringify({ graph: model.detectorGraph ?? null, detector: model.settings.detector, perSecond: model.settings.detectionsPerSecond });

export class MotEvaluator {
  private readonly detectors = new Map<string, Promise<PersonDetector>>();
  private readonly recordings = new Map<string, Recording>();

  /** Detector runs so far, one per sequence and detector configuration. */
  get detectionRuns(): number {
    return this.recordings.size;
  }

  private detector(model: MotModel): Promise<PersonDetector> {
    const key = JSON.stringify({ graph: model.detectorGraph ?? null, detector: model.settings.detector });
    let detector = this.detectors.get(key);
    if (!detector) {
      detector = PersonDetector.load(model.settings.detector, model.detectorGraph).catch((err: unknown) => {
        throw new JobFailure(`the detector graph of MOT model ${model.version} cannot be loaded: ${(err as Error).message}`);
      });
      this.detectors.set(key, detector);
    }
    return detector;
  }

  /** The source of a sequence's detections: the recording, or the detector, recorded as it runs. */
  private async source(model: MotModel, sequence: Sequence): Promise<{ source: DetectionSource; recording: Recording }> {
    const recorded = this.recordings.get(`${detectorKey(model)}|${sequence.name}`);
    if (recorded) {
      return {
        recording: recorded,
        source: {
          tile: recorded.tile,
          tilesPerCall: recorded.tilesPerCall,
          detect: async (frames) => frames.map((f) => {
            const boxes = recorded.frames.get(f.index);
            if (!boxes) throw new Error(`no recorded detections for frame ${f.index} of ${sequence.name}`);
            return boxes;
          }),
        },
      };
    }
    const detector = await this.detector(model);
    const tile = detector.workingSize(sequence.probe.width, sequence.probe.height);
    const recording: Recording = { tile, tilesPerCall: detector.tilesPerInput(tile), frames: new Map() };
    return {
      recording,
      source: {
        tile,
        tilesPerCall: recording.tilesPerCall,
        detect: async (frames) => {
          const found = await detector.detectTiles(frames.map((f) => f.rgb), tile.width, tile.height);
          frames.forEach((f, k) => recording.frames.set(f.index, found[k]!));
          return found;
        },
      },
    };
  }

  /** The people the MOT job would track in a sequence with the model, as MOTChallenge boxes. */
  private async track(model: MotModel, sequence: Sequence): Promise<MotBox[]> {
    const { source, recording } = await this.source(model, sequence);
    const { tracks } = await trackVideo(sequence.video, sequence.probe, model.settings, { perSecond: model.settings.detectionsPerSecond }, source);
    this.recordings.set(`${detectorKey(model)}|${sequence.name}`, recording);
    return tracks.filter((t) => t.class === 'person').flatMap((t) => t.boxes.map((b) => ({ frame: b.frame, id: t.id, x: b.x, y: b.y, w: b.w, h: b.h })));
  }

  async score(model: MotModel, sequences: Sequence[]): Promise<MotScores> {
    const tracked = new Map<string, MotBox[]>();
    // The detector is one model in one process: sequences it still has to see go one at a time;
    // replays, whose work is decoding in ffmpeg, go together.
    for (const s of sequences) {
      if (!this.recordings.has(`${detectorKey(model)}|${s.name}`)) tracked.set(s.name, await this.track(model, s));
    }
    await Promise.all(sequences.filter((s) => !tracked.has(s.name)).map(async (s) => tracked.set(s.name, await this.track(model, s))));
    let gt = 0;
    let hyp = 0;
    let idtp = 0;
    let errors = 0;
    let hotaSum = 0;
    for (const s of sequences) {
      const boxes = tracked.get(s.name)!;
      const clear = score(s.gt, boxes);
      idtp += (clear.idf1 * Math.max(1, s.gt.length + boxes.length)) / 2;
      errors += clear.falseNegatives + clear.falsePositives + clear.idSwitches;
      hotaSum += hota(s.gt, boxes).hota * s.gt.length;
      gt += s.gt.length;
      hyp += boxes.length;
    }
    const idf1 = (2 * idtp) / Math.max(1, gt + hyp);
    const hotaScore = hotaSum / Math.max(1, gt);
    return { [MOT_METRIC]: (idf1 + hotaScore) / 2, idf1, hota: hotaScore, mota: 1 - errors / Math.max(1, gt) };
  }
}
