import sharp from 'sharp';
import { PrismaService } from '@facegate/database';
import { EMPTY_STATE, LivenessSessionsRepository } from '@facegate/core';
import { openSession, performChallenge, upload, ChallengePlan, SessionView } from '../../../test/liveness-session';
import { ADMIN_KEY, createKey, testDatabase, TestApp, useTestApp } from '../../../test/e2e-app';
import { photo, photoBytes } from '../../../test/photos';

const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const as = (key: string) => ({ 'X-API-Key': key });
const NO_LIMITS = {
  FACEGATE_RATE_LIMIT_ENROL: '100000',
  FACEGATE_RATE_LIMIT_RECOGNIZE: '100000',
  FACEGATE_RATE_LIMIT_READ: '100000',
  FACEGATE_RATE_LIMIT_ADMIN: '100000',
};

type Step = 'turn_left' | 'turn_right' | 'look_up' | 'blink' | 'smile';
type Poses = { anchor: string } & Partial<Record<Step, string>>;

// Real photos of one person in different poses (what the engine measures relative to the anchor is noted).
/** Webcam video frames of one person (../shared/faces/live, video_frame). */
const WEBCAM: Poses = {
  anchor: 'live/028.jpg', // yaw -0.6, pitch 1.5
  turn_left: 'live/034.jpg', // yaw 27 (3-D fit): the subject's left
  turn_right: 'live/035.jpg', // yaw -22
  look_up: 'live/032.jpg', // pitch -16.5
};
/** LFW photos: 006 has nearly shut eyes (eye opening 0.15 against 0.23). */
const RUMSFELD: Poses = {
  anchor: 'Donald_Rumsfeld/003.jpg',
  blink: 'Donald_Rumsfeld/006.jpg',
  turn_left: 'Donald_Rumsfeld/002.jpg',
  turn_right: 'Donald_Rumsfeld/010.jpg',
};
/** LFW photos: 004 is a broad smile (mouth 1.43x as wide as in 009, the frontal anchor: yaw 3, pitch -6 in 3-D). */
const POWELL: Poses = { anchor: 'Colin_Powell/009.jpg', smile: 'Colin_Powell/004.jpg', turn_left: 'Colin_Powell/001.jpg' };

const POSES: Step[] = ['turn_left', 'turn_right', 'look_up'];

/** A plan that answers each revealed step with the photo of that pose, when there is one. */
const planFor = (poses: Poses, tail: string[] = []): ChallengePlan => ({
  anchor: [photo(poses.anchor)],
  step: (step) => (poses[step as Step] ? [photo(poses[step as Step]!)] : null),
  tail: tail.map(photo),
});

/**
 * Opens sessions until one asks, as its first step, a step these photos can perform (`must` when given); the server
 * draws with its CSPRNG and reveals later steps only as earlier ones are done, so the test does not steer it.
 */
async function sessionFor(app: TestApp, poses: Poses, key = ADMIN_KEY, collection?: string, must?: Step): Promise<SessionView> {
  for (let i = 0; i < 500; i++) {
    const session = await openSession(app, as(key), collection);
    if (poses[session.nextStep as Step] && (!must || session.nextStep === must)) return session;
  }
  throw new Error('no performable first step in 500 draws');
}

async function passedToken(app: TestApp, poses: Poses, key = ADMIN_KEY, collection?: string): Promise<string> {
  const run = await performChallenge(app, as(key), planFor(poses), { collection, attempts: 50 });
  expect(run.response.status).toBe(200);
  expect(run.session.status).toBe('passed');
  return run.session.livenessToken!;
}

/**
 * Opens sessions until one asks only steps these photos can perform (the first one `must` when given), answers each
 * revealed step with one upload, and checks the pass, its token and that the token is never shown again.
 */
