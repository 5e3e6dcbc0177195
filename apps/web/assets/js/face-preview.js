// @ts-check
import { ApiError } from './api-client.js';
import { checkWords, describeProblem } from './error-messages.js';

/** The size captures are judged at (the camera's 640 px): a smaller frame would call a face "too small" wrongly. */
const PREVIEW_WIDTH = 640;
const INTERVAL_MS = 450;

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
 * The live face box: every ~half second a small frame goes to /detect, and the boxes and a hint are drawn over the
 * preview. One request at a time, so a slow server slows the preview instead of queueing frames.
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

  /** One detection; answers how long to wait before the next. */
  async tick() {
    const api = this.api();
    if (!api) return 1000;
    try {
      const frame = await this.camera.capture(PREVIEW_WIDTH);
      // One detector pass: the tiled search for small faces costs ~5x and a webcam face is never small.
      const result = await api.postImages('/detect', 'file', [frame], { smallFaces: 'false' });
      if (this.paused || !this.camera.running) return INTERVAL_MS;
      this.draw(result.faces, result.width);
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

  /** @param {DetectedFace[]} faces @param {number} width the detected image's width (boxes are in its pixels) */
  draw(faces, width) {
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
