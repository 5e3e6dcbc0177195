import type { ImageInput } from '../common/image-input';

export interface VerifyInput {
  userId?: string;
  externalId?: string;
  collection?: string;
  /** The probe: a photo, or (admin only) a stored face's id. */
  image?: ImageInput;
  faceId?: string;
  threshold?: number;
  livenessToken?: string;
}

export interface RecognizeInput {
  /** The probe: a photo, or (admin only) a stored face's id. */
  image?: ImageInput;
  faceId?: string;
  collection?: string;
  threshold?: number;
  livenessToken?: string;
  all?: boolean;
  topK?: number;
}

export interface CompareInput {
  collection?: string;
  imageA: ImageInput;
  imageB: ImageInput;
}
