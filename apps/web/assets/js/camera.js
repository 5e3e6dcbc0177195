// @ts-check
/**
 * The webcam: start, stop, and grab the current frame as a JPEG. Frames are captured unmirrored (what the camera
 * sees), while the preview is mirrored by CSS, as people expect of a selfie view.
 */
export class Camera {
  /** @param {HTMLVideoElement} video */
  constructor(video) {
    this.video = video;
    /** @type {MediaStream | null} */
    this.stream = null;
  }

  /** Why there can be no camera here, or null when the browser offers one (permission is asked on start). */
  static unavailableReason() {
    if (!window.isSecureContext) return 'The camera needs HTTPS (or localhost). Use the file buttons instead.';
    if (!navigator.mediaDevices?.getUserMedia) return 'This browser offers no camera here. Use the file buttons instead.';
    return null;
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' }, audio: false });
    this.stream = stream;
    this.video.srcObject = stream;
    try {
      await this.video.play().catch(() => undefined);
      await this.firstFrame();
    } catch (error) {
      this.stop(); // a camera that sends nothing is released, not left on with its light lit
      throw error;
    }
  }

  stop() {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.video.srcObject = null;
  }

  /** Waits until the video has real dimensions (a frame has been decoded). */
  async firstFrame() {
    for (let i = 0; i < 100 && this.video.videoWidth === 0; i++) await new Promise((r) => setTimeout(r, 50));
    if (this.video.videoWidth === 0) throw new Error('The camera sends no picture.');
  }

  /**
   * The current frame as a JPEG, at most `maxWidth` wide (smaller for the live preview, full size for captures).
   * @param {number} [maxWidth]
   * @returns {Promise<Blob>}
   */
  capture(maxWidth = 1280) {
    const { videoWidth: w, videoHeight: h } = this.video;
    if (!this.running || w === 0) return Promise.reject(new Error('The camera is off.'));
    const scale = Math.min(1, maxWidth / w);
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    const context = canvas.getContext('2d');
    if (!context) return Promise.reject(new Error('No 2D canvas in this browser.'));
    context.drawImage(this.video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('Capture failed.'))), 'image/jpeg', 0.92));
  }
}

/** The words a getUserMedia failure deserves. @param {unknown} error */
export function cameraErrorText(error) {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError') return 'Camera permission was refused. Allow it in the browser, or use the file buttons.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found. Use the file buttons instead.';
  if (name === 'NotReadableError') return 'The camera is in use by another program.';
  return `The camera could not start (${error instanceof Error ? error.message : String(error)}). Use the file buttons instead.`;
}
