import { isKnownLabelError, parseLfwPairs } from './lfw-dataset';
import { runLfwProtocol, ScoredPair } from './lfw-protocol';

const fileOf = (name: string, n: number) => `lfw/${name}/${name}_${String(n).padStart(4, '0')}.jpg`;

describe('LFW pairs.txt', () => {
  it('reads folds of same-person then different-person lines', () => {
    const text = '2\t1\nAnn\t1\t2\nBob\t1\tCid\t3\nDee\t2\t4\nEve\t1\tFay\t1\n';
    const folds = parseLfwPairs(text, fileOf);
    expect(folds).toEqual([
      [
        { a: 'lfw/Ann/Ann_0001.jpg', b: 'lfw/Ann/Ann_0002.jpg', same: true },
        { a: 'lfw/Bob/Bob_0001.jpg', b: 'lfw/Cid/Cid_0003.jpg', same: false },
      ],
      [
        { a: 'lfw/Dee/Dee_0002.jpg', b: 'lfw/Dee/Dee_0004.jpg', same: true },
        { a: 'lfw/Eve/Eve_0001.jpg', b: 'lfw/Fay/Fay_0001.jpg', same: false },
      ],
    ]);
  });

  it('names the line that breaks the layout', () => {
    expect(() => parseLfwPairs('2 1\nAnn 1 2\nBob 1 Cid 3\nDee 2 4\n', fileOf)).toThrow('expected 2 folds x 2 pairs = 4 lines, got 3');
    expect(() => parseLfwPairs('1 1\nAnn 1 2\nBob 1 Cid 3\n', fileOf)).toThrow('first line');
    expect(() => parseLfwPairs('2 1\nAnn 1 2\nBob 1 Cid 3\nDee 2 x\nEve 1 Fay 1\n', fileOf)).toThrow('line 4: "x" is not an image number');
    expect(() => parseLfwPairs('2 1\nAnn 1 Bob 2\nBob 1 Cid 3\nDee 2 4\nEve 1 Fay 1\n', fileOf)).toThrow('line 2: expected a same-person line');
  });

  it('recognises the known label errors by file name', () => {
    expect(isKnownLabelError({ a: fileOf('Jim_OBrien', 1), b: fileOf('Jim_OBrien', 3), same: true })).toBe(true);
    expect(isKnownLabelError({ a: fileOf('Jim_OBrien', 2), b: fileOf('Jim_OBrien', 3), same: true })).toBe(false);
  });
});

describe('LFW View 2 protocol', () => {
  const pair = (same: boolean, score: number | null, knownLabelError = false): ScoredPair => ({ same, score, knownLabelError });

  it('chooses each fold threshold on the other folds only', () => {
    // Fold 1 separates at 0.5 (same >= 0.6, different <= 0.4); fold 2 at 0.25 (same >= 0.3, different <= 0.2).
    const fold1 = [pair(true, 0.6), pair(true, 0.7), pair(false, 0.4), pair(false, 0.1)];
    const fold2 = [pair(true, 0.3), pair(true, 0.8), pair(false, 0.2), pair(false, 0.0)];
    const result = runLfwProtocol([fold1, fold2]);
    // Fold 1 is tested at fold 2's threshold: the middle of fold 2's gap, (0.3 + 0.2) / 2.
    expect(result.folds[0].threshold).toBeCloseTo(0.25, 10);
    expect(result.folds[1].threshold).toBeCloseTo(0.5, 10);
    // At 0.25 fold 1's different-person pair at 0.4 is accepted: 3 of 4 right. At 0.5 fold 2's 0.3 is rejected.
    expect(result.folds[0].accuracy).toBe(0.75);
    expect(result.folds[1].accuracy).toBe(0.75);
    expect(result.meanAccuracy).toBe(0.75);
    expect(result.sd).toBe(0);
    expect(result.folds[0].errors).toEqual([{ index: 2, same: false, score: 0.4 }]);
  });

  it('scores a pair without a face as a rejection, and separately as an error', () => {
    const fold1 = [pair(true, 0.9), pair(true, null), pair(false, 0.1), pair(false, null)];
    const fold2 = [pair(true, 0.8), pair(true, 0.7), pair(false, 0.2), pair(false, 0.0)];
    const result = runLfwProtocol([fold1, fold2]);
    expect(result.noFacePairs).toBe(2);
    // As the service answers: the same-person pair is rejected (wrong), the different-person pair rejected (right).
    expect(result.folds[0].accuracy).toBe(0.75);
    expect(result.noFaceAsError.folds[0].accuracy).toBe(0.5);
    expect(result.folds[1].accuracy).toBe(1);
  });

  it('reports the mean and the sample standard deviation over folds, and leaves the label errors out on request', () => {
    const fold1 = [pair(true, 0.9), pair(true, 0.1, true), pair(false, 0.2), pair(false, 0.0)];
    const fold2 = [pair(true, 0.8), pair(true, 0.7), pair(false, 0.2), pair(false, 0.0)];
    const result = runLfwProtocol([fold1, fold2]);
    expect(result.folds.map((f) => f.accuracy)).toEqual([0.75, 1]);
    expect(result.meanAccuracy).toBe(0.875);
    expect(result.sd).toBeCloseTo(Math.sqrt(((0.75 - 0.875) ** 2 + (1 - 0.875) ** 2) / 1), 12);
    expect(result.withoutLabelErrors.pairsLeftOut).toBe(1);
    expect(result.withoutLabelErrors.folds[0]).toMatchObject({ pairs: 3, accuracy: 1 });
  });
});
