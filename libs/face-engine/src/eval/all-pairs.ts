import { EmbeddingTable } from './embedding-table';
import { NO_FACE_SCORE } from './lfw-protocol';
import { sortScores, SortedScores } from './metrics';

export interface AllPairsResult {
  /** Every same-identity (genuine) and cross-identity (impostor) pair's similarity, sorted. */
  scores: SortedScores;
  /** Leave-one-out rank-1: each photo whose person has another photo with a face, against every other photo. */
  rank1: { correct: number; probes: number };
}

/**
 * Scores every pair of photos once, in bounded memory: one Float32Array per class sized from the identity counts
 * up front (29.6 million LFW impostor pairs: 118 MB), filled in a single pass, then sorted in place. A photo
 * without a face scores NO_FACE_SCORE against everything (rejected), as the service answers NO_FACE.
 * The best match of every photo is tracked in the same pass for rank-1.
 */
export function scoreAllPairs(table: EmbeddingTable, identities: readonly string[], onProgress?: (done: number, total: number) => void): AllPairsResult {
  const n = table.files.length;
  const id = identityIndex(identities);
  const { genuineCount, impostorCount } = pairCounts(id);
  const genuine = new Float32Array(genuineCount),
    impostor = new Float32Array(impostorCount);
  const bestScore = new Float32Array(n).fill(-Infinity),
    bestIndex = new Int32Array(n).fill(-1);
  const v = table.vectors,
    d = table.dimensions,
    face = table.hasFace;
  let g = 0,
    k = 0,
    done = 0;
  const total = (n * (n - 1)) / 2;
  for (let i = 0; i < n; i++) {
    const rowI = i * d;
    for (let j = i + 1; j < n; j++) {
      let s = NO_FACE_SCORE;
      if (face[i] && face[j]) {
        const rowJ = j * d;
        let dot = 0;
        for (let c = 0; c < d; c++) dot += v[rowI + c] * v[rowJ + c];
        s = dot;
        if (s > bestScore[i]) {
          bestScore[i] = s;
          bestIndex[i] = j;
        }
        if (s > bestScore[j]) {
          bestScore[j] = s;
          bestIndex[j] = i;
        }
      }
      if (id[i] === id[j]) genuine[g++] = s;
      else impostor[k++] = s;
    }
    done += n - 1 - i;
    if (onProgress && (i % 64 === 0 || i === n - 1)) onProgress(done, total);
  }
  return { scores: sortScores({ genuine, impostor }, { inPlace: true }), rank1: rankOne(id, face, bestIndex) };
}

function identityIndex(identities: readonly string[]): Int32Array {
  const ids = new Map<string, number>();
  return Int32Array.from(identities, (name) => {
    let value = ids.get(name);
    if (value === undefined) ids.set(name, (value = ids.size));
    return value;
  });
}

export function pairCounts(id: Int32Array): { genuineCount: number; impostorCount: number } {
  const perIdentity = new Map<number, number>();
  for (const x of id) perIdentity.set(x, (perIdentity.get(x) ?? 0) + 1);
  let genuineCount = 0;
  for (const m of perIdentity.values()) genuineCount += (m * (m - 1)) / 2;
  return { genuineCount, impostorCount: (id.length * (id.length - 1)) / 2 - genuineCount };
}

function rankOne(id: Int32Array, face: Uint8Array, bestIndex: Int32Array): AllPairsResult['rank1'] {
  const withFace = new Map<number, number>();
  for (let i = 0; i < id.length; i++) if (face[i]) withFace.set(id[i], (withFace.get(id[i]) ?? 0) + 1);
  let probes = 0,
    correct = 0;
  for (let i = 0; i < id.length; i++) {
    if (!face[i] || (withFace.get(id[i]) ?? 0) < 2) continue;
    probes++;
    if (bestIndex[i] >= 0 && id[bestIndex[i]] === id[i]) correct++;
  }
  return { correct, probes };
}
