// @ts-check
const FRAMES_PER_BATCH = 3;
const FRAME_GAP_MS = 180;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let hidePrompt;

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
  clearTimeout(hidePrompt); // an earlier run's "passed" must not hide this run's prompts
  let session = await api.postJson('/liveness/sessions', { collection });
  // Steps are revealed one at a time; each upload carries the current step's nonce.
  const steps = session.totalSteps;
  const show = () => {
    prompt.hidden = false;
    if (session.completedSteps >= steps) {
      // Steps done; the server may still want a few more frames for its passive check over the session.
      prompt.textContent = 'Look at the camera';
      prompt.dataset.step = 'hold';
      onProgress(`Liveness: steps done, ${session.framesReceived} frames sent.`);
      return;
    }
    const step = session.completedSteps;
    prompt.textContent = `${session.instructions[step]} (${step + 1}/${steps})`;
    prompt.dataset.step = session.challenge[step];
    onProgress(`Liveness: step ${step + 1} of ${steps}, ${session.framesReceived} frames sent.`);
  };
  /** Digests of the frames this session has sent: the server refuses a frame it has seen (repeated_frame). */
  const sent = new Set();
  try {
    show();
    while (session.status === 'in_progress') {
      // Never more than the server takes per upload or has left for the session: the last batch is marked final.
      const left = session.maxFrames - session.framesReceived;
      const frames = await captureBatch(camera, Math.max(1, Math.min(FRAMES_PER_BATCH, session.maxFramesPerRequest ?? FRAMES_PER_BATCH, left)), sent);
      const final = frames.length >= left;
      session = await api.postImages(`/liveness/sessions/${session.id}/frames`, 'files', frames, {
        stepNonce: session.stepNonce,
        final: final ? 'true' : undefined,
      });
      if (session.status === 'in_progress') show();
    }
    if (session.status !== 'passed') throw new Error('The liveness challenge was not passed.');
    prompt.textContent = 'Liveness passed';
    onProgress(`Liveness passed after ${session.framesReceived} frames.`);
    return session.livenessToken;
  } finally {
    hidePrompt = setTimeout(() => (prompt.hidden = true), 800);
  }
}

/**
 * `count` new camera frames. A camera that has not delivered a new picture since the last capture (a slow exposure, a
 * stalled device) hands back the same one: that capture is taken again a moment later rather than sent twice.
 * @param {import('./camera.js').Camera} camera @param {number} count @param {Set<string>} sent
 */
async function captureBatch(camera, count, sent) {
  const frames = [];
  for (let tries = 0; frames.length < count && tries < count * 4; tries++) {
    if (tries > 0) await new Promise((r) => setTimeout(r, FRAME_GAP_MS));
    const frame = await camera.capture(640);
    const digest = await digestOf(frame);
    if (sent.has(digest)) continue;
    sent.add(digest);
    frames.push(frame);
  }
  if (frames.length === 0) throw new Error('The camera is not delivering new pictures.');
  return frames;
}

/** @param {Blob} blob */
async function digestOf(blob) {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}
