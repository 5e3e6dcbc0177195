/**
 * Read replicas through the HTTP API (README "Read replicas"): the app runs with DATABASE_REPLICA_URLS naming the
 * machine's streaming standby (scripts/setup-replica.sh, 127.0.0.1:5433) over a gallery of real and synthetic people.
 *
 * - Steady load: 8 clients on /recognize; which searches the standby served, the standby's lag meanwhile, and the same
 *   load on an app without replicas over the same database for comparison (both on this machine's 2 cores, with the
 *   standby's replay on them too: this measures routing and its cost, not added capacity).
 * - Burst: every person of ../shared/faces with three photos or more enrolled into a new collection and, at once,
 *   verified and recognised with other photos; every answer must find the person (read-your-writes), and the router's
 *   counts show where the searches were served.
 * - Catch-up: after an enrolment, how long until that collection's searches go to the standby again.
 *
 *   npm run bench -- --only replica [--quick]
 */
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { IVFFLAT_INDEX_NAME, PrismaService, ReplicaRouter } from '@facegate/database';
import { startTestApp } from '../../test/e2e-app';
import { facePath } from '../../test/shared-faces';
import { addDistractors, enrolPhotos, load, LoadResult, photosByPerson, post, Probe, UNLIMITED, withApp } from './api-load';
import { machineLine, ms, percentile, writeSection } from './bench-report';
import { AddressInfo } from 'node:net';

const QUICK = process.argv.includes('--quick');
const FACES = QUICK ? 1_000 : 100_000;
const SECONDS = QUICK ? 3 : 12;
const CLIENTS = 8;
const CATCH_UPS = QUICK ? 3 : 20;

interface Routed {
  replica: number;
  primary: number;
}

interface Result {
  faces: number;
  withReplica: LoadResult & Routed & { maxLagBytes: number; maxLagSeconds: number; behindShare: number };
  withoutReplica: LoadResult;
  burst: { people: number; verified: number; recognized: number; routed: Routed };
  catchUpMs: number[];
  disk: Disk;
}

/** On-disk size of the faces table and its indexes, per face (the sizing guide's figures). */
interface Disk {
  tableBytes: number;
  vectorIndexBytes: number;
  otherIndexBytes: number;
}

const replicaUrl = (database: Record<string, string>) => database.DATABASE_URL.replace(':5432/', ':5433/');

async function main(): Promise<void> {
  const result = await withApp(
    'postgres',
    async (t, base) => {
      const router = t.app.get(ReplicaRouter);
      const probes = await enrolPhotos(base);
      await addDistractors(t, FACES);
      await caughtUp(router);
      const faces = await t.app.get(PrismaService).client.face.count();
      const disk = await diskUse(t.app.get(PrismaService));
      console.log(`${faces} faces; standby caught up`);

      const lag = sampleLag(router);
      const steady = await counted(router, () => load(base, 'recognize', CLIENTS, probes, SECONDS));
      const withReplica = { ...steady, ...lag.stop() };
      console.log(`with the standby: ${describe(withReplica)}`);

      const burst = await runBurst(base, router);
      console.log(`burst: ${burst.verified}/${burst.people} verified, ${burst.recognized}/${burst.people} recognised at once`);
      const burstCollection = await t.app.get(PrismaService).client.collection.findUniqueOrThrow({ where: { name: 'burst' } });
      const catchUpMs = await catchUps(base, router, burstCollection.id);

      const withoutReplica = await withoutReplicas(t.app.get(PrismaService).connectionUrl!, probes);
      console.log(`without replicas: ${describe(withoutReplica)}`);
      return { faces, withReplica, withoutReplica, burst, catchUpMs, disk };
    },
    (database) => ({ DATABASE_REPLICA_URLS: replicaUrl(database) }),
  );
  const markdown = report(result);
  console.log(markdown);
  if (!QUICK) writeSection('replicas', markdown);
  if (result.burst.verified !== result.burst.people || result.burst.recognized !== result.burst.people) {
    throw new Error('read-your-writes broke: a person enrolled a moment before was not found');
  }
}

