import { loadConfig } from '../config/app-config';
import { failedChecks } from './quality-gates';

const gates = loadConfig({}).quality;
const good = { sizePx: 120, detectorScore: 0.999, sharpness: 120, brightness: 0.5, yaw: 5, pitch: -3, roll: 2 };

describe('failedChecks', () => {
  it('passes a good face', () => {
    expect(failedChecks(good, gates)).toEqual([]);
  });

  it.each([
    [{ sharpness: 5 }, 'sharpness'],
    [{ brightness: 0.05 }, 'brightness'],
    [{ brightness: 0.97 }, 'brightness'],
    [{ yaw: -60 }, 'yaw'],
    [{ pitch: 45 }, 'pitch'],
    [{ roll: 50 }, 'roll'],
    [{ detectorScore: 0.85 }, 'detectorScore'],
  ])('fails %j on %s, reporting the measure and the limit', (change, check) => {
    const failed = failedChecks({ ...good, ...change }, gates);
    expect(failed.map((f) => f.check)).toEqual([check]);
    expect(failed[0].value).toBe(Object.values(change)[0]);
    expect(failed[0].limit).toBeTruthy();
  });

  it('lists every failed check', () => {
    expect(failedChecks({ ...good, sharpness: 1, brightness: 0.01, roll: 90 }, gates).map((f) => f.check)).toEqual(['sharpness', 'brightness', 'roll']);
  });
});
