import 'reflect-metadata';
import { DomainError } from '@facegate/common';
import { collectionDto } from './collection-provisioner';

async function refusal(run: () => Promise<unknown>): Promise<DomainError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('not refused');
}

describe('collectionDto (what the import checks before writing anything)', () => {
  it('accepts what POST /collections accepts, leaving empty settings and description out', async () => {
    await expect(collectionDto({ name: 'staff', description: null, settings: {} })).resolves.toMatchObject({ name: 'staff' });
    await expect(collectionDto({ name: 'staff', description: 'Staff', settings: { matchThreshold: 0.4, livenessMode: 'enforce' } })).resolves.toMatchObject({
      settings: { matchThreshold: 0.4, livenessMode: 'enforce' },
    });
  });

  it('refuses settings and descriptions the API would refuse, naming the field', async () => {
    const threshold = await refusal(() => collectionDto({ name: 'staff', settings: { matchThreshold: 7 } }));
    expect(threshold.code).toBe('VALIDATION_FAILED');
    expect(threshold.message).toContain('settings.matchThreshold');
    expect((await refusal(() => collectionDto({ name: 'staff', settings: { colour: 'red' } }))).message).toContain('colour');
    expect((await refusal(() => collectionDto({ name: 'staff', description: 'x'.repeat(501) }))).message).toContain('description');
  });
});
