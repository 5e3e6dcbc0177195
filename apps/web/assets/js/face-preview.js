// @ts-check
import { ApiError } from './api-client.js';
import { checkWords, describeProblem } from './error-messages.js';

/** The size captures are judged at (the camera's 640 px): a smaller frame would call a face "too small" wrongly. */
const PREVIEW_WIDTH = 640;
/** Over HTTP (the fallback), one /detect at a time about twice a second. */
const INTERVAL_MS = 450;
/**
 * Over the stream, a frame every 250 ms while fewer than two are unanswered: the box follows the face at about 4
 * frames a second and a slow server gets fewer frames instead of a queue. Each frame costs one request of the key's
 * `recognize` rate limit (600 a minute by default), so the preview spends about 240 of them a minute.
 */
const STREAM_INTERVAL_MS = 250;
const MAX_UNANSWERED = 2;

/**
 * @typedef {{ x: number, y: number, width: number, height: number }} Box
 * @typedef {{ box: Box, score: number, enrolment?: { ok: boolean, issues: string[] } }} DetectedFace
 * @typedef {{ level: 'ok' | 'warn' | 'bad' | 'none', text: string }} Hint
 */

/**
 * The hint before capture, from what /detect saw with the server's own enrolment gates.
 * @param {DetectedFace[]} faces
 * @returns {Hint}
 */
export function hintFor(faces) {
  if (faces.length === 0) return { level: 'none', text: 'No face in view. Face the camera.' };
  // Judged on the largest face, as enrolment does; a far smaller face in the background is no rival (the server
  // flags `second_face` when another face is big enough to make the photo ambiguous).
  const issues = largest(faces).enrolment?.issues ?? [];
  if (issues.includes('second_face')) return { level: 'bad', text: 'Several faces in view: only the person should be in the picture.' };
  if (issues.length === 0) return { level: 'ok', text: 'Good: the face is clear. Ready to capture.' };
  if (issues.includes('size')) return { level: 'warn', text: 'Move closer: the face is too small.' };
  return { level: 'warn', text: `Adjust: ${checkWords(issues)}.` };
}

/**
 * The live face box: camera frames go over the WebSocket stream as `detect` frames, and the boxes and a hint from
 * each answer are drawn over the preview. Where the stream cannot open, a frame goes to POST /detect about twice a
 * second instead, one request at a time. `canvas.dataset.source` says which one drew the box.
 */
export class FacePreview {
  /**
   * @param {import('./camera.js').Camera} camera
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement} hint
   * @param {() => import('./api-client.js').ApiClient | null} api
   * @param {() => boolean} wanted whether anyone looks at the preview now (a capture tab is open, the page visible)
   */
  constructor(camera, canvas, hint, api, wanted) {
    this.camera = camera;
    this.canvas = canvas;
    this.hint = hint;
    this.api = api;
    this.wanted = wanted;
    this.generation = 0;
    this.paused = false;
    /** Stream frames sent and not yet answered or dropped. @type {Set<number>} */
    this.unanswered = new Set();
    /** @type {import('./stream-client.js').StreamClient | null} */
    this.listeningTo = null;
    this.streamBackoffUntil = 0;
  }

  start() {
    const generation = ++this.generation;
    void this.loop(generation);
  }

  stop() {
    this.generation++;
    this.clear();
  }

  /** Paused while a liveness challenge uses the camera: one stream of frames to the server is enough. */
  pause(paused = true) {
    this.paused = paused;
    if (paused) this.clear();
  }

