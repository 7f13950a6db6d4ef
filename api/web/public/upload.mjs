// The upload form: a resumable upload with its progress and speed, then the new video, selected.
import { getKey, uploadVideo } from './api.mjs';
import { select } from './detail.mjs';
import { $, byId, show, showError } from './dom.mjs';
import { formatBytes } from './format.mjs';
import { askForKey } from './key.mjs';
import { remember } from './known-videos.mjs';
import { refreshList } from './list.mjs';
import { upsertVideo } from './videos.mjs';

const form = byId('upload-form', HTMLFormElement);
const languageSelect = byId('upload-language', HTMLSelectElement);
const startButton = byId('upload-start', HTMLButtonElement);
const bar = byId('upload-progress', HTMLProgressElement);

/** @type {ReturnType<typeof uploadVideo> | undefined} */
let currentUpload;

/**
 * @param {number} started performance.now() at the start
 * @returns {(loaded: number, total: number) => void}
 */
const showProgress = (started) => (loaded, total) => {
  const fraction = total > 0 ? loaded / total : 0;
  bar.value = fraction;
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0.5 ? ` · ${formatBytes(loaded / seconds)}/s` : '';
  $('upload-text').textContent = loaded >= total
    ? `${formatBytes(total)} sent · starting…`
    : `${formatBytes(loaded)} of ${formatBytes(total)} · ${Math.floor(fraction * 100)}%${rate}`;
};

/** @param {File} file */
async function upload(file) {
  const language = languageSelect.value;
  showError($('upload-error'));
  show($('upload-state'), true);
  show($('upload-abort'), true);
  startButton.disabled = true;
  bar.value = 0;
  $('upload-text').textContent = `0 of ${formatBytes(file.size)}`;
  currentUpload = uploadVideo(file, language, showProgress(performance.now()));
  try {
    const answer = await currentUpload.promise;
    $('upload-text').textContent = `Uploaded ${file.name}`;
    remember({ videoId: answer.videoId, fileName: file.name });
    form.reset();
    languageSelect.value = language;
    upsertVideo({ videoId: answer.videoId, workflowId: answer.workflowId, status: 'running', stage: 'ingest', fileName: file.name, startedAt: new Date().toISOString() });
    select(answer.videoId);
    void refreshList();
  } catch (err) {
    if (err instanceof Error && err.name === 'AbortError') {
      $('upload-text').textContent = 'Upload stopped · upload the same file again to continue';
    } else {
      showError($('upload-error'), err);
      $('upload-text').textContent = '';
    }
  } finally {
    currentUpload = undefined;
    show($('upload-abort'), false);
    startButton.disabled = false;
  }
}

export function initUpload() {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const file = byId('upload-file', HTMLInputElement).files?.[0];
    if (!file || currentUpload) return;
    if (!getKey()) {
      askForKey();
      return;
    }
    void upload(file);
  });
  $('upload-abort').addEventListener('click', () => currentUpload?.abort());
}
