export { videoCommentary } from './video-commentary';
export { retraining } from './retraining';
