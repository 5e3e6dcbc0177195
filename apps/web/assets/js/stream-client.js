// @ts-check
/**
 * The page's WebSocket to /v1/stream (README "Live streams"): one connection per key, opened on first use and again
 * after the server closes it (idle, session length, restart). The key travels as a subprotocol, never in the URL.
 * Callers ask `open()` first: false means no stream here (a proxy without WebSocket, an old server), and they use
 * HTTP instead.
 */

/** @typedef {{ type: string, seq?: number, code?: string, closeCode?: number, detail?: string, reason?: string, op?: string, body?: any, session?: any, limits?: Record<string, number> }} StreamMessage */

const OPEN_TIMEOUT_MS = 5000;

export class StreamClient {
  /** @param {string} key */
  constructor(key) {
    this.key = key;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** @type {Promise<boolean> | null} */
    this.opening = null;
    /** @type {Set<(message: StreamMessage) => void>} */
    this.listeners = new Set();
    /** @type {Record<string, number>} */
    this.limits = {};
    this.seq = 0;
    /** Set once the stream failed to open: the page stays on HTTP rather than retrying on every frame. */
    this.unavailable = false;
  }

  /** Resolves true once the stream is open and the key accepted; false when it cannot be. */
  open() {
    if (this.unavailable) return Promise.resolve(false);
    if (this.opening) return this.opening;
    this.opening = new Promise((resolve) => {
      const url = new URL('/v1/stream', window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      /** @type {WebSocket} */
      let socket;
      let keyInProtocol = true;
      try {
        socket = new WebSocket(url, ['facegate.v1', `facegate.key.${this.key}`]);
      } catch {
        // A key with characters a subprotocol cannot carry goes in the first message instead.
        try {
          socket = new WebSocket(url, ['facegate.v1']);
          keyInProtocol = false;
        } catch {
          this.unavailable = true;
          return resolve(false);
        }
      }
      socket.binaryType = 'arraybuffer';
      let ready = false;
      const timer = setTimeout(() => socket.close(), OPEN_TIMEOUT_MS);
      socket.onopen = () => {
        if (!keyInProtocol) socket.send(JSON.stringify({ type: 'auth', key: this.key }));
      };
      socket.onmessage = (event) => {
        /** @type {StreamMessage} */
        const message = JSON.parse(String(event.data));
        if (message.type === 'ready' && !ready) {
          ready = true;
          clearTimeout(timer);
          this.limits = message.limits ?? {};
          resolve(true);
        }
        for (const listener of [...this.listeners]) listener(message);
      };
      socket.onclose = (event) => {
        clearTimeout(timer);
        this.socket = null;
        this.opening = null;
        // Never admitted: a refused key or no stream at all; the page uses HTTP from now on.
        if (!ready) this.unavailable = true;
        resolve(ready);
        for (const listener of [...this.listeners]) listener({ type: 'closed', closeCode: event.code, reason: event.reason });
      };
      this.socket = socket;
    });
    return this.opening;
  }

  /** @param {(message: StreamMessage) => void} listener @returns {() => void} to stop listening */
  on(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @param {object} message */
  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /**
   * A camera frame as a binary message (4-byte sequence number, then the JPEG): no base64. Resolves with its seq,
   * or null when the stream is not open.
   * @param {Blob} image
   */
  async sendFrame(image) {
    const socket = this.socket;
    if (socket?.readyState !== WebSocket.OPEN) return null;
    const seq = (this.seq = (this.seq + 1) >>> 0);
    const head = new DataView(new ArrayBuffer(4));
    head.setUint32(0, seq);
    socket.send(await new Blob([head, image]).arrayBuffer());
    return seq;
  }

  close() {
    this.unavailable = true;
    this.socket?.close(1000, 'page closed the stream');
  }
}
