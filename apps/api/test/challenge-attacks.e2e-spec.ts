import { readFileSync } from 'node:fs';
import { CHALLENGE_STEPS, FaceEngineService } from '@facegate/core';
import { ADMIN_KEY, testDatabase, TestApp, useTestApp } from '../../../test/e2e-app';
import { openSession, SessionView, upload } from '../../../test/liveness-session';
import { facePath } from '../../../test/shared-faces';
import {
  AttackPlan,
  AttackStep,
  DEFAULT_PLAN,
  JITTER_LEVELS,
  LOOK_UP_METHODS,
  prepareStill,
  StillPhotoAttack,
  TURN_METHODS,
} from '../../../test/still-photo-attacks';

/**
 * Issue 14: ONE still photo of a person, edited frame by frame (test/still-photo-attacks.ts), must not pass an active
 * liveness challenge. Each session opens a real challenge, answers every step with edits of one photo (nose and mouth
 * pushed sideways, half the face squeezed, a fake 3-D rotation, the nose lifted, the mid-face squashed, the mouth
 * stretched, the eyes painted shut), with neutral re-encodes between steps and per-frame jitter so no two frames are
 * alike, in batches as a client captures them, and ends with `final: true`. Every session must be refused, save the
 * rare pass measured below (TOLERATED_PASSES).
 *
 * The collections here report the passive score without enforcing it (the harness's photo-search default), so what is
 * tested is the challenge itself; a last block runs some of the same attacks under the sign-in policy (passive check
 * enforced) and reports which layer refused them.
 */
const kind = testDatabase();
const admin = { 'X-API-Key': ADMIN_KEY };
const NO_LIMITS = {
  FACEGATE_RATE_LIMIT_ENROL: '100000',
  FACEGATE_RATE_LIMIT_RECOGNIZE: '100000',
  FACEGATE_RATE_LIMIT_READ: '100000',
  FACEGATE_RATE_LIMIT_ADMIN: '100000',
};
/** What a refused session may answer (README "Active liveness challenge"). */
const REFUSALS = new Set(['CHALLENGE_FAILED', 'LIVENESS_FACE_CHANGED', 'SPOOF_SUSPECTED']);
/**
 * Sessions of one test that may pass. Not zero, because issue 14 is not closed: an edited look-up frame clears the
 * new-capture bar now and then (28 of 514 edited look-up frames measured, mostly mid-face squashes of two photos), and
 * a session passes when the first one does. Measured over 2026-12-04/05: 2 of about 1,100 sessions, both the same photo
 * and method under the sign-in policy (Gerhard_Schroeder/009, half_compress/squash/strong), never two in one run. The
 * test fails when that rare pass becomes a pattern (before the look-up rule, 8 to 12 of 55 passed); README states it.
 */
const TOLERATED_PASSES = 1;

/**
 * One frontal photo per person (|yaw| <= 8, |pitch| <= 12 as the engine reads them, eyes open, one face), from the LFW
 * folders and the deepface identities of ../shared/faces; the bbt_* crops are too tight to edit.
 */
const STILLS = [
  'George_W_Bush/007.jpg',
  'Colin_Powell/008.jpg',
  'Donald_Rumsfeld/003.jpg',
  'Tony_Blair/002.jpg',
  'Gerhard_Schroeder/009.jpg',
  'Jacques_Chirac/009.jpg',
  'deepface_img1/007.jpg',
  'deepface_img3/003.jpg',
  'deepface_img8/007.jpg',
  'deepface_img29/002.jpg',
  'deepface_img34/002.jpg',
];
/** Every combination of turn method, look-up method and jitter: 12 plans, each used SESSIONS_PER_PERSON apart. */
const PLANS: AttackPlan[] = TURN_METHODS.flatMap((turn) =>
  LOOK_UP_METHODS.flatMap((lookUp) => JITTER_LEVELS.map((jitter) => ({ ...DEFAULT_PLAN, turn, lookUp, jitter }))),
);
const SESSIONS_PER_PERSON = 5;
/** Neutral frames sent after the last step when the session still waits (an enforced passive check wants 5 scored frames after it). */
const TAIL_FRAMES = 4;

interface Outcome {
  person: string;
  plan: AttackPlan;
  challenge: AttackStep[];
  /** 'passed', or the refusal code with its reason. */
  result: string;
  /** Steps completed when the session ended. */
  completed: number;
  frames: number;
}

/** The photo as the attacker prepared it, with the engine's five points (read once per photo). */
async function loadStill(app: TestApp, path: string, seed: number): Promise<StillPhotoAttack> {
  const still = await prepareStill(readFileSync(facePath(path)));
  const analysis = await app.app.get(FaceEngineService).analyze(still, { details: 'primary' });
  const face = analysis.faces[analysis.primaryIndex];
  if (!face?.landmarks) throw new Error(`no face in ${path}`);
  return StillPhotoAttack.from(still, face.landmarks, seed);
}

