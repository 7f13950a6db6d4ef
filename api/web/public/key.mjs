// The API key dialog: asked for at the start without a key, on demand, and when the API refuses the key.
import { getKey, setKey } from './api.mjs';
import { $, byId, keyRefusedEvent, showError } from './dom.mjs';

const dialog = byId('key-dialog', HTMLDialogElement);
const input = byId('key-input', HTMLInputElement);

/** @param {string} [message] why a key is asked for */
export function askForKey(message) {
  showError($('key-error'), message ? new Error(message) : undefined);
  input.value = getKey();
  if (!dialog.open) dialog.showModal();
  input.focus();
}

/** @param {() => void} onSaved called with each key saved */
export function initKey(onSaved) {
  byId('key-form', HTMLFormElement).addEventListener('submit', (e) => {
    const key = input.value.trim();
    if (!key) {
      e.preventDefault();
      return;
    }
    setKey(key);
    showError($('key-error'));
    onSaved();
  });
  dialog.addEventListener('cancel', (e) => {
    if (!getKey()) e.preventDefault();
  });
  byId('change-key', HTMLButtonElement).addEventListener('click', () => askForKey());
  document.addEventListener(keyRefusedEvent, () => askForKey('That key was refused. Enter a valid API key.'));
}
