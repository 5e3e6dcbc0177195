/**
 * The Kubernetes manifests (docker/kubernetes: a kustomize base and two overlays) rendered with `kubectl kustomize`, as
 * a user applies them, and the rendered objects checked against the code: probes on the API's public health routes,
 * the port it listens on, a termination grace period beyond its hard shutdown deadline under the rendered settings,
 * only variables the configuration reads, the Secret's keys, Services that select the right pods, Redis (reachable
 * only from the API) wherever several pods must share rate limits, pods that meet the restricted Pod Security
 * Standard, a pinned image, and an HPA that owns the count, with a disruption budget and a spread over nodes. No cluster is needed, only kubectl
 * (scripts/setup-kubectl.sh installs Debian's when there is none).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '@facegate/core';
import { configVariables, hardShutdownDeadline, isPublicHealthRoute } from '../../../../test/deployment-checks';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const KUSTOMIZE = join(ROOT, 'docker', 'kubernetes');
const RENDERINGS = ['base', 'overlays/redis', 'overlays/scaled'] as const;

interface Meta {
  name: string;
  labels?: Record<string, string>;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: { terminationGracePeriodSeconds?: number; containers: Container[] } };
}

function render(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', join(KUSTOMIZE, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`kubectl kustomize ${dir} failed (install kubectl with scripts/setup-kubectl.sh): ${String(error)}`, { cause: error });
  }
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject);
}

const find = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** CPU quantity ("2", "1500m") in cores. */
function cores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

/** Memory quantity ("1Gi", "1536Mi") in MiB. */
function mebibytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

