import { ChildProcess, spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { AddressInfo, createServer, connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { checkResponse, useCommittedDocument } from './openapi-responses';

// The real server as a child process (main.ts, as `npm start` runs it), for tests of what only the process shows:
// its log lines, its signal handling, its exit code.
const ROOT = join(__dirname, '..');

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request, by default on a connection of its own (no agent: the client itself then asks for `Connection: close`).
 * With a keep-alive agent the client asks to keep the connection, so a `Connection: close` answer is the server's.
 */
export function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
  agent: Agent | false = false,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...headers, ...(body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const reply = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
          // Every answer is checked against the API document, as the in-process suites' are (test/openapi-responses.ts).
          useCommittedDocument();
          const mismatch = checkResponse(method, path, reply.status, String(res.headers['content-type'] ?? ''), reply.body);
          if (mismatch) reject(new Error(`RESPONSE_SCHEMA_MISMATCH ${mismatch}`));
          else resolve(reply);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

export class ServerProcess {
  readonly lines: string[] = [];
  /** What the process wrote to stderr (a crash's stack trace would land here). */
  readonly errorLines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => !(w.test(line) && (w.resolve(line), true)));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => this.errorLines.push(line));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(env: Record<string, string>): ServerProcess {
    // The test process's own Node flags (npm test's --no-memory-protection-keys) hold for the server too.
    const child = spawn(process.execPath, [...process.execArgv, '-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      cwd: ROOT,
      // As in e2e-app.ts: photo search unless a suite asks for the sign-in default.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', FACEGATE_COLLECTION_PURPOSE: 'photo_search', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServerProcess(child);
  }

  /** The first log line (past or future) that passes `test`. */
  waitFor(test: (line: string) => boolean): Promise<string> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}
