/**
 * The deployment files cannot be run here (no Docker engine), so their wiring is checked against the code: compose
 * services and dependencies exist, the API is given only variables the configuration reads, ports match, volumes and
 * mounted files exist, every Dockerfile COPY source exists, and the health check probes a real public route.
 */
import 'reflect-metadata';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { IS_PUBLIC } from '../auth/public.decorator';
import { HealthController } from '../health/health.controller';
import { loadConfig } from './app-config';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const DOCKERFILES = readdirSync(join(ROOT, 'docker')).filter((f) => /^Dockerfile(\.[a-z0-9]+)?$/.test(f) && !f.endsWith('.dockerignore'));

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown> | string[];
  profiles?: string[];
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };

/** Every variable loadConfig() reads, recorded by a Proxy environment: the schema itself is the list. */
function configVariables(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, name) => {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
  });
  loadConfig(env);
  return read;
}

/** "8000:8000", "${FACEGATE_PORT:-8000}:8000", "127.0.0.1:8000:8000/tcp" -> 8000 (the container side). */
function containerPort(mapping: string): number {
  return Number(mapping.replace(/\$\{[^}]*\}/g, 'X').split(':').pop()!.split('/')[0]);
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

  it('builds from Dockerfiles that exist', () => {
    for (const service of Object.values(services).filter((s) => s.build)) expect(existsSync(join(ROOT, service.build!.context, service.build!.dockerfile))).toBe(true);
  });
});

describe.each(DOCKERFILES)('docker/%s', (file) => {
  const instructions = dockerInstructions(file);

  it('copies only files that exist in the repository', () => {
    const copies = instructions.filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l));
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) {
      const args = line.split(/\s+/).slice(1).filter((a) => !a.startsWith('--'));
      for (const source of args.slice(0, -1)) expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
    }
  });

  it('copies from the build stage only what the build produces or the repository has', () => {
    const fromBuild = instructions.filter((l) => /--from=build/.test(l)).map((l) => l.split(/\s+/)[2].replace(/^\/app\//, ''));
    const produced = ['node_modules', 'dist', 'models', 'package.json', 'prisma'];
    for (const source of fromBuild) expect([source, produced.includes(source) || existsSync(join(ROOT, source))]).toEqual([source, true]);
    expect(fromBuild).toEqual(expect.arrayContaining(['dist', 'apps/web/index.html']));
  });

  it('puts the command-line tool on PATH and runs as a non-root user', () => {
    expect(instructions.some((l) => l.includes('ln -s /app/dist/apps/cli/src/main.js /usr/local/bin/facegate'))).toBe(true);
    expect(instructions.filter((l) => /^USER\s/.test(l)).pop()).toBe('USER node');
  });

  it('health-checks a public route on the default port', () => {
    const check = instructions.find((l) => l.startsWith('HEALTHCHECK'));
    const url = new URL(/(https?:\/\/[^'"\s)]+)/.exec(check ?? '')![1]);
    expect(Number(url.port)).toBe(loadConfig({}).port);
    const route = Object.getOwnPropertyNames(HealthController.prototype)
      .map((name) => (HealthController.prototype as unknown as Record<string, () => unknown>)[name])
      .find((handler) => `/${Reflect.getMetadata('path', handler)}` === url.pathname);
    expect(route).toBeDefined();
    expect(Reflect.getMetadata(IS_PUBLIC, route!)).toBe(true);
  });
});
