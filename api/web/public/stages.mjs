// A request's stages: their order and names, each stage's state for a video, and the one-line summary.

/** @typedef {import('./api.mjs').StageState} StageState */
/**
 * A video as the page knows it: a listing, merged with its latest status once read.
 * @typedef {import('./api.mjs').VideoListing & Partial<Omit<import('./api.mjs').VideoStatus, 'stages'>> & { stages?: Record<string, StageState> }} Video
 */

export const stageNames = ['uploading', 'ingest', 'mot', 'action', 'commentary', 'speech', 'deliver'];

/** @type {Record<string, string>} */
const stageLabels = {
  uploading: 'Upload', ingest: 'Ingest', mot: 'Tracking', action: 'Actions', commentary: 'Commentary', speech: 'Voice', deliver: 'Delivery',
  done: 'Done', failed: 'Failed', cancelled: 'Cancelled',
};

/** @param {string} stage */
export const stageLabel = (stage) => stageLabels[stage] ?? stage;

/** @type {StageState} */
export const pendingStage = { state: 'pending', progress: 0 };

/**
 * Each stage's state for a video: from its full status where known, else from its stage.
 * @param {Pick<Video, 'stage' | 'status' | 'stages'>} video
 * @returns {Record<string, StageState>}
 */
export function stagesOf(video) {
  if (video.stages) return video.stages;
  const at = stageNames.indexOf(video.stage);
  const ended = video.stage === 'done';
  return Object.fromEntries(stageNames.map((name, i) => {
    let state = 'pending';
    if (ended || (at >= 0 && i < at)) state = 'done';
    else if (i === at) state = video.status === 'running' ? 'running' : video.status === 'cancelled' ? 'cancelled' : 'failed';
    return [name, { state, progress: state === 'done' ? 1 : 0 }];
  }));
}

/** @param {Video} video where it stands, e.g. "Tracking 40%" or "failed at actions" */
export function stageSummary(video) {
  const stage = video.stage;
  if (video.status !== 'running') {
    if (video.status === 'completed') return 'Done';
    return `${video.status.replace('_', ' ')}${stageNames.includes(stage) ? ` at ${stageLabel(stage).toLowerCase()}` : ''}`;
  }
  const label = stageLabel(stage);
  if (!stageNames.includes(stage)) return label;
  const progress = video.stages?.[stage]?.progress ?? 0;
  return progress > 0 && progress < 1 ? `${label} ${Math.round(progress * 100)}%` : `${label}…`;
}
