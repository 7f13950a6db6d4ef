// What workflows, clients and activities share: messages, search attributes, inputs and outputs.
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SegmentProgress, SegmentSettings } from './segments';

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

export const languages = ['en', 'ko'] as const;
export type Language = (typeof languages)[number];

export interface VideoCommentaryInput {
  videoId: string;
  userId: string;
  fileName: string;
  language: Language;
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
  /** Where the request's end is posted as a signed webhook; absent, nothing is sent. */
  callback?: CallbackTarget;
  /** How a long video is cut into segments processed in parallel; absent (requests started before segments), never cut. */
  segments?: SegmentSettings;
}

export interface CallbackTarget {
  /** Checked by the API when the request was made, and again when the event is delivered. */
  url: string;
  /** The request's status on the API (GET it with a key for the result links, signed afresh). */
  statusUrl: string;
}

/** The body of a completion webhook. */
export interface CallbackEvent {
  type: 'video.completed' | 'video.failed' | 'video.cancelled';
  timestamp: string;
  data: {
    videoId: string;
    userId: string;
    run: number;
    status: 'completed' | 'failed' | 'cancelled';
    /** The stage it ended at: done, or the stage that failed or was cancelled. */
    stage: StageName | 'done';
    error?: string;
    statusUrl: string;
    /** Storage keys of the results (manifest.json among them), when it completed. */
    manifestKey?: string;
    results?: VideoManifest['results'];
  };
}

/** A webhook's delivery, as the request's status shows it. */
export interface CallbackProgress {
  url: string;
  state: 'pending' | 'delivering' | 'delivered' | 'failed';
  /** Attempts made, once the delivery has ended (the status counts a running delivery's attempts). */
  attempts?: number;
  /** The receiver's HTTP status on the last attempt that got an answer. */
  lastStatus?: number;
  error?: string;
}

/** What one delivery attempt returns once the receiver accepts; a refused attempt fails with CallbackRefusal as its details. */
export interface CallbackDelivery {
  attempts: number;
  status: number;
}

export interface CallbackRefusal {
  attempt: number;
  status?: number;
}

/** One event for one receiver: the completionCallback workflow's input; `id` is its webhook-id. */
export interface CallbackDeliveryInput {
  url: string;
  id: string;
  event: CallbackEvent;
}

/**
 * The workflow delivering the end event of one run of a request, named by the run's Temporal run id:
 * an Idempotency-Key retry (the same run number) delivers its own event beside its earlier run's.
 */
export const callbackWorkflowId = (videoId: string, requestRunId: string): string => `callback-${videoId}-${requestRunId}`;

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
  /** The completion webhook, when the request names one. */
  callback?: CallbackProgress;
  /** A video processed in segments: each one's state, in order. */
  segments?: SegmentProgress[];
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
