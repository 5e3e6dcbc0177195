import { spawn } from 'node:child_process';

/** What a finished command-line program gave back. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs this Node (with its flags, e.g. the V8 one npm test passes) on `args` to the end, collecting its output. */
export function runNodeToEnd(args: string[], options: { cwd: string; env: Record<string, string> }): Promise<Run> {
  const child = spawn(process.execPath, [...process.execArgv, ...args], options);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}
