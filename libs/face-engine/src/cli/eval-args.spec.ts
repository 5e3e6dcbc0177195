import { EvalArgs, problems } from './eval-args';

const valid: EvalArgs = {
  data: '/data',
  threshold: 0.42,
  livenessThreshold: 0.04,
  livenessSessionFrames: 5,
  targetFar: 1e-4,
  workers: 1,
  threads: 1,
  flip: false,
  modelsDir: '/models',
};

describe('eval arguments', () => {
  it('accepts the defaults', () => {
    expect(problems(valid)).toEqual([]);
  });

  it.each<[Partial<EvalArgs>, string]>([
    [{ livenessThreshold: 1.5 }, '--liveness-threshold must be in [0, 1]'],
    [{ livenessThreshold: NaN }, '--liveness-threshold must be in [0, 1]'],
    [{ livenessSessionFrames: 0 }, '--session-frames must be a whole number >= 1'],
    [{ livenessSessionFrames: 2.5 }, '--session-frames must be a whole number >= 1'],
  ])('names a bad liveness option (%p)', (change, message) => {
    expect(problems({ ...valid, ...change })).toEqual([message]);
  });
});
