import { performChallenge } from '../../../test/liveness-session';
import { ADMIN_KEY, testDatabase, TestApp, useTestApp } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';

const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const NO_LIMITS = {
  FACEGATE_RATE_LIMIT_ENROL: '100000',
  FACEGATE_RATE_LIMIT_RECOGNIZE: '100000',
  FACEGATE_RATE_LIMIT_READ: '100000',
  FACEGATE_RATE_LIMIT_ADMIN: '100000',
};

/**
 * The open bug of one of the systems we replace: "a photo of a registered selfie signs in", with the product's
 * DEFAULT settings. Here: a person enrolled from live webcam frames (../shared/faces/live, video_frame) in the default
 * collection of a fresh install, attacked with the same person's video replayed on a phone screen
 * (../shared/faces/spoof, video_frame) and with other photos of people it holds. The replay itself turns the head
 * left and right, so it can perform a turn challenge; the passive median over the session is what gives it away.
 *
 * The only non-default setting is the challenge's step list (turns only), because these frames show only turns.
 * The default passive threshold 0.04 was chosen on these same captures (README "Passive liveness"): these are
 * measured rates on a development set, not a promise for other cameras.
 */
// Each step frame turns 18-32 degrees from every anchor of its clip in the rigid 3-D fit (the judge counts 18 and
// more, and does not judge frames turned beyond 32, where the embedding no longer holds the identity); the rest frames
// (sent after the steps, for the passive median) face the camera within that range.
const LIVE = {
  enrol: ['live/028.jpg', 'live/036.jpg'],
  probes: [
    'live/026.jpg',
    'live/027.jpg',
    'live/029.jpg',
    'live/030.jpg',
    'live/031.jpg',
    'live/032.jpg',
    'live/033.jpg',
    'live/034.jpg',
    'live/035.jpg',
    'live/037.jpg',
  ],
  anchors: ['live/028.jpg', 'live/036.jpg'],
  turn_left: ['live/034.jpg'],
  turn_right: ['live/035.jpg'],
  rest: ['live/026.jpg', 'live/030.jpg', 'live/031.jpg', 'live/033.jpg', 'live/037.jpg'],
};
const REPLAY = {
  frames: Array.from({ length: 15 }, (_, i) => `spoof/${String(27 + i).padStart(3, '0')}.jpg`),
  anchors: ['spoof/028.jpg', 'spoof/035.jpg', 'spoof/040.jpg', 'spoof/041.jpg'],
  turn_left: ['spoof/027.jpg', 'spoof/037.jpg'],
  turn_right: ['spoof/030.jpg'],
  rest: ['spoof/038.jpg', 'spoof/039.jpg', 'spoof/040.jpg', 'spoof/041.jpg', 'spoof/035.jpg', 'spoof/028.jpg'],
};
/** Frames per staged session: the anchor, the steps, then other frames of the clip until the passive median may decide. */
const SESSION_FRAMES = 6;
/** A little over the default FACEGATE_LIVENESS_MIN_STEP_MS (300): the time a person needs to move. */
const STEP_WAIT_MS = 320;

type Pools = { anchors: string[]; turn_left: string[]; turn_right: string[]; rest: string[] };

/**
 * Every challenge session the frames can stage: each anchor with each left and each right frame, each sent when its
 * step is revealed (after the time a person needs, FACEGATE_LIVENESS_MIN_STEP_MS), followed by other frames of the
 * same clip (after the last step, frames are still checked to be the same face and new, and scored).
 */
async function runSessions(app: TestApp, pools: Pools): Promise<Array<{ status: number; code?: string; reason?: string; token?: string }>> {
  const results = [];
  for (const anchor of pools.anchors) {
    for (const left of pools.turn_left) {
      for (const right of pools.turn_right) {
        const byStep: Record<string, string> = { turn_left: left, turn_right: right };
        const tail = pools.rest.filter((f) => ![anchor, left, right].includes(f)).slice(0, SESSION_FRAMES - 3);
        const plan = { anchor: [photo(anchor)], step: (s: string) => [photo(byStep[s])], tail: tail.map(photo) };
        const { response: res } = await performChallenge(app, admin, plan, { waitMs: STEP_WAIT_MS });
        // A step the frames did not complete leaves the session in progress: not passed.
        const code = res.status === 200 && res.body.status !== 'passed' ? 'NOT_COMPLETED' : res.body.code;
        results.push({
          status: res.body.status === 'passed' ? 200 : res.status === 200 ? 422 : res.status,
          code,
          reason: res.body.reason,
          token: res.body.livenessToken,
        });
      }
    }
  }
  return results;
}

const rate = (n: number, of: number) => `${n}/${of} (${((100 * n) / of).toFixed(1)}%)`;

