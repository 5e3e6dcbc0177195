import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_KEY, createTestDatabase, startTestApp, TestApp } from '../../../test/e2e-app';
import { launchChromium } from '../../../test/browser/chromium';
import { writeFakeCamera } from '../../../test/browser/fake-camera';
import { facePath } from '../../../test/shared-faces';
import { DEFAULT_MATCH_THRESHOLD } from '@facegate/face-engine';

/**
 * The web page in a real headless Chromium whose camera plays a video made from ../shared/faces webcam frames of one
 * person (frontal, turned to his left, frontal again). Screenshots of every step go to test-artifacts/browser/.
 */
const ARTIFACTS = resolve(__dirname, '..', '..', '..', 'test-artifacts', 'browser');
// Frontal, turning to his left (20 and 27 degrees in the rigid 3-D fit: within what the challenge judges), frontal again.
const CAMERA_FRAMES = ['live/028.jpg', 'live/037.jpg', 'live/034.jpg', 'live/036.jpg'];
const STEP_TIMEOUT = 60_000;
// Browser-side expressions are strings: this file is compiled for Node, without the DOM's types.
const ACTIVE_ID = 'document.activeElement && document.activeElement.id';
const OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth';

describe('web page in headless Chromium (fake camera)', () => {
  let app: TestApp;
  let drop: () => Promise<void>;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const y4m = join(tmpdir(), `facegate-fake-camera-${process.pid}.y4m`);
  const httpPosts: string[] = [];
  const streams: string[] = [];
  const streamFrames = { binary: 0, challenges: 0 };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // 4 poses x 1.5 s at 10 fps, twice through: 120 distinct frames, 12 s before the loop repeats a frame.
    await writeFakeCamera(y4m, { photos: CAMERA_FRAMES.map(facePath), secondsEach: 1.5, fps: 10, loops: 2 });
    const db = await createTestDatabase('postgres');
    drop = db.drop;
    // The challenge is one step the video performs (a turn to the left); the server still draws and judges it.
    app = await startTestApp(db.env, { FACEGATE_LIVENESS_STEPS: 'turn_left', FACEGATE_LIVENESS_CHALLENGE_LENGTH: '1' });
    await app.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}/`;
    browser = await launchChromium(y4m);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, permissions: ['camera'] });
    page = await context.newPage();
    // What travels how: the live box and the challenge go over the stream; HTTP carries only the captures' requests.
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (r.method() === 'POST') httpPosts.push(path);
    });
    page.on('websocket', (ws) => {
      streams.push(new URL(ws.url()).pathname);
      ws.on('framesent', (frame) => {
        if (typeof frame.payload !== 'string') streamFrames.binary++;
        else if (frame.payload.includes('"challenge"')) streamFrames.challenges++;
      });
    });
    // DEBUG_PAGE=1 logs the page's requests, answers (with error bodies) and console, to diagnose a failed step.
    if (process.env.DEBUG_PAGE) {
      page.on('request', (r) => console.log('REQ', r.method(), r.url()));
      page.on('response', async (r) => console.log('RES', r.status(), r.url(), r.status() >= 400 ? await r.text().catch(() => '') : ''));
      page.on('requestfailed', (r) => console.log('FAILED', r.url(), r.failure()?.errorText));
      page.on('console', (m) => console.log('CONSOLE', m.text()));
    }
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await drop?.();
    rmSync(y4m, { force: true });
  });

  const shot = (name: string, target: Page = page) => target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  async function connect(target: Page, key: string): Promise<void> {
    await target.goto(url);
    await target.fill('#api-key', key);
    await target.press('#api-key', 'Enter');
  }

  it('serves the page at / and shows a coded error for an invalid key', async () => {
    await connect(page, 'fg_not_a_real_key_0123456789');
    const error = page.locator('#connect-error .message');
    await error.waitFor({ timeout: STEP_TIMEOUT });
    expect(await error.getAttribute('data-code')).toBe('UNAUTHORIZED');
    expect(await error.textContent()).toContain('The API key is not valid or has been revoked.');
    expect(await page.isVisible('#app-view')).toBe(false);
    await shot('01-invalid-key');
  });

  it('connects with a valid key and keeps it in session storage only', async () => {
    await connect(page, ADMIN_KEY);
    await page.locator('#app-view').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    expect(await page.textContent('#key-summary')).toContain('admin');
    expect(await page.evaluate("[sessionStorage.getItem('facegate.apiKey'), localStorage.length]")).toEqual([ADMIN_KEY, 0]);
    await page.reload();
    await page.locator('#app-view').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  });

  it('draws a live face box over the camera preview with a quality hint, from the stream (no polling)', async () => {
    await page.click('#camera-toggle');
    await page.waitForSelector('#camera-hint[data-level="ok"]', { timeout: STEP_TIMEOUT });
    await page.waitForSelector('#overlay[data-faces="1"]', { timeout: STEP_TIMEOUT });
    expect(await page.textContent('#camera-hint')).toContain('Ready to capture');
    expect(await page.getAttribute('#overlay', 'data-source')).toBe('stream');
    expect(streams).toEqual(['/v1/stream']);
    expect(streamFrames.binary).toBeGreaterThan(0);
    expect(httpPosts.filter((p) => p === '/detect')).toEqual([]);
    await shot('02-face-box');
    // The box is drawn in cyan (--box-ok) on the preview: find its pixels in the screenshot of the camera stage.
    const stage = await page.locator('#stage').screenshot({ path: join(ARTIFACTS, '02-face-box-stage.png') });
    const box = await cyanBox(stage);
    expect(box.pixels).toBeGreaterThan(300);
    // Around the face, which is in the middle third of these webcam frames, not at the edges of the picture.
    expect(box.centreX).toBeGreaterThan(0.25);
    expect(box.centreX).toBeLessThan(0.75);
    expect(box.width).toBeGreaterThan(0.1);
    expect(box.width).toBeLessThan(0.6);
  });

  it('enrols a person from three camera captures', async () => {
    await page.fill('#enrol-name', 'Camera Person');
    await page.fill('#enrol-external-id', 'cam-1');
    for (let i = 0; i < 3; i++) {
      await page.click('#enrol-capture');
      await page.waitForSelector(`#enrol-photos li:nth-child(${i + 1}) img`, { timeout: STEP_TIMEOUT });
      await page.waitForTimeout(700); // the next capture sees another frame of the video
    }
    await page.click('#enrol-submit');
    const result = page.locator('#enrol-result .message');
    await page.waitForSelector('#enrol-result .message.ok, #enrol-result .message.error', { timeout: STEP_TIMEOUT });
    expect(await result.textContent()).toContain('Enrolled Camera Person (cam-1) with 3 face(s) in default.');
    expect(await page.locator('#enrol-photos li').count()).toBe(0);
    await shot('03-enrolled');
    const stored = await app.http.get('/users').query({ search: 'cam-1' }).set('X-API-Key', ADMIN_KEY).expect(200);
    expect(stored.body.items).toEqual([expect.objectContaining({ name: 'Camera Person', externalId: 'cam-1', faceCount: 3 })]);
  });

  it('verifies the claimed person from the camera, with the similarity drawn against the threshold', async () => {
    await page.click('#tab-verify');
    await page.fill('#verify-claim', 'cam-1');
    await page.click('#verify-capture');
    const decision = page.locator('#verify-result .decision');
    await decision.waitFor({ timeout: STEP_TIMEOUT });
    expect(await decision.textContent()).toContain('Verified: Camera Person');
    expect(await page.locator('#verify-result .gauge .fill.pass').count()).toBe(1);
    const meter = page.locator('#verify-result [role="meter"]');
    expect(Number(await meter.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(DEFAULT_MATCH_THRESHOLD);
    expect(await page.textContent('#verify-result')).toContain(`threshold ${DEFAULT_MATCH_THRESHOLD}`);
    await shot('04-verified');
  });

  it('refuses an impostor claim: the same face is not cam-2', async () => {
    await app.http
      .post('/users')
      .set('X-API-Key', ADMIN_KEY)
      .attach('files', facePath('Tony_Blair/002.jpg'))
      .field('name', 'Tony Blair')
      .field('externalId', 'cam-2')
      .expect(201);
    await page.fill('#verify-claim', 'cam-2');
    await page.click('#verify-capture');
    await page.waitForSelector('#verify-result .decision.no', { timeout: STEP_TIMEOUT });
    // The claim as typed: a rejected /verify does not name the person (a recognize key would learn names).
    expect(await page.textContent('#verify-result .decision')).toContain('Not cam-2');
    expect(await page.textContent('#verify-result')).not.toContain('Tony Blair');
    expect(await page.locator('#verify-result .gauge .fill.pass').count()).toBe(0);
  });

  it('runs the active liveness challenge with on-screen prompts, then verifies with its token', async () => {
    await page.fill('#verify-claim', 'cam-1');
    await page.check('#verify-liveness');
    // The previous challenge's "Liveness passed" stays up for 800 ms: wait for it to go, then for this step's prompt.
    await page.waitForSelector('#prompt', { state: 'hidden', timeout: STEP_TIMEOUT });
    await page.click('#verify-capture');
    await page.waitForSelector('#prompt[data-step="turn_left"]:not([hidden])', { timeout: STEP_TIMEOUT });
    expect(await page.textContent('#prompt')).toContain('Turn your head to your left');
    await shot('05-liveness-prompt');
    await page.waitForSelector('#verify-result .decision', { timeout: STEP_TIMEOUT });
    expect(await page.textContent('#verify-result .decision')).toContain('Verified: Camera Person');
    expect(await page.textContent('#verify-result')).toContain('liveness challenge passed');
    // The challenge ran over the socket: opened there, no session or frame upload over HTTP.
    expect(streamFrames.challenges).toBeGreaterThan(0);
    expect(httpPosts.filter((p) => p.startsWith('/liveness'))).toEqual([]);
    await page.uncheck('#verify-liveness');
  });

  it('falls back to HTTP for the live box where a WebSocket cannot open', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 }, permissions: ['camera'] });
    // A browser or proxy without WebSocket: the constructor throws, as it does for a blocked scheme.
    await other.addInitScript('window.WebSocket = function () { throw new SyntaxError("blocked"); };');
    const fallback = await other.newPage();
    const detects: string[] = [];
    fallback.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/detect') detects.push(r.url());
    });
    await connect(fallback, ADMIN_KEY);
    await fallback.locator('#app-view').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    await fallback.click('#camera-toggle');
    await fallback.waitForSelector('#overlay[data-faces="1"]', { timeout: STEP_TIMEOUT });
    expect(await fallback.getAttribute('#overlay', 'data-source')).toBe('http');
    expect(detects.length).toBeGreaterThan(0);

    // The challenge over HTTP rides out a busy engine: the page sends new frames to the same session instead of
    // leaving it (a session left after a judged frame counts as a failed attempt on the person).
    let uploads = 0;
    await fallback.route('**/liveness/sessions/*/frames', async (route) => {
      if (uploads++ > 0) return route.continue();
      const problem = { type: 'about:blank', title: 'The face engine is busy', status: 503, code: 'ENGINE_BUSY', detail: 'Busy (injected by the test).' };
      return route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify(problem) });
    });
    await fallback.click('#tab-verify');
    await fallback.fill('#verify-claim', 'cam-1');
    await fallback.check('#verify-liveness');
    await fallback.click('#verify-capture');
    await fallback.waitForSelector('#verify-result .decision, #verify-result .message.error', { timeout: STEP_TIMEOUT });
    expect(await fallback.textContent('#verify-result')).toContain('Verified: Camera Person');
    expect(uploads).toBeGreaterThan(1);
    await other.close();
  });

  it('identifies the person from the camera and lists the nearest candidates', async () => {
    await page.click('#tab-identify');
    await page.waitForSelector('#prompt', { state: 'hidden' }); // the last challenge's "passed" prompt has gone
    await page.click('#identify-capture');
    // A refusal shows a message instead of a decision: wait for either, so that a failure says what the page said.
    await page.waitForSelector('#identify-result .decision, #identify-result .message.error', { timeout: STEP_TIMEOUT });
    expect(await page.textContent('#identify-result')).toContain('Identified: Camera Person');
    const candidates = await page.locator('#identify-result .candidates li').allTextContents();
    expect(candidates[0]).toContain('Camera Person (cam-1)');
    // The other enrolled person is below the threshold: not listed, since the collection does not expose scores.
    expect(candidates).toHaveLength(1);
    await shot('06-identified');
  });

  it('lists, searches and renames people, and deletes one after confirmation', async () => {
    await page.click('#tab-people');
    await page.waitForSelector('#people-list li', { timeout: STEP_TIMEOUT });
    expect(await page.locator('#people-list li').count()).toBe(2);
    await page.fill('#people-search', 'CAM-1');
    await page.press('#people-search', 'Enter');
    await page.waitForSelector('#people-list li:only-child strong:text-is("Camera Person")');
    await page.click('button[aria-label="Rename Camera Person"]');
    await page.fill('input[aria-label="New name for Camera Person"]', 'Camera Person Renamed');
    await page.press('input[aria-label="New name for Camera Person"]', 'Enter');
    await page.waitForSelector('#people-status .message.ok', { timeout: STEP_TIMEOUT });
    expect(await page.textContent('#people-list li strong')).toBe('Camera Person Renamed');

    // Cancelling the confirmation keeps the person; confirming deletes them.
    await page.click('button[aria-label="Delete Camera Person Renamed"]');
    await page.waitForSelector('#confirm-dialog[open]');
    await shot('07-confirm-delete');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#confirm-dialog[open]', { state: 'detached' });
    expect(await page.locator('#people-list li').count()).toBe(1);
    await app.http
      .get('/users')
      .query({ search: 'cam-1' })
      .set('X-API-Key', ADMIN_KEY)
      .expect(200)
      .then((res) => expect(res.body.items).toHaveLength(1));
    // Focus went back to the row's Delete button, so a keyboard user is where they were.
    expect(await page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')")).toBe('Delete Camera Person Renamed');
    await page.click('button[aria-label="Delete Camera Person Renamed"]');
    await page.click('#confirm-ok');
    await page.waitForSelector('#people-list li', { state: 'detached' });
    expect(await page.textContent('#people-status')).toContain('Deleted Camera Person Renamed.');
    await app.http.get('/users').query({ search: 'cam-1' }).set('X-API-Key', ADMIN_KEY).expect(200, { items: [], nextCursor: null });

    // Deleted means no longer recognised.
    await page.click('#tab-identify');
    await page.click('#identify-capture');
    // The earlier identification stays on screen until the new answer replaces it: wait for the new one.
    await page.waitForSelector('#identify-result .decision:has-text("No match")', { timeout: STEP_TIMEOUT });
    expect(await page.textContent('#identify-result .decision')).toContain('No match');
    await shot('08-deleted-not-recognised');
  });

  it('is usable with the keyboard alone', async () => {
    await page.focus('#tab-identify');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(ACTIVE_ID)).toBe('tab-people');
    expect(await page.getAttribute('#tab-people', 'aria-selected')).toBe('true');
    await page.keyboard.press('Home');
    expect(await page.evaluate(ACTIVE_ID)).toBe('tab-enrol');
    expect(await page.isVisible('#panel-enrol')).toBe(true);
    // Tab from the tab list reaches the panel's first field, and Enter submits: the missing photo is reported.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(ACTIVE_ID)).toBe('enrol-name');
    await page.keyboard.type('Keyboard User');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#enrol-result .message.error');
    expect(await page.textContent('#enrol-result')).toContain('Add at least one photo');
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await connect(phone, ADMIN_KEY); // session storage belongs to one tab: a new tab asks again
    await phone.locator('#app-view').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    // Each tab with content in it: the people list loaded, and an identification with its bars and candidates.
    await phone.click('#tab-people');
    await phone.waitForSelector('#people-list li', { timeout: STEP_TIMEOUT });
    expect(await phone.evaluate(OVERFLOW)).toBe(0);
    await phone.click('#tab-identify');
    await phone.setInputFiles('#identify-file', facePath('Tony_Blair/004.jpg'));
    await phone.waitForSelector('#identify-result .candidates li', { timeout: STEP_TIMEOUT });
    expect(await phone.evaluate(OVERFLOW)).toBe(0);
    await shot('09-phone-identified', phone);
    for (const tab of ['#tab-enrol', '#tab-verify']) {
      await phone.click(tab);
      expect({ tab, overflow: await phone.evaluate(OVERFLOW) }).toEqual({ tab, overflow: 0 });
    }
    await phone.click('#tab-enrol');
    await shot('09-phone', phone);
    await phone.close();
  });

  it('works without a camera: enrols and identifies from files, and explains refused photos', async () => {
    const noCamera = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    await noCamera.addInitScript("Object.defineProperty(navigator, 'mediaDevices', { value: undefined })");
    const files = await noCamera.newPage();
    await connect(files, ADMIN_KEY);
    await files.locator('#app-view').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    expect(await files.isVisible('#camera-unavailable')).toBe(true);
    expect(await files.isDisabled('#enrol-capture')).toBe(true);
    expect(await files.isDisabled('#identify-capture')).toBe(true);

    await files.fill('#enrol-name', 'Colin Powell');
    await files.setInputFiles('#enrol-files', [facePath('Colin_Powell/002.jpg'), facePath('noface/001.png')]);
    await files.click('#enrol-submit');
    await files.waitForSelector('#enrol-result .message.error', { timeout: STEP_TIMEOUT });
    expect(await files.getAttribute('#enrol-result .message', 'data-code')).toBe('NO_FACE');
    expect(await files.textContent('#enrol-result')).toContain('Photo 2: No face was found.');
    expect(await files.locator('#enrol-photos li.rejected').count()).toBe(1);
    await shot('10-no-camera-refused-photo', files);

    await files.click('button[aria-label="Remove photo 2"]');
    await files.setInputFiles('#enrol-files', [facePath('Colin_Powell/003.jpg')]);
    await files.click('#enrol-submit');
    await files.waitForSelector('#enrol-result .message.ok', { timeout: STEP_TIMEOUT });
    expect(await files.textContent('#enrol-result')).toContain('with 2 face(s)');

    await files.click('#tab-identify');
    await files.setInputFiles('#identify-file', facePath('Colin_Powell/004.jpg'));
    await files.waitForSelector('#identify-result .decision', { timeout: STEP_TIMEOUT });
    expect(await files.textContent('#identify-result .decision')).toContain('Identified: Colin Powell');

    // A camera-roll sized photo: the server refuses it as it is (over FACEGATE_MAX_IMAGE_BYTES); the page scales it
    // down before sending, so it identifies.
    const huge = await hugePhoto(facePath('Colin_Powell/005.jpg'));
    expect(huge.length).toBeGreaterThan(10 * 1024 * 1024);
    expect((await app.http.post('/recognize').set('X-API-Key', ADMIN_KEY).attach('file', huge, 'huge.png')).body.code).toBe('IMAGE_TOO_LARGE');
    await files.setInputFiles('#identify-file', { name: 'huge.png', mimeType: 'image/png', buffer: huge });
    await files.waitForSelector('#identify-result .decision:has-text("Colin Powell")', { timeout: STEP_TIMEOUT });

    // More photos for someone already enrolled, from the People tab.
    await files.click('#tab-people');
    await files.waitForSelector('#people-list li:has-text("Colin Powell")', { timeout: STEP_TIMEOUT });
    const chooser = files.waitForEvent('filechooser');
    await files.click('button[aria-label="Add photos to Colin Powell"]');
    await (await chooser).setFiles([facePath('Colin_Powell/006.jpg')]);
    await files.waitForSelector('#people-status .message.ok', { timeout: STEP_TIMEOUT });
    expect(await files.textContent('#people-status')).toContain('Added 1 photo(s) to Colin Powell.');
    expect(await files.textContent('#people-list li:has-text("Colin Powell") .meta')).toContain('3 photo(s)');
    await noCamera.close();
  });
});

/** A 2400 x 2400 PNG of a photo with per-pixel noise (so it cannot compress): over 10 MB, like a raw phone photo. */
async function hugePhoto(path: string): Promise<Buffer> {
  const side = 2400;
  const base = await sharp(path).resize(side, side).removeAlpha().raw().toBuffer();
  for (let i = 0; i < base.length; i++) base[i] = Math.max(0, Math.min(255, base[i] + ((i * 2654435761) >>> 28) - 8));
  return sharp(base, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** Where the cyan face box (#00e5ff) is in a PNG: pixel count, centre and width as fractions of the image width. */
async function cyanBox(png: Buffer): Promise<{ pixels: number; centreX: number; width: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let pixels = 0;
  let minX = info.width;
  let maxX = 0;
  for (let i = 0; i < data.length; i += 3) {
    if (data[i] < 90 && data[i + 1] > 190 && data[i + 2] > 220) {
      pixels++;
      const x = (i / 3) % info.width;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
    }
  }
  return { pixels, centreX: (minX + maxX) / 2 / info.width, width: (maxX - minX) / info.width };
}
