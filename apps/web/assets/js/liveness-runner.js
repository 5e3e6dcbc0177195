// @ts-check
const FRAMES_PER_BATCH = 3;
const FRAME_GAP_MS = 180;

/**
 * Runs the active liveness challenge with on-screen prompts: opens a session, then sends small batches of camera
 * frames in capture order until the server answers `passed` (with a single-use token) or refuses. Resolves with the
 * token; an API refusal (CHALLENGE_FAILED, LIVENESS_FACE_CHANGED...) rejects with its ApiError.
 * @param {{
 *   api: import('./api-client.js').ApiClient,
 *   camera: import('./camera.js').Camera,
 *   collection: string,
 *   prompt: HTMLElement,
 *   onProgress?: (text: string) => void,
 * }} options
 * @returns {Promise<string>}
 */
export async function runLivenessChallenge({ api, camera, collection, prompt, onProgress = () => undefined }) {
  let session = await api.postJson('/liveness/sessions', { collection });
  const steps = session.challenge.length;
  const show = () => {
    const step = Math.min(session.completedSteps, steps - 1);
    prompt.hidden = false;
    prompt.textContent = `${session.instructions[step]} (${step + 1}/${steps})`;
    prompt.dataset.step = session.challenge[step];
    onProgress(`Liveness: step ${step + 1} of ${steps}, ${session.framesReceived} frames sent.`);
  };
  try {
    show();
    while (session.status === 'in_progress') {
      const frames = await captureBatch(camera);
      const final = session.framesReceived + frames.length >= session.maxFrames;
      session = await api.postImages(`/liveness/sessions/${session.id}/frames`, 'files', frames, { final: final ? 'true' : undefined });
      if (session.status === 'in_progress') show();
    }
    if (session.status !== 'passed') throw new Error('The liveness challenge was not passed.');
    prompt.textContent = 'Liveness passed';
    onProgress(`Liveness passed after ${session.framesReceived} frames.`);
    return session.livenessToken;
  } finally {
    setTimeout(() => (prompt.hidden = true), 800);
  }
}

/** @param {import('./camera.js').Camera} camera */
async function captureBatch(camera) {
  const frames = [];
  for (let i = 0; i < FRAMES_PER_BATCH; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, FRAME_GAP_MS));
    frames.push(await camera.capture(640));
  }
  return frames;
}
