import { readFileSync } from 'node:fs';
import { facePath } from './shared-faces';

/** A photo of ../shared/faces as a data URL, the way a browser client would send it. */
export function photo(relative: string): string {
  const bytes = readFileSync(facePath(relative));
  const mime = relative.endsWith('.png') ? 'image/png' : 'image/jpeg';
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

export function photoBytes(relative: string): Buffer {
  return readFileSync(facePath(relative));
}

/** People with enough LFW photos to enrol with some and probe with others. */
export const PEOPLE = ['George_W_Bush', 'Tony_Blair', 'Colin_Powell', 'Donald_Rumsfeld', 'Gerhard_Schroeder', 'Ariel_Sharon', 'Hugo_Chavez', 'Jacques_Chirac'];
/** Never enrolled: strangers for "no match" tests. */
export const STRANGERS = ['Vladimir_Putin/001.jpg', 'Arnold_Schwarzenegger/001.jpg'];

/**
 * LFW photos in which a second face is at least half the size of the subject's: enrolment refuses them with
 * MULTIPLE_FACES (as it should), so tests that need a clean enrolment photo skip them.
 */
export const MULTI_FACE_PHOTOS = new Set([
  'Ariel_Sharon/004.jpg',
  'Arnold_Schwarzenegger/005.jpg',
  'Arnold_Schwarzenegger/007.jpg',
  'Colin_Powell/010.jpg',
  'Tony_Blair/001.jpg',
]);
