// @ts-check
import { fitForUpload } from '../image-files.js';
import { runLivenessChallenge } from '../liveness-runner.js';
import { formatScore, similarityGauge } from '../gauge.js';
import { busy, byId, el, showMessage } from '../ui.js';

/**
 * The probe photo for verify/identify from the camera: when asked, the liveness challenge runs first and the photo
 * is captured right after it passes, so the token (bound to that face) is fresh.
 * @param {import('./context.js').PanelContext} context
 * @param {boolean} withLiveness
 * @param {(text: string) => void} onProgress
 * @returns {Promise<{ image: Blob, livenessToken?: string }>}
 */
export async function probeFromCamera(context, withLiveness, onProgress) {
  if (!context.camera.running) throw new Error('Start the camera first (or use a file).');
  if (!withLiveness) return { image: await context.camera.capture() };
  return challengeAtCamera(context, onProgress, async (livenessToken) => ({ image: await context.camera.capture(), livenessToken }));
}

/**
 * Runs the liveness challenge at the camera and hands its single-use token to `then` while the camera still shows the
 * face that passed (a verify probe is captured there).
 * @template T
 * @param {import('./context.js').PanelContext} context
 * @param {(text: string) => void} onProgress
 * @param {(livenessToken: string) => Promise<T>} then
 * @param {string} [collection] where the token is for (the collection field's value by default)
 * @returns {Promise<T>}
 */
export async function challengeAtCamera(context, onProgress, then, collection = context.collection()) {
  if (!context.camera.running) throw new Error('Start the camera first: this collection asks for the liveness challenge.');
  // One challenge at a time on the page: they would share the prompt, and the first to end would resume the preview.
  if (context.lock.liveness) throw new Error('A liveness challenge is already running.');
  context.lock.liveness = true;
  context.preview.pause(true);
  try {
    const livenessToken = await runLivenessChallenge({
      api: context.api(),
      camera: context.camera,
      collection,
      prompt: context.prompt,
      onProgress,
    });
    return await then(livenessToken);
  } finally {
    context.lock.liveness = false;
    context.preview.pause(false);
  }
}

/**
 * A verify/identify form's two sources of a probe: the capture button (with the liveness challenge when ticked) and
 * the file input. Elements are `#<prefix>-form`, `-capture`, `-liveness` and `-file`.
 * @param {import('./context.js').PanelContext} context
 * @param {string} prefix
 * @param {HTMLElement} result where progress is shown
 * @param {(probe: () => Promise<{ image: Blob, livenessToken?: string }>) => Promise<unknown>} run
 */
export function wireProbeInputs(context, prefix, result, run) {
  byId(`${prefix}-form`).addEventListener('submit', (/** @type {Event} */ e) => {
    e.preventDefault();
    const withLiveness = byId(`${prefix}-liveness`).checked;
    void busy(byId(`${prefix}-capture`), () => run(() => probeFromCamera(context, withLiveness, (t) => showMessage(result, 'warn', t))));
  });
  byId(`${prefix}-file`).addEventListener('change', (/** @type {Event} */ e) => {
    const input = /** @type {HTMLInputElement} */ (e.target);
    const file = input.files?.[0];
    input.value = ''; // the same file chosen again is a new request
    if (file) void run(async () => ({ image: await fitForUpload(file) }));
  });
}

/**
 * The decision, the similarity against the threshold as a bar, and the numbers.
 * @param {{ yes: boolean, title: string, similarity: number | null, threshold: number, confidence?: string, liveness?: { challengePassed?: boolean, live?: boolean | null, score?: number | null, mode?: string } }} result
 */
export function decisionView(result) {
  // The server withholds a rejection's score unless the collection exposes scores (it would be an oracle).
  const similarity = result.similarity === null ? 'similarity withheld below the threshold' : `similarity ${formatScore(result.similarity)}`;
  const parts = [similarity, `threshold ${result.threshold.toFixed(2)}`];
  if (result.confidence) parts.push(`confidence ${result.confidence}`);
  return el(
    'div',
    { class: 'decision-view', 'data-decision': result.yes ? 'yes' : 'no' },
    el('p', { class: `decision ${result.yes ? 'yes' : 'no'}` }, `${result.yes ? '✔' : '✘'} ${result.title}`),
    similarityGauge(result.similarity, result.threshold, 'Similarity against the threshold'),
    el('p', { class: 'gauge-caption' }, parts.join(' · ')),
    result.liveness ? el('p', { class: 'gauge-caption' }, livenessText(result.liveness)) : null,
  );
}

/** @param {{ challengePassed?: boolean, live?: boolean | null, score?: number | null, mode?: string }} liveness */
function livenessText(liveness) {
  const challenge = liveness.challengePassed ? 'liveness challenge passed' : 'no liveness challenge';
  const passive =
    liveness.mode === 'off' || liveness.score === null || liveness.score === undefined
      ? 'passive check off'
      : `passive score ${formatScore(liveness.score)} (${liveness.mode})`;
  return `${challenge} · ${passive}`;
}
