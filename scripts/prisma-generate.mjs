#!/usr/bin/env node
// Runs `prisma generate` without network access.
//
// Prisma 7's CLI downloads its native schema engine before almost every command, even `generate`, which does not use
// it (generation runs on the bundled WebAssembly). Pointing PRISMA_SCHEMA_ENGINE_BINARY at any executable that answers
// `--version` skips the download. A caller's own PRISMA_SCHEMA_ENGINE_BINARY is respected.
// Plain Node ESM, no dependencies: it runs from `postinstall`.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schema = join(root, 'prisma', 'schema.prisma');

function fail(message) {
  console.error(`[prisma-generate] ${message}`);
  process.exit(1);
}

const generatedClient = join(root, 'libs', 'database', 'src', 'generated', 'prisma', 'client.ts');

function resolveCli() {
  try {
    return createRequire(join(root, 'package.json')).resolve('prisma/build/index.js');
  } catch {
    // A production install (--omit=dev) has no CLI; the client generated at build time is all it needs.
    if (existsSync(generatedClient)) {
      console.log('[prisma-generate] prisma CLI not installed; keeping the existing generated client.');
      process.exit(0);
    }
    return fail('the prisma CLI is not installed (devDependency "prisma"); run npm install first.');
  }
}

// A stand-in for the schema engine: generate only asks it for its version.
function writeEngineStub(dir) {
  const windows = process.platform === 'win32';
  const file = join(dir, windows ? 'schema-engine.cmd' : 'schema-engine');
  const body = windows ? '@echo schema-engine-cli 0.0.0\r\n' : '#!/bin/sh\necho "schema-engine-cli 0.0.0"\n';
  writeFileSync(file, body);
  chmodSync(file, 0o755);
  return file;
}

function generate(cli, engine) {
  const env = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: engine,
    // Offline: no update check, no telemetry request.
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  return spawnSync(process.execPath, [cli, 'generate', '--schema', schema], { cwd: root, env, stdio: 'inherit' });
}

// Returns an error message, or undefined on success.
function run(cli, stubDir) {
  const engine = process.env.PRISMA_SCHEMA_ENGINE_BINARY || writeEngineStub(stubDir);
  const result = generate(cli, engine);
  if (result.error) return `could not start the prisma CLI: ${result.error.message}`;
  if (result.status === 0) return undefined;
  return (
    `prisma generate failed (exit ${result.status ?? result.signal}); see the output above. ` +
    'The client in libs/database/src/generated/prisma is missing or stale.'
  );
}

function main() {
  const cli = resolveCli();
  const stubDir = mkdtempSync(join(tmpdir(), 'prisma-engine-stub-'));
  let error;
  try {
    error = run(cli, stubDir);
  } finally {
    rmSync(stubDir, { recursive: true, force: true });
  }
  if (error) fail(error);
}

main();
