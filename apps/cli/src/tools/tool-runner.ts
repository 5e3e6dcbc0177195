import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/**
 * The repository's existing command-line programs, run as they are (npm run db:reindex, npm run eval), so the tool
 * adds a name for them rather than a second implementation. They live in the same tree as this file, from sources
 * (.ts, run with this process's loader flags) or from dist/ (.js).
 */
export const TOOLS = {
  reindex: join('libs', 'database', 'src', 'faces', 'reindex.cli'),
  eval: join('libs', 'face-engine', 'src', 'cli', 'eval.cli'),
} as const;

export function toolPath(tool: keyof typeof TOOLS, from = __dirname, extension = extname(__filename)): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, `${TOOLS[tool]}${extension}`);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${TOOLS[tool]}${extension} was not found above ${from}: is the build complete?`);
}

/**
 * Runs the tool with the same Node and loader flags, the terminal as its stdio and the same environment (it reads
 * DATABASE_URL / DATA_DIR itself, like npm run db:reindex); resolves to its exit code.
 */
export function runTool(tool: keyof typeof TOOLS, args: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, toolPath(tool), ...args], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
