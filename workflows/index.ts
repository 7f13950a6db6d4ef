export { videoCommentary } from './video-commentary';