async function passesInOrder(app: TestApp, poses: Poses, must?: Step): Promise<void> {
  let run;
  for (let i = 0; i < 50 && !run; i++) {
    const session = await sessionFor(app, poses, ADMIN_KEY, undefined, must);
    const first = await upload(app, admin, session, [photo(poses.anchor), photo(poses[session.nextStep as Step]!)]).expect(200);
    expect(first.body).toMatchObject({ status: 'in_progress', completedSteps: 1, framesReceived: 2 });
    expect(first.body.stepNonce).not.toBe(session.stepNonce);
    expect(first.body.challenge).toEqual([session.nextStep, first.body.nextStep]);
    if (!poses[first.body.nextStep as Step]) continue; // a second step these photos cannot show: draw again
    run = { session, first: first.body, done: await upload(app, admin, first.body, [photo(poses[first.body.nextStep as Step]!)]).expect(200) };
  }
  const res = run!.done;
  expect(res.body).toMatchObject({ status: 'passed', completedSteps: 2, nextStep: null, stepNonce: null, framesReceived: 3 });
  expect(res.body.challenge).toEqual([run!.session.nextStep, run!.first.nextStep]);
  expect(res.body.frames.map((f: { gesture: string }) => f.gesture)).toEqual([run!.first.nextStep]);
  expect(res.body.livenessToken).toMatch(/^lt_[A-Za-z0-9_-]{40,}$/);
  expect(new Date(res.body.tokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
  expect(res.body.liveness).toMatchObject({ mode: 'advisory' });
  // The token is never shown again.
  const after = await app.http.get(`/liveness/sessions/${run!.session.id}`).set(admin).expect(200);
  expect(after.body.status).toBe('passed');
  expect(after.body.livenessToken).toBeUndefined();
}

describe(`active liveness challenge (${kind})`, () => {
  // Blinks and smiles are extras (never alone: every challenge holds a head movement), allowed here; passing them is
  // tested below, without look_up (which every challenge holds where it is allowed).
  const app = useTestApp({
    ...NO_LIMITS,
    FACEGATE_LIVENESS_CHALLENGE_LENGTH: '2',
    FACEGATE_LIVENESS_STEPS: 'turn_left,turn_right,look_up,blink,smile',
    // Frames here are ready at once; the time a person needs per step is tested on its own below.
    FACEGATE_LIVENESS_MIN_STEP_MS: '0',
    // One key runs every session here, many of them left after a judged frame (each holds an attempt on the person
    // until it expires): the attempt budget is tested below, with a budget of its own.
    FACEGATE_LOCKOUT_FAILURES: '1000',
    FACEGATE_LOCKOUT_DAILY_FAILURES: '100000',
  });

  describe('challenge logic', () => {
    it('opens a session revealing only its first step, with the step nonce, an instruction and expiries', async () => {
      const res = await app().http.post('/liveness/sessions').set(admin).send({}).expect(201);
      expect(res.body).toMatchObject({ status: 'in_progress', totalSteps: 2, completedSteps: 0, framesReceived: 0, maxFrames: 60, maxFramesPerRequest: 20 });
      expect(res.body.challenge).toEqual([res.body.nextStep]);
      expect(res.body.instructions).toHaveLength(1);
      expect(res.body.stepNonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
      expect(new Date(res.body.stepExpiresAt).getTime()).toBeGreaterThan(Date.now());
      // 40 draws: the first step really varies.
      const seen = new Set<string>();
      for (let i = 0; i < 40; i++) seen.add((await app().http.post('/liveness/sessions').set(admin).send({}).expect(201)).body.nextStep);
      expect(seen.size).toBeGreaterThan(2);
    });

    it('passes head turns and looking up (webcam frames) done in the asked order, one upload per revealed step, with a token', async () => {
      await passesInOrder(app(), WEBCAM);
    });

    it('does not count frames for the next step sent with the frames that complete the current one', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const others = POSES.filter((p) => p !== session.nextStep);
      // Frames for every pose at once, after the asked one: only the asked step is done, the others wait.
      const res = await upload(app(), admin, session, [
        photo(WEBCAM.anchor),
        photo(WEBCAM[session.nextStep as Step]!),
        ...others.map((p) => photo(WEBCAM[p]!)),
      ]);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'in_progress', completedSteps: 1 });
    });

    it('fails when the steps come out of order, and the session stays closed', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const first = session.nextStep as Step;
      const second = POSES.find((p) => p !== first)!;
      const frames = [photo(WEBCAM.anchor), photo(WEBCAM[second]!), photo(WEBCAM[first]!)];
      const res = await upload(app(), admin, session, frames).expect(422);
      expect(res.body).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'wrong_step', expected: first, saw: second, frame: 1, completedSteps: 0 });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      const again = await upload(app(), admin, session, [photo(WEBCAM[first]!)]).expect(409);
      expect(again.body).toMatchObject({ code: 'LIVENESS_SESSION_CLOSED', sessionStatus: 'failed' });
    });

    it('fails frames that carry another step nonce (prepared ahead, or for another session)', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const other = await openSession(app(), admin);
      const res = await upload(app(), admin, { ...session, stepNonce: other.stepNonce }, [photo(WEBCAM.anchor)]).expect(422);
      expect(res.body).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'stale_step' });
      const missing = await app()
        .http.post(`/liveness/sessions/${other.id}/frames`)
        .set(admin)
        .send({ frames: [photo(WEBCAM.anchor)] })
        .expect(400);
      expect(missing.body.code).toBe('VALIDATION_FAILED');
    });

    it('fails when a frame shows another person', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const frames = [photo(WEBCAM.anchor), photo(RUMSFELD.turn_right!)];
      const res = await upload(app(), admin, session, frames).expect(422);
      expect(res.body).toMatchObject({ code: 'LIVENESS_FACE_CHANGED', frame: 1 });
      // No score for the stranger: it would make a session a free 1:1 scorer.
      expect(res.body).not.toHaveProperty('similarity');
      expect(res.body.frames.map((f: { similarity: number | null }) => f.similarity)).toEqual([1]);
    });

    it('fails when the frames repeat one still photo', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const still = photo(WEBCAM.anchor);
      const res = await upload(app(), admin, session, [still, still, still]).expect(422);
      expect(res.body).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'repeated_frame', frame: 1 });
    });

    it('sees a repeated frame whatever its transport encoding (data URL, plain base64, multipart)', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const bytes = photoBytes(WEBCAM.anchor);
      const res = await upload(app(), admin, session, [photo(WEBCAM.anchor), bytes.toString('base64')]).expect(422);
      expect(res.body).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'repeated_frame', frame: 1 });
    });

    it('fails a still photo re-encoded into different frames: nothing moves, so the challenge never completes', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const original = photoBytes(WEBCAM.anchor);
      const frames = await Promise.all([95, 85, 75, 65].map(async (quality) => (await sharp(original).jpeg({ quality }).toBuffer()).toString('base64')));
      const res = await upload(app(), admin, session, frames, true).expect(422);
      expect(res.body).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'incomplete', missing: [session.nextStep], stepsLeft: 2, completedSteps: 0 });
      expect(res.body.frames.map((f: { gesture: string }) => f.gesture)).toEqual(['anchor', 'neutral', 'neutral', 'neutral']);
    });

    it('refuses frames once the session has expired', async () => {
      const session = await sessionFor(app(), WEBCAM);
      await app().app.get(PrismaService).client
        .$executeRaw`UPDATE liveness_sessions SET expires_at = now() - interval '1 second' WHERE id = ${session.id}::uuid`;
      const res = await upload(app(), admin, session, [photo(WEBCAM.anchor), photo(WEBCAM[session.nextStep as Step]!)]).expect(410);
      expect(res.body.code).toBe('LIVENESS_SESSION_EXPIRED');
    });

    it('takes the frames in batches as they are captured (JSON, then multipart)', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const anchor = await upload(app(), admin, session, [photo(WEBCAM.anchor)]).expect(200);
      expect(anchor.body).toMatchObject({ status: 'in_progress', completedSteps: 0, framesReceived: 1, stepNonce: session.stepNonce });
      const done = await app()
        .http.post(`/liveness/sessions/${session.id}/frames`)
        .set(admin)
        .field('stepNonce', session.stepNonce!)
        .attach('files', photoBytes(WEBCAM[session.nextStep as Step]!), 'frame.jpg')
        .expect(200);
      expect(done.body).toMatchObject({ status: 'in_progress', completedSteps: 1, framesReceived: 2 });
      expect(done.body.frames).toEqual([expect.objectContaining({ index: 1, gesture: session.nextStep })]);
      expect(done.body.livenessToken).toBeUndefined();
    });

    it('refuses a batch larger than the per-request limit', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const res = await upload(app(), admin, session, Array(21).fill(photo(WEBCAM.anchor))).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', maxFramesPerRequest: 20 });
    });

    it('shows a session only to the key that opened it', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const other = (
        await app()
          .http.post('/api-keys')
          .set(admin)
          .send({ name: 'other-app', scopes: ['recognize'] })
          .expect(201)
      ).body.key;
      expect((await app().http.get(`/liveness/sessions/${session.id}`).set(as(other)).expect(404)).body.code).toBe('LIVENESS_SESSION_NOT_FOUND');
      await upload(app(), as(other), session, [photo(WEBCAM.anchor)]).expect(404);
    });

    it('lets only one of two uploads that read the same session state save (no lost or doubled progress)', async () => {
      const session = await sessionFor(app(), WEBCAM);
      const sessions = app().app.get(LivenessSessionsRepository);
      const read = (await sessions.find(session.id))!;
      const next = { status: 'pending' as const, state: { ...EMPTY_STATE, frames: 1 }, anchorEmbedding: null };
      const [a, b] = await Promise.all([sessions.save(read, next), sessions.save(read, next)]);
      expect([a.saved, b.saved].sort()).toEqual([false, true]);
      expect((await sessions.find(session.id))!.version).toBe(read.version + 1);
    });

    it('/detect reports the eye and mouth measures the challenge reads', async () => {
      const measure = async (p: string) =>
        (
          await app()
            .http.post('/detect')
            .set(admin)
            .send({ image: photo(p) })
            .expect(200)
        ).body.faces[0].expression;
      const [open, shut, neutral, smiling] = await Promise.all([RUMSFELD.anchor, RUMSFELD.blink!, POWELL.anchor, POWELL.smile!].map(measure));
      expect(shut.eyeOpening).toBeLessThan(0.7 * open.eyeOpening);
      expect(smiling.mouthWidth).toBeGreaterThan(1.15 * neutral.mouthWidth);
    });

    it('enforces the collection passive policy on the whole session', async () => {
      await app()
        .http.post('/collections')
        .set(admin)
        .send({ name: 'strict', settings: { livenessMode: 'enforce', livenessThreshold: 0.99 } })
        .expect(201);
      // The steps are done, but an enforced passive check waits for 5 frames with a face (FACEGATE_LIVENESS_MIN_FRAMES).
      const waiting = await performChallenge(app(), admin, planFor(WEBCAM), { collection: 'strict', attempts: 50 });
      expect(waiting.response.body).toMatchObject({ status: 'in_progress', completedSteps: 2, nextStep: null, framesReceived: 3 });
      const res = await upload(app(), admin, waiting.session, ['live/026.jpg', 'live/030.jpg'].map(photo)).expect(403);
      expect(res.body).toMatchObject({ code: 'SPOOF_SUSPECTED', completedSteps: 2 });
      // The median score goes to the audit log, never to the caller: it would help tune a replay until it passes.
      expect(res.body).not.toHaveProperty('score');
      const audit = await app().http.get('/audit').query({ collection: 'strict', outcome: 'SPOOF_SUSPECTED' }).set(admin).expect(200);
      expect(audit.body.items[0].liveness).toBeLessThan(0.99);
    });

    it('fails a session that ends before an enforced passive check has its frames', async () => {
      const waiting = await performChallenge(app(), admin, planFor(WEBCAM), { collection: 'strict', attempts: 50 });
      const res = await upload(app(), admin, waiting.session, [photo('live/033.jpg')], true).expect(422);
      expect(res.body).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'too_few_frames', scoredFrames: 4, minFrames: 5, completedSteps: 2 });
    });
  });

  describe('liveness tokens on /verify and /recognize', () => {
    const webcamPerson = { externalId: 'webcam-1', collection: 'default' };

    beforeAll(async () => {
      await app()
        .http.post('/users')
        .set(admin)
        .send({ name: 'Webcam user', externalId: 'webcam-1', images: [photo('live/028.jpg'), photo('live/036.jpg')] })
        .expect(201);
    });

    it('verifies with a token once; the same token again is refused', async () => {
      const token = await passedToken(app(), WEBCAM);
      const ok = await app()
        .http.post('/verify')
        .set(admin)
        .send({ ...webcamPerson, image: photo('live/026.jpg'), livenessToken: token })
        .expect(200);
      expect(ok.body).toMatchObject({ verified: true, liveness: { challengePassed: true } });
      const replay = await app()
        .http.post('/verify')
        .set(admin)
        .send({ ...webcamPerson, image: photo('live/026.jpg'), livenessToken: token })
        .expect(409);
      expect(replay.body.code).toBe('LIVENESS_TOKEN_USED');
    });

    it('lets exactly one of two simultaneous requests use a token', async () => {
      const token = await passedToken(app(), WEBCAM);
      const send = () =>
        app()
          .http.post('/verify')
          .set(admin)
          .send({ ...webcamPerson, image: photo('live/026.jpg'), livenessToken: token });
      const statuses = (await Promise.all([send(), send(), send()])).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409]);
    });

    it('judges a token under the passive policy in force when it is used, on the session median', async () => {
      const { http } = app();
      await http
        .post('/collections')
        .set(admin)
        .send({ name: 'tightened', settings: { livenessMode: 'advisory' } })
        .expect(201);
      const token = await passedToken(app(), WEBCAM, ADMIN_KEY, 'tightened');
      await http
        .patch('/collections/tightened')
        .set(admin)
        .send({ settings: { livenessMode: 'enforce', livenessThreshold: 0.99 } })
        .expect(200);
      const res = await http
        .post('/recognize')
        .set(admin)
        .send({ collection: 'tightened', image: photo('live/026.jpg'), livenessToken: token })
        .expect(403);
      expect(res.body).toMatchObject({ code: 'SPOOF_SUSPECTED', livenessThreshold: 0.99 });
    });

    it('refuses a token for another face', async () => {
      const token = await passedToken(app(), WEBCAM);
      const res = await app()
        .http.post('/verify')
        .set(admin)
        .send({ ...webcamPerson, image: photo('Donald_Rumsfeld/004.jpg'), livenessToken: token })
        .expect(403);
      expect(res.body.code).toBe('LIVENESS_FACE_MISMATCH');
    });

    it('refuses an expired token', async () => {
      const token = await passedToken(app(), WEBCAM);
      await app().app.get(PrismaService).client
        .$executeRaw`UPDATE liveness_sessions SET token_expires_at = now() - interval '1 second' WHERE token_expires_at IS NOT NULL AND token_used_at IS NULL`;
      expect(
        (
          await app()
            .http.post('/recognize')
            .set(admin)
            .send({ image: photo('live/026.jpg'), livenessToken: token })
            .expect(410)
        ).body.code,
      ).toBe('LIVENESS_TOKEN_EXPIRED');
    });

    it("refuses another key's token and made-up tokens alike", async () => {
      const other = (
        await app()
          .http.post('/api-keys')
          .set(admin)
          .send({ name: 'kiosk', scopes: ['recognize'] })
          .expect(201)
      ).body.key;
      const token = await passedToken(app(), WEBCAM, other);
      expect(
        (
          await app()
            .http.post('/recognize')
            .set(admin)
            .send({ image: photo('live/026.jpg'), livenessToken: token })
            .expect(403)
        ).body.code,
      ).toBe('LIVENESS_TOKEN_INVALID');
      expect(
        (
          await app()
            .http.post('/recognize')
            .set(admin)
            .send({ image: photo('live/026.jpg'), livenessToken: 'lt_madeup' })
            .expect(403)
        ).body.code,
      ).toBe('LIVENESS_TOKEN_INVALID');
      expect(
        (
          await app()
            .http.post('/recognize')
            .set(admin)
            .send({ image: photo('live/026.jpg'), livenessToken: 'not a token' })
            .expect(400)
        ).body.code,
      ).toBe('VALIDATION_FAILED');
      // The refused attempt by the wrong key did not use the token up for its owner.
      const res = await app()
        .http.post('/recognize')
        .set(as(other))
        .send({ image: photo('live/026.jpg'), livenessToken: token })
        .expect(200);
      expect(res.body).toMatchObject({ match: true, liveness: { challengePassed: true } });
    });

    it('requires a token where the collection says so, and only from a session in that collection', async () => {
      const { http } = app();
      await http
        .post('/collections')
        .set(admin)
        .send({ name: 'guarded', settings: { requireLivenessToken: true } })
        .expect(201);
      await http
        .post('/users')
        .set(admin)
        .send({ name: 'Webcam user', externalId: 'webcam-1', collection: 'guarded', images: [photo('live/028.jpg')] })
        .expect(201);
      const claim = { externalId: 'webcam-1', collection: 'guarded', image: photo('live/026.jpg') };
      expect((await http.post('/verify').set(admin).send(claim).expect(403)).body.code).toBe('LIVENESS_REQUIRED');
      expect((await http.post('/recognize').set(admin).send({ collection: 'guarded', image: claim.image }).expect(403)).body.code).toBe('LIVENESS_REQUIRED');
      expect((await http.post('/recognize').set(admin).send({ collection: 'guarded', image: claim.image, all: true }).expect(403)).body.code).toBe(
        'LIVENESS_REQUIRED',
      );
      const elsewhere = await passedToken(app(), WEBCAM);
      expect(
        (
          await http
            .post('/verify')
            .set(admin)
            .send({ ...claim, livenessToken: elsewhere })
            .expect(403)
        ).body.code,
      ).toBe('LIVENESS_TOKEN_INVALID');
      const token = await passedToken(app(), WEBCAM, ADMIN_KEY, 'guarded');
      const ok = await http
        .post('/verify')
        .set(admin)
        .send({ ...claim, livenessToken: token })
        .expect(200);
      expect(ok.body).toMatchObject({ verified: true, liveness: { challengePassed: true } });
    });

    it('audits passed and failed challenges without images', async () => {
      const res = await app().http.get('/audit').query({ action: 'liveness_challenge', limit: 100 }).set(admin).expect(200);
      const outcomes = new Set(res.body.items.map((e: { outcome: string }) => e.outcome));
      expect(outcomes).toEqual(new Set(['passed', 'CHALLENGE_FAILED', 'LIVENESS_FACE_CHANGED', 'SPOOF_SUSPECTED']));
      expect(JSON.stringify(res.body)).not.toMatch(/base64|\/9j\//);
    });
  });
});

