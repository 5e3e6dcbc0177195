import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

/** Formats the face engine can decode (sharp); anything else in a person's folder is ignored, not rejected. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif', '.bmp']);

export interface PersonFolder {
  /** The sub-folder's name: the person's externalId. */
  folder: string;
  externalId: string;
  /** The folder name with "_" as spaces (LFW's convention: Tony_Blair -> Tony Blair). */
  name: string;
  /** Photo file names, sorted, relative to the person's folder. */
  photos: string[];
}

export interface FolderScan {
  people: PersonFolder[];
  /** Files directly in the root folder: not anyone's photos. */
  looseFiles: number;
}

/** One sub-folder per person, in name order (so progress and reports are stable between runs). Symlinks are followed. */
export function scanPersonFolders(root: string): FolderScan {
  const scan: FolderScan = { people: [], looseFiles: 0 };
  for (const entry of visibleEntries(root)) {
    const path = join(root, entry);
    if (!statSync(path).isDirectory()) {
      scan.looseFiles += 1;
      continue;
    }
    const photos = visibleEntries(path).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()) && statSync(join(path, f)).isFile());
    scan.people.push({ folder: entry, externalId: entry, name: entry.replace(/_+/g, ' ').trim() || entry, photos });
  }
  return scan;
}

function visibleEntries(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
