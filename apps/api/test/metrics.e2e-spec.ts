import { ADMIN_KEY, testDatabase, useTestApp } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';
import { prometheusSamples, sampleValue } from '../../../test/prometheus-text';
import { LifecycleService } from '../src/lifecycle/lifecycle.service';

const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe(`GET /metrics (${kind})`, () => {
  // A day between gallery counts: the test below reads the cached count again, whatever the time between scrapes.
  const app = useTestApp({ FACEGATE_METRICS_TOKEN: METRICS_TOKEN, FACEGATE_METRICS_GALLERY_SECONDS: '86400' });
  let userId: string;

  const scrape = async () => {
    const res = await app().http.get('/metrics').set(admin).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return { text: res.text, map: prometheusSamples(res.text) };
  };

  beforeAll(async () => {
    const { http } = app();
    const enrolled = await http
      .post('/users')
      .set(admin)
      .send({ name: 'George', externalId: 'gwb', images: [photo('George_W_Bush/002.jpg'), photo('George_W_Bush/003.jpg')] })
      .expect(201);
    userId = enrolled.body.id;
    await http.get(`/users/${userId}`).set(admin).expect(200);
    await http
      .post('/verify')
      .set(admin)
      .send({ externalId: 'gwb', image: photo('George_W_Bush/004.jpg') })
      .expect(200);
    await http
      .post('/recognize')
      .set(admin)
      .send({ image: photo('George_W_Bush/005.jpg') })
      .expect(200);
    await http.get('/no/such/route').set(admin).expect(404);
  });

  it('counts HTTP requests by route pattern, method and status, with latency buckets', async () => {
    const { text, map } = await scrape();
    expect(sampleValue(map, 'facegate_http_requests_total', { method: 'POST', route: '/users', status: '201' })).toBe(1);
    expect(sampleValue(map, 'facegate_http_requests_total', { method: 'GET', route: '/users/:id', status: '200' })).toBe(1);
    expect(sampleValue(map, 'facegate_http_requests_total', { method: 'POST', route: '/verify', status: '200' })).toBe(1);
    expect(sampleValue(map, 'facegate_http_requests_total', { method: 'POST', route: '/recognize', status: '200' })).toBe(1);
    expect(sampleValue(map, 'facegate_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(sampleValue(map, 'facegate_http_request_duration_seconds_bucket', { route: '/recognize', le: '+Inf' })).toBe(1);
    expect(sampleValue(map, 'facegate_http_request_duration_seconds_bucket', { route: '/recognize', le: '0.005' })).toBeDefined();
    expect(sampleValue(map, 'facegate_http_request_duration_seconds_count', { route: '/verify' })).toBe(1);
    // Never the raw URL: no user id and no unknown path becomes a label.
    expect(text).not.toContain(userId);
    expect(text).not.toContain('/no/such/route');
  });

  it('shows engine time per stage, job outcomes, queue depth and workers', async () => {
    const { map } = await scrape();
    // 2 enrolment photos + 1 verify probe + 1 recognize probe, each decoded, detected, aligned and embedded.
    for (const stage of ['decode', 'detect', 'landmarks', 'align', 'embed']) {
      expect({ stage, count: sampleValue(map, 'facegate_engine_stage_duration_seconds_count', { stage }) }).toEqual({ stage, count: 4 });
    }
    // Passive liveness runs on probes (verify, recognize).
    expect(sampleValue(map, 'facegate_engine_stage_duration_seconds_count', { stage: 'liveness' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(map, 'facegate_engine_stage_duration_seconds_sum', { stage: 'embed' })).toBeGreaterThan(0);
    expect(sampleValue(map, 'facegate_engine_jobs_total', { outcome: 'ok' })).toBe(4);
    expect(sampleValue(map, 'facegate_engine_queue_wait_seconds_count')).toBe(4);
    expect(sampleValue(map, 'facegate_engine_queue_depth')).toBe(0);
    expect(sampleValue(map, 'facegate_engine_workers_busy')).toBe(0);
    expect(sampleValue(map, 'facegate_engine_workers')).toBe(2);
  });

  it('times the database operations on the request path: the searches, the 1:1 match and the audit writes', async () => {
    const { text, map } = await scrape();
    const count = (operation: string) => sampleValue(map, 'facegate_database_operation_duration_seconds_count', { operation }) ?? 0;
    // /recognize searched the collection (an enrolment's duplicate check searches too), /verify matched one person.
    expect(count('vector_search')).toBeGreaterThanOrEqual(1);
    expect(count('user_match')).toBe(1);
    // The enrolment, the verification and the recognition are each audited.
    expect(count('audit_write')).toBeGreaterThanOrEqual(3);
    for (const operation of ['vector_search', 'user_match', 'audit_write']) {
      expect({ operation, sum: sampleValue(map, 'facegate_database_operation_duration_seconds_sum', { operation })! > 0 }).toEqual({ operation, sum: true });
    }
    const operations = new Set([...text.matchAll(/facegate_database_operation_duration_seconds_count\{operation="([^"]+)"/g)].map((m) => m[1]));
    expect([...operations].sort()).toEqual(['audit_write', 'user_match', 'vector_search']);
  });

  it('shows gallery sizes per collection from a cached count', async () => {
    const { map } = await scrape();
    expect(sampleValue(map, 'facegate_gallery_users', { collection: 'default' })).toBe(1);
    expect(sampleValue(map, 'facegate_gallery_faces', { collection: 'default' })).toBe(2);
    // Counted at most every FACEGATE_METRICS_GALLERY_SECONDS (a day here): a new enrolment shows up at the next count.
    await app()
      .http.post('/users')
      .set(admin)
      .send({ name: 'Tony', images: [photo('Tony_Blair/002.jpg')] })
      .expect(201);
    expect(sampleValue((await scrape()).map, 'facegate_gallery_users', { collection: 'default' })).toBe(1);
  });

  it('shows the database pool and the process', async () => {
    const { map } = await scrape();
    const max = sampleValue(map, 'facegate_db_pool_max_connections')!;
    expect(max).toBe(kind === 'embedded' ? 1 : 10);
    const total = sampleValue(map, 'facegate_db_pool_connections')!;
    expect(total).toBeGreaterThanOrEqual(1);
    expect(total).toBeLessThanOrEqual(max);
    expect(sampleValue(map, 'facegate_db_pool_idle_connections')).toBeLessThanOrEqual(total);
    expect(sampleValue(map, 'facegate_db_pool_waiting_clients')).toBe(0);
    expect(sampleValue(map, 'facegate_http_requests_in_flight')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(map, 'facegate_draining')).toBe(0);
    expect(sampleValue(map, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(map, 'nodejs_eventloop_lag_p99_seconds')).toBeDefined();
  });

  it('refuses callers without an admin key or the metrics token, as problem+json', async () => {
    const { http } = app();
    const expectProblem = async (headers: Record<string, string>, status: number, code: string) => {
      const res = await http.get('/metrics').set(headers).expect(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status, code, requestId: expect.any(String) });
      expect(res.text).not.toContain('facegate_');
    };
    await expectProblem({}, 401, 'UNAUTHORIZED');
    await expectProblem({ 'X-API-Key': 'fg_notakey_0000000000000000' }, 401, 'UNAUTHORIZED');
    await expectProblem({ Authorization: 'Bearer wrong-token-0123456789' }, 401, 'UNAUTHORIZED');
    const reader = (
      await http
        .post('/api-keys')
        .set(admin)
        .send({ name: 'reader', scopes: ['read', 'recognize', 'enrol'] })
        .expect(201)
    ).body.key;
    await expectProblem({ 'X-API-Key': reader }, 403, 'FORBIDDEN');
    // An admin bound to one tenant must not see the others' gallery sizes.
    await http.post('/collections').set(admin).send({ name: 'tenant' }).expect(201);
    const tenantAdmin = (
      await http
        .post('/api-keys')
        .set(admin)
        .send({ name: 'tenant-admin', scopes: ['admin'], collections: ['tenant'] })
        .expect(201)
    ).body.key;
    await expectProblem({ 'X-API-Key': tenantAdmin }, 403, 'FORBIDDEN');
  });

  it('lets a scraper in with the bearer token', async () => {
    const res = await app().http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(res.text).toContain('facegate_http_requests_total');
  });

  // Last: the app stays draining.
  it('answers readiness 503 and asks clients to close their connections while draining', async () => {
    const { http } = app();
    await http.get('/health/ready').expect(200);
    app().app.get(LifecycleService).startDraining();
    const res = await http.get('/health/ready').expect(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.connection).toBe('close');
    expect(res.body).toMatchObject({ code: 'NOT_READY', checks: { draining: true } });
    expect(sampleValue((await scrape()).map, 'facegate_draining')).toBe(1);
  });
});
