// What workflows, clients and activities share: messages, search attributes, inputs and outputs.
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const searchAttributes = {
  userId: defineSearchAttributeKey('BingUserId', 'KEYWORD'),
  videoId: defineSearchAttributeKey('BingVideoId', 'KEYWORD'),
  stage: defineSearchAttributeKey('BingStage', 'KEYWORD'),
  videoSeconds: defineSearchAttributeKey('BingVideoSeconds', 'DOUBLE'),
  modelVersions: defineSearchAttributeKey('BingModelVersions', 'KEYWORD_LIST'),
} as const;

/** The search attributes the launcher registers with the dev server (Temporal CLI type names). */
export const searchAttributeTypes = {
  BingUserId: 'Keyword', BingVideoId: 'Keyword', BingStage: 'Keyword', BingVideoSeconds: 'Double', BingModelVersions: 'KeywordList',
} as const;

export const stageNames = ['uploading', 'ingest', 'mot', 'action', 'commentary', 'speech', 'deliver'] as const;
export type StageName = (typeof stageNames)[number];
export type Stage = StageName | 'done' | 'failed' | 'cancelled';

export interface StageProgress {
  state: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
  /** 0..1 where the stage reports it (GPU jobs through their heartbeats). */
  progress: number;
  startedAt?: string;
  endedAt?: string;
  seconds?: number;
}

export interface UploadCompleted {
  key: string;
  size: number;
  /** Absent where nothing computed it on the way in (tus on S3, direct-to-S3): ingest computes it. */
  sha256?: string;
}

export interface VideoCommentaryInput {
  videoId: string;
  userId: string;
  fileName: string;
  language: 'en' | 'ko';
  style?: 'play-by-play' | 'summary';
  /** Team names used in the commentary instead of shirt colours, e.g. {0: 'Reds', 1: 'Blues'}. */
  teamNames?: { 0?: string; 1?: string };
  /** Player names by track id. */
  roster?: Record<string, string>;
  /** How long to wait for the upload to finish, e.g. '24h'. */
  uploadTimeout: string;
  /** 1 for the first run; a rerun takes the next number, so its GPU jobs and results are new. */
  run?: number;
  /** A rerun starts from the stored upload instead of waiting for one. */
  source?: IngestedSource;
}

export interface IngestedSource {
  key: string;
  size: number;
  sha256: string;
  facts: VideoFacts;
}

export interface VideoFacts {
  durationSeconds: number;
  fps: number;
  width: number;
  height: number;
  codec: string;
  container: string;
}

export interface VideoManifest {
  videoId: string;
  userId: string;
  run: number;
  /** The model version each job ran, e.g. {mot: 'builtin', action: '3'}. */
  models: Record<string, string>;
  source: IngestedSource;
  results: Record<'tracks' | 'tracksTxt' | 'actions' | 'commentary' | 'commentaryVtt' | 'commentarySrt' | 'commentaryAudio' | 'commentatedVideo', string>;
  summary: { tracks: number; events: number; lines: number; language: string };
  stageSeconds: Partial<Record<StageName, number>>;
}

export interface Progress {
  videoId: string;
  userId: string;
  run: number;
  stage: Stage;
  stages: Record<StageName, StageProgress>;
  error?: string;
  models?: Record<string, string>;
  /** The stored upload, once ingested: what a rerun starts from. */
  source?: IngestedSource;
  manifestKey?: string;
}

/** GPU jobs run on their own task queue beside the workflow's: `bing` -> `bing-gpu`. */
export const gpuTaskQueue = (taskQueue: string): string => `${taskQueue}-gpu`;

/** Where a run's results go: results/{videoId}/ for the first, results/{videoId}/run-{n}/ for reruns. */
export const resultsPrefix = (videoId: string, run: number): string =>
  run === 1 ? `results/${videoId}/` : `results/${videoId}/run-${run}/`;

/** Where an upload lands before ingest moves it to its permanent key. */
export const incomingKey = (videoId: string): string => `incoming/${videoId}`;

export const uploadCompletedSignal = defineSignal<[UploadCompleted]>('uploadCompleted');
/** The upload will not come (refused, cut, stalled): the request fails at stage uploading with this reason. */
export const uploadFailedSignal = defineSignal<[reason: string]>('uploadFailed');
export const progressQuery = defineQuery<Progress>('progress');
