import { TEXTURE_LENGTH } from '@facegate/face-engine';
import { MAX_POSE_RESIDUAL, motionEvidence } from './motion-evidence';

const texture = (period: number, phase: number) => Float32Array.from({ length: TEXTURE_LENGTH }, (_, i) => (i % period === phase ? 1 : 0));

describe('motion evidence', () => {
  const anchor = texture(10, 0);

  it('calls a frame whose regions all changed a new capture, and an unchanged one the same picture', () => {
    expect(motionEvidence(anchor, { texture: texture(10, 5), residual: 0.03 })).toBe('moved');
    expect(motionEvidence(anchor, { texture: Float32Array.from(anchor), residual: 0.03 })).toBe('same_texture');
  });

  it('refuses a landmark set no rigid head explains, whatever its texture', () => {
    expect(motionEvidence(anchor, { texture: texture(10, 5), residual: MAX_POSE_RESIDUAL + 0.01 })).toBe('not_rigid');
  });

  it('proves nothing for a session anchored without a texture (opened before the upgrade)', () => {
    expect(motionEvidence([], { texture: texture(10, 5), residual: 0.03 })).toBe('same_texture');
  });
});
