// The page's DOM helpers: elements found by id with their type checked, elements built without
// parsing HTML, and the error lines.
import { ApiError } from './api.mjs';

/** Sent on the document when the API refused the key; the key dialog answers it. */
export const keyRefusedEvent = 'bing:key-refused';

/**
 * The element with this id, which must be a T.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, name: string }} type
 * @returns {T}
 */
export function byId(id, type) {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return el;
}

/**
 * The element with this id.
 * @param {string} id
 */
export const $ = (id) => byId(id, HTMLElement);

/** @typedef {Node | string | number | false | null | undefined} Child */

/**
 * Builds an element: h('li', {class: 'x', onclick}, 'text', child). Text is never parsed as HTML.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [attrs] `on…` listeners, `dataset`, `style` text, attributes (true: present)
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'style') el.style.cssText = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/**
 * @param {HTMLElement} el
 * @param {boolean} visible
 */
export const show = (el, visible) => { el.hidden = !visible; };

/**
 * Shows an error in its line, or empties and hides the line when there is none. A key the API
 * refused asks for another.
 * @param {HTMLElement} el
 * @param {unknown} [err]
 */
export function showError(el, err) {
  if (!err) {
    el.textContent = '';
    show(el, false);
    return;
  }
  el.textContent = err instanceof Error ? err.message : String(err);
  show(el, true);
  if (err instanceof ApiError && err.status === 401) document.dispatchEvent(new Event(keyRefusedEvent));
}
