#!/usr/bin/env node
/**
 * Proves what docker/Dockerfile builds, on a machine without Docker: replays the Dockerfile's build stage in a clean
 * folder (its ENV, COPY from the context filtered by docker/Dockerfile.dockerignore, and RUN steps, in order), lays
 * out the runtime stage's files (its COPY --from=build lines) in a second folder, starts that tree with the runtime
 * stage's ENV and CMD, and checks `/health/ready` and one `POST /detect`. The steps are read from the Dockerfile
 * itself, so this check cannot drift from it.
 *
 * What it cannot replay: the base image (this machine's Node and Debian stand in for node:24-bookworm-slim; CI puts
 * Node 24 first on PATH), the runtime stage's RUN (a symlink into /usr/local/bin and /data's owner) and USER.
 * `npm cache clean --force` is skipped: it would empty this machine's npm cache, not an image layer's.
 *
 * Run: node scripts/check-image-tree.mjs [--keep]   (from the repository root; ../shared/faces for the photo)
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const DOCKERFILE = join(ROOT, 'docker/Dockerfile');
const PHOTO = resolve(ROOT, '../shared/faces/Colin_Powell/001.jpg');
const READY_TIMEOUT_MS = 180_000;
const keep = process.argv.includes('--keep');

/** The Dockerfile as instructions: continuation lines joined, comments dropped, split into stages. */
function readStages(text) {
  const lines = [];
  let current = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    if (current.trim()) lines.push(current.trim());
    current = '';
  }
  const stages = [];
  for (const line of lines) {
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!op) continue;
    if (op.toUpperCase() === 'FROM') stages.push({ from: rest, steps: [] });
    else stages.at(-1)?.steps.push({ op: op.toUpperCase(), args: rest });
  }
  return stages;
}

/** docker/Dockerfile.dockerignore as root-anchored matchers (the subset of the syntax the file uses). */
function readIgnore(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((pattern) => {
      const body = pattern
        .replace(/[.+^${}()|[\]]/g, '\\$&')
        .replace(/\*\*\//g, '\u0000')
        .replace(/\*/g, '[^/]*')
        .replace(/\u0000/g, '(?:.*/)?');
      return new RegExp(`^${body}(?:/.*)?$`);
    });
}

function copyFromContext(sources, dest, workdir, ignore) {
  const target = resolve(workdir, dest);
  for (const source of sources) {
    const from = join(ROOT, source);
    const into = dest.endsWith('/') || sources.length > 1 ? join(target, source.split('/').pop()) : target;
    copyFiltered(from, into, ignore);
  }
}

function copyFiltered(from, into, ignore) {
  const rel = relative(ROOT, from);
  if (ignore.some((re) => re.test(rel))) return;
  if (statSync(from).isDirectory()) {
    mkdirSync(into, { recursive: true });
    for (const name of readdirSync(from)) copyFiltered(join(from, name), join(into, name), ignore);
  } else {
    mkdirSync(dirname(into), { recursive: true });
    cpSync(from, into);
  }
}

function parseEnv(args) {
  // ENV A=1 B=2 (the form the Dockerfile uses)
  return Object.fromEntries(args.split(/\s+/).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
}

function run(command, cwd, env) {
  const script = command.replace(/&& npm cache clean --force/g, '');
  console.log(`[image-tree] RUN ${script.slice(0, 140)}${script.length > 140 ? '…' : ''}`);
  const result = spawnSync('bash', ['-eo', 'pipefail', '-c', script], { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`RUN failed (exit ${result.status}): ${script}`);
}

async function freePort() {
  return new Promise((res, rej) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
    server.on('error', rej);
  });
}

async function waitReady(base, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${base}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`/health/ready did not answer 200 within ${READY_TIMEOUT_MS / 1000} s`);
}

async function main() {
  const [build, runtime] = readStages(readFileSync(DOCKERFILE, 'utf8'));
  if (!build || !runtime) throw new Error('docker/Dockerfile: expected a build stage and a runtime stage');
  const ignore = readIgnore(join(ROOT, 'docker/Dockerfile.dockerignore'));
  const scratch = mkdtempSync(join(tmpdir(), 'facegate-image-'));
  const buildDir = join(scratch, 'build');
  const appDir = join(scratch, 'app');
  mkdirSync(buildDir);
  mkdirSync(appDir);
  let child;
  try {
    const env = { ...process.env };
    delete env.DATABASE_URL; // the image's default: the embedded database under DATA_DIR
    console.log(`[image-tree] build stage (${build.from}) in ${buildDir}`);
    for (const { op, args } of build.steps) {
      if (op === 'WORKDIR')
        continue; // /app is buildDir
      else if (op === 'ENV') Object.assign(env, parseEnv(args));
      else if (op === 'COPY') {
        const parts = args.split(/\s+/);
        copyFromContext(parts.slice(0, -1), parts.at(-1), buildDir, ignore);
      } else if (op === 'RUN') run(args, buildDir, env);
      else throw new Error(`build stage: ${op} is not replayed by this check`);
    }
    const runEnv = { ...process.env };
    delete runEnv.DATABASE_URL;
    let cmd;
    for (const { op, args } of runtime.steps) {
      if (op === 'COPY') {
        const m = /^--from=build\s+(\S+)\s+(\S+)$/.exec(args);
        if (!m) throw new Error(`runtime stage: unexpected COPY ${args}`);
        const from = join(buildDir, relative('/app', m[1]));
        const into = m[2].endsWith('/') ? join(appDir, m[2], m[1].split('/').pop()) : join(appDir, m[2]);
        cpSync(from, into, { recursive: true });
      } else if (op === 'ENV') Object.assign(runEnv, parseEnv(args));
      else if (op === 'CMD') cmd = JSON.parse(args);
    }
    if (!cmd) throw new Error('runtime stage: no CMD');
    const port = await freePort();
    const key = `fg_image_${randomBytes(12).toString('hex')}`;
    Object.assign(runEnv, { PORT: String(port), DATA_DIR: join(scratch, 'data'), FACEGATE_API_KEY: key });
    const base = `http://127.0.0.1:${port}`;
    console.log(`[image-tree] runtime stage: ${cmd.join(' ')} in ${appDir} on port ${port}`);
    child = spawn(cmd[0], cmd.slice(1), { cwd: appDir, env: runEnv, stdio: ['ignore', 'inherit', 'inherit'] });
    await waitReady(base, child);
    const form = new FormData();
    form.append('file', new Blob([readFileSync(PHOTO)], { type: 'image/jpeg' }), 'face.jpg');
    const res = await fetch(`${base}/detect`, { method: 'POST', headers: { 'X-API-Key': key }, body: form });
    const body = await res.json();
    if (res.status !== 200 || !Array.isArray(body.faces) || body.faces.length !== 1) {
      throw new Error(`/detect answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    }
    console.log(`[image-tree] OK: /health/ready 200, /detect found ${body.faces.length} face (score ${body.faces[0].score})`);
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    if (keep) console.log(`[image-tree] kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`[image-tree] FAILED: ${error.message}`);
  process.exit(1);
});