async function diskUse(prisma: PrismaService): Promise<Disk> {
  // The search's vector index is on the people's centroids: their table and the index together. A gallery of fewer
  // people than FACEGATE_MIN_ROWS_FOR_INDEX (the quick run's) has no index yet.
  const [row] = await prisma.client.$queryRaw<Array<{ table: bigint; vector: bigint; other: bigint }>>`
    WITH ivf AS (SELECT coalesce(pg_relation_size(to_regclass(${IVFFLAT_INDEX_NAME})), 0) AS bytes)
    SELECT pg_table_size('faces') AS table,
           pg_table_size('user_centroids') + ivf.bytes AS vector,
           pg_indexes_size('faces') + pg_indexes_size('user_centroids') - ivf.bytes AS other
    FROM ivf`;
  return { tableBytes: Number(row.table), vectorIndexBytes: Number(row.vector), otherIndexBytes: Number(row.other) };
}

async function caughtUp(router: ReplicaRouter): Promise<void> {
  for (let i = 0; i < 600; i++) {
    await router.poll();
    const [standby] = router.status().replicas;
    if (standby.up && standby.lagBytes === 0) return;
    await sleep(100);
  }
  throw new Error('the standby on 127.0.0.1:5433 did not catch up (scripts/setup-replica.sh)');
}

/** The standby's lag, read from the router every 100 ms while a load runs. */
function sampleLag(router: ReplicaRouter) {
  const samples: Array<{ bytes: number; seconds: number }> = [];
  const timer = setInterval(() => {
    const [standby] = router.status().replicas;
    samples.push({ bytes: standby.lagBytes, seconds: standby.lagSeconds });
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      return {
        maxLagBytes: Math.max(0, ...samples.map((s) => s.bytes)),
        maxLagSeconds: Math.max(0, ...samples.map((s) => s.seconds)),
        behindShare: samples.filter((s) => s.bytes > 0).length / Math.max(1, samples.length),
      };
    },
  };
}

/** Runs `work` and counts the searches the standby and the primary served meanwhile. */
async function counted<T>(router: ReplicaRouter, work: () => Promise<T>): Promise<T & Routed> {
  const before = router.status();
  const value = await work();
  const after = router.status();
  return { ...value, replica: after.replicas[0].reads - before.replicas[0].reads, primary: after.primaryReads - before.primaryReads };
}

/** Enrol, verify, recognise, person after person in a new collection (nothing else runs, so the counts are the burst's). */
async function runBurst(base: string, router: ReplicaRouter): Promise<Result['burst']> {
  await post(base, 'collections', { name: 'burst', settings: { purpose: 'photo_search' } });
  const people = [...photosByPerson()].filter(([, files]) => files.length >= 3);
  let verified = 0;
  let recognized = 0;
  const routed = await counted(router, async () => {
    for (const [person, files] of people) {
      const [a, b, c] = files.map((f) => readFileSync(facePath(f)).toString('base64'));
      const enrolled = await post(base, 'users', { name: person, collection: 'burst', images: [a], allowDuplicate: true });
      if (enrolled.status !== 201) throw new Error(`enrolment of ${person}: ${enrolled.status} ${JSON.stringify(enrolled.body)}`);
      const id = (enrolled.body as { id: string }).id;
      const verify = await post(base, 'verify', { userId: id, image: b });
      if ((verify.body as { verified?: boolean }).verified === true) verified++;
      const recognize = await post(base, 'recognize', { collection: 'burst', image: c });
      if ((recognize.body as { user?: { id: string } }).user?.id === id) recognized++;
    }
    return {};
  });
  return { people: people.length, verified, recognized, routed: { replica: routed.replica, primary: routed.primary } };
}

/** After an enrolment, ms until the router sends that collection's searches to the standby again. */
async function catchUps(base: string, router: ReplicaRouter, collectionId: string): Promise<number[]> {
  const photo = readFileSync(facePath([...photosByPerson().values()][0][0])).toString('base64');
  const times: number[] = [];
  for (let i = 0; i < CATCH_UPS; i++) {
    const res = await post(base, 'users', { name: `catch-up ${i}`, collection: 'burst', images: [photo], allowDuplicate: true, allowMismatch: true });
    if (res.status !== 201) throw new Error(`enrolment for the catch-up: ${res.status}`);
    const start = performance.now();
    while ((await router.forCollection(collectionId)).replica === null) await sleep(2);
    times.push(performance.now() - start);
  }
  return times;
}

