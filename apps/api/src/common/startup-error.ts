/**
 * A condition the operator must fix before the service may start (a revoked bootstrap key...). main.ts prints its
 * message as one log line and exits non-zero, without a stack trace: the message says what to do.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
