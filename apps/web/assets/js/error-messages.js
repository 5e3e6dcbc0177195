// @ts-check
/**
 * What to tell a person for every error code the API returns: what happened and what to do next. A unit test checks
 * that every code of the server's ERROR_STATUS table has an entry here.
 */
export const ERROR_MESSAGES = {
  VALIDATION_FAILED: 'Something in the form is not valid.',
  INVALID_IMAGE: 'The image could not be read. Try another photo (JPEG, PNG or WebP).',
  UNSUPPORTED_FORMAT: 'This image format is not supported. Use JPEG, PNG or WebP.',
  IMAGE_TOO_LARGE: 'The image is too large. Use a smaller photo.',
  PAYLOAD_TOO_LARGE: 'Too much data in one request. Send fewer or smaller photos.',
  HEADERS_TOO_LARGE: 'The request headers are too large. Clear the cookies of this site and try again.',
  UNSUPPORTED_MEDIA_TYPE: 'The page sent data the server does not accept. Reload the page.',
  NO_FACE: 'No face was found. Face the camera in good light.',
  MULTIPLE_FACES: 'More than one face is in the photo. Only the person should be in view.',
  FACE_TOO_SMALL: 'The face is too small. Move closer to the camera.',
  TOO_MANY_FACES: 'This person already has the most photos allowed. Remove one first.',
  LOW_QUALITY: 'The photo is not good enough (blurred, too dark or bright, or turned away). Face the camera in even light.',
  DUPLICATE_FACE: 'This face is already enrolled as someone else.',
  FACE_MISMATCH: 'These photos do not all show the same person. Use photos of one person only.',
  SPOOF_SUSPECTED: 'The face does not look live (a photo or a screen?). Use a real camera and try again.',
  LIVENESS_REQUIRED: 'This collection requires the liveness challenge, which needs the camera: start it and tick "Run the liveness challenge first".',
  LIVENESS_TOKEN_INVALID: 'The liveness result is not valid for this request. Run the challenge again.',
  LIVENESS_TOKEN_USED: 'The liveness result was already used. Run the challenge again.',
  LIVENESS_TOKEN_EXPIRED: 'The liveness result expired. Run the challenge again and capture right after.',
  LIVENESS_FACE_MISMATCH: 'The captured face is not the one that passed the liveness challenge.',
  LIVENESS_SESSION_NOT_FOUND: 'The liveness challenge was not found. Start it again.',
  LIVENESS_SESSION_EXPIRED: 'The liveness challenge took too long. Start it again and follow the prompts promptly.',
  LIVENESS_SESSION_CLOSED: 'The liveness challenge is already over. Start a new one.',
  LIVENESS_SESSION_BUSY: 'The liveness challenge is busy with another upload. Start it again.',
  LIVENESS_FACE_CHANGED: 'A different person appeared during the liveness challenge. Only one person may take part.',
  CHALLENGE_FAILED: 'The liveness challenge was not passed.',
  USER_NOT_FOUND: 'That person is not enrolled in this collection.',
  FACE_NOT_FOUND: 'That photo no longer exists.',
  COLLECTION_NOT_FOUND: 'This collection does not exist, or this key may not use it. Check the collection name.',
  NOT_FOUND: 'Not found.',
  DUPLICATE_EXTERNAL_ID: 'Someone with this external id is already enrolled. Use another id.',
  UNAUTHORIZED: 'The API key is not valid or has been revoked.',
  FORBIDDEN: 'This API key may not do this. Ask an administrator for a key with the right scope.',
  RATE_LIMITED: 'Too many requests. Wait a moment and try again.',
  LOCKED_OUT: 'Too many failed attempts for this person. Wait before trying again.',
  COLLECTION_EXISTS: 'A collection with this name already exists.',
  ENGINE_BUSY: 'The server is busy. Try again in a moment.',
  ENGINE_TIMEOUT: 'The server took too long. Try again.',
  ENGINE_FAILURE: 'The face engine failed on this image. Try another photo.',
  NOT_READY: 'The server is still starting. Try again in a few seconds.',
  INTERNAL_ERROR: 'The server failed unexpectedly. Try again; if it keeps failing, give the request id to an administrator.',
  // Not from the API: the browser could not reach it, or something answered without a problem document.
  NETWORK: 'The server cannot be reached. Check the connection.',
};

/** Why a liveness challenge failed (CHALLENGE_FAILED's `reason`), in words. */
const CHALLENGE_REASONS = {
  wrong_step: 'A movement was made out of order. Follow the prompts one at a time.',
  repeated_frame: 'The camera sent the same picture twice: is it frozen, or is it a still image?',
  incomplete: 'Not every movement was seen before the end.',
  too_many_frames: 'It took too many frames. Start again and follow the prompts promptly.',
  too_few_frames: 'The camera sent too few pictures of the face. Stay in view until it says passed.',
  stale_step: 'The page answered an old prompt. Start again.',
  step_timeout: 'A movement took too long. Start again and follow each prompt as it appears.',
  too_fast: 'A movement was answered before it could have been seen. Start again.',
  not_a_rigid_face: 'The face did not move like a real head. Use a live camera, not a picture.',
  edited_still: 'The pictures look like one photo that was edited, not a live camera.',
};

/** Which quality checks failed (LOW_QUALITY's `failedChecks`), in words. */
const CHECK_WORDS = {
  detectorScore: 'face not clear',
  sharpness: 'blurred',
  brightness: 'too dark or too bright',
  yaw: 'head turned sideways',
  pitch: 'head tilted up or down',
  roll: 'head tilted sideways',
  size: 'face too small',
};

/**
 * A problem document as one short message plus its code and request id.
 * @param {import('./api-client.js').Problem} problem
 * @returns {{ text: string, code: string, requestId?: string }}
 */
export function describeProblem(problem) {
  /** @type {Record<string, string>} */
  const messages = ERROR_MESSAGES;
  let text = messages[problem.code] ?? problem.detail ?? problem.title ?? 'Something went wrong.';
  if (problem.code === 'CHALLENGE_FAILED' && typeof problem.reason === 'string') {
    const reasons = /** @type {Record<string, string>} */ (CHALLENGE_REASONS);
    text += ' ' + (reasons[problem.reason] ?? '');
  }
  if (problem.code === 'LOW_QUALITY' && Array.isArray(problem.failedChecks)) text += ` (${checkWords(problem.failedChecks)})`;
  if (problem.code === 'VALIDATION_FAILED' && problem.detail) text += ` ${problem.detail}`;
  if (typeof problem.index === 'number') text = `Photo ${problem.index + 1}: ${text}`;
  return { text: text.trim(), code: problem.code, requestId: problem.requestId };
}

/** @param {unknown[]} checks */
export function checkWords(checks) {
  /** @type {Record<string, string>} */
  const words = CHECK_WORDS;
  return checks.map((c) => words[String(c)] ?? String(c)).join(', ');
}
