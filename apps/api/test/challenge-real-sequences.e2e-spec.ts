import { FaceEngineService } from '@facegate/core';
import { ADMIN_KEY, testDatabase, TestApp, useTestApp } from '../../../test/e2e-app';
import { ChallengePlan, performChallenge } from '../../../test/liveness-session';
import { photo, photoBytes } from '../../../test/photos';

/**
 * The other side of issue 14: whatever the challenge learns to refuse, real head movements must still pass. The frames
 * are ../shared/faces/live/026-037 (video_frame: one frame a second of a webcam video of one person turning the
 * head). The engine reads each frame's pose once; then every session answers its steps, as they are revealed, with
 * real frames that show the asked step relative to a frontal anchor, in capture order where the clip allows, with a
 * frontal frame between steps. ../shared/faces/spoof/027-041 are the same person's video replayed on a phone: real
 * 3-D motion, so the challenge may well accept its movements; the passive check of the sign-in policy must refuse it.
 */
const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const NO_LIMITS = {
  FACEGATE_RATE_LIMIT_ENROL: '100000',
  FACEGATE_RATE_LIMIT_RECOGNIZE: '100000',
  FACEGATE_RATE_LIMIT_READ: '100000',
  FACEGATE_RATE_LIMIT_ADMIN: '100000',
};

const LIVE = Array.from({ length: 12 }, (_, i) => `live/${String(26 + i).padStart(3, '0')}.jpg`);
const REPLAY = Array.from({ length: 15 }, (_, i) => `spoof/${String(27 + i).padStart(3, '0')}.jpg`);
/** Sessions per anchor frame. */
const SESSIONS_PER_ANCHOR = 6;
/** Frames a step is answered with: a 1-fps clip has few frames per movement; a live camera streams more. */
const FRAMES_PER_STEP = 3;

/** README "Active liveness challenge": the documented thresholds, with a margin so a borderline frame is not picked. */
const TURN = 18 + 3;
const LOOK_UP = 12 + 2;
const FRONTAL_YAW = 8;
const FRONTAL_PITCH = 15;

interface Pose {
  path: string;
  index: number;
  yaw: number;
  pitch: number;
}

async function readPoses(app: TestApp, paths: string[]): Promise<Pose[]> {
  const engine = app.app.get(FaceEngineService);
  const poses = await Promise.all(
    paths.map(async (path, index) => {
      const face = (r: Awaited<ReturnType<FaceEngineService['analyze']>>) => r.faces[r.primaryIndex];
      // The judge reads head pose from the rigid 3-D fit of the 68 landmarks; so does the plan.
      const found = face(await engine.analyze(photoBytes(path), { details: 'primary', pose3d: true }));
      return found?.pose3d ? { path, index, yaw: found.pose3d.yaw, pitch: found.pose3d.pitch } : null;
    }),
  );
  return poses.filter((p): p is Pose => p !== null);
}

/** Does `frame` show `step` relative to `anchor` (engine yaw + = the subject's own left in an unmirrored frame)? */
function shows(step: string, anchor: Pose, frame: Pose): boolean {
  const dYaw = frame.yaw - anchor.yaw;
  const dPitch = frame.pitch - anchor.pitch;
  if (step === 'turn_left') return dYaw >= TURN;
  if (step === 'turn_right') return dYaw <= -TURN;
  if (step === 'look_up') return dPitch <= -LOOK_UP && Math.abs(dYaw) < 8;
  return false;
}

const restsNear = (anchor: Pose, frame: Pose) => Math.abs(frame.yaw - anchor.yaw) < 8 && Math.abs(frame.pitch - anchor.pitch) < 8;

/**
 * A plan from one anchor: each revealed step is answered, as a camera streaming the movement would, by the frames that
 * show it (up to FRAMES_PER_STEP, in capture order from the last one used), preceded by a frame at rest; null when no
 * frame shows the step.
 */
