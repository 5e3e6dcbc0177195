import type { Response } from 'supertest';
import type { TestApp } from './e2e-app';

/** What the session routes answer (the fields tests read). */
export interface SessionView {
  id: string;
  status: 'in_progress' | 'passed' | 'failed';
  challenge: string[];
  totalSteps: number;
  completedSteps: number;
  nextStep: string | null;
  stepNonce: string | null;
  livenessToken?: string;
}

/** How a test answers a challenge whose steps it learns one at a time, as a real client does. */
export interface ChallengePlan {
  /** Frames sent with the first step's frames (the frontal anchor). */
  anchor: string[];
  /** Frames answering one step; null when the plan cannot answer it (that session is abandoned, another opened). */
  step(step: string, index: number): string[] | null;
  /** Frames sent once the steps are done, when the session still waits for frames (the enforced passive check). */
  tail?: string[];
}

export interface ChallengeRun {
  /** The last answer: `passed` with a token, in progress, or the refusal. */
  response: Response;
  session: SessionView;
  /** The steps answered, in order. */
  steps: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function openSession(app: TestApp, headers: Record<string, string>, collection?: string): Promise<SessionView> {
  return (
    await app.http
      .post('/liveness/sessions')
      .set(headers)
      .send(collection ? { collection } : {})
      .expect(201)
  ).body;
}

/** One upload of frames for the session's current step. */
export function upload(app: TestApp, headers: Record<string, string>, session: SessionView, frames: string[], final = false) {
  return app.http
    .post(`/liveness/sessions/${session.id}/frames`)
    .set(headers)
    .send({ frames, stepNonce: session.stepNonce, ...(final ? { final: true } : {}) });
}

/**
 * Runs a challenge the way a client must: one upload per revealed step, each carrying that step's nonce, then the
 * tail. Opens up to `attempts` sessions until one only asks steps the plan can answer. `waitMs` is left between a
 * step's reveal and its upload (a person needs time to move; the server refuses answers faster than
 * FACEGATE_LIVENESS_MIN_STEP_MS).
 */
export async function performChallenge(
  app: TestApp,
  headers: Record<string, string>,
  plan: ChallengePlan,
  options: { collection?: string; attempts?: number; waitMs?: number } = {},
): Promise<ChallengeRun> {
  for (let attempt = 0; attempt < (options.attempts ?? 1); attempt++) {
    let session = await openSession(app, headers, options.collection);
    const steps: string[] = [];
    let pending = [...plan.anchor];
    let response: Response | undefined;
    let abandoned = false;
    while (session.status === 'in_progress') {
      const step = session.nextStep;
      const frames = step === null ? (plan.tail ?? []) : plan.step(step, session.completedSteps);
      if (frames === null) {
        abandoned = true;
        break;
      }
      if (frames.length === 0 && pending.length === 0) break;
      if (options.waitMs) await sleep(options.waitMs);
      response = await upload(app, headers, session, [...pending, ...frames], step === null);
      pending = [];
      if (step !== null) steps.push(step);
      if (response.status !== 200) return { response, session, steps };
      const before = session.completedSteps;
      session = response.body;
      // A step that did not complete, or tail frames that did not finish the session: nothing more to send.
      if (session.status === 'in_progress' && step !== null && session.completedSteps === before) break;
      if (step === null) break;
    }
    if (!abandoned && response) return { response, session, steps };
  }
  throw new Error(`no session in ${options.attempts ?? 1} asked only steps this plan can answer`);
}