describe(`liveness challenge timing (${kind})`, () => {
  const app = useTestApp({
    ...NO_LIMITS,
    FACEGATE_LIVENESS_CHALLENGE_LENGTH: '2',
    FACEGATE_LIVENESS_MIN_STEP_MS: '700',
    FACEGATE_LIVENESS_STEP_SECONDS: '2',
  });

  it('fails a step answered sooner after its reveal than a person can move (frames made ready in advance)', async () => {
    const session = await sessionFor(app(), WEBCAM);
    const res = await upload(app(), admin, session, [photo(WEBCAM.anchor), photo(WEBCAM[session.nextStep as Step]!)]).expect(422);
    expect(res.body).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'too_fast', minStepMs: 700 });
  });

  it('passes the same frames sent after a human delay', async () => {
    const run = await performChallenge(app(), admin, planFor(WEBCAM), { attempts: 20, waitMs: 800 });
    expect(run.session.status).toBe('passed');
  });

  it('fails a step not answered within its own deadline', async () => {
    const session = await sessionFor(app(), WEBCAM);
    await new Promise((resolve) => setTimeout(resolve, 2300));
    const res = await upload(app(), admin, session, [photo(WEBCAM.anchor), photo(WEBCAM[session.nextStep as Step]!)]).expect(422);
    expect(res.body).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'step_timeout', stepSeconds: 2 });
  });
});

