import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import type { WebSocketServer } from 'ws';
import type { AppConfig } from '@facegate/core';
import { STREAM_PROTOCOL } from './stream-protocol';

/**
 * The `ws` adapter with the stream's transport rules, taken from the validated configuration rather than decorators:
 * a hard cap on a message's size (a frame of FACEGATE_MAX_IMAGE_BYTES as base64 JSON, with room for its fields), the
 * `facegate.v1` subprotocol chosen whenever the client offers it, and no JSON dispatch of its own (the gateway reads
 * every message itself, so a large frame is parsed once).
 */
export class StreamWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app, { messageParser: () => undefined });
  }

  override create(port: number, options: Record<string, unknown> = {}): WebSocketServer {
    return super.create(port, {
      ...options,
      maxPayload: Math.ceil((this.config.limits.maxImageBytes * 4) / 3) + 64 * 1024,
      perMessageDeflate: false,
      handleProtocols: (protocols: Set<string>, _request: IncomingMessage) => (protocols.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
    }) as WebSocketServer;
  }
}
