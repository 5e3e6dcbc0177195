import { Inject, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express, Request } from 'express';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { APP_CONFIG, type AppConfig } from '@facegate/core';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { StreamConnections } from './stream-connections';
import { CLOSE, StreamConnection } from './stream-connection';
import { STREAM_PATH } from './stream-protocol';
import { StreamService } from './stream.service';

/**
 * The WebSocket endpoint (README "Live streams"): one StreamConnection per socket. Refuses new sockets while the
 * server drains, and on shutdown lets each socket's frame in flight finish before closing it with 1001.
 */
@WebSocketGateway({ path: STREAM_PATH })
export class StreamGateway implements OnGatewayConnection {
  private readonly logger = new Logger('Stream');
  private readonly open = new Set<StreamConnection>();

  constructor(
    private readonly service: StreamService,
    private readonly connections: StreamConnections,
    private readonly lifecycle: LifecycleService,
    private readonly metrics: MetricsRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly http: HttpAdapterHost,
  ) {
    lifecycle.onDrain(() => this.drain());
  }

  /**
   * The client's address as HTTP requests get it: Express's own `req.ip`, under the FACEGATE_TRUST_PROXY rule the
   * app was given (behind a proxy the socket's peer is the proxy), for the audit log.
   */
  private clientIp(request: IncomingMessage): string {
    const app = this.http.httpAdapter.getInstance<Express>();
    const asExpress = Object.create(app.request, {
      headers: { value: request.headers },
      socket: { value: request.socket },
      connection: { value: request.socket },
    }) as Request;
    return asExpress.ip ?? request.socket.remoteAddress ?? 'unknown';
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    if (this.lifecycle.draining) return socket.close(CLOSE.goingAway, 'server shutting down');
    const limits = { ...this.config.stream, minStepMs: this.config.liveness.minStepMs };
    const connection: StreamConnection = new StreamConnection(socket, request, this.clientIp(request), this.service, limits, {
      admit: (caller) => this.connections.open(caller.keyId, limits.maxConnectionsPerKey),
      closed: (caller) => {
        this.open.delete(connection);
        if (caller) this.connections.close(caller.keyId);
        this.metrics.streamConnections(this.connections.total);
      },
      framesAnswered: (ms) => this.metrics.streamFrameAnswered(ms),
      framesDropped: (count) => this.metrics.streamFramesDropped(count),
    });
    this.open.add(connection);
    connection.start();
    this.metrics.streamConnections(this.connections.total);
  }

  private async drain(): Promise<void> {
    if (this.open.size > 0) this.logger.log({ msg: 'closing streams', connections: this.open.size });
    await Promise.all([...this.open].map((c) => c.drain()));
  }
}
