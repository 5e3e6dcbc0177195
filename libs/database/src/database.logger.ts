/** The logging surface the library needs; NestJS's `Logger` satisfies it. */
export interface DatabaseLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** Default for callers that pass no logger: library code never writes to the console on its own. */
export const silentLogger: DatabaseLogger = {
  log: () => undefined,
  warn: () => undefined,
};