/**
 * Opens a session and answers each step as it is revealed, with edits of one photo: one upload per step carrying the
 * step's nonce (the anchor goes with the first), the last one final.
 */
async function attack(app: TestApp, person: string, attacker: StillPhotoAttack, plan: AttackPlan, collection?: string): Promise<Outcome> {
  let session: SessionView = await openSession(app, admin, collection);
  const challenge: AttackStep[] = [];
  let frames = 0;
  const end = (result: string, completed: number): Outcome => ({ person, plan, challenge, result, completed, frames });
  while (session.status === 'in_progress') {
    const step = session.nextStep as AttackStep | null;
    if (step !== null) challenge.push(step);
    const batch =
      step === null
        ? await attacker.anchorFrames({ ...plan, neutralsAfterAnchor: TAIL_FRAMES }) // the enforced passive check waits for more frames
        : [...(challenge.length === 1 ? await attacker.anchorFrames(plan) : []), ...(await attacker.stepFrames(step, plan, challenge.length === 1))];
    frames += batch.length;
    const res = await upload(app, admin, session, batch.map(dataUrl), step === null);
    if (res.status !== 200) return end([res.body.code, res.body.reason].filter(Boolean).join('/') || `HTTP ${res.status}`, res.body.completedSteps ?? -1);
    if (res.body.status === 'passed') return end('passed', res.body.completedSteps);
    const before = session.completedSteps;
    session = res.body;
    if (step !== null && session.completedSteps === before) {
      // The edit did not read as the step: the attacker gives up on this session (final: true ends it).
      const final = await upload(app, admin, session, [dataUrl(await attacker.frame({ wideEyes: plan.wideEyes }, plan.jitter))], true);
      return end([final.body.code, final.body.reason].filter(Boolean).join('/') || `HTTP ${final.status}`, session.completedSteps);
    }
    if (step === null) break;
  }
  return end(`ended ${session.status}`, session.completedSteps);
}

const dataUrl = (b: Buffer) => `data:image/jpeg;base64,${b.toString('base64')}`;

/** Runs the sessions two at a time: one is generated on this thread while the other's frames are analysed. */
async function runAll<T>(jobs: Array<() => Promise<T>>, parallel = 2): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return results;
}

/** Outcome counts grouped by a label, as printable rows. */
function table(title: string, outcomes: Outcome[], label: (o: Outcome) => string): string {
  const groups = new Map<string, Outcome[]>();
  for (const o of outcomes) groups.set(label(o), [...(groups.get(label(o)) ?? []), o]);
  const rows = [...groups.entries()].map(([name, os]) => {
    const counts = new Map<string, number>();
    for (const o of os) counts.set(o.result, (counts.get(o.result) ?? 0) + 1);
    const passed = counts.get('passed') ?? 0;
    const refused =
      [...counts.entries()]
        .filter(([r]) => r !== 'passed')
        .map(([r, n]) => `${r} ${n}`)
        .join(', ') || '-';
    return `  ${name.padEnd(34)} passed ${String(passed).padStart(3)}/${String(os.length).padEnd(3)} refused: ${refused}`;
  });
  return [`${title}:`, ...rows].join('\n');
}

/** At most TOLERATED_PASSES sessions pass (each one printed), and every other one is refused with a stated reason. */
function expectRefused(outcomes: Outcome[]): void {
  const passed = passedSessions(outcomes);
  if (passed.length > 0) console.warn(`Still-photo attack sessions that passed (${kind}): ${passed.join('; ')}`);
  expect(passed.length).toBeLessThanOrEqual(TOLERATED_PASSES);
  for (const o of outcomes.filter((x) => x.result !== 'passed')) expect(REFUSALS).toContain(o.result.split('/')[0]);
}

function passedSessions(outcomes: Outcome[]): string[] {
  return outcomes.filter((o) => o.result === 'passed').map((o) => `${o.person} ${o.challenge.join('>')} (${o.plan.turn}/${o.plan.lookUp}/${o.plan.jitter})`);
}

