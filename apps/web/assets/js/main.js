// @ts-check
import { ApiClient, ApiError } from './api-client.js';
import { Camera, cameraErrorText } from './camera.js';
import { FacePreview } from './face-preview.js';
import { EnrolPanel } from './panels/enrol-panel.js';
import { IdentifyPanel } from './panels/identify-panel.js';
import { PeoplePanel } from './panels/people-panel.js';
import { VerifyPanel } from './panels/verify-panel.js';
import { AuditPanel } from './panels/audit-panel.js';
import { CollectionsPanel } from './panels/collections-panel.js';
import { KeysPanel } from './panels/keys-panel.js';
import { LockoutsPanel } from './panels/lockouts-panel.js';
import { busy, byId, el, showError } from './ui.js';

const KEY_STORAGE = 'facegate.apiKey';

/** @typedef {{ name: string, prefix: string, scopes: string[], collections: string[] }} KeyInfo */

/** @type {ApiClient | null} */
let api = null;
/** @type {KeyInfo | null} */
let key = null;

const camera = new Camera(byId('video'));
// The live box runs only while someone can see it: the page is visible and a tab that captures is open.
const preview = new FacePreview(
  camera,
  byId('overlay'),
  byId('camera-hint'),
  () => api,
  () => !document.hidden && selectedTab()?.dataset.captures !== undefined,
);
const collectionInput = /** @type {HTMLInputElement} */ (byId('collection'));

/** @type {import('./panels/context.js').PanelContext} */
const context = {
  api: () => {
    if (!api) throw new Error('Not connected.');
    return api;
  },
  collection: () => collectionInput.value.trim() || 'default',
  camera,
  preview,
  prompt: byId('prompt'),
  can: (scope) => !!key && (key.scopes.includes('admin') || key.scopes.includes(scope)),
  confirm,
  confirmTyped,
  keyPrefix: () => key?.prefix ?? '',
  openVerify: (person) => {
    verify.preset(person);
    selectTab(byId('tab-verify'));
    byId('verify-claim').focus();
  },
  lock: { liveness: false },
  // A console tab hides the camera card; a challenge started there (adding photos) shows it while it runs.
  showCamera: (shown) => layoutFor(selectedTab(), shown),
  startCamera,
  stopCamera,
};

const enrol = new EnrolPanel(context);
const verify = new VerifyPanel(context);
const identify = new IdentifyPanel(context);
const people = new PeoplePanel(context);
// The operator's console: keys, collections, audit and lockouts (admin keys only; the server enforces it too).
/** @type {Record<string, { load: () => Promise<void> }>} */
const consolePanels = {
  'tab-keys': new KeysPanel(context),
  'tab-collections': new CollectionsPanel(context, () => void loadCollections()),
  'tab-audit': new AuditPanel(context),
  'tab-lockouts': new LockoutsPanel(context),
};

setUpConnect();
setUpTabs();
setUpCamera();

function setUpConnect() {
  byId('connect-form').addEventListener('submit', (/** @type {Event} */ e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ (byId('api-key'));
    void busy(e.target instanceof HTMLFormElement ? e.target.querySelector('button') : null, () => connect(input.value.trim()));
  });
  byId('disconnect').addEventListener('click', disconnect);
  // Another collection holds other people: results and picks from the last one must not linger.
  collectionInput.addEventListener('change', () => {
    verify.reset();
    identify.result.replaceChildren();
    enrol.result.replaceChildren();
    if (!byId('panel-people').hidden) void people.load(true);
  });
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) void connect(saved);
}

/** Checks the key with GET /api-keys/me, then shows what this key may do. @param {string} value */
async function connect(value) {
  const error = byId('connect-error');
  error.hidden = true;
  const client = new ApiClient(value);
  try {
    key = await client.get('/api-keys/me');
  } catch (problem) {
    // Only a refused key is forgotten; a server that is starting or unreachable says so and the key stays.
    if (problem instanceof ApiError && problem.problem.code === 'UNAUTHORIZED') sessionStorage.removeItem(KEY_STORAGE);
    error.hidden = false;
    showError(error, problem);
    byId('connect-view').hidden = false;
    byId('app-view').hidden = true;
    return;
  }
  api = client;
  sessionStorage.setItem(KEY_STORAGE, value);
  /** @type {HTMLInputElement} */ (byId('api-key')).value = '';
  byId('key-summary').textContent = `Key ${key?.name} (${key?.prefix}…): ${key?.scopes.join(', ')}`;
  byId('connection').hidden = false;
  byId('connect-view').hidden = true;
  byId('app-view').hidden = false;
  await loadCollections();
  showTabsFor();
}

/** Forgetting the key starts the page afresh: no photo, result or list of the last key's session survives. */
function disconnect() {
  sessionStorage.removeItem(KEY_STORAGE);
  camera.stop();
  window.location.reload();
}

/** A bound key lists its own collections; an unbound admin lists them all; others type a name (default: default). */
async function loadCollections() {
  let names = key?.collections ?? [];
  if (names.length === 0 && context.can('admin')) {
    names = await context
      .api()
      .get('/collections')
      .then((/** @type {Array<{ name: string }>} */ list) => list.map((c) => c.name))
      .catch(() => []);
  }
  byId('collection-options').replaceChildren(...names.map((name) => el('option', { value: name })));
  if (key && key.collections.length > 0 && !key.collections.includes(collectionInput.value)) collectionInput.value = key.collections[0];
}