describe(`a session left after a judged frame is a failed attempt (${kind})`, () => {
  const app = useTestApp({ ...NO_LIMITS, FACEGATE_LIVENESS_MIN_STEP_MS: '0', FACEGATE_LIVENESS_SESSION_SECONDS: '3' });
  let userId: string;

  beforeAll(async () => {
    const res = await app()
      .http.post('/users')
      .set(admin)
      .send({ name: 'Webcam user', externalId: 'abandoned-1', images: [photo('live/028.jpg'), photo('live/036.jpg')] })
      .expect(201);
    userId = res.body.id;
  });

  const charges = async () =>
    (
      (await app().http.get('/audit').query({ action: 'liveness_charge', limit: 20 }).set(admin).expect(200)).body.items as Array<{
        userId: string;
        details: { failure: string };
      }>
    ).map((e) => [e.userId, e.details.failure]);

  it('is charged to the person it showed before the next session opens; one never judged is not', async () => {
    const key = (await createKey(app(), { name: 'prober', scopes: ['recognize'] })).key;
    // Judged: the first step answered (and done), then the client walks away.
    const probed = await sessionFor(app(), WEBCAM, key);
    const answered = await upload(app(), as(key), probed, [photo(WEBCAM.anchor), photo(WEBCAM[probed.nextStep as Step]!)]).expect(200);
    expect(answered.body.completedSteps).toBe(1);
    // Not judged: only the anchor, then left (a live user who changed their mind).
    const idle = await sessionFor(app(), WEBCAM, key);
    await upload(app(), as(key), idle, [photo(WEBCAM.anchor)]).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 3300));
    expect(await charges()).toEqual([]);
    // Long expired: the purge drops the unjudged session, never the judged one before its charge.
    await app().app.get(PrismaService).client.$executeRaw`
      UPDATE liveness_sessions SET expires_at = now() - interval '2 hours' WHERE id IN (${probed.id}::uuid, ${idle.id}::uuid)`;
    await app().app.get(LivenessSessionsRepository).purgeExpired();
    await app().http.get(`/liveness/sessions/${idle.id}`).set(as(key)).expect(404);
    await openSession(app(), as(key));
    for (let i = 0; i < 50 && (await charges()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await charges()).toEqual([[userId, 'abandoned']]);
    const closed = (await app().http.get(`/liveness/sessions/${probed.id}`).set(as(key)).expect(200)).body;
    expect(closed).toMatchObject({ status: 'failed', failure: { code: 'CHALLENGE_FAILED', reason: 'abandoned' } });
    // Charged once: later openings find nothing more to charge.
    await openSession(app(), as(key));
    await new Promise((r) => setTimeout(r, 500));
    expect(await charges()).toEqual([[userId, 'abandoned']]);
  });
});