  /** @param {number} generation */
  async loop(generation) {
    while (generation === this.generation && this.camera.running) {
      let wait = INTERVAL_MS;
      if (!this.paused && this.wanted()) wait = await this.tick();
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** One frame; answers how long to wait before the next. */
  async tick() {
    const api = this.api();
    if (!api) return 1000;
    const stream = api.stream();
    if (await stream.open()) return this.streamTick(stream);
    return this.httpTick(api);
  }

  /** @param {import('./stream-client.js').StreamClient} stream */
  async streamTick(stream) {
    if (this.listeningTo !== stream) {
      this.listeningTo = stream;
      stream.on((message) => this.onStreamMessage(message));
    }
    if (Date.now() < this.streamBackoffUntil || this.unanswered.size >= MAX_UNANSWERED) return STREAM_INTERVAL_MS;
    try {
      const seq = await stream.sendFrame(await this.camera.capture(PREVIEW_WIDTH));
      if (seq !== null) this.unanswered.add(seq);
    } catch {
      // The camera stopped between two frames; the loop ends on its own.
    }
    return STREAM_INTERVAL_MS;
  }

  /** @param {import('./stream-client.js').StreamMessage} message */
  onStreamMessage(message) {
    if (message.type === 'closed') return this.unanswered.clear();
    if (message.seq === undefined || !this.unanswered.delete(message.seq)) return;
    if (this.paused || !this.camera.running) return;
    if (message.type === 'result' && message.op === 'detect') {
      this.draw(message.body.faces, message.body.width, 'stream');
      this.say(hintFor(message.body.faces));
    } else if (message.type === 'error') {
      this.clear();
      const rateLimited = message.code === 'RATE_LIMITED';
      if (rateLimited) this.streamBackoffUntil = Date.now() + 5000;
      this.say({
        level: 'warn',
        text: rateLimited
          ? 'Live preview paused for a few seconds (rate limit).'
          : describeProblem({ status: 0, code: message.code ?? 'ERROR', detail: message.detail }).text,
      });
    }
  }

  /** @param {import('./api-client.js').ApiClient} api */
  async httpTick(api) {
    try {
      const frame = await this.camera.capture(PREVIEW_WIDTH);
      // One detector pass: the tiled search for small faces costs ~5x and a webcam face is never small.
      const result = await api.postImages('/detect', 'file', [frame], { smallFaces: 'false' });
      if (this.paused || !this.camera.running) return INTERVAL_MS;
      this.draw(result.faces, result.width, 'http');
      this.say(hintFor(result.faces));
      return INTERVAL_MS;
    } catch (error) {
      this.clear();
      if (!(error instanceof ApiError)) return INTERVAL_MS;
      const { code } = error.problem;
      if (code === 'FORBIDDEN' || code === 'UNAUTHORIZED') {
        this.say({
          level: 'none',
          text: code === 'FORBIDDEN' ? 'The live face box needs a key with the recognize scope; capturing still works.' : describeProblem(error.problem).text,
        });
        this.generation++;
        return 0;
      }
      this.say({ level: 'warn', text: code === 'RATE_LIMITED' ? 'Live preview paused for a few seconds (rate limit).' : describeProblem(error.problem).text });
      return code === 'RATE_LIMITED' ? 5000 : 1500;
    }
  }

  /**
   * @param {DetectedFace[]} faces @param {number} width the detected image's width (boxes are in its pixels)
   * @param {'stream' | 'http'} source
   */
  draw(faces, width, source) {
    const { videoWidth, videoHeight } = this.camera.video;
    this.canvas.width = videoWidth;
    this.canvas.height = videoHeight;
    const context = this.canvas.getContext('2d');
    if (!context) return;
    context.clearRect(0, 0, videoWidth, videoHeight);
    const scale = videoWidth / width;
    const colour = boxColour(faces.length === 0 ? 'none' : hintFor(faces).level);
    context.lineWidth = Math.max(3, Math.round(videoWidth / 160));
    context.strokeStyle = colour;
    for (const face of faces) {
      const { x, y, width: w, height: h } = face.box;
      context.strokeRect(x * scale, y * scale, w * scale, h * scale);
    }
    this.canvas.dataset.faces = String(faces.length);
    this.canvas.dataset.source = source;
  }

  clear() {
    this.canvas.getContext('2d')?.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.canvas.dataset.faces = '0';
  }

  /** @param {Hint} hint */
  say(hint) {
    // Only changes are written: the hint is a live region, and a screen reader would otherwise repeat it twice a second.
    if (this.hint.textContent !== hint.text) this.hint.textContent = hint.text;
    this.hint.dataset.level = hint.level;
  }
}

/** @param {DetectedFace[]} faces */
function largest(faces) {
  return faces.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
}

/** @param {Hint['level']} level */
function boxColour(level) {
  const name = level === 'ok' ? '--box-ok' : level === 'bad' ? '--box-bad' : '--box-warn';
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#00e5ff';
}
