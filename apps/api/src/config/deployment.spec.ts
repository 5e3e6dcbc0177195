/**
 * The deployment files cannot be run here (no Docker engine), so their wiring is checked against the code: compose
 * services and dependencies exist, the API is given only variables the configuration reads, ports match, volumes and
 * mounted files exist, signals reach Node and docker stop waits for the drain, every Dockerfile COPY source exists and
 * is not filtered out of the build context, postinstall has its inputs, ENV names are configuration the schema reads,
 * and the health check probes a real public route.
 */
import 'reflect-metadata';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { configVariables, hardShutdownDeadline, isPublicHealthRoute } from '../../../../test/deployment-checks';
import { loadConfig } from '@facegate/core';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const DOCKERFILES = readdirSync(join(ROOT, 'docker')).filter((f) => /^Dockerfile(\.[a-z0-9]+)?$/.test(f) && !f.endsWith('.dockerignore'));

interface ComposeService {
  image?: string;
  init?: boolean;
  stop_grace_period?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown> | string[];
  profiles?: string[];
  command?: string[];
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};

/** "8000:8000", "${FACEGATE_PORT:-8000}:8000", "127.0.0.1:8000:8000/tcp" -> 8000 (the container side). */
function containerPort(mapping: string): number {
  return Number(
    mapping
      .replace(/\$\{[^}]*\}/g, 'X')
      .split(':')
      .pop()!
      .split('/')[0],
  );
}

/**
 * The .dockerignore rules the files here use: `*` and `?` within a path segment, `**` across segments, `!` to
 * re-include (the last matching rule wins), and a rule matching a folder excludes everything in it.
 */
function dockerIgnored(file: string): (path: string) => boolean {
  const rules = readFileSync(join(ROOT, 'docker', `${file}.dockerignore`), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ include: l.startsWith('!'), pattern: globRegExp(l.replace(/^!/, '')) }));
  return (path) => {
    const parts = path.replace(/^\.\//, '').replace(/\/$/, '').split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) if (prefixes.some((p) => rule.pattern.test(p))) ignored = !rule.include;
    return ignored;
  };
}

function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/^\/+|\/+$/g, '')
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((token) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[token] ?? token.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
    .join('');
  return new RegExp(`^${body}$`);
}

/** COPY sources (no --from): the paths taken from the build context. */
function contextSources(line: string): string[] {
  return line
    .split(/\s+/)
    .slice(1)
    .filter((a) => !a.startsWith('--'))
    .slice(0, -1);
}

/** True when `path` is `source` or inside it (a folder COPY). */
function covers(source: string, path: string): boolean {
  const s = source.replace(/\/$/, '');
  return path === s || path.startsWith(`${s}/`);
}

/** `ENV A=1 B=2` and `ENV A 1` -> their names. */
function envNames(line: string): string[] {
  const rest = line.replace(/^ENV\s+/, '');
  return rest.includes('=') ? [...rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]) : [rest.split(/\s+/)[0]];
}

/** The build stage: from its FROM up to the next FROM. */
function stage(instructions: string[], name: string): string[] {
  const start = instructions.findIndex((l) => new RegExp(`^FROM\\s.*\\sAS\\s+${name}$`, 'i').test(l));
  const end = instructions.findIndex((l, i) => i > start && /^FROM\s/i.test(l));
  return instructions.slice(start, end === -1 ? undefined : end);
}

