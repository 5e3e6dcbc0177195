import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A labelled photo folder laid out like ../shared/faces: one folder per identity, plus optional `groups/`
 * (with expected_faces.json), `noface/`, `live/`, `spoof/` and `pairs.json`.
 */
export interface FaceDataset {
  root: string;
  /** Identity photos, path relative to root. */
  identities: Array<{ file: string; identity: string }>;
  /** Genuine pairs (same identity). Impostor pairs are every cross-identity pair. */
  genuinePairs: Array<{ a: string; b: string }>;
  groups: Array<{ file: string; min: number; max: number | null }>;
  noface: string[];
  live: string[];
  spoof: string[];
  /** Capture kind of live/spoof photos from manifest.json when present (full_frame, video_frame, face_crop). */
  kinds: Map<string, string>;
}

const SPECIAL = new Set(['groups', 'noface', 'live', 'spoof']);
const IMAGE = /\.(jpe?g|png|webp)$/i;

export function loadFaceDataset(root: string): FaceDataset {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`No dataset folder at ${root}`);
  const identities = readdirSync(root)
    .filter((d) => !SPECIAL.has(d) && !d.startsWith('.') && statSync(join(root, d)).isDirectory())
    .sort()
    .flatMap((identity) => imagesIn(root, identity).map((file) => ({ file, identity })));
  return {
    root,
    identities,
    genuinePairs: loadGenuinePairs(root, identities),
    groups: loadGroups(root),
    noface: imagesIn(root, 'noface'),
    live: imagesIn(root, 'live'),
    spoof: imagesIn(root, 'spoof'),
    kinds: loadKinds(root),
  };
}

function loadKinds(root: string): Map<string, string> {
  const file = join(root, 'manifest.json');
  if (!existsSync(file)) return new Map();
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { files?: Array<{ file: string; kind?: string }> };
  return new Map((parsed.files ?? []).filter((f) => f.kind).map((f) => [f.file, f.kind as string]));
}

function imagesIn(root: string, folder: string): string[] {
  const dir = join(root, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => IMAGE.test(f))
    .sort()
    .map((f) => `${folder}/${f}`);
}

// pairs.json leaves out pairs of the same photo at two resolutions; without it, every within-identity pair counts.
function loadGenuinePairs(root: string, identities: FaceDataset['identities']): FaceDataset['genuinePairs'] {
  const file = join(root, 'pairs.json');
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { genuine?: Array<{ a: string; b: string }> };
    if (Array.isArray(parsed.genuine)) return parsed.genuine.map(({ a, b }) => ({ a, b }));
  }
  const pairs: FaceDataset['genuinePairs'] = [];
  for (let i = 0; i < identities.length; i++) {
    for (let j = i + 1; j < identities.length; j++) {
      if (identities[i].identity === identities[j].identity) pairs.push({ a: identities[i].file, b: identities[j].file });
    }
  }
  return pairs;
}

function loadGroups(root: string): FaceDataset['groups'] {
  const file = join(root, 'groups', 'expected_faces.json');
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    images: Array<{ file: string; faces: number | null; min_faces?: number; max_faces?: number | null }>;
  };
  return parsed.images.map((g) => ({
    file: g.file,
    min: g.min_faces ?? g.faces ?? 0,
    max: g.max_faces === undefined ? g.faces : g.max_faces,
  }));
}
