// @ts-check
import { ApiError } from './api-client.js';
import { describeProblem } from './error-messages.js';

/**
 * A small element builder: text children are text nodes, never HTML, so names from the API cannot inject markup.
 * @param {string} tag
 * @param {Record<string, string | boolean | number | undefined>} [attributes]
 * @param {Array<Node | string | null | undefined | false>} children
 * @returns {HTMLElement}
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** @param {string} id @returns {any} */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node;
}

/**
 * Replaces a container's content with a message; errors from the API show their code and request id.
 * @param {HTMLElement} container
 * @param {'ok' | 'warn' | 'error'} level
 * @param {string} text
 * @param {{ code?: string, requestId?: string }} [meta]
 */
export function showMessage(container, level, text, meta = {}) {
  const message = el(
    'div',
    { class: `message ${level}`, role: level === 'error' ? 'alert' : 'status', 'data-code': meta.code },
    text,
    meta.code ? el('span', { class: 'code' }, ` (${meta.code})`) : null,
    meta.requestId ? el('span', { class: 'request-id' }, `Request id ${meta.requestId}`) : null,
  );
  container.replaceChildren(message);
  return message;
}

/** @param {HTMLElement} container @param {unknown} error */
export function showError(container, error) {
  if (error instanceof ApiError) {
    const { text, code, requestId } = describeProblem(error.problem);
    return showMessage(container, 'error', text, { code, requestId });
  }
  return showMessage(container, 'error', error instanceof Error ? error.message : String(error));
}

/**
 * Disables a button while its work runs, so a double click cannot send twice.
 * @template T
 * @param {HTMLButtonElement | null} button
 * @param {() => Promise<T>} work
 */
export async function busy(button, work) {
  const label = button?.textContent;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await work();
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      button.textContent = label ?? '';
    }
  }
}

/**
 * One row of a console list: a title, a line of details and action buttons (one column on a phone, see .records).
 * @param {string} title @param {Array<string | null | undefined | false>} details @param {HTMLElement[]} [actions]
 * @param {Record<string, string>} [attributes]
 */
export function recordItem(title, details, actions = [], attributes = {}) {
  return el(
    'li',
    attributes,
    el('div', { class: 'who' }, el('strong', {}, title), el('span', { class: 'meta' }, details.filter(Boolean).join(' · '))),
    el('div', { class: 'actions' }, ...actions),
  );
}

/** @param {string} text @param {string} label @param {() => unknown} action @param {string} [kind] */
export function actionButton(text, label, action, kind = 'secondary') {
  const button = /** @type {HTMLButtonElement} */ (el('button', { type: 'button', class: kind, 'aria-label': label }, text));
  button.addEventListener('click', () => void busy(button, async () => action()));
  return button;
}

/** A date for lists: local date and time, or a dash. @param {string | null | undefined} iso */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}