function seconds(duration: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!m || duration === '') throw new Error(`unreadable duration "${duration}"`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

function dockerInstructions(file: string): string[] {
  // Continuation lines joined, comments dropped.
  return readFileSync(join(ROOT, 'docker', file), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('names only services that exist, in depends_on too', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['api', 'db']));
    for (const service of Object.values(services)) {
      const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(Object.keys(services)).toContain(dep);
    }
  });

  it('uses pgvector for PostgreSQL and keeps Redis optional behind a profile', () => {
    expect(services.db.image).toMatch(/^pgvector\/pgvector:/);
    expect(services.redis.profiles).toEqual(['redis']);
    expect((services.api.depends_on as Record<string, { required?: boolean }>).redis.required).toBe(false);
  });

  it('sizes the shared_buffers of PostgreSQL from a documented setting (the vector index should fit in them)', () => {
    // The official image's entrypoint runs a command that starts with "postgres" as the server, with these flags.
    const command = services.db.command ?? [];
    expect(command[0]).toBe('postgres');
    const flag = command.find((part) => part.startsWith('shared_buffers='));
    const setting = /^shared_buffers=\$\{(\w+):-(\d+[kMG]B)\}$/.exec(flag ?? '');
    expect(setting).not.toBeNull();
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`\`${setting![1]}\` (${setting![2]} by`);
  });

  it('gives the API only variables the configuration reads', () => {
    const known = configVariables();
    expect(known.has('DATABASE_URL')).toBe(true);
    for (const name of Object.keys(services.api.environment ?? {})) expect([name, known.has(name)]).toEqual([name, true]);
  });

  it('maps the port the API listens on by default', () => {
    const port = loadConfig({}).port;
    for (const service of Object.values(services).filter((s) => s.build)) {
      expect(service.ports?.length).toBeGreaterThan(0);
      for (const mapping of service.ports ?? []) expect(containerPort(mapping)).toBe(port);
    }
  });

  it('declares every named volume and mounts only files that exist', () => {
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.') || source.startsWith('/')) expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
        else expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    }
  });

  it('forwards signals to Node (an init as PID 1) and lets docker stop wait longer than the API drains', () => {
    expect(services.api.init).toBe(true);
    expect(seconds(services.api.stop_grace_period ?? '10s')).toBeGreaterThan(hardShutdownDeadline());
  });

  it('builds from Dockerfiles that exist', () => {
    for (const service of Object.values(services).filter((s) => s.build))
      expect(existsSync(join(ROOT, service.build!.context, service.build!.dockerfile))).toBe(true);
  });
});

