import type { ImageInput } from '../common/image-input';

export interface VerifyInput {
  userId?: string;
  externalId?: string;
  collection?: string;
  image: ImageInput;
  threshold?: number;
  livenessToken?: string;
}

export interface RecognizeInput {
  image: ImageInput;
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
