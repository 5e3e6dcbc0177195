/**
 * Every stable error code the product emits, with the HTTP status it maps to.
 * Codes are part of the public API: never rename one, only add.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_IMAGE: 400,
  UNSUPPORTED_FORMAT: 400,
  IMAGE_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NO_FACE: 422,
  MULTIPLE_FACES: 422,
  FACE_TOO_SMALL: 422,
  TOO_MANY_FACES: 422,
  LOW_QUALITY: 422,
  DUPLICATE_FACE: 409,
  SPOOF_SUSPECTED: 403,
  USER_NOT_FOUND: 404,
  FACE_NOT_FOUND: 404,
  COLLECTION_NOT_FOUND: 404,
  NOT_FOUND: 404,
  DUPLICATE_EXTERNAL_ID: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  LOCKED_OUT: 423,
  COLLECTION_EXISTS: 409,
  ENGINE_BUSY: 503,
  ENGINE_TIMEOUT: 503,
  ENGINE_FAILURE: 503,
  NOT_READY: 503,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The request is not valid',
  INVALID_IMAGE: 'The image cannot be decoded',
  UNSUPPORTED_FORMAT: 'The image format is not supported',
  IMAGE_TOO_LARGE: 'The image is too large',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'The content type is not supported',
  NO_FACE: 'No face was found',
  MULTIPLE_FACES: 'More than one face was found',
  FACE_TOO_SMALL: 'The face is too small',
  TOO_MANY_FACES: 'The user has too many enrolled faces',
  LOW_QUALITY: 'The face fails the quality checks',
  DUPLICATE_FACE: 'The face is already enrolled for another person',
  SPOOF_SUSPECTED: 'The face does not look live',
  USER_NOT_FOUND: 'The user does not exist',
  FACE_NOT_FOUND: 'The face does not exist',
  COLLECTION_NOT_FOUND: 'The collection does not exist',
  NOT_FOUND: 'The resource does not exist',
  DUPLICATE_EXTERNAL_ID: 'The external id is already enrolled',
  UNAUTHORIZED: 'A valid API key is required',
  FORBIDDEN: 'The API key may not do this',
  RATE_LIMITED: 'Too many requests',
  LOCKED_OUT: 'Verification of this person is temporarily locked',
  COLLECTION_EXISTS: 'The collection already exists',
  ENGINE_BUSY: 'The face engine is busy',
  ENGINE_TIMEOUT: 'The face engine took too long',
  ENGINE_FAILURE: 'The face engine failed',
  NOT_READY: 'The service is not ready',
  INTERNAL_ERROR: 'Internal error',
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, value);
}
