import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { DomainError } from '@facegate/common';
import type { AppConfig, CallerContext } from '@facegate/core';
import { LatestFrameQueue } from './latest-frame-queue';
import { type ChallengeView, endsChallenge, StreamChallenge } from './stream-challenge';
import { TokenBucket } from './token-bucket';
import {
  type ClientMessage,
  type DropReason,
  keyFromProtocols,
  parseClientMessage,
  type ServerMessage,
  STREAM_PROTOCOL,
  type StreamFrame,
  type StreamOp,
  type StreamSettings,
} from './stream-protocol';
import type { StreamService } from './stream.service';

/** Close codes (README "Live streams"): 1001 and 1008 are the standard ones, 44xx mirror the HTTP statuses. */
export const CLOSE = {
  goingAway: 1001,
  policy: 1008,
  unauthorized: 4401,
  forbidden: 4403,
  idle: 4408,
  sessionOver: 4409,
  tooManyConnections: 4429,
} as const;

/** How long a client that sent no key in its subprotocols has to send {"type":"auth"}. */
const AUTH_WINDOW_MS = 5_000;
/** Messages held while the key is being checked, and their bytes; a client flooding before it is admitted is cut off. */
const MAX_EARLY_MESSAGES = 4;
const MAX_EARLY_BYTES = 2 * 1024 * 1024;
/** An auth message is a key in JSON: anything longer is refused unread. */
const MAX_AUTH_MESSAGE_BYTES = 1024;
/** Messages of any kind per second, as a multiple of the frame rate: beyond it they are discarded unparsed. */
const MESSAGES_PER_FRAME = 4;
/** Answers queued for a client that does not read them; beyond this the socket is cut. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface StreamConnectionHooks {
  /** Admits an authenticated caller (per-key connection limit); false refuses it. */
  admit(caller: CallerContext): boolean;
  closed(caller: CallerContext | null): void;
  framesAnswered(ms: number): void;
  framesDropped(count: number): void;
}

/**
 * One client's stream: authentication before anything else, then its frames through a latest-frame-wins queue, with
 * idle and session deadlines. Every failure is a coded `error` message; nothing a client sends can crash the process.
 */
