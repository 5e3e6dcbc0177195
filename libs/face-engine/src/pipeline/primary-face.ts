import { boxArea, containsPoint } from '../geometry/box';
import { Box } from '../geometry/geometry.types';

/**
 * The face a photo is "about": the largest face containing the image centre, else the largest face.
 * LFW-style photos often hold a second person near the border; the subject is the one in the middle.
 */
export function selectPrimaryFace(boxes: readonly Box[], width: number, height: number): number {
  let best = -1;
  let bestCentred = -1;
  for (let i = 0; i < boxes.length; i++) {
    if (best < 0 || boxArea(boxes[i]) > boxArea(boxes[best])) best = i;
    if (containsPoint(boxes[i], width / 2, height / 2) && (bestCentred < 0 || boxArea(boxes[i]) > boxArea(boxes[bestCentred]))) {
      bestCentred = i;
    }
  }
  return bestCentred >= 0 ? bestCentred : best;
}