// --- tabs (WAI-ARIA tabs pattern: arrow keys move between tabs, Home/End jump) --------------------------------

function tabs() {
  return /** @type {HTMLButtonElement[]} */ (Array.from(document.querySelectorAll('[role="tab"]'))).filter((t) => !t.hidden);
}

function showTabsFor() {
  for (const tab of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll('[role="tab"]'))) {
    tab.hidden = !context.can(/** @type {any} */ (tab.dataset.scope));
  }
  const first = tabs()[0];
  if (first) selectTab(first);
}

/** @param {HTMLButtonElement} tab */
function selectTab(tab) {
  for (const other of /** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll('[role="tab"]'))) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    byId(/** @type {string} */ (other.getAttribute('aria-controls'))).hidden = !selected;
  }
  layoutFor(tab);
  if (tab.id === 'tab-people') void people.load(true);
  void consolePanels[tab.id]?.load();
}

/**
 * The camera card serves the tabs that capture (and a challenge started from another tab); the console's lists get
 * the whole width. @param {HTMLElement | undefined} tab @param {boolean} [cameraShown]
 */
function layoutFor(tab, cameraShown = false) {
  byId('app-view').classList.toggle('console', !cameraShown && tab?.dataset.captures === undefined);
}

/** @returns {HTMLButtonElement | undefined} */
function selectedTab() {
  return tabs().find((t) => t.getAttribute('aria-selected') === 'true');
}

function setUpTabs() {
  const list = byId('tabs');
  list.addEventListener('click', (/** @type {MouseEvent} */ e) => {
    const tab = /** @type {HTMLElement} */ (e.target).closest('[role="tab"]');
    if (tab instanceof HTMLButtonElement) selectTab(tab);
  });
  list.addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
    const all = tabs();
    const index = all.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
    if (index < 0) return;
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: all.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const tab = all[(next + all.length) % all.length];
    selectTab(tab);
    tab.focus();
  });
}

// --- camera -----------------------------------------------------------------------------------------------------

function setUpCamera() {
  const reason = Camera.unavailableReason();
  if (reason) return noCamera(reason);
  const toggle = byId('camera-toggle');
  toggle.addEventListener('click', () => void busy(toggle, async () => (camera.running ? stopCamera() : await startCamera())));
}

/** Starts the camera and its live box (the toggle, and a challenge started from a console tab): false, with the reason shown, when it cannot. */
async function startCamera() {
  const message = byId('camera-unavailable');
  try {
    const reason = Camera.unavailableReason();
    if (reason) throw new Error(reason);
    await camera.start();
    message.hidden = true;
    preview.start();
    byId('camera-hint').textContent = 'Looking for a face…';
    return true;
  } catch (error) {
    // Permission refused or no device: say why and keep the button, the user may fix it and try again.
    message.textContent = cameraErrorText(error);
    message.hidden = false;
    byId('camera-hint').textContent = 'No camera: use the file buttons.';
    return false;
  } finally {
    syncCameraToggle();
  }
}

function stopCamera() {
  preview.stop();
  camera.stop();
  byId('camera-hint').textContent = 'The camera is off.';
  syncCameraToggle();
}

function syncCameraToggle() {
  byId('camera-toggle').textContent = camera.running ? 'Stop camera' : 'Start camera';
}

/** Without a camera the page still works from files: camera controls are disabled and say why. @param {string} reason */
function noCamera(reason) {
  const message = byId('camera-unavailable');
  message.textContent = reason;
  message.hidden = false;
  byId('camera-toggle').hidden = true;
  byId('camera-hint').textContent = 'No camera: use the file buttons.';
  for (const control of /** @type {NodeListOf<HTMLButtonElement | HTMLInputElement>} */ (document.querySelectorAll('[data-needs-camera]'))) {
    control.disabled = true;
    control.title = reason;
  }
}

// --- confirmation -----------------------------------------------------------------------------------------------

/**
 * A modal confirmation (native <dialog>: focus is trapped and Escape cancels).
 * @param {string} text @param {string} [action] the confirming button's label
 */
function confirm(text, action = 'Delete') {
  const dialog = /** @type {HTMLDialogElement} */ (byId('confirm-dialog'));
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = action;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true }));
}

/**
 * A confirmation for what cannot be undone: the button stays disabled until `word` is typed exactly.
 * @param {string} text @param {string} word
 * @returns {Promise<boolean>}
 */
function confirmTyped(text, word) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('typed-confirm-dialog'));
  const input = /** @type {HTMLInputElement} */ (byId('typed-confirm-input'));
  const ok = /** @type {HTMLButtonElement} */ (byId('typed-confirm-ok'));
  byId('typed-confirm-text').textContent = text;
  byId('typed-confirm-word').textContent = word;
  input.value = '';
  ok.disabled = true;
  const check = () => (ok.disabled = input.value !== word);
  input.addEventListener('input', check);
  dialog.returnValue = '';
  dialog.showModal();
  input.focus();
  return new Promise((resolve) =>
    dialog.addEventListener(
      'close',
      () => {
        input.removeEventListener('input', check);
        resolve(dialog.returnValue === 'confirm' && input.value === word);
      },
      { once: true },
    ),
  );
}
