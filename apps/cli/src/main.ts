#!/usr/bin/env -S node --no-memory-protection-keys
import 'reflect-metadata';
import { runCli } from './cli';

/**
 * facegate's command-line tool: `facegate <command>` from the image or after `npm run build`, `npm run cli --
 * <command>` from the sources. Everything lives in cli.ts; this file only sets the exit code. The shebang passes V8
 * the flag the API starts with (README "Speed and scale"): its commands open the database in this process, the
 * embedded one when DATABASE_URL is unset, and V8 does not take the flag from NODE_OPTIONS; `env -S` splits it from
 * `node`, and the tools it runs (reindex, eval) inherit it through process.execArgv.
 */
runCli(process.argv.slice(2))
  .then((code) => finish(code))
  // runCli reports every error itself; this is the last resort, so a bug there exits 1 with a message rather than
  // as an unhandled rejection.
  .catch((error: unknown) => {
    process.stderr.write(`facegate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    finish(1);
  });

function finish(code: number): void {
  process.exitCode = code;
  // Everything is closed by now; should a stray handle keep the loop alive, do not hang a script for it.
  setTimeout(() => process.exit(code), 5000).unref();
}
