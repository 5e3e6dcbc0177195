import { createTestDatabase, startTestApp, testDatabase, useTestApp } from '../../../test/e2e-app';

/** The API serves the web page's static files at / (the page itself is tested in Chromium: apps/web/test). */
describe(`web page serving (${testDatabase()})`, () => {
  const app = useTestApp();

  it('serves the page at / without a key, with a strict content security policy and camera permission', async () => {
    const res = await app().http.get('/').expect(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toContain('<script type="module" src="/assets/js/main.js"></script>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    // No upgrade-insecure-requests: on a plain-http LAN address it would send the scripts to https and blank the page.
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['permissions-policy']).toBe('camera=(self), microphone=(), geolocation=()');
    expect(res.headers['x-request-id']).toBeDefined();
    const script = await app().http.get('/assets/js/main.js').expect(200);
    expect(script.headers['content-type']).toContain('javascript');
  });

  it('leaves the API untouched: unknown paths are problem+json 404s, API routes still need a key', async () => {
    const missing = await app().http.get('/assets/js/nope.js').expect(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.body.code).toBe('NOT_FOUND');
    expect((await app().http.get('/users').expect(401)).body.code).toBe('UNAUTHORIZED');
    // Only the page and its assets are served: not the page's tests or tsconfig, nor anything above its folder.
    for (const path of [
      '/tsconfig.json',
      '/test/web-page.browser-spec.ts',
      '/assets/../tsconfig.json',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/assets/..%2f..%2f..%2f..%2fpackage.json',
    ]) {
      expect({ path, status: (await app().http.get(path)).status }).toEqual({ path, status: 404 });
    }
    expect((await app().http.get('/index.html').expect(200)).text).toContain('<title>facegate</title>');
  });

  it('can be switched off with FACEGATE_WEB_UI=false', async () => {
    const db = await createTestDatabase(testDatabase());
    const off = await startTestApp(db.env, { FACEGATE_WEB_UI: 'false' });
    try {
      const res = await off.http.get('/').expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
      await off.http.get('/health').expect(200);
    } finally {
      await off.close();
      await db.drop();
    }
  });
});
