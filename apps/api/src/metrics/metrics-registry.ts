import { Injectable } from '@nestjs/common';
import type { DatabaseObserver } from '@facegate/database';
import type { FaceEngineObserver, JobSettledEvent, StageTimings } from '@facegate/face-engine';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds; HTTP from a cached read (~1 ms) to a slow multi-photo enrolment. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; one model stage takes ~1-50 ms on a CPU, a queue wait can take seconds under load. */
const ENGINE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; an audit insert takes ~1-4 ms, a search at 100k faces ~5-12 ms, one at millions tens of ms. */
const DATABASE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The app's own Prometheus registry (not prom-client's global one, so several apps in one process, as in the tests,
 * never share or double-register series) and the series that are pushed to as things happen. Series read at scrape
 * time (queue depth, gallery sizes, database pool) are registered by MetricsService.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'facegate_http_requests_total',
    help: 'HTTP requests by route pattern, method and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'facegate_http_request_duration_seconds',
    help: 'HTTP request duration, from the first byte of the request to the last byte of the response.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  private readonly databaseOperation = new Histogram({
    name: 'facegate_database_operation_duration_seconds',
    help: 'Time of the database operations on a request path: vector_search, user_match (a 1:1 check), audit_write.',
    labelNames: ['operation'] as const,
    buckets: DATABASE_BUCKETS,
    registers: [this.registry],
  });

  private readonly engineStage = new Histogram({
    name: 'facegate_engine_stage_duration_seconds',
    help: 'Face engine time per pipeline stage and analysed image (stages run for more than one face are summed).',
    labelNames: ['stage'] as const,
    buckets: ENGINE_BUCKETS,
    registers: [this.registry],
  });

  private readonly engineQueueWait = new Histogram({
    name: 'facegate_engine_queue_wait_seconds',
    help: 'Time an engine job waited for a free worker.',
    buckets: ENGINE_BUCKETS,
    registers: [this.registry],
  });

  private readonly engineRun = new Histogram({
    name: 'facegate_engine_job_duration_seconds',
    help: 'Time an engine job ran in its worker, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: ENGINE_BUCKETS,
    registers: [this.registry],
  });

  private readonly engineJobs = new Counter({
    name: 'facegate_engine_jobs_total',
    help: 'Engine jobs by outcome: ok, error (e.g. an undecodable image), timeout, crash, rejected (queue full or engine stopped).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly streamOpen = new Gauge({
    name: 'facegate_stream_connections',
    help: 'Open WebSocket stream connections (authenticated).',
    registers: [this.registry],
  });

  private readonly streamFrames = new Counter({
    name: 'facegate_stream_frames_total',
    help: 'Stream frames by outcome: answered, or dropped (superseded by a newer frame, or over the frame rate).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly streamLatency = new Histogram({
    name: 'facegate_stream_frame_seconds',
    help: 'Time from a stream frame entering the engine to its answer being sent.',
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  streamConnections(open: number): void {
    this.streamOpen.set(open);
  }

  streamFrameAnswered(ms: number): void {
    this.streamFrames.inc({ outcome: 'answered' });
    this.streamLatency.observe(ms / 1000);
  }

  streamFramesDropped(count: number): void {
    this.streamFrames.inc({ outcome: 'dropped' }, count);
  }

  observeHttp(method: string, route: string, status: string, seconds: number): void {
    this.httpRequests.inc({ method, route, status });
    this.httpDuration.observe({ method, route, status }, seconds);
  }

  /** Handed to the database layer (DATABASE_OBSERVER). */
  databaseObserver(): DatabaseObserver {
    return { operationTimed: (operation, ms) => this.databaseOperation.observe({ operation }, ms / 1000) };
  }

  /** Handed to the face engine: cheap, synchronous, never throws. */
  engineObserver(): FaceEngineObserver {
    return {
      jobSettled: (event: JobSettledEvent) => {
        this.engineJobs.inc({ outcome: event.outcome });
        if (event.outcome === 'rejected') return;
        this.engineQueueWait.observe(event.waitMs / 1000);
        this.engineRun.observe({ outcome: event.outcome }, event.runMs / 1000);
      },
      stagesTimed: (timings: StageTimings) => {
        for (const [stage, ms] of Object.entries(timings)) {
          // A stage that did not run (no face to embed, liveness not asked) reports 0: not a 0 ms observation.
          if (ms > 0) this.engineStage.observe({ stage }, ms / 1000);
        }
      },
    };
  }
}