describe(`active liveness challenge: blinks and smiles (${kind})`, () => {
  // Without look_up in the step list: where it is allowed, every challenge holds one, and these LFW photos have none.
  const app = useTestApp({
    ...NO_LIMITS,
    FACEGATE_LIVENESS_CHALLENGE_LENGTH: '2',
    FACEGATE_LIVENESS_STEPS: 'turn_left,turn_right,blink,smile',
    FACEGATE_LIVENESS_MIN_STEP_MS: '0',
  });

  it.each<[string, Poses, Step]>([
    ['a blink (LFW photos)', RUMSFELD, 'blink'],
    ['a smile (LFW photos)', POWELL, 'smile'],
  ])('passes %s done in the asked order, one upload per revealed step, with a token', async (_name, poses, must) => {
    await passesInOrder(app(), poses, must);
  });
});

describe(`failed challenges count as failed attempts on the person they showed (${kind})`, () => {
  // Two steps: a drawn challenge then never asks one step twice, which these photos (one per step) could not answer.
  const app = useTestApp({ ...NO_LIMITS, FACEGATE_LIVENESS_MIN_STEP_MS: '0', FACEGATE_LOCKOUT_FAILURES: '2', FACEGATE_LIVENESS_CHALLENGE_LENGTH: '2' });
  const person = { externalId: 'charged-1', collection: 'default' };
  let userId: string;

  beforeAll(async () => {
    const res = await app()
      .http.post('/users')
      .set(admin)
      .send({ name: 'Webcam user', ...person, images: [photo('live/028.jpg'), photo('live/036.jpg')] })
      .expect(201);
    userId = res.body.id;
  });

  /** A session answered with one still photo sent twice: refused as a repeated frame, a failure judged on the frames. */
  async function failedSession(key: string, still: string): Promise<void> {
    const session = await openSession(app(), as(key));
    const res = await upload(app(), as(key), session, [photo(still), photo(still)]).expect(422);
    expect(res.body).toMatchObject({ code: 'CHALLENGE_FAILED', reason: 'repeated_frame' });
    expect(JSON.stringify(res.body)).not.toContain(userId);
  }

  const locks = async () =>
    ((await app().http.get('/lockouts').set(admin).expect(200)).body.items as Array<{ userId: string; keyName: string }>).map((l) => [l.keyName, l.userId]);
  /** The charges of failed sessions recorded so far (each is made after its answer has left). */
  const charges = async () =>
    (
      (await app().http.get('/audit').query({ action: 'liveness_charge', limit: 20 }).set(admin).expect(200)).body.items as Array<{
        userId: string;
        outcome: string;
      }>
    ).map((e) => [e.userId, e.outcome]);
  async function eventually<T>(read: () => Promise<T>, expected: T): Promise<void> {
    for (let i = 0; i < 50 && JSON.stringify(await read()) !== JSON.stringify(expected); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await read()).toEqual(expected);
  }

  it("locks the key out of the person after the budget's failed sessions; other keys and other faces are not charged", async () => {
    const attacker = (await createKey(app(), { name: 'attacker', scopes: ['recognize'] })).key;
    const other = (await createKey(app(), { name: 'other', scopes: ['recognize'] })).key;
    // A stranger's face (not enrolled) charges no one, however often it fails.
    for (let i = 0; i < 3; i++) await failedSession(other, 'Colin_Powell/009.jpg');
    await failedSession(attacker, 'live/028.jpg');
    await eventually(charges, [[userId, 'charged']]);
    expect(await locks()).toEqual([]);
    await failedSession(attacker, 'live/036.jpg'); // another photo of the same person: the same person charged
    await eventually(locks, [['attacker', userId]]);
    expect(await charges()).toEqual([
      [userId, 'locked'],
      [userId, 'charged'],
    ]);

    // Whatever session passes later, this key cannot verify the person now; another key still can.
    const refused = await app()
      .http.post('/verify')
      .set(as(attacker))
      .send({ ...person, image: photo('live/026.jpg') })
      .expect(423);
    expect(refused.body.code).toBe('LOCKED_OUT');
    const free = await app()
      .http.post('/verify')
      .set(as(other))
      .send({ ...person, image: photo('live/026.jpg') });
    expect(free.body.code).not.toBe('LOCKED_OUT');
  });

  it('charges a session failed in another collection the key may use to the person it showed (no free rehearsal there)', async () => {
    await app().http.post('/collections').set(admin).send({ name: 'rehearsal' }).expect(201);
    const { key: prober, id: proberId } = await createKey(app(), { name: 'prober', scopes: ['recognize'] });
    const bound = (await createKey(app(), { name: 'bound', scopes: ['recognize'], collections: ['rehearsal'] })).key;
    const before = (await charges()).length;
    // The person is enrolled in "default", not in "rehearsal", where both sessions fail.
    for (const key of [bound, prober]) {
      const session = await openSession(app(), as(key), 'rehearsal');
      await upload(app(), as(key), session, [photo('live/028.jpg'), photo('live/028.jpg')]).expect(422);
    }
    // The key that may use "default" is charged for the person there; the one bound to "rehearsal" could never
    // redeem a token for them, and is not.
    await eventually(async () => (await charges()).length - before, 1);
    const audit = (await app().http.get('/audit').query({ action: 'liveness_charge', limit: 1 }).set(admin).expect(200)).body.items[0];
    expect(audit).toMatchObject({ userId, keyId: proberId, collection: 'default', outcome: expect.stringMatching(/charged|locked/) });
  });

  it('asks a locked-out key for the liveness token a sign-in collection requires, before saying it is locked out', async () => {
    await app()
      .http.post('/collections')
      .set(admin)
      .send({ name: 'signin', settings: { purpose: 'sign_in' } })
      .expect(201);
    const enrolled = await app()
      .http.post('/users')
      .set(admin)
      .send({ name: 'Webcam user', externalId: 'charged-2', collection: 'signin', images: [photo('live/028.jpg'), photo('live/036.jpg')] })
      .expect(201);
    const attacker = (await createKey(app(), { name: 'attacker-2', scopes: ['recognize'], collections: ['signin'] })).key;
    for (const still of ['live/028.jpg', 'live/036.jpg']) {
      const session = await openSession(app(), as(attacker), 'signin');
      await upload(app(), as(attacker), session, [photo(still), photo(still)]).expect(422);
    }
    await eventually(async () => (await locks()).filter(([, id]) => id === enrolled.body.id), [['attacker-2', enrolled.body.id]]);
    // Without a token the answer is the same as for anyone: the charges do not show.
    const res = await app()
      .http.post('/verify')
      .set(as(attacker))
      .send({ externalId: 'charged-2', collection: 'signin', image: photo('live/026.jpg') });
    expect(res.body.code).toBe('LIVENESS_REQUIRED');
    // Nor with a made-up token: it is refused as such before the attempt budget is asked.
    const fake = await app()
      .http.post('/verify')
      .set(as(attacker))
      .send({ externalId: 'charged-2', collection: 'signin', image: photo('live/026.jpg'), livenessToken: 'lt_madeUpTokenThatWasNeverMinted0123456789' });
    expect(fake.body.code).toBe('LIVENESS_TOKEN_INVALID');
  });

  it('does not let adding faces say whom a failed session showed: in a sign-in collection a key without admin scope needs a token there too', async () => {
    const { http } = app();
    await http
      .post('/collections')
      .set(admin)
      .send({ name: 'signin-faces', settings: { purpose: 'sign_in' } })
      .expect(201);
    const enrol = (name: string, images: string[]) =>
      http
        .post('/users')
        .set(admin)
        .send({ name, collection: 'signin-faces', images: images.map(photo) })
        .expect(201);
    const victim = (await enrol('Webcam user', ['live/028.jpg', 'live/036.jpg'])).body.id as string;
    const bystander = (await enrol('Colin', ['Colin_Powell/001.jpg'])).body.id as string;
    const attacker = (await createKey(app(), { name: 'attacker-3', scopes: ['enrol', 'recognize'], collections: ['signin-faces'] })).key;
    for (const still of ['live/028.jpg', 'live/036.jpg']) {
      const session = await openSession(app(), as(attacker), 'signin-faces');
      await upload(app(), as(attacker), session, [photo(still), photo(still)]).expect(422);
    }
    await eventually(async () => (await locks()).filter(([, id]) => id === victim), [['attacker-3', victim]]);
    // Person by person with a photo without a face: the same answer for the person the sessions showed and anyone else.
    for (const id of [victim, bystander]) {
      const res = await http
        .post(`/users/${id}/faces`)
        .set(as(attacker))
        .send({ images: [photo('noface/001.png')] });
      expect([res.status, res.body.code]).toEqual([403, 'LIVENESS_REQUIRED']);
    }
    const faces = async (id: string) => ((await http.get(`/users/${id}`).set(admin).expect(200)).body.faces as unknown[]).length;
    expect([await faces(victim), await faces(bystander)]).toEqual([2, 1]);
    // An admin's additions are the operator's own.
    await http
      .post(`/users/${victim}/faces`)
      .set(admin)
      .send({ images: [photo('live/030.jpg')] })
      .expect(201);
  });
  /**
   * Opens a session and answers its first step with a real webcam frame of the enrolled person: 'done' when the step
   * completed, 'not counted' when it did not, as for an edit (a turn may show twice more; a look-up fails at once).
   */
  async function firstStep(key: string): Promise<'done' | 'not counted'> {
    const session = await sessionFor(app(), WEBCAM, key);
    const res = await upload(app(), as(key), session, [photo(WEBCAM.anchor), photo(WEBCAM[session.nextStep as Step]!)]);
    if (res.status === 200) return res.body.completedSteps === 1 ? 'done' : 'not counted';
    expect(res.body).toMatchObject({ status: 422, code: 'CHALLENGE_FAILED', reason: 'edited_still', step: 'look_up' });
    return 'not counted';
  }

  it("gives a burst of parallel sessions on one person only the budget's verdicts (each reserves an attempt before its first)", async () => {
    const burst = (await createKey(app(), { name: 'burst', scopes: ['recognize'] })).key;
    // FACEGATE_LOCKOUT_FAILURES is 2 here: two sessions hold the key's attempts on the person, the others are judged
    // with their verdicts withheld (no frame counts as a new capture), though every frame is real.
    const completed = await Promise.all(Array.from({ length: 5 }, () => firstStep(burst)));
    expect(completed.sort()).toEqual(['done', 'done', 'not counted', 'not counted', 'not counted']);
    // A stranger's face holds no one's attempt: every session gets its verdict.
    const strangers = (await createKey(app(), { name: 'strangers', scopes: ['recognize'] })).key;
    const poses = await Promise.all(
      Array.from({ length: 3 }, async () => {
        // Rumsfeld is enrolled nowhere here (Powell is, in an earlier test's collection).
        const session = await sessionFor(app(), RUMSFELD, strangers, undefined, 'turn_left');
        return (await upload(app(), as(strangers), session, [photo(RUMSFELD.anchor), photo(RUMSFELD.turn_left!)]).expect(200)).body.completedSteps;
      }),
    );
    expect(poses).toEqual([1, 1, 1]);
  });

  it('withholds the verdicts of a key locked out of the person, free: real frames do not count (without saying why); another key is judged', async () => {
    const { key: held, id: heldId } = await createKey(app(), { name: 'held', scopes: ['recognize'] });
    await failedSession(held, 'live/028.jpg');
    await failedSession(held, 'live/036.jpg');
    // The face is enrolled in this suite's other collections too: each of those people is charged and locked as well.
    await eventually(async () => (await locks()).filter(([name, id]) => name === 'held' && id === userId), [['held', userId]]);
    const chargesOfHeld = async () =>
      ((await app().http.get('/audit').query({ action: 'liveness_charge', limit: 100 }).set(admin).expect(200)).body.items as Array<{ keyId: string }>).filter(
        (e) => e.keyId === heldId,
      ).length;
    await new Promise((r) => setTimeout(r, 500));
    const charged = await chargesOfHeld();
    expect(charged).toBeGreaterThanOrEqual(2);
    expect(await firstStep(held)).toBe('not counted');
    expect(await firstStep(held)).toBe('not counted');
    // No verdict, no charge (a withheld session ends as an unjudged one); the charges are made after the answer.
    await new Promise((r) => setTimeout(r, 500));
    expect(await chargesOfHeld()).toBe(charged);
    const fresh = (await createKey(app(), { name: 'fresh', scopes: ['recognize'] })).key;
    expect(await firstStep(fresh)).toBe('done');
  });

  it('frees the attempt a passed session held: two passes in a row on a budget of 2, then the token verifies', async () => {
    const passer = (await createKey(app(), { name: 'passer', scopes: ['recognize'] })).key;
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = await performChallenge(app(), as(passer), planFor(WEBCAM), { attempts: 50 });
      expect([run.response.status, run.response.body]).toEqual([200, expect.objectContaining({ status: 'passed' })]);
      tokens.push(run.session.livenessToken!);
    }
    const res = await app()
      .http.post('/verify')
      .set(as(passer))
      .send({ ...person, image: photo('live/026.jpg'), livenessToken: tokens[1] })
      .expect(200);
    expect(res.body).toMatchObject({ verified: true, user: { id: userId } });
  });
});
