import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_KEY, createKey, createTestDatabase, startTestApp, TestApp } from '../../../test/e2e-app';
import { launchChromium } from '../../../test/browser/chromium';
import { writeFakeCamera } from '../../../test/browser/fake-camera';
import { photo } from '../../../test/photos';
import { facePath } from '../../../test/shared-faces';

/**
 * The web page's default sign-in flow against the product's defaults (a sign_in collection: challenge required,
 * passive check enforced): a camera showing a live person turning passes; a camera pointed at one still photo (with
 * sensor noise on every frame, as a print held up to a webcam would give) never completes the challenge.
 */
const STEP_TIMEOUT = 90_000;
// Frontal (036: yaw 4 degrees in the rigid 3-D fit) and turned to his right (035: -26, 30 degrees from the anchor,
// within the 32 the challenge judges). Chosen by passive score as well: the sign-in policy judges the median of the
// session's frames at 0.04. Re-encoded as the browser's camera path does (640x480, JPEG 80-92), 036 scores 0.12-0.31
// and 035 0.30-0.31, while the turn to his left (034) drops to 0.04-0.09: streamed at 5 frames a second, a session
// that saw mostly 034 frames after the turn failed 1 run in 4 with a median of 0.0397.
const LIVE_FRAMES = ['live/036.jpg', 'live/035.jpg'];

describe('web page, default sign-in flow (fake camera)', () => {
  let app: TestApp;
  let drop: () => Promise<void>;
  let url: string;
  const browsers: Browser[] = [];
  const videos: string[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase('postgres');
    drop = db.drop;
    // Sign-in is the product's default; the e2e harness otherwise defaults to photo search. A turn is the one step
    // these clips perform. The page streams challenge frames at 5 a second; 40 frames (8 s) cover the camera's 3 s
    // loop twice and bound the still photo's attempt.
    app = await startTestApp(db.env, {
      FACEGATE_COLLECTION_PURPOSE: 'sign_in',
      FACEGATE_LIVENESS_STEPS: 'turn_right',
      FACEGATE_LIVENESS_CHALLENGE_LENGTH: '1',
      FACEGATE_LIVENESS_MAX_FRAMES: '40',
      FACEGATE_LIVENESS_MAX_FRAMES_PER_REQUEST: '5',
    });
    await app.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}/`;
    await app.http
      .post('/users')
      .set('X-API-Key', ADMIN_KEY)
      .send({ name: 'Camera Person', externalId: 'cam-1', images: ['live/028.jpg', 'live/036.jpg'].map(photo) })
      .expect(201);
  });

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await app?.close();
    await drop?.();
    for (const v of videos) rmSync(v, { force: true });
  });

  async function pageWithCamera(name: string, photos: string[], secondsEach: number, key = ADMIN_KEY): Promise<Page> {
    const y4m = join(tmpdir(), `facegate-${name}-${process.pid}.y4m`);
    videos.push(y4m);
    // At least 12 s of distinct frames before Chromium loops the file (a loop repeats frames byte for byte).
    await writeFakeCamera(y4m, { photos: photos.map(facePath), secondsEach, fps: 10, loops: Math.ceil(12 / (photos.length * secondsEach)) });
    const browser = await launchChromium(y4m);
    browsers.push(browser);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, permissions: ['camera'] })).newPage();
    // DEBUG_PAGE=1 logs what the stream answers, to diagnose a failed challenge.
    if (process.env.DEBUG_PAGE) page.on('websocket', (ws) => ws.on('framereceived', (f) => console.log('WS', String(f.payload).slice(0, 400))));
    await page.goto(url);
    await page.fill('#api-key', key);
    await page.press('#api-key', 'Enter');
    await page.locator('#app-view').waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
    await page.click('#camera-toggle');
    await page.waitForSelector('#overlay[data-faces="1"]', { timeout: STEP_TIMEOUT });
    await page.click('#tab-verify');
    return page;
  }

  let live: Page;

  it('runs the challenge by default and verifies a live person', async () => {
    const page = (live = await pageWithCamera('live', LIVE_FRAMES, 1.5));
    expect(await page.isChecked('#verify-liveness')).toBe(true);
    await page.fill('#verify-claim', 'cam-1');
    await page.click('#verify-capture');
    await page.waitForSelector('#verify-result .decision, #verify-result .message.error', { timeout: STEP_TIMEOUT });
    if (process.env.DEBUG_PAGE) console.log(JSON.stringify((await app.http.get('/audit?action=liveness_challenge').set('X-API-Key', ADMIN_KEY)).body, null, 1));
    expect(await page.textContent('#verify-result')).toContain('Verified: Camera Person');
    expect(await page.textContent('#verify-result')).toContain('liveness challenge passed');
  });

  it('refuses a still photo of the same person held up to the camera', async () => {
    const page = await pageWithCamera('still', ['live/028.jpg'], 6);
    await page.fill('#verify-claim', 'cam-1');
    await page.click('#verify-capture');
    await page.waitForSelector('#verify-result .message.error, #verify-result .decision', { timeout: STEP_TIMEOUT });
    expect(await page.locator('#verify-result .decision').count()).toBe(0);
    expect(await page.getAttribute('#verify-result .message.error', 'data-code')).toBe('CHALLENGE_FAILED');
  });

  it('refuses a photo file on a sign-in collection: no challenge, no answer', async () => {
    const page = live;
    await page.fill('#verify-claim', 'cam-1');
    await page.setInputFiles('#verify-file', facePath('live/026.jpg'));
    await page.waitForSelector('#verify-result .message.error, #verify-result .decision', { timeout: STEP_TIMEOUT });
    expect(await page.getAttribute('#verify-result .message.error', 'data-code')).toBe('LIVENESS_REQUIRED');
  });

  it('adds photos to a person with a key without admin scope after the challenge at the camera', async () => {
    const { key } = await createKey(app, { name: 'front-desk-enrol', scopes: ['read', 'enrol', 'recognize'] });
    const page = await pageWithCamera('desk', LIVE_FRAMES, 1.5, key);
    const faces = async () =>
      (await app.http.get('/users').query({ search: 'cam-1' }).set('X-API-Key', ADMIN_KEY).expect(200)).body.items[0].faceCount as number;
    const before = await faces();
    await page.click('#tab-people');
    await page.waitForSelector('#people-list li', { timeout: STEP_TIMEOUT });
    const chooser = page.waitForEvent('filechooser');
    await page.click('#people-list li button[aria-label="Add photos to Camera Person"]');
    await (await chooser).setFiles(facePath('live/029.jpg'));
    // The server asks for the challenge (LIVENESS_REQUIRED); the page runs it at the camera and sends the photo again.
    await page.waitForSelector('#people-status .message.ok, #people-status .message.error', { timeout: STEP_TIMEOUT });
    expect(await page.textContent('#people-status')).toContain('Added 1 photo(s) to Camera Person');
    expect(await faces()).toBe(before + 1);
    const audit = await app.http.get('/audit').query({ action: 'add_faces', limit: 1 }).set('X-API-Key', ADMIN_KEY).expect(200);
    expect(audit.body.items[0]).toMatchObject({ outcome: 'success', details: { faces: 1, livenessSession: expect.any(String) } });
  });
});
