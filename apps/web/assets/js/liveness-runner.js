// @ts-check
import { ApiError } from './api-client.js';

const FRAMES_PER_BATCH = 3;
const FRAME_GAP_MS = 180;
/**
 * Refusals of one upload that leave the session open: the page waits a moment and sends new frames. Giving up would
 * leave the session to expire, and a session left after a frame was judged counts as a failed attempt on the person.
 */
const TRANSIENT = new Set(['RATE_LIMITED', 'ENGINE_BUSY', 'ENGINE_TIMEOUT']);
const TRANSIENT_WAIT_MS = 1000;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let hidePrompt;

/**
 * @typedef {{
 *   api: import('./api-client.js').ApiClient,
 *   camera: import('./camera.js').Camera,
 *   collection: string,
 *   prompt: HTMLElement,
 *   onProgress?: (text: string) => void,
 * }} ChallengeOptions
 */

/**
 * Runs the active liveness challenge with on-screen prompts, over the WebSocket stream (the server sends each step's
 * prompt and judges frames as they come) or, where the stream cannot open, over HTTP. Resolves with the single-use
 * token; a refusal (CHALLENGE_FAILED, LIVENESS_FACE_CHANGED...) rejects with its ApiError.
 * @param {ChallengeOptions} options
 * @returns {Promise<string>}
 */
export async function runLivenessChallenge(options) {
  clearTimeout(hidePrompt); // an earlier run's "passed" must not hide this run's prompts
  const stream = options.api.stream();
  try {
    return (await stream.open()) ? await overStream(stream, options) : await overHttp(options);
  } finally {
    hidePrompt = setTimeout(() => (options.prompt.hidden = true), 800);
  }
}

/**
 * The prompt for a session view (HTTP's and the stream's are the same shape).
 * @param {HTMLElement} prompt @param {any} session @param {(text: string) => void} onProgress
 */
function showStep(prompt, session, onProgress) {
  prompt.hidden = false;
  const steps = session.totalSteps;
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
}

/**
 * Over the stream: `challenge` opens the session and each `challenge` message is a prompt; camera frames go out at
 * the rate the server judges them (its `challengeFps`), never the same picture twice, until the token or a refusal.
 * @param {import('./stream-client.js').StreamClient} stream @param {ChallengeOptions} options
 * @returns {Promise<string>}
 */
function overStream(stream, { camera, collection, prompt, onProgress = () => undefined }) {
  const gapMs = Math.ceil(1000 / (stream.limits.challengeFps || 5)) + 20;
  /** @type {Set<string>} */
  const sent = new Set();
  /** @type {Set<number>} */
  const mine = new Set();
  let done = false;
  let opened = false;
  return new Promise((resolve, reject) => {
    /** @param {(() => void)} settle */
    const finish = (settle) => {
      done = true;
      stop();
      settle();
    };
    const stop = stream.on((message) => {
      if (done) return;
      if (message.type === 'challenge') {
        opened = true;
        if (message.session.status === 'passed') {
          prompt.textContent = 'Liveness passed';
          onProgress(`Liveness passed after ${message.session.framesReceived} frames.`);
          return finish(() => resolve(message.session.livenessToken));
        }
        return showStep(prompt, message.session, onProgress);
      }
      if (message.type === 'result' && message.op === 'liveness' && mine.has(message.seq ?? -1)) {
        onProgress(`Liveness: step ${message.body.completedSteps + 1} of ${message.body.totalSteps}, ${message.body.framesReceived} frames sent.`);
        return;
      }
      const ours = message.seq === undefined ? !opened : mine.has(message.seq);
      if (message.type === 'error' && ours && !TRANSIENT.has(message.code ?? '')) {
        return finish(() => reject(new ApiError({ status: 0, code: message.code ?? 'ERROR', detail: message.detail })));
      }
      if (message.type === 'closed') {
        finish(() => reject(new ApiError({ status: 0, code: 'NETWORK', detail: 'The live connection to the server closed during the challenge.' })));
      }
    });
    stream.send({ type: 'challenge', collection });
    void (async () => {
      while (!done) {
        await new Promise((r) => setTimeout(r, gapMs));
        if (done || !opened) continue;
        try {
          const frame = await camera.capture(640);
          const digest = await digestOf(frame);
          if (sent.has(digest)) continue; // the camera has not delivered a new picture yet
          sent.add(digest);
          const seq = await stream.sendFrame(frame);
          if (seq !== null) mine.add(seq);
        } catch (error) {
          finish(() => reject(error));
        }
      }
    })();
  });
}

/**
 * Over HTTP: opens a session, then sends small batches of camera frames in capture order, each with the current
 * step's nonce, until the server answers `passed` or refuses.
 * @param {ChallengeOptions} options
 * @returns {Promise<string>}
 */
async function overHttp({ api, camera, collection, prompt, onProgress = () => undefined }) {
  let session = await api.postJson('/liveness/sessions', { collection });
  const show = () => showStep(prompt, session, onProgress);
  /** Digests of the frames this session has sent: the server refuses a frame it has seen (repeated_frame). */
  const sent = new Set();
  show();
  while (session.status === 'in_progress') {
    // Never more than the server takes per upload or has left for the session: the last batch is marked final.
    const left = session.maxFrames - session.framesReceived;
    const frames = await captureBatch(camera, Math.max(1, Math.min(FRAMES_PER_BATCH, session.maxFramesPerRequest ?? FRAMES_PER_BATCH, left)), sent);
    const final = frames.length >= left;
    try {
      session = await api.postImages(`/liveness/sessions/${session.id}/frames`, 'files', frames, {
        stepNonce: session.stepNonce,
        final: final ? 'true' : undefined,
      });
    } catch (error) {
      if (final || !(error instanceof ApiError) || !TRANSIENT.has(error.problem.code ?? '')) throw error;
      await new Promise((r) => setTimeout(r, TRANSIENT_WAIT_MS));
      continue;
    }
    if (session.status === 'in_progress') show();
  }
  if (session.status !== 'passed') throw new Error('The liveness challenge was not passed.');
  prompt.textContent = 'Liveness passed';
  onProgress(`Liveness passed after ${session.framesReceived} frames.`);
  return session.livenessToken;
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