describe.each(RENDERINGS)('Kubernetes manifests: %s', (dir) => {
  const objects = render(dir);
  const deployment = find(objects, 'Deployment', 'facegate')!;
  const spec = deployment?.spec as unknown as DeploymentSpec;
  const pod = spec?.template.spec;
  const api = pod?.containers.find((c) => c.name === 'api');
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('facegate-config'))!;
  /** The API container's environment as the pod sees it: the ConfigMap's values, then plain env values. */
  const env = (): Record<string, string> => ({
    ...configMap.data,
    ...Object.fromEntries((api?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
  });

  it('renders a Deployment of the API with a ConfigMap the container reads', () => {
    expect(api).toBeDefined();
    expect(api!.image).toMatch(/^facegate(:|$)/);
    expect(api!.envFrom?.map((e) => e.configMapRef?.name)).toContain(configMap.metadata.name);
  });

  it('probes public health routes on the port the API listens on (startup and liveness /health, readiness /health/ready)', () => {
    const port = loadConfig(env()).port;
    const named = new Map((api!.ports ?? []).map((p) => [p.name, p.containerPort]));
    expect(api!.ports?.map((p) => p.containerPort)).toEqual([port]);
    const probes = { startup: api!.startupProbe, liveness: api!.livenessProbe, readiness: api!.readinessProbe };
    expect(Object.fromEntries(Object.entries(probes).map(([k, p]) => [k, p?.httpGet?.path]))).toEqual({
      startup: '/health',
      liveness: '/health',
      readiness: '/health/ready',
    });
    for (const probe of Object.values(probes)) {
      expect(isPublicHealthRoute(probe!.httpGet!.path)).toBe(true);
      const target = probe!.httpGet!.port;
      expect(typeof target === 'number' ? target : named.get(target)).toBe(port);
    }
  });

  it('waits longer than the API takes to drain and close before it is killed', () => {
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(hardShutdownDeadline(env()));
    // A delay lets endpoints drop the unready pod before the listener closes.
    expect(loadConfig(env()).shutdown.delaySeconds).toBeGreaterThan(0);
  });

  it('gives the API only variables the configuration reads, valid as rendered, with the embedded database off', () => {
    const known = configVariables();
    const names = [...Object.keys(configMap.data ?? {}), ...(api!.env ?? []).map((e) => e.name)];
    for (const name of names) expect([name, known.has(name)]).toEqual([name, true]);
    const secrets = (api!.env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
    expect(Object.fromEntries(secrets.map((e) => [e.name, e.valueFrom!.secretKeyRef!]))).toEqual({
      FACEGATE_API_KEY: { name: 'facegate', key: 'FACEGATE_API_KEY' },
      DATABASE_URL: { name: 'facegate', key: 'DATABASE_URL' },
    });
    // The rendered values pass the configuration's own validation (the Secret's stand in as valid examples).
    const config = loadConfig({ ...env(), FACEGATE_API_KEY: 'k'.repeat(32), DATABASE_URL: 'postgresql://facegate@db:5432/facegate' });
    expect(config.databaseUrl).toBeDefined();
  });

  it('asks for what BENCHMARKS.md measured, and runs no more engine workers than its CPU limit', () => {
    const { requests, limits } = api!.resources!;
    expect(cores(requests!.cpu)).toBeLessThanOrEqual(cores(limits!.cpu));
    expect(mebibytes(requests!.memory)).toBeLessThanOrEqual(mebibytes(limits!.memory));
    // 863 MB RSS with 16 live streams (BENCHMARKS.md), with room to spare.
    expect(mebibytes(limits!.memory)).toBeGreaterThanOrEqual(1024);
    expect(loadConfig(env()).engine.poolSize).toBeLessThanOrEqual(cores(limits!.cpu));
  });

  it('serves the API through a Service that selects its pods and nothing else', () => {
    const service = find(objects, 'Service', 'facegate')!;
    const selector = (service.spec as { selector: Record<string, string> }).selector;
    expect(selects(spec.selector.matchLabels, spec.template.metadata.labels)).toBe(true);
    expect(selects(selector, spec.template.metadata.labels)).toBe(true);
    for (const other of objects.filter((o) => o.kind === 'Deployment' && o !== deployment)) {
      expect(selects(selector, (other.spec as unknown as DeploymentSpec).template.metadata.labels)).toBe(false);
    }
    const ports = (service.spec as { ports: { targetPort: string | number }[] }).ports;
    expect(ports.map((p) => p.targetPort)).toEqual(['http']);
  });

  it('shares rate limits through Redis wherever more than one pod may run (budgets and sessions are in PostgreSQL)', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'facegate');
    const several = (spec.replicas ?? 1) > 1 || hpa !== undefined;
    const redisUrl = env().REDIS_URL;
    if (!several && dir === 'base') {
      expect(redisUrl).toBeUndefined();
      return;
    }
    expect(redisUrl).toBeDefined();
    const url = new URL(redisUrl);
    const service = find(objects, 'Service', url.hostname)!;
    expect(service).toBeDefined();
    const servicePorts = (service.spec as { ports: { port: number }[] }).ports.map((p) => p.port);
    expect(servicePorts).toContain(Number(url.port));
    const redis = objects.find(
      (o) =>
        o.kind === 'Deployment' &&
        selects((service.spec as { selector: Record<string, string> }).selector, (o.spec as unknown as DeploymentSpec).template.metadata.labels),
    );
    expect(redis?.metadata.name).toBe('facegate-redis');
    // Only the API's pods reach Redis.
    const policy = find(objects, 'NetworkPolicy', 'facegate-redis')!;
    const policySpec = policy.spec as {
      podSelector: { matchLabels: Record<string, string> };
      ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[];
    };
    expect(selects(policySpec.podSelector.matchLabels, (redis!.spec as unknown as DeploymentSpec).template.metadata.labels)).toBe(true);
    expect(policySpec.ingress).toHaveLength(1);
    const from = policySpec.ingress[0].from.map((f) => f.podSelector.matchLabels);
    expect(from.every((labels) => selects(labels, spec.template.metadata.labels))).toBe(true);
    expect(from.some((labels) => selects(labels, (redis!.spec as unknown as DeploymentSpec).template.metadata.labels))).toBe(false);
    expect(policySpec.ingress[0].ports.map((p) => p.port)).toEqual([Number(url.port)]);
  });

  it('runs every pod under the restricted Pod Security Standard, without a service account token, from a pinned image', () => {
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      const podSpec = (
        d.spec as unknown as {
          template: {
            spec: {
              automountServiceAccountToken?: boolean;
              securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
              containers: Array<{ securityContext?: { allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } } }>;
            };
          };
        }
      ).template.spec;
      expect([
        d.metadata.name,
        podSpec.automountServiceAccountToken,
        podSpec.securityContext?.runAsNonRoot,
        podSpec.securityContext?.seccompProfile?.type,
      ]).toEqual([d.metadata.name, false, true, 'RuntimeDefault']);
      for (const c of podSpec.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
    }
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(api!.image).toBe(`facegate:${version}`);
  });

  if (dir === 'overlays/scaled') {
    it('scales the API Deployment on CPU from two pods, with CPU requests for the HPA to measure against', () => {
      const hpa = find(objects, 'HorizontalPodAutoscaler', 'facegate')!;
      const hpaSpec = hpa.spec as {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: { resource: { name: string } }[];
      };
      expect(hpaSpec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'facegate' });
      expect(hpaSpec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpaSpec.maxReplicas).toBeGreaterThan(hpaSpec.minReplicas);
      expect(hpaSpec.metrics.map((m) => m.resource.name)).toEqual(['cpu']);
      expect(api!.resources!.requests!.cpu).toBeDefined();
      // The HPA owns the count: a replicas field would reset it on every apply.
      expect(spec.replicas).toBeUndefined();
    });

    it('keeps one pod serving through a node drain: a disruption budget and a spread over nodes', () => {
      const pdb = find(objects, 'PodDisruptionBudget', 'facegate')!;
      const pdbSpec = pdb.spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
      expect(pdbSpec.minAvailable).toBe(1);
      expect(selects(pdbSpec.selector.matchLabels, spec.template.metadata.labels)).toBe(true);
      const spread = (pod as unknown as { topologySpreadConstraints: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }[] })
        .topologySpreadConstraints;
      expect(spread.map((c) => c.topologyKey)).toEqual(['kubernetes.io/hostname']);
      expect(selects(spread[0].labelSelector.matchLabels, spec.template.metadata.labels)).toBe(true);
    });
  }
});

describe('the README', () => {
  it('applies the manifests it ships', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const dir of RENDERINGS) expect(readme).toContain(`docker/kubernetes/${dir}`);
  });
});
