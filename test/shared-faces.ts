import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The labelled photos live beside the repository (../shared/faces) and are never copied into it. */
export const FACES_DIR = resolve(__dirname, '..', '..', 'shared', 'faces');

export function facePath(relative: string): string {
  return join(FACES_DIR, relative);
}

if (!existsSync(FACES_DIR)) {
  throw new Error(`The test photos are expected at ${FACES_DIR} (../shared/faces next to the repository).`);
}