function planFrom(anchor: Pose, poses: Pose[], tailFrames: number): ChallengePlan & { used: string[] } {
  const used: string[] = [anchor.path];
  let cursor = anchor.index;
  return {
    used,
    anchor: [photo(anchor.path)],
    step(step, index) {
      // performChallenge reuses the plan for the next session when one is abandoned: each starts afresh.
      if (index === 0) {
        used.splice(1);
        cursor = anchor.index;
      }
      const candidates = poses.filter((p) => p.path !== anchor.path && !used.includes(p.path) && shows(step, anchor, p));
      const ordered = [...candidates.filter((p) => p.index > cursor), ...candidates.filter((p) => p.index <= cursor)];
      const picks = ordered.slice(0, FRAMES_PER_STEP);
      const pick = picks[picks.length - 1];
      if (!pick) return null;
      const frames: string[] = [];
      if (index > 0) {
        const rest = poses.find((p) => !used.includes(p.path) && p.path !== pick.path && restsNear(anchor, p));
        if (rest) {
          used.push(rest.path);
          frames.push(photo(rest.path));
        }
      }
      used.push(...picks.map((p) => p.path));
      cursor = pick.index;
      return [...frames, ...picks.map((p) => photo(p.path))];
    },
    // After the steps, the enforced passive check wants more frames: the clip's other frames nearest the rest pose
    // (the user looks back at the camera), in capture order.
    get tail() {
      const away = (p: Pose) => Math.abs(p.yaw - anchor.yaw) + Math.abs(p.pitch - anchor.pitch);
      const nearest = poses
        .filter((p) => !used.includes(p.path))
        .sort((a, b) => away(a) - away(b))
        .slice(0, tailFrames);
      return nearest.sort((a, b) => a.index - b.index).map((p) => photo(p.path));
    },
  };
}

interface Result {
  anchor: string;
  steps: string[];
  result: string;
}

async function runSessions(app: TestApp, poses: Pose[], collection?: string): Promise<Result[]> {
  const anchors = poses.filter((p) => Math.abs(p.yaw) <= FRONTAL_YAW && Math.abs(p.pitch) <= FRONTAL_PITCH);
  const results: Result[] = [];
  for (const anchor of anchors) {
    for (let i = 0; i < SESSIONS_PER_ANCHOR; i++) {
      // Only the sessions whose revealed steps these frames can show are performed; the others are abandoned unanswered.
      const run = await performChallenge(app, admin, planFrom(anchor, poses, 5), { collection, attempts: 40 }).catch(() => null);
      if (!run) continue;
      const { response, steps } = run;
      const result =
        response.body.status === 'passed'
          ? 'passed'
          : [response.body.code, response.body.reason].filter(Boolean).join('/') || `${response.body.status} at step ${response.body.completedSteps}`;
      results.push({ anchor: anchor.path, steps, result });
    }
  }
  return results;
}

function summary(title: string, results: Result[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
  const challenges = new Set(results.map((r) => r.steps.join('>')));
  return `${title}: ${counts.get('passed') ?? 0}/${results.length} passed (${[...counts.entries()].map(([k, n]) => `${k} ${n}`).join(', ')}); anchors ${new Set(results.map((r) => r.anchor)).size}, challenges ${[...challenges].join(' ')}`;
}

describe(`real head movements pass the active challenge (${kind})`, () => {
  const app = useTestApp({
    ...NO_LIMITS,
    FACEGATE_LIVENESS_STEPS: 'turn_left,turn_right,look_up',
    FACEGATE_LIVENESS_CHALLENGE_LENGTH: '2',
    // The frames are ready at once; the time a person needs per step is tested in liveness-challenge.e2e-spec.ts.
    FACEGATE_LIVENESS_MIN_STEP_MS: '0',
  });
  const report: string[] = [];
  let live: Pose[] = [];

  beforeAll(async () => {
    live = await readPoses(app(), LIVE);
    await app()
      .http.post('/collections')
      .set(admin)
      .send({ name: 'sign-in', settings: { livenessMode: 'enforce' } })
      .expect(201);
  });

  afterAll(() => console.log(`Real sequences (${kind}):\n  ${report.join('\n  ')}`));

  it('passes at least 95% of the sessions the live frames can answer (the challenge alone)', async () => {
    const results = await runSessions(app(), live);
    report.push(summary('live webcam frames, passive check reported only', results));
    expect(results.length).toBeGreaterThanOrEqual(10);
    expect(new Set(results.map((r) => r.steps.join('>'))).size).toBeGreaterThanOrEqual(2);
    expect(results.filter((r) => r.result === 'passed').length).toBeGreaterThanOrEqual(Math.ceil(0.95 * results.length));
  }, 300_000);

  it('passes them under the sign-in policy too (the passive check enforced), and refuses the replayed video there', async () => {
    const signIn = await runSessions(app(), live, 'sign-in');
    const replay = await runSessions(app(), await readPoses(app(), REPLAY), 'sign-in');
    report.push(summary('live webcam frames, sign-in policy', signIn));
    report.push(summary('replayed video, sign-in policy', replay));
    expect(signIn.filter((r) => r.result === 'passed').length).toBeGreaterThanOrEqual(Math.ceil(0.95 * signIn.length));
    expect(replay.length).toBeGreaterThan(0);
    expect(replay.filter((r) => r.result === 'passed')).toEqual([]);
  }, 300_000);
});
