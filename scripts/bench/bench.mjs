#!/usr/bin/env node
/**
 * npm run bench [-- --quick] [-- --only engine,share,api,search,rerank,tiered,body,stream,replica,memory] [-- --million]
 * Runs the benchmarks one after another (they would compete for the same cores otherwise); each writes its own section
 * of BENCHMARKS.md, except in --quick mode, which CI runs once so that the scripts cannot rot.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const PARTS = {
  engine: ['npx', ['tsx', 'scripts/bench/engine.bench.ts']],
  // One request on two cores: the engine's workers sharing a face's liveness model, on and off, 1 and 8 callers.
  share: ['npx', ['tsx', 'scripts/bench/engine-share.bench.ts']],
  // Nest's decorators need emitted metadata, which tsx (esbuild) does not produce: the API bench runs under swc.
  api: [process.execPath, [...process.execArgv, '-r', '@swc-node/register', 'scripts/bench/api.bench.ts']],
  search: ['npx', ['tsx', 'scripts/bench/search.bench.ts']],
  // The product's search statement with every face of the candidates' people re-ranked, against the pool alone.
  rerank: ['npx', ['tsx', 'scripts/bench/rerank.bench.ts']],
  // Tiered search (binary or halfvec first pass, exact re-rank) at 1M, 5M and 10M faces: about an hour and 40 GB of disk.
  tiered: ['npx', ['tsx', 'scripts/bench/tiered.bench.ts']],
  // Request bodies against the real server; prints its section (written to BENCHMARKS.md only with --write).
  body: ['npx', ['tsx', 'scripts/bench/body.bench.ts']],
  // WebSocket streams against the real server: per-frame latency and drops with 1-16 streams.
  stream: ['npx', ['tsx', 'scripts/bench/stream.bench.ts']],
  // Read replicas against the machine's streaming standby (scripts/setup-replica.sh): routing, lag, read-your-writes.
  replica: ['node', ['-r', '@swc-node/register', 'scripts/bench/replica.bench.ts']],
  // The server's memory under load as npm start runs it (dist: needs npm run build), with and without the mmap setting.
  memory: ['npx', ['tsx', 'scripts/bench/memory.bench.ts']],
};

const args = process.argv.slice(2);
const only = valueOf('--only')?.split(',') ?? Object.keys(PARTS);
const unknown = only.filter((p) => !(p in PARTS));
if (unknown.length > 0) {
  console.error(`unknown part(s): ${unknown.join(', ')}; choose from ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
const million = args.includes('--million');
const passOn = args.filter((a, i) => a !== '--only' && args[i - 1] !== '--only' && a !== '--million');

// --million adds the million-face API run, in a process of its own (its memory figure must not include other stages).
const runs = only.flatMap((part) =>
  part === 'api' && million
    ? [
        [part, []],
        [part, ['--million']],
      ]
    : [[part, []]],
);
for (const [part, extra] of runs) {
  const [command, base] = PARTS[part];
  console.log(`\n=== bench: ${part} ${[...passOn, ...extra].join(' ')}`);
  const started = Date.now();
  // As in production: npm start's glibc settings (two malloc arenas, a fixed mmap threshold), unless already set.
  const env = { ...productionEnv(), ...process.env };
  const result = spawnSync(command, [...base, ...passOn, ...extra], { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`bench ${part} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  console.log(`=== bench: ${part} done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** The `NAME=${NAME:-value}` assignments of package.json's start:prod: the home of the API's process settings. */
function productionEnv() {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return Object.fromEntries([...pkg.scripts['start:prod'].matchAll(/(\w+)=\$\{\w+:-([^}]*)\}/g)].map((m) => [m[1], m[2]]));
}

function valueOf(flag) {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}
