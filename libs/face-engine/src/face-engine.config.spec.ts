import { DEFAULT_FACE_ENGINE_CONFIG, resolveFaceEngineConfig } from './face-engine.config';

describe('resolveFaceEngineConfig', () => {
  it('fills defaults and merges nested overrides', () => {
    const config = resolveFaceEngineConfig({ poolSize: 3, detection: { scoreThreshold: 0.9 } });
    expect(config.poolSize).toBe(3);
    expect(config.detection).toEqual({ ...DEFAULT_FACE_ENGINE_CONFIG.detection, scoreThreshold: 0.9 });
    expect(config.image).toEqual(DEFAULT_FACE_ENGINE_CONFIG.image);
  });

  it.each([
    [{ poolSize: 0 }, 'poolSize'],
    [{ intraOpThreads: 1.5 }, 'intraOpThreads'],
    [{ matchThreshold: 2 }, 'matchThreshold'],
    [{ detection: { scoreThreshold: Number.NaN } }, 'detection.scoreThreshold'],
    [{ executionProvider: 'tpu' as never }, 'executionProvider'],
  ])('rejects %j naming %s', (overrides, name) => {
    expect(() => resolveFaceEngineConfig(overrides)).toThrow(name);
  });
});