export class StreamConnection {
  private caller: CallerContext | null = null;
  private settings: StreamSettings = { op: 'detect' };
  private readonly early: Array<[Buffer, boolean]> = [];
  private earlyBytes = 0;
  private readonly messages: TokenBucket;
  private discardedReportedAt = 0;
  private readonly queue: LatestFrameQueue;
  private idleTimer?: NodeJS.Timeout;
  private readonly sessionTimer: NodeJS.Timeout;
  private authTimer?: NodeJS.Timeout;
  private ended = false;
  private cleaned = false;
  /** The liveness challenge this connection runs, if any: while it does, every frame answers it. */
  private challenge: StreamChallenge | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly request: IncomingMessage,
    private readonly clientIp: string,
    private readonly service: StreamService,
    private readonly config: AppConfig['stream'] & { minStepMs: number },
    private readonly hooks: StreamConnectionHooks,
  ) {
    this.queue = new LatestFrameQueue({
      maxFps: config.maxFps,
      process: (frame) => this.answer(frame),
      dropped: (seq, reason) => this.drop(seq, reason),
    });
    this.messages = new TokenBucket(config.maxFps * MESSAGES_PER_FRAME);
    this.sessionTimer = setTimeout(() => this.end(CLOSE.sessionOver, 'session length reached; reconnect'), config.maxSessionSeconds * 1000);
    this.sessionTimer.unref();
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    socket.on('close', () => this.cleanUp());
    socket.on('error', () => this.cleanUp());
    this.touch();
  }

  /** Starts authentication: with the key from the subprotocols at once, else after a first `auth` message. */
  start(): void {
    if (this.socket.protocol !== STREAM_PROTOCOL) return this.end(CLOSE.policy, `offer the ${STREAM_PROTOCOL} subprotocol`);
    const offered = String(this.request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const key = keyFromProtocols(offered);
    if (key !== undefined) return void this.authenticate(key);
    this.authTimer = setTimeout(() => {
      this.authTimer = undefined;
      this.refuse(new DomainError('UNAUTHORIZED', 'No API key within 5 s.'), CLOSE.unauthorized);
    }, AUTH_WINDOW_MS);
  }

  /** Graceful shutdown: no new frames, the one in the engine is answered, then 1001. */
  async drain(): Promise<void> {
    await this.queue.close();
    this.end(CLOSE.goingAway, 'server shutting down');
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    // A closing socket still delivers what was in flight; nothing after the end is acted on.
    if (this.ended) return;
    this.touch();
    if (!this.caller) return this.beforeAdmission(data, isBinary);
    if (!this.messages.take()) return this.discarded();
    let message: ClientMessage;
    try {
      message = parseClientMessage(data, isBinary, this.settings);
    } catch (error) {
      return this.sendError(error);
    }
    this.handle(message);
  }

  private beforeAdmission(data: Buffer, isBinary: boolean): void {
    if (this.authTimer) {
      // Waiting for {"type":"auth"}: nothing else is read, and nothing long is parsed.
      if (isBinary || data.length > MAX_AUTH_MESSAGE_BYTES) {
        return this.refuse(new DomainError('UNAUTHORIZED', 'The first message must be {"type":"auth","key":"..."}.'), CLOSE.unauthorized);
      }
      try {
        const message = parseClientMessage(data, false, this.settings);
        if (message.type === 'auth') {
          clearTimeout(this.authTimer);
          this.authTimer = undefined;
          return void this.authenticate(message.key);
        }
      } catch {
        // Not an auth message: refused below.
      }
      return this.refuse(new DomainError('UNAUTHORIZED', 'The first message must be {"type":"auth","key":"..."}.'), CLOSE.unauthorized);
    }
    this.earlyBytes += data.length;
    if (this.early.length >= MAX_EARLY_MESSAGES || this.earlyBytes > MAX_EARLY_BYTES) return this.end(CLOSE.policy, 'too many messages before authentication');
    this.early.push([data, isBinary]);
  }

  private async authenticate(key: string): Promise<void> {
    try {
      const caller = await this.service.authenticate(key, this.clientIp);
      // The client may have gone (or been cut off) while the key was checked: it must not take a connection slot.
      if (this.ended) return;
      if (!this.hooks.admit(caller)) {
        return this.refuse(
          new DomainError('RATE_LIMITED', `This API key already holds its ${this.config.maxConnectionsPerKey} stream connections.`),
          CLOSE.tooManyConnections,
        );
      }
      this.caller = caller;
    } catch (error) {
      const code = error instanceof DomainError && error.code === 'FORBIDDEN' ? CLOSE.forbidden : CLOSE.unauthorized;
      return this.refuse(error, code);
    }
    this.send({ type: 'ready', protocol: STREAM_PROTOCOL, settings: this.settings, limits: this.limits() });
    this.earlyBytes = 0;
    for (const [data, isBinary] of this.early.splice(0)) this.onMessage(data, isBinary);
  }

  /** Messages over the rate are not read at all; the client hears so at most once a second. */
  private discarded(): void {
    const now = Date.now();
    if (now - this.discardedReportedAt < 1000) return;
    this.discardedReportedAt = now;
    const perSecond = this.config.maxFps * MESSAGES_PER_FRAME;
    this.sendError(
      new DomainError('RATE_LIMITED', `More than ${perSecond} messages a second: the excess is discarded unread.`, { maxMessagesPerSecond: perSecond }),
    );
  }

  private handle(message: ClientMessage): void {
    switch (message.type) {
      case 'config':
        this.settings = message.settings;
        return this.send({ type: 'ready', protocol: STREAM_PROTOCOL, settings: this.settings, limits: this.limits() });
      case 'frame':
        return this.pushFrame(message.frame);
      case 'challenge':
        return void this.openChallenge(message.collection);
      case 'ping':
        return this.send({ type: 'pong' });
      case 'auth':
        return this.sendError(new DomainError('VALIDATION_FAILED', 'Already authenticated.'));
    }
  }

  private pushFrame(frame: StreamFrame): void {
    const refused = this.challenge?.admit(frame);
    if (refused) return this.drop(frame.seq, refused);
    this.queue.push(frame);
  }

  /** Opens a liveness session; its prompts come as `challenge` messages, its frames' verdicts as `result`s. */
  private async openChallenge(collection: string | undefined): Promise<void> {
    if (this.challenge) return this.sendError(new DomainError('VALIDATION_FAILED', 'A liveness challenge is already running on this connection.'));
    const challenge = new StreamChallenge({ fps: this.config.challengeFps, minStepMs: this.config.minStepMs });
    this.challenge = challenge;
    try {
      const session = await this.service.openChallenge(collection, this.caller!);
      if (this.challenge !== challenge) return;
      challenge.update(session);
      this.send({ type: 'challenge', session });
    } catch (error) {
      if (this.challenge === challenge) this.challenge = null;
      this.failed(error);
    }
  }

  /** A challenge frame, judged only while the step it arrived for is still the one asked. */
  private async answerChallenge(frame: StreamFrame, { sessionId, stepNonce }: NonNullable<StreamFrame['challenge']>): Promise<void> {
    const challenge = this.challenge;
    if (!challenge?.current(frame)) return this.drop(frame.seq, 'stale');
    await this.timed(frame, 'liveness', (caller) => this.service.answerChallenge(sessionId, stepNonce, frame, caller), {
      answered: (body: ChallengeView) => {
        if (body.status !== 'in_progress') this.challenge = null;
        if (challenge.update(body)) this.send({ type: 'challenge', session: body });
      },
      failed: (error) => {
        if (error instanceof DomainError && endsChallenge(error.code)) this.challenge = null;
      },
    });
  }

  private async answer(frame: StreamFrame): Promise<void> {
    if (frame.challenge) return this.answerChallenge(frame, frame.challenge);
    await this.timed(frame, frame.settings.op, (caller) => this.service.answer(frame, caller));
  }

  /** Runs a frame's work and sends its result (with the time it took) or its coded error, then the follow-ups. */
  private async timed<T>(
    frame: StreamFrame,
    op: StreamOp | 'liveness',
    work: (caller: CallerContext) => Promise<T>,
    then: { answered?: (body: T) => void; failed?: (error: unknown) => void } = {},
  ): Promise<void> {
    const started = performance.now();
    try {
      const body = await work(this.caller!);
      const ms = Math.round(performance.now() - started);
      this.hooks.framesAnswered(ms);
      this.send({ type: 'result', seq: frame.seq, op, ms, body });
      then.answered?.(body);
    } catch (error) {
      then.failed?.(error);
      this.failed(error, frame.seq);
    }
  }

  private limits(): Record<string, number> {
    return {
      maxFps: this.config.maxFps,
      challengeFps: this.config.challengeFps,
      idleSeconds: this.config.idleSeconds,
      maxSessionSeconds: this.config.maxSessionSeconds,
    };
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.end(CLOSE.idle, 'idle'), this.config.idleSeconds * 1000);
    this.idleTimer.unref();
  }

  private sendError(error: unknown, seq?: number): void {
    if (error instanceof DomainError) return this.send({ type: 'error', ...(seq === undefined ? {} : { seq }), code: error.code, detail: error.message });
    this.send({ type: 'error', ...(seq === undefined ? {} : { seq }), code: 'INTERNAL_ERROR', detail: 'An unexpected error occurred.' });
  }

  /** A frame's or a challenge's error; a key revoked while the socket was open also ends the connection (4401). */
  private failed(error: unknown, seq?: number): void {
    if (error instanceof DomainError && error.code === 'UNAUTHORIZED') {
      this.sendError(error, seq);
      return this.end(CLOSE.unauthorized, 'UNAUTHORIZED');
    }
    this.sendError(error, seq);
  }

  private refuse(error: unknown, code: number): void {
    this.sendError(error);
    this.end(code, error instanceof DomainError ? error.code : 'refused');
  }

  private drop(seq: number, reason: DropReason): void {
    this.hooks.framesDropped(1);
    this.send({ type: 'dropped', seq, reason });
  }

  private send(message: ServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      // The client does not read its answers: they would pile up in this process.
      this.end(CLOSE.policy, 'answers not read');
      return this.socket.terminate();
    }
    this.socket.send(JSON.stringify(message));
  }

  private end(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) this.socket.close(code, reason.slice(0, 120));
    this.cleanUp();
  }

  /** Once per connection, however it ends (closed by either side, or a socket error). */
  private cleanUp(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    this.ended = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.sessionTimer);
    clearTimeout(this.authTimer);
    void this.queue.close();
    this.hooks.closed(this.caller);
  }
}