/** The same steady load on an app without replicas over the same database (the replica app stays idle meanwhile). */
async function withoutReplicas(databaseUrl: string, probes: Probe[]): Promise<LoadResult> {
  const t = await startTestApp({ DATABASE_URL: databaseUrl, DATA_DIR: '/tmp/facegate-bench-unused' }, { LOG_LEVEL: 'error', ...UNLIMITED });
  await t.app.listen(0, '127.0.0.1');
  try {
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    return await load(base, 'recognize', CLIENTS, probes, SECONDS);
  } finally {
    await t.close();
  }
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const perFace = (bytes: number, faces: number) => Math.round(bytes / faces).toLocaleString('en');
const describe = (r: LoadResult) => `p50 ${ms(r.p50)} ms, p95 ${ms(r.p95)} ms, ${r.rps.toFixed(1)} req/s, ${r.errors} errors`;
const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));

function report(r: Result): string {
  const w = r.withReplica;
  const b = r.burst;
  return [
    '## Read replicas',
    '',
    `Machine: ${machineLine()}. Command: \`npm run bench -- --only replica\`. Native PostgreSQL 15 primary on 127.0.0.1:5432`,
    'and its streaming hot standby on 127.0.0.1:5433 (scripts/setup-replica.sh), both on the same 2 cores as the API and',
    `the load generator; ${r.faces.toLocaleString('en')} faces (the people of ../shared/faces enrolled through the API, plus synthetic people),`,
    `DATABASE_REPLICA_POLL_MS 100. /recognize with ${CLIENTS} closed-loop clients for ${SECONDS} s.`,
    '',
    '| app | p50 ms | p95 ms | p99 ms | req/s | errors | searches on the standby | on the primary |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| with the standby | ${ms(w.p50)} | ${ms(w.p95)} | ${ms(w.p99)} | ${w.rps.toFixed(1)} | ${w.errors} | ${w.replica} | ${w.primary} |`,
    `| without replicas (same database) | ${ms(r.withoutReplica.p50)} | ${ms(r.withoutReplica.p95)} | ${ms(r.withoutReplica.p99)} | ${r.withoutReplica.rps.toFixed(1)} | ${r.withoutReplica.errors} | - | all |`,
    '',
    `Standby lag during the steady load (sampled every 100 ms): max ${w.maxLagBytes} bytes of WAL, max ${w.maxLagSeconds.toFixed(3)} s; behind in`,
    `${(100 * w.behindShare).toFixed(0)}% of samples.`,
    '',
    `**Read-your-writes under a burst:** ${b.people} people enrolled one after another into a new collection, each verified and`,
    `recognised with other photos right after their enrolment answered: **${b.verified} of ${b.people} verified and ${b.recognized} of ${b.people} recognised**.`,
    `Their searches went to the primary ${b.routed.primary} times (the router had not yet seen the standby replay the enrolment just`,
    `made) and to the standby ${b.routed.replica} times (it had, by the time the photo was analysed).`,
    '',
    `**Disk, for the sizing guide:** the faces table ${mb(r.disk.tableBytes)} MB (${perFace(r.disk.tableBytes, r.faces)} bytes a face, the 512-float`,
    `embedding stored inline), the people's centroids and their IVFFlat index on halfvec ${mb(r.disk.vectorIndexBytes)} MB (${perFace(r.disk.vectorIndexBytes, r.faces)} bytes a face), the other indexes`,
    `(faces' primary key, collection and person; the centroids' primary key) ${mb(r.disk.otherIndexBytes)} MB (${perFace(r.disk.otherIndexBytes, r.faces)} bytes a face). The standby holds the same.`,
    '',
    `**Catch-up:** after an enrolment, that collection's searches went back to the standby within p50 ${ms(percentile(r.catchUpMs, 50))} ms, max`,
    `${ms(Math.max(...r.catchUpMs))} ms (${r.catchUpMs.length} enrolments; the poll interval plus the standby's replay).`,
  ].join('\n');
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
