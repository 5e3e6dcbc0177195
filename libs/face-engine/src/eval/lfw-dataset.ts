import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Labeled Faces in the Wild in its official layout: `lfw/<Name>/<Name>_<nnnn>.jpg` (as lfw.tgz unpacks) and the
 * View 2 `pairs.txt` beside it. The folder given may hold `lfw/` and `pairs.txt`, or the name folders and
 * `pairs.txt` directly.
 */
export interface LfwDataset {
  root: string;
  /** Every image of the image folder, path relative to root, sorted; the all-against-all set. */
  images: Array<{ file: string; identity: string }>;
  /** View 2: folds of pairs, each pair naming two image files (relative to root). */
  folds: LfwPair[][];
}

export interface LfwPair {
  a: string;
  b: string;
  same: boolean;
}

export function loadLfwDataset(root: string): LfwDataset {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`No LFW folder at ${root}`);
  const pairsFile = join(root, 'pairs.txt');
  if (!existsSync(pairsFile)) throw new Error(`No pairs.txt in ${root} (download it from the LFW website beside lfw/)`);
  const imageDir = existsSync(join(root, 'lfw')) ? join(root, 'lfw') : root;
  const prefix = relative(root, imageDir);
  const fileOf = (name: string, n: number) => join(prefix, name, `${name}_${String(n).padStart(4, '0')}.jpg`);
  const folds = parseLfwPairs(readFileSync(pairsFile, 'utf8'), fileOf);
  const images = listImages(imageDir, prefix);
  const known = new Set(images.map((i) => i.file));
  const absent = folds
    .flat()
    .flatMap((p) => [p.a, p.b])
    .filter((f) => !known.has(f));
  if (absent.length > 0) throw new Error(`pairs.txt names ${absent.length} images that are not in ${imageDir}, e.g. ${absent[0]}`);
  return { root, images, folds };
}

function listImages(imageDir: string, prefix: string): LfwDataset['images'] {
  return readdirSync(imageDir)
    .filter((d) => !d.startsWith('.') && statSync(join(imageDir, d)).isDirectory())
    .sort()
    .flatMap((identity) =>
      readdirSync(join(imageDir, identity))
        .filter((f) => /\.jpe?g$/i.test(f))
        .sort()
        .map((f) => ({ file: join(prefix, identity, f), identity })),
    );
}

/**
 * Parses View 2's pairs.txt: a first line `<folds> <pairs>`, then per fold <pairs> same-person lines
 * `Name n1 n2` followed by <pairs> different-person lines `Name1 n1 Name2 n2` (tab- or space-separated).
 */
export function parseLfwPairs(text: string, fileOf: (name: string, n: number) => string): LfwPair[][] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(/\s+/).map(Number);
  const [foldCount, perClass] = header;
  if (header.length !== 2 || !Number.isInteger(foldCount) || !Number.isInteger(perClass) || foldCount < 2 || perClass < 1) {
    throw new Error(`pairs.txt: the first line must be "<folds> <pairs per class>", got "${lines[0] ?? ''}"`);
  }
  if (lines.length - 1 !== foldCount * perClass * 2) {
    throw new Error(`pairs.txt: expected ${foldCount} folds x ${2 * perClass} pairs = ${foldCount * perClass * 2} lines, got ${lines.length - 1}`);
  }
  const folds: LfwPair[][] = [];
  for (let f = 0; f < foldCount; f++) {
    const fold: LfwPair[] = [];
    for (let i = 0; i < 2 * perClass; i++) {
      const lineNo = 2 + f * 2 * perClass + i;
      fold.push(parsePairLine(lines[lineNo - 1], i < perClass, lineNo, fileOf));
    }
    folds.push(fold);
  }
  return folds;
}

function parsePairLine(line: string, same: boolean, lineNo: number, fileOf: (name: string, n: number) => string): LfwPair {
  const parts = line.split(/\s+/);
  const index = (s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`pairs.txt line ${lineNo}: "${s}" is not an image number`);
    return n;
  };
  if (same && parts.length === 3) return { a: fileOf(parts[0], index(parts[1])), b: fileOf(parts[0], index(parts[2])), same };
  if (!same && parts.length === 4) return { a: fileOf(parts[0], index(parts[1])), b: fileOf(parts[2], index(parts[3])), same };
  throw new Error(
    `pairs.txt line ${lineNo}: expected a ${same ? 'same-person line "Name n1 n2"' : 'different-person line "Name1 n1 Name2 n2"'}, got "${line}"`,
  );
}

/**
 * Same-person pairs of View 2 that show two different people, from the LFW website's errata. Papers score them as
 * labelled; the evaluation reports accuracy as labelled and, separately, without them.
 */
export const LFW_LABEL_ERRORS: ReadonlyArray<readonly [name: string, n1: number, n2: number]> = [
  ['Janica_Kostelic', 1, 2],
  ['Nora_Bendijo', 1, 2],
  ['Martha_Bowen', 1, 2],
  ['Jim_OBrien', 1, 2],
  ['Jim_OBrien', 1, 3],
  ['Elisabeth_Schumacher', 1, 2],
  ['Debra_Messing', 1, 2],
];

/** Whether a same-person pair is one of the known label errors (matched on the image files' names). */
export function isKnownLabelError(pair: LfwPair): boolean {
  if (!pair.same) return false;
  const base = (f: string) => f.split('/').pop() ?? f;
  const names = new Set([base(pair.a), base(pair.b)]);
  return LFW_LABEL_ERRORS.some(
    ([name, n1, n2]) => names.has(`${name}_${String(n1).padStart(4, '0')}.jpg`) && names.has(`${name}_${String(n2).padStart(4, '0')}.jpg`),
  );
}
