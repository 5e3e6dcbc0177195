import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaceEngine } from '../face-engine';
import { DEFAULT_MATCH_THRESHOLD } from '../face-engine.config';
import { facePath } from '../../../../test/shared-faces';
import { embedPhotos, EmbeddingTable, rowDot } from './embedding-table';
import { loadLfwDataset, LfwDataset } from './lfw-dataset';
import { evaluateLfw, LfwReport } from './lfw-evaluation';

/**
 * The View 2 protocol end to end on a made-up pairs.txt of two folds, over LFW photos of ../shared/faces laid out
 * as lfw.tgz unpacks (symbolic links in a temporary folder: the photos are never copied).
 */
const PEOPLE = [
  'Ariel_Sharon',
  'Arnold_Schwarzenegger',
  'Colin_Powell',
  'Donald_Rumsfeld',
  'George_W_Bush',
  'Gerhard_Schroeder',
  'Hugo_Chavez',
  'Jacques_Chirac',
  'Tony_Blair',
  'Vladimir_Putin',
];
const PAIRS = `2\t3
Ariel_Sharon\t1\t2
Colin_Powell\t1\t3
George_W_Bush\t2\t4
Ariel_Sharon\t1\tColin_Powell\t1
Donald_Rumsfeld\t2\tHugo_Chavez\t3
Tony_Blair\t1\tVladimir_Putin\t4
Arnold_Schwarzenegger\t1\t2
Jacques_Chirac\t2\t3
Vladimir_Putin\t1\t4
Gerhard_Schroeder\t1\tJacques_Chirac\t1
George_W_Bush\t3\tTony_Blair\t2
Arnold_Schwarzenegger\t4\tHugo_Chavez\t1
`;

describe('LFW evaluation on a two-fold pairs.txt', () => {
  let root: string;
  let data: LfwDataset;
  let table: EmbeddingTable;
  let report: LfwReport;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'facegate-lfw-'));
    for (const name of PEOPLE) {
      mkdirSync(join(root, 'lfw', name), { recursive: true });
      for (let n = 1; n <= 4; n++)
        symlinkSync(facePath(`${name}/${String(n).padStart(3, '0')}.jpg`), join(root, 'lfw', name, `${name}_${String(n).padStart(4, '0')}.jpg`));
    }
    writeFileSync(join(root, 'pairs.txt'), PAIRS);
    data = loadLfwDataset(root);
    const engine = await FaceEngine.create({ poolSize: 1 }, { logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
    try {
      table = await embedPhotos(
        engine,
        root,
        data.images.map((i) => i.file),
        { concurrency: 1 },
      );
    } finally {
      await engine.close();
    }
    report = evaluateLfw(data, table, { threshold: DEFAULT_MATCH_THRESHOLD }).report;
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const scoreOf = (a: string, b: string) => rowDot(table, table.files.indexOf(a), table.files.indexOf(b));
  const accuracyAt = (fold: number, t: number) => data.folds[fold].filter((p) => scoreOf(p.a, p.b) >= t === p.same).length / data.folds[fold].length;

  it('reads the official layout: 40 photos of 10 people, two folds of 6 pairs', () => {
    expect(data.images).toHaveLength(40);
    expect(data.folds.map((f) => f.length)).toEqual([6, 6]);
    expect(report.detected).toBe(40);
  });

  it('chooses each fold threshold on the other fold: no threshold classifies that fold better', () => {
    for (const [fold, other] of [
      [0, 1],
      [1, 0],
    ]) {
      const chosen = report.protocol.folds[fold];
      const candidates = data.folds[other].map((p) => scoreOf(p.a, p.b));
      const bestOnOther = Math.max(...candidates.map((t) => accuracyAt(other, t)), accuracyAt(other, Infinity));
      expect(chosen.trainAccuracy).toBeCloseTo(bestOnOther, 12);
      expect(accuracyAt(other, chosen.threshold)).toBeCloseTo(bestOnOther, 12);
      // The other fold separates: the threshold is the middle of its gap, between its lowest same-person score and its
      // highest different-person score, whatever this fold's own scores are.
      const same = data.folds[other].filter((p) => p.same).map((p) => scoreOf(p.a, p.b));
      const different = data.folds[other].filter((p) => !p.same).map((p) => scoreOf(p.a, p.b));
      expect(chosen.threshold).toBeCloseTo((Math.min(...same) + Math.max(...different)) / 2, 6);
    }
  });

  it('measures each fold at its threshold and reports the mean and standard deviation', () => {
    const accuracies = report.protocol.folds.map((f, k) => {
      expect(f.accuracy).toBeCloseTo(accuracyAt(k, f.threshold), 12);
      return f.accuracy;
    });
    const mean = (accuracies[0] + accuracies[1]) / 2;
    expect(report.protocol.meanAccuracy).toBeCloseTo(mean, 12);
    expect(report.protocol.sd).toBeCloseTo(Math.abs(accuracies[0] - accuracies[1]) / Math.SQRT2, 12);
    // These photos are easy: every pair right.
    expect(report.protocol.meanAccuracy).toBe(1);
  });

  it('scores all 780 pairs of the 40 photos against each other', () => {
    expect(report.allAgainstAll.genuinePairs).toBe(10 * 6);
    expect(report.allAgainstAll.impostorPairs).toBe((40 * 39) / 2 - 60);
    expect(report.allAgainstAll.rank1).toBe(1);
  });
});
