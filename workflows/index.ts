export { videoCommentary } from './video-commentary';
export { retraining } from './retraining';
export { completionCallback } from './completion-callback';