describe.each(DOCKERFILES)('docker/%s', (file) => {
  const instructions = dockerInstructions(file);

  it('copies only files that exist in the repository', () => {
    const copies = instructions.filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l));
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) {
      const args = line
        .split(/\s+/)
        .slice(1)
        .filter((a) => !a.startsWith('--'));
      for (const source of args.slice(0, -1)) expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
    }
  });

  it('copies from the build stage only what the build produces or the repository has', () => {
    const fromBuild = instructions.filter((l) => /--from=build/.test(l)).map((l) => l.split(/\s+/)[2].replace(/^\/app\//, ''));
    const build = stage(instructions, 'build');
    // What the build stage has: what it copies from the context (which must not be filtered out of it), node_modules
    // from npm ci, and the apps' outDir from npm run build.
    const copied = build
      .filter((l) => /^COPY\s/i.test(l))
      .flatMap((l) => {
        const args = l
          .split(/\s+/)
          .slice(1)
          .filter((a) => !a.startsWith('--'));
        const dest = args[args.length - 1];
        return dest === './' ? args.slice(0, -1) : [dest.replace(/\/$/, '')];
      });
    const made: string[] = [];
    if (build.some((l) => /^RUN\s.*npm (ci|install)\b/.test(l))) made.push('node_modules');
    if (build.some((l) => /^RUN\s.*npm run build\b/.test(l))) {
      for (const app of ['api', 'cli']) {
        const outDir = (JSON.parse(readFileSync(join(ROOT, 'apps', app, 'tsconfig.app.json'), 'utf8')) as { compilerOptions: { outDir: string } })
          .compilerOptions.outDir;
        made.push(relative(ROOT, resolve(ROOT, 'apps', app, outDir)));
      }
    }
    const ignored = dockerIgnored(file);
    for (const source of fromBuild) {
      const present = made.some((p) => covers(p, source)) || (copied.some((p) => covers(p, source)) && existsSync(join(ROOT, source)) && !ignored(source));
      expect([source, present]).toEqual([source, true]);
    }
    expect(fromBuild).toEqual(expect.arrayContaining(['dist', 'apps/web/index.html']));
  });

  it('keeps every COPY source in the build context, and keeps out what git ignores (the host Prisma client, .env)', () => {
    const ignored = dockerIgnored(file);
    for (const line of instructions.filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))) {
      for (const source of contextSources(line)) expect([source, ignored(source)]).toEqual([source, false]);
    }
    const output = /output\s*=\s*"([^"]+)"/.exec(readFileSync(join(ROOT, 'prisma', 'schema.prisma'), 'utf8'))![1];
    const generated = relative(ROOT, resolve(ROOT, 'prisma', output));
    expect(generated).toMatch(/^libs\/database\/src\/generated/);
    for (const path of [`${generated}/client.ts`, '.env', 'apps/api/.env', 'coverage/lcov.info', 'test-artifacts/x.png', 'data/pgdata'])
      expect([path, ignored(path)]).toEqual([path, true]);
    // Every .gitignore rule has its counterpart: what git does not track must not reach the image either.
    const gitIgnored = readFileSync(join(ROOT, '.gitignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const dockerRules = readFileSync(join(ROOT, 'docker', `${file}.dockerignore`), 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/^\/+|\/+$/g, ''));
    for (const rule of gitIgnored) expect([rule, dockerRules.includes(rule.replace(/^\/+|\/+$/g, ''))]).toEqual([rule, true]);
  });

  it('copies what postinstall reads before npm installs', () => {
    const install = instructions.findIndex((l) => /^RUN\s.*npm (ci|install)\b/.test(l));
    expect(install).toBeGreaterThan(0);
    const copied = instructions
      .slice(0, install)
      .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
      .flatMap(contextSources);
    const postinstall = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.postinstall;
    const scripts = [...postinstall.matchAll(/\bnode\s+(\S+)/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    // What those scripts read: the models' manifest; Prisma's schema, config and the npm settings it runs under.
    const inputs = [...scripts, 'models/manifest.json', 'prisma/schema.prisma', 'prisma.config.ts', '.npmrc', 'package.json', 'package-lock.json'];
    for (const input of inputs) expect([input, copied.some((source) => covers(source, input))]).toEqual([input, true]);
  });

  it('sets only configuration variables the schema reads', () => {
    const known = configVariables();
    const names = instructions.filter((l) => /^ENV\s/.test(l)).flatMap(envNames);
    expect(names).toEqual(expect.arrayContaining(['DATA_DIR', 'PORT']));
    for (const name of names.filter((n) => /^(DATA_DIR|PORT|DATABASE_URL|REDIS_URL|FACEGATE_\w+|LOG_\w+)$/.test(n)))
      expect([name, known.has(name)]).toEqual([name, true]);
  });

  it('puts the command-line tool on PATH and runs as a non-root user', () => {
    expect(instructions.some((l) => l.includes('ln -s /app/dist/apps/cli/src/main.js /usr/local/bin/facegate'))).toBe(true);
    expect(instructions.filter((l) => /^USER\s/.test(l)).pop()).toBe('USER node');
  });

  it('health-checks a public route on the default port', () => {
    const check = instructions.find((l) => l.startsWith('HEALTHCHECK'));
    const url = new URL(/(https?:\/\/[^'"\s)]+)/.exec(check ?? '')![1]);
    expect(Number(url.port)).toBe(loadConfig({}).port);
    expect(isPublicHealthRoute(url.pathname)).toBe(true);
  });
});

describe('the Node runtime', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
  };
  const major = Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);

  it('is one major everywhere: engines, @types/node, every Dockerfile stage and the CI setup script', () => {
    expect(major).toBeGreaterThanOrEqual(24);
    expect(Number(/(\d+)/.exec(pkg.devDependencies['@types/node'])?.[1])).toBe(major);
    for (const file of DOCKERFILES) {
      const nodeImages = [...readFileSync(join(ROOT, 'docker', file), 'utf8').matchAll(/^FROM\s+node:(\d+)/gm)].map((m) => Number(m[1]));
      expect([file, nodeImages.length > 0 && nodeImages.every((v) => v === major)]).toEqual([file, true]);
    }
    const setup = readFileSync(join(ROOT, 'scripts', 'setup-node.sh'), 'utf8');
    expect(Number(/FACEGATE_NODE_VERSION:-(\d+)\./.exec(setup)?.[1])).toBe(major);
  });

  /** The words of a command that start Node, from `node` up to the script it runs: where a V8 flag takes effect. */
  const nodeFlags = (words: string[]) => {
    const start = words.indexOf('node');
    const script = words.findIndex((w, i) => i > start && /\.(m?js|ts)$/.test(w));
    return start < 0 || script < 0 ? [] : words.slice(start + 1, script);
  };
  const dockerCmd = (file: string) =>
    JSON.parse([...readFileSync(join(ROOT, 'docker', file), 'utf8').matchAll(/^CMD\s+(\[.*\])\s*$/gm)].pop()?.[1] ?? '[]') as string[];

  it('starts without V8 memory protection keys where the embedded database may run: the API and the tests', () => {
    // A mitigation (README "Speed and scale"): V8's JIT-page check aborted a test run once while the embedded
    // database's WebAssembly ran. V8 does not take the flag from NODE_OPTIONS, so each command passes it (the tests' and
    // the bench's child processes inherit it through process.execArgv).
    const flag = '--no-memory-protection-keys';
    for (const name of ['start:prod', 'test', 'bench', 'cli', 'db:reindex'])
      expect([name, nodeFlags(pkg.scripts[name].split(/\s+/))]).toEqual([name, expect.arrayContaining([flag])]);
    for (const file of DOCKERFILES) expect([file, nodeFlags(dockerCmd(file))]).toEqual([file, expect.arrayContaining([flag])]);
  });

  it("starts the command-line tool's binary with the flag too: its commands open the embedded database", () => {
    // Without -S, Linux's env would look for a program named "node --no-memory-protection-keys".
    const shebang = readFileSync(join(ROOT, 'apps', 'cli', 'src', 'main.ts'), 'utf8')
      .split('\n')[0]
      .split(/\s+/);
    expect(shebang.slice(0, 3)).toEqual(['#!/usr/bin/env', '-S', 'node']);
    expect(shebang.slice(3)).toContain('--no-memory-protection-keys');
  });

  it("caps the API's young generation at 16 MB semi-spaces where it is started: npm start and the Dockerfiles", () => {
    // Node 24's larger default semi-spaces cost about 70 MiB of RSS at the peak under load (README "Speed and scale").
    const flag = '--max-semi-space-size=16';
    expect(nodeFlags(pkg.scripts['start:prod'].split(/\s+/))).toContain(flag);
    for (const file of DOCKERFILES) expect([file, nodeFlags(dockerCmd(file))]).toEqual([file, expect.arrayContaining([flag])]);
  });

  it("sets glibc's malloc where the API starts (npm start, the Dockerfiles): two arenas and a fixed mmap threshold", () => {
    // Both are read once by glibc at process start, so they cannot move into the app (README "Speed and scale"):
    // they must be set before `node` in npm start, and in the stage of each image that runs the API (its last).
    const wanted = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '65536' };
    const words = pkg.scripts['start:prod'].split(/\s+/);
    const beforeNode = words.slice(0, words.indexOf('node'));
    for (const [name, value] of Object.entries(wanted)) expect(beforeNode).toContain(`${name}=\${${name}:-${value}}`);
    // The API bench runs the app in its own process: the same settings (the other benches read them from start:prod).
    const bench = pkg.scripts['bench:api'].split(/\s+/);
    expect(bench.slice(0, bench.indexOf('node'))).toEqual(beforeNode);
    for (const file of DOCKERFILES) {
      const lastStage =
        readFileSync(join(ROOT, 'docker', file), 'utf8')
          .split(/^FROM\s/m)
          .pop() ?? '';
      const env = [...lastStage.matchAll(/^ENV\s+(.*)$/gm)].flatMap((m) => m[1].split(/\s+/));
      expect([file, Object.fromEntries(env.map((kv) => kv.split('=')))]).toEqual([file, expect.objectContaining(wanted)]);
    }
  });

  it('denies or allows every dependency install script explicitly, and npm settings hold no keys npm does not know', () => {
    const allow = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    // onnxruntime-node's script downloads CUDA libraries: CPU installs must never run it (the CUDA image runs it itself).
    expect(allow['onnxruntime-node']).toBe(false);
    const npmrcKeys = readFileSync(join(ROOT, '.npmrc'), 'utf8')
      .split('\n')
      .map((l) => l.split('=')[0].trim())
      .filter((k) => k && !k.startsWith('#'));
    expect(npmrcKeys.filter((k) => !['fund', 'audit', 'engine-strict', 'save-exact'].includes(k))).toEqual([]);
  });
});
