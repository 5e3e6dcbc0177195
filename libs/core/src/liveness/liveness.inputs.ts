import type { ImageInput } from '../common/image-input';

export interface OpenSessionInput {
  collection?: string;
}

export interface SubmitFramesInput {
  frames: ImageInput[];
  stepNonce: string;
  final?: boolean;
}