describe(`still-photo attacks on the active challenge (${kind})`, () => {
  describe('head movements: turns and looking up', () => {
    const app = useTestApp({
      ...NO_LIMITS,
      FACEGATE_LIVENESS_STEPS: 'turn_left,turn_right,look_up',
      // Two steps (of the default three) keep the run short; every step is answered the same way.
      FACEGATE_LIVENESS_CHALLENGE_LENGTH: '2',
      FACEGATE_LIVENESS_MAX_FRAMES: '100',
      // Edited frames are ready at once; an attacker could as well wait the 300 ms a person needs per step.
      FACEGATE_LIVENESS_MIN_STEP_MS: '0',
    });
    const attackers = new Map<string, StillPhotoAttack>();
    const outcomes: Outcome[] = [];

    beforeAll(async () => {
      for (const [i, path] of STILLS.entries()) attackers.set(path, await loadStill(app(), path, 1000 + i));
      // The sign-in policy: a passed challenge AND a passive median at its threshold.
      await app()
        .http.post('/collections')
        .set(admin)
        .send({ name: 'sign-in', settings: { livenessMode: 'enforce' } })
        .expect(201);
    });

    afterAll(() => {
      if (outcomes.length === 0) return;
      console.log(
        [
          `Still-photo attacks, head movements (${kind}): ${outcomes.filter((o) => o.result === 'passed').length}/${outcomes.length} sessions passed`,
          table('by turn method', outcomes, (o) => `turn ${o.plan.turn}`),
          table('by look_up method', outcomes, (o) => `look_up ${o.plan.lookUp}`),
          table('by jitter', outcomes, (o) => `jitter ${o.plan.jitter}`),
          table('by person', outcomes, (o) => o.person),
        ].join('\n'),
      );
    });

    it(`refuses the ${STILLS.length * SESSIONS_PER_PERSON} sessions answered with edits of one photo (${STILLS.length} people, every turn and look-up method), all but at most ${TOLERATED_PASSES}`, async () => {
      const jobs = STILLS.flatMap((person, p) =>
        Array.from(
          { length: SESSIONS_PER_PERSON },
          (_, k) => () => attack(app(), person, attackers.get(person)!, PLANS[(p * SESSIONS_PER_PERSON + k) % PLANS.length]),
        ),
      );
      outcomes.push(...(await runAll(jobs)));
      expect(outcomes).toHaveLength(STILLS.length * SESSIONS_PER_PERSON);
      // Every challenge holds a look-up (the step list allows it), and a look-up frame without a new capture fails the
      // session at once: edited turns clear the new-capture bar in nearly every step, edited look-ups almost never.
      expectRefused(outcomes);
    }, 600_000);

    it('refuses them under the sign-in policy too, whichever layer says no', async () => {
      const signIn = await runAll(
        STILLS.slice(0, 6).map((person, p) => () => attack(app(), person, attackers.get(person)!, PLANS[(p * 7 + 3) % PLANS.length], 'sign-in')),
      );
      console.log(`Still-photo attacks under the sign-in policy (${kind}):\n${table('by turn method', signIn, (o) => `turn ${o.plan.turn}`)}`);
      // Edited high-quality photos score as live to the passive model (about 1.0), so that layer adds little here.
      expectRefused(signIn);
    }, 300_000);
  });

  // Blinks and smiles, while the judge still offers them (with look_up: the server wants a head movement in every list,
  // and a challenge of two steps drawn from these three always holds an expression).
  const expressions = (['blink', 'smile'] as const).filter((s) => (CHALLENGE_STEPS as readonly string[]).includes(s));
  (expressions.length ? describe : describe.skip)(`expressions: ${expressions.join(', ') || 'not offered'}`, () => {
    const app = useTestApp({
      ...NO_LIMITS,
      FACEGATE_LIVENESS_STEPS: [...expressions, 'look_up'].join(','),
      FACEGATE_LIVENESS_CHALLENGE_LENGTH: '2',
      FACEGATE_LIVENESS_MIN_STEP_MS: '0',
    });
    const people = STILLS.slice(0, 10);
    const outcomes: Outcome[] = [];

    afterAll(() => {
      if (outcomes.length === 0) return;
      console.log(
        [
          `Still-photo attacks, expressions (${kind}): ${outcomes.filter((o) => o.result === 'passed').length}/${outcomes.length} sessions passed`,
          table('by revealed steps', outcomes, (o) => o.challenge.join(' > ')),
          table('by jitter', outcomes, (o) => `jitter ${o.plan.jitter}`),
        ].join('\n'),
      );
    });

    it(`refuses ${people.length} sessions with painted-shut eyes (after a wide-eyed anchor) and stretched mouths`, async () => {
      const jobs = people.map((person, p) => async () => {
        const attacker = await loadStill(app(), person, 2000 + p);
        return attack(app(), person, attacker, { ...DEFAULT_PLAN, wideEyes: true, jitter: JITTER_LEVELS[p % 2] });
      });
      outcomes.push(...(await runAll(jobs)));
      expectRefused(outcomes);
    }, 300_000);
  });
});
