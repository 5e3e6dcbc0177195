import { DomainError } from '@facegate/common';
import { codeOf } from '../../../../test/error-code';
import { AnalysisResult, AnalyzedFace } from '@facegate/face-engine';
import { loadConfig } from '../config/app-config';
import { FaceEngineService } from './face-engine.service';
import { FaceRulesService } from './face-rules.service';

const face = (x: number, size: number, withDetails = true): AnalyzedFace => ({
  box: { x, y: 10, width: size, height: size },
  score: 0.99,
  ...(withDetails
    ? {
        embedding: new Float32Array(512).fill(1 / Math.sqrt(512)),
        quality: { sizePx: size, detectorScore: 0.99, sharpness: 100, brightness: 0.5, yaw: 0, pitch: 0, roll: 0 },
        liveness: 0.9,
      }
    : {}),
});
const result = (faces: AnalyzedFace[], primaryIndex: number): AnalysisResult => ({
  width: 1000,
  height: 800,
  faces,
  primaryIndex,
  timings: { decode: 0, detect: 0, landmarks: 0, align: 0, embed: 0, liveness: 0 },
});

/** The engine is isolated: these tests are about the rules, not the models. */
function rulesReturning(analysis: AnalysisResult) {
  const engine = { analyze: jest.fn().mockResolvedValue(analysis) } as unknown as FaceEngineService;
  return new FaceRulesService(engine, loadConfig({ FACEGATE_MIN_FACE_SIZE: '40', FACEGATE_SECOND_FACE_RATIO: '0.5' }));
}

describe('FaceRulesService', () => {
  it('enrols the one face of a photo', async () => {
    const extracted = await rulesReturning(result([face(100, 200)], 0)).forEnrolment('img');
    expect(extracted).toMatchObject({ score: 0.99, box: { width: 200 }, liveness: 0.9 });
    expect(extracted.embedding).toHaveLength(512);
  });

  it('refuses a photo without a face', async () => {
    expect(await codeOf(rulesReturning(result([], -1)).forEnrolment('img'))).toBe('NO_FACE');
  });

  it('refuses an enrolment photo with a second face at least half the size of the largest', async () => {
    expect(await codeOf(rulesReturning(result([face(100, 200), face(500, 100, false)], 0)).forEnrolment('img'))).toBe('MULTIPLE_FACES');
  });

  it('ignores small background faces when enrolling', async () => {
    const extracted = await rulesReturning(result([face(100, 200), face(500, 99, false)], 0)).forEnrolment('img');
    expect(extracted.box.width).toBe(200);
  });

  it('lets a probe with several faces through, using the primary one', async () => {
    const extracted = await rulesReturning(result([face(100, 200, false), face(500, 180)], 1)).forProbe('img');
    expect(extracted.box.x).toBe(500);
  });

  it('asks the engine for the passive liveness score of a probe unless told the policy needs none', async () => {
    const engine = { analyze: jest.fn().mockResolvedValue(result([face(100, 200)], 0)) };
    const rules = new FaceRulesService(engine as unknown as FaceEngineService, loadConfig({}));
    await rules.forProbe('img');
    await rules.forProbe('img', { liveness: false });
    await rules.forGroupProbe('img', 5, { liveness: false });
    expect(engine.analyze.mock.calls.map(([, options]) => (options as { liveness: boolean }).liveness)).toEqual([true, false, false]);
  });

  it('refuses a face below the minimum size', async () => {
    const error = await rulesReturning(result([face(100, 30)], 0))
      .forEnrolment('img')
      .catch((e: DomainError) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('FACE_TOO_SMALL');
    expect((error as DomainError).details).toMatchObject({ sizePx: 30, minFaceSize: 40 });
  });
});
