import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';
import { DEFAULT_MATCH_THRESHOLD } from '@facegate/face-engine';

describe('loadConfig', () => {
  it('gives working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8000, databaseUrl: undefined, apiKey: undefined, matching: { threshold: DEFAULT_MATCH_THRESHOLD } });
    expect(config.dataDir).toMatch(/data$/);
    expect(config.limits.maxImagesPerRequest).toBe(10);
  });

  it('reads and converts values', () => {
    const config = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://u:p@db:5432/x',
      FACEGATE_FLIP: 'true',
      FACEGATE_MATCH_THRESHOLD: '0.5',
      FACEGATE_API_KEY: 'x'.repeat(20),
    });
    expect(config).toMatchObject({ port: 9000, databaseUrl: 'postgres://u:p@db:5432/x', engine: { flipAugmentation: true }, matching: { threshold: 0.5 } });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['DATABASE_URL', 'not a url'],
    ['FACEGATE_API_KEY', 'short'],
    ['FACEGATE_MATCH_THRESHOLD', '1.5'],
    ['FACEGATE_ENGINE_WORKERS', '2.5'],
    ['FACEGATE_FLIP', 'maybe'],
    ['FACEGATE_EXECUTION_PROVIDER', 'tpu'],
    ['LOG_LEVEL', 'verbose'],
    ['FACEGATE_LIVENESS_STEPS', 'turn_left,wink'],
    ['FACEGATE_LIVENESS_STEPS', ','],
    ['FACEGATE_LIVENESS_CHALLENGE_LENGTH', '9'],
  ])('stops on a bad %s (%s) and names the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('reads read replicas: PostgreSQL URLs of a primary given in DATABASE_URL, never with the embedded database', () => {
    const primary = { DATABASE_URL: 'postgres://u:p@db:5432/x' };
    expect(loadConfig(primary).database).toMatchObject({ replicaUrls: [], replicaPollMs: 100 });
    const two = loadConfig({ ...primary, DATABASE_REPLICA_URLS: ' postgres://u:p@r1:5432/x, postgresql://u:p@r2/x ', DATABASE_REPLICA_POLL_MS: '250' });
    expect(two.database).toMatchObject({ replicaUrls: ['postgres://u:p@r1:5432/x', 'postgresql://u:p@r2/x'], replicaPollMs: 250 });
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://u:p@r1:5432/x' })).toThrow('DATABASE_REPLICA_URLS needs DATABASE_URL');
    expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URLS: 'postgres://u:p@r1/x,mysql://r2/x' })).toThrow('DATABASE_REPLICA_URLS[1]');
    expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URLS: 'r1:5432' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...primary, DATABASE_REPLICA_POLL_MS: '1' })).toThrow('DATABASE_REPLICA_POLL_MS');
  });

  it('caps the memory of an index build at 1 GB on PostgreSQL by default, and takes 256 MB to 64 GB', () => {
    const pg = { DATABASE_URL: 'postgres://u:p@db:5432/x' };
    expect(loadConfig(pg).database.indexBuildMemoryMb).toBe(1024);
    expect(loadConfig({ ...pg, FACEGATE_INDEX_BUILD_MEMORY_MB: '4096' }).database.indexBuildMemoryMb).toBe(4096);
    expect(() => loadConfig({ ...pg, FACEGATE_INDEX_BUILD_MEMORY_MB: '128' })).toThrow('FACEGATE_INDEX_BUILD_MEMORY_MB');
    expect(() => loadConfig({ ...pg, FACEGATE_INDEX_BUILD_MEMORY_MB: '1.5' })).toThrow('FACEGATE_INDEX_BUILD_MEMORY_MB');
  });

  it('keeps index builds of the embedded database (32-bit, 2 GiB heap) at 512 MB by default and 1 GB at most', () => {
    expect(loadConfig({}).database.indexBuildMemoryMb).toBe(512);
    expect(loadConfig({ FACEGATE_INDEX_BUILD_MEMORY_MB: '1024' }).database.indexBuildMemoryMb).toBe(1024);
    expect(() => loadConfig({ FACEGATE_INDEX_BUILD_MEMORY_MB: '2048' })).toThrow('FACEGATE_INDEX_BUILD_MEMORY_MB');
  });

  it('budgets 20 failed attempts a day per person and key by default, over a horizon of a minute to 30 days', () => {
    expect(loadConfig({}).lockout).toMatchObject({ maxFailures: 5, dailyFailures: 20, daySeconds: 86_400 });
    expect(loadConfig({ FACEGATE_LOCKOUT_DAILY_FAILURES: '50', FACEGATE_LOCKOUT_DAY_SECONDS: '3600' }).lockout).toMatchObject({
      dailyFailures: 50,
      daySeconds: 3600,
    });
    expect(() => loadConfig({ FACEGATE_LOCKOUT_DAILY_FAILURES: '0' })).toThrow('FACEGATE_LOCKOUT_DAILY_FAILURES');
    expect(() => loadConfig({ FACEGATE_LOCKOUT_DAY_SECONDS: '30' })).toThrow('FACEGATE_LOCKOUT_DAY_SECONDS');
  });

  it('counts a look-up on one frame by default, and takes 1 to 10', () => {
    expect(loadConfig({}).liveness.lookUpFrames).toBe(1);
    expect(loadConfig({ FACEGATE_LIVENESS_LOOK_UP_FRAMES: '3' }).liveness.lookUpFrames).toBe(3);
    expect(() => loadConfig({ FACEGATE_LIVENESS_LOOK_UP_FRAMES: '0' })).toThrow('FACEGATE_LIVENESS_LOOK_UP_FRAMES');
  });

  it('limits bodies by route class: 50 MiB for image routes, 64 KiB for the others, never more than the image limit', () => {
    expect(loadConfig({}).limits).toMatchObject({ maxBodyBytes: 50 * 1024 * 1024, maxSmallBodyBytes: 64 * 1024 });
    expect(loadConfig({ FACEGATE_MAX_SMALL_BODY_BYTES: '16384' }).limits.maxSmallBodyBytes).toBe(16384);
    expect(() => loadConfig({ FACEGATE_MAX_SMALL_BODY_BYTES: '512' })).toThrow('FACEGATE_MAX_SMALL_BODY_BYTES');
    expect(() => loadConfig({ FACEGATE_MAX_BODY_BYTES: '32768' })).toThrow('FACEGATE_MAX_SMALL_BODY_BYTES must not exceed FACEGATE_MAX_BODY_BYTES');
  });

  it("serves the web page from the repository's apps/web by default, and can turn it off", () => {
    const config = loadConfig({});
    expect(config.web.enabled).toBe(true);
    expect(existsSync(join(config.web.dir, 'index.html'))).toBe(true);
    expect(config.web.dir.endsWith(join('apps', 'web'))).toBe(true);
    expect(loadConfig({ FACEGATE_WEB_UI: 'false', FACEGATE_WEB_DIR: '/srv/page' }).web).toEqual({ enabled: false, dir: '/srv/page' });
    expect(() => loadConfig({ FACEGATE_WEB_UI: 'maybe' })).toThrow(/FACEGATE_WEB_UI/);
  });

  it('refuses a least step time no one could meet within the step deadline', () => {
    expect(() => loadConfig({ FACEGATE_LIVENESS_STEP_SECONDS: '2', FACEGATE_LIVENESS_MIN_STEP_MS: '2000' })).toThrow(/FACEGATE_LIVENESS_MIN_STEP_MS/);
    expect(loadConfig({ FACEGATE_LIVENESS_STEP_SECONDS: '2', FACEGATE_LIVENESS_MIN_STEP_MS: '1999' }).liveness.minStepMs).toBe(1999);
  });

  it('refuses a step list without a head movement (expressions alone are faked by editing one photo)', () => {
    expect(() => loadConfig({ FACEGATE_LIVENESS_STEPS: 'blink,smile' })).toThrow(/FACEGATE_LIVENESS_STEPS/);
    expect(loadConfig({ FACEGATE_LIVENESS_STEPS: 'blink,look_up' }).liveness.steps).toEqual(['blink', 'look_up']);
  });

  it('reads the liveness challenge steps, the head movements by default', () => {
    expect(loadConfig({}).liveness.steps).toEqual(['turn_left', 'turn_right', 'look_up']);
    expect(loadConfig({ FACEGATE_LIVENESS_STEPS: ' turn_left, blink ,turn_left' }).liveness.steps).toEqual(['turn_left', 'blink']);
  });

  it('refuses more frames per request than per session', () => {
    expect(() => loadConfig({ FACEGATE_LIVENESS_MAX_FRAMES: '10', FACEGATE_LIVENESS_MAX_FRAMES_PER_REQUEST: '20' })).toThrow(
      'FACEGATE_LIVENESS_MAX_FRAMES_PER_REQUEST',
    );
  });

  it('refuses a medium confidence margin larger than the high one', () => {
    expect(() => loadConfig({ FACEGATE_CONFIDENCE_MEDIUM_MARGIN: '0.3' })).toThrow('FACEGATE_CONFIDENCE_MEDIUM_MARGIN');
  });

  it('reads the monitoring and shutdown settings, with their defaults', () => {
    expect(loadConfig({}, false)).toMatchObject({
      logFormat: 'json',
      metrics: { enabled: true, token: undefined, galleryRefreshSeconds: 30 },
      shutdown: { delaySeconds: 0, graceSeconds: 8 },
    });
    const config = loadConfig({
      LOG_FORMAT: 'pretty',
      FACEGATE_METRICS: 'false',
      FACEGATE_METRICS_TOKEN: 't'.repeat(24),
      FACEGATE_METRICS_GALLERY_SECONDS: '0',
      FACEGATE_SHUTDOWN_DELAY_SECONDS: '5',
      FACEGATE_SHUTDOWN_GRACE_SECONDS: '2.5',
    });
    expect(config).toMatchObject({
      logFormat: 'pretty',
      metrics: { enabled: false, token: 't'.repeat(24), galleryRefreshSeconds: 0 },
      shutdown: { delaySeconds: 5, graceSeconds: 2.5 },
    });
  });

  it('logs pretty lines in a terminal and JSON lines otherwise, unless LOG_FORMAT says', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
  });

  it.each([
    ['LOG_FORMAT', 'xml'],
    ['FACEGATE_METRICS', 'sometimes'],
    ['FACEGATE_METRICS_TOKEN', 'too-short'],
    ['FACEGATE_METRICS_GALLERY_SECONDS', '-1'],
    ['FACEGATE_SHUTDOWN_GRACE_SECONDS', 'soon'],
    ['FACEGATE_SHUTDOWN_DELAY_SECONDS', '-3'],
  ])('stops on a bad monitoring setting %s (%s)', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