describe(`replay of a registered selfie, default settings (${kind})`, () => {
  // Dozens of verifications of one person by one key are the point here: the attempt budget would lock them out.
  // FACEGATE_COLLECTION_PURPOSE is the product's default; the e2e harness otherwise defaults to photo search.
  const app = useTestApp({
    ...NO_LIMITS,
    FACEGATE_COLLECTION_PURPOSE: 'sign_in',
    FACEGATE_LOCKOUT_FAILURES: '1000',
    FACEGATE_LOCKOUT_DAILY_FAILURES: '1000',
    FACEGATE_LIVENESS_STEPS: 'turn_left,turn_right',
    FACEGATE_LIVENESS_CHALLENGE_LENGTH: '2',
  });
  const report: string[] = [];

  beforeAll(async () => {
    const { http } = app();
    await http
      .post('/users')
      .set(admin)
      .send({ name: 'Webcam user', externalId: 'cam', images: LIVE.enrol.map(photo) })
      .expect(201);
    await http
      .post('/users')
      .set(admin)
      .send({ name: 'Colin Powell', externalId: 'cp', images: [photo('Colin_Powell/001.jpg'), photo('Colin_Powell/002.jpg')] })
      .expect(201);
    // For the passive layer alone: the same person in a collection that enforces the passive check but asks no token.
    await http
      .post('/collections')
      .set(admin)
      .send({ name: 'passive-only', settings: { livenessMode: 'enforce', requireLivenessToken: false } })
      .expect(201);
    await http
      .post('/users')
      .set(admin)
      .send({ name: 'Webcam user', externalId: 'cam', collection: 'passive-only', images: LIVE.enrol.map(photo) })
      .expect(201);
  });

  afterAll(() => console.log(`Replay attack (${kind}), default settings:\n  ${report.join('\n  ')}`));

  it("a fresh install's default collection is for sign-in: a passed challenge required, the passive check enforced", async () => {
    const res = await app().http.get('/collections/default').set(admin).expect(200);
    expect(res.body.policy).toEqual(
      expect.objectContaining({ purpose: 'sign_in', livenessMode: 'enforce', livenessThreshold: 0.04, requireLivenessToken: true }),
    );
  });

  it('a photo of an enrolled person, or a replayed frame, does not sign in', async () => {
    const web = await app()
      .http.post('/verify')
      .set(admin)
      .send({ externalId: 'cp', image: photo('Colin_Powell/003.jpg') });
    expect(web.status).toBe(403);
    expect(web.body.code).toBe('LIVENESS_REQUIRED');
    const identify = await app()
      .http.post('/recognize')
      .set(admin)
      .send({ image: photo('Colin_Powell/003.jpg') });
    expect(identify.body.code).toBe('LIVENESS_REQUIRED');
    const answers = [];
    for (const frame of REPLAY.frames)
      answers.push(
        await app()
          .http.post('/verify')
          .set(admin)
          .send({ externalId: 'cam', image: photo(frame) }),
      );
    expect(answers.map((a) => a.status)).toEqual(REPLAY.frames.map(() => 403));
    expect(new Set(answers.map((a) => a.body.code))).toEqual(new Set(['LIVENESS_REQUIRED']));
    report.push(`replayed single frames accepted: ${rate(0, REPLAY.frames.length)} (LIVENESS_REQUIRED)`);
  });

  it('every challenge staged from the replay is refused, while challenges from the live frames pass and their tokens verify', async () => {
    const replay = await runSessions(app(), REPLAY);
    const live = await runSessions(app(), LIVE);
    const replayPassed = replay.filter((r) => r.status === 200).length;
    const livePassed = live.filter((r) => r.status === 200);
    const codes = (rs: typeof replay) =>
      [...new Set(rs.filter((r) => r.status !== 200).map((r) => [r.code, r.reason].filter(Boolean).join('/')))].join(', ') || 'none';
    report.push(`replay challenge sessions passed (APCER): ${rate(replayPassed, replay.length)}; refused with ${codes(replay)}`);
    report.push(`live challenge sessions refused (BPCER): ${rate(live.length - livePassed.length, live.length)}; refused with ${codes(live)}`);
    expect(replayPassed).toBe(0);
    // Refused by the passive score after performing the turns, not by chance on the gestures alone.
    expect(replay.filter((r) => r.code === 'SPOOF_SUSPECTED').length).toBeGreaterThan(replay.length / 2);
    expect(livePassed.length).toBe(live.length);
    // live/030.jpg alone scores 0.018 (refused by the passive-only policy); with a token its score is only reported,
    // because the session already enforced the policy over several frames of this face.
    for (const { token } of livePassed) {
      const res = await app()
        .http.post('/verify')
        .set(admin)
        .send({ externalId: 'cam', image: photo('live/030.jpg'), livenessToken: token })
        .expect(200);
      expect(res.body).toMatchObject({ verified: true, liveness: { challengePassed: true, mode: 'enforce' } });
    }
  });

  it('the passive score of one frame alone is weaker than a session median: report the rates', async () => {
    const verify = (image: string) =>
      app()
        .http.post('/verify')
        .set(admin)
        .send({ externalId: 'cam', collection: 'passive-only', image: photo(image) });
    const replay = await Promise.all(REPLAY.frames.map(verify));
    const live = await Promise.all(LIVE.probes.map(verify));
    const replayAccepted = replay.filter((r) => r.status === 200 && r.body.verified).length;
    const liveAccepted = live.filter((r) => r.status === 200 && r.body.verified).length;
    report.push(`replayed single frames accepted, passive only (APCER): ${rate(replayAccepted, replay.length)}`);
    report.push(`live single frames refused, passive only (BPCER): ${rate(live.length - liveAccepted, live.length)}`);
    expect(replay.filter((r) => r.status === 403).every((r) => r.body.code === 'SPOOF_SUSPECTED')).toBe(true);
    // Measured at 0.04: 2 of 15 replayed frames score above it and 2 of 10 live ones below (README): one frame is not
    // enough, which is why sign-in judges a session's median.
    expect(replayAccepted).toBeLessThanOrEqual(2);
    expect(liveAccepted).toBeGreaterThanOrEqual(8);
  });
});
