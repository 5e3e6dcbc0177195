/**
 * The real command-line tool, run as a child process from the sources (as `npm run cli` does), against this jest
 * project's database kind. With the embedded database only one process may open it, so the API is started only
 * while no CLI process runs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, startTestApp, testDatabase } from '../../../test/e2e-app';
import { photo } from '../../../test/photos';
import { facePath } from '../../../test/shared-faces';
import { Run, runNodeToEnd } from '../../../test/run-to-end';

const kind = testDatabase();
const ROOT = resolve(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'cli', 'src', 'main.ts');
/** Enrolled from 001-006; 009 is held out as the probe. */
const PEOPLE = ['Ariel_Sharon', 'Colin_Powell', 'Donald_Rumsfeld', 'Gerhard_Schroeder', 'Hugo_Chavez', 'Jacques_Chirac', 'Tony_Blair'];
const ENROL_PHOTOS = ['001.jpg', '002.jpg', '003.jpg', '004.jpg', '005.jpg', '006.jpg'];
const PROBE = '009.jpg';
/**
 * What the rules must refuse: a second face of similar size (see MULTI_FACE_PHOTOS), a photo with no face, and a
 * genuine photo below the default threshold against another of the same person (Tony_Blair/005.jpg is at cosine
 * 0.4199 against 002.jpg: the one-person rule's cost at 0.42).
 */
const EXPECTED_REJECTIONS = [
  { photo: 'Ariel_Sharon/004.jpg', code: 'MULTIPLE_FACES' },
  { photo: 'Hugo_Chavez/zz-noface.png', code: 'NO_FACE' },
  { photo: 'Tony_Blair/001.jpg', code: 'MULTIPLE_FACES' },
  { photo: 'Tony_Blair/005.jpg', code: 'FACE_MISMATCH' },
];

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'DATA_DIR', 'FACEGATE_API_KEY', 'REDIS_URL'].includes(k) && !k.startsWith('FACEGATE_')),
  );
  return runNodeToEnd(['-r', '@swc-node/register', MAIN, ...args], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'warn', FACEGATE_ENGINE_WORKERS: '2', ...env },
  });
}

/** A folder of person sub-folders made of symlinks into ../shared/faces (photos are never copied). */
function buildFolder(dir: string): void {
  for (const person of PEOPLE) {
    mkdirSync(join(dir, person));
    for (const file of ENROL_PHOTOS) symlinkSync(facePath(`${person}/${file}`), join(dir, person, file));
  }
  symlinkSync(facePath('noface/001.png'), join(dir, 'Hugo_Chavez', 'zz-noface.png'));
}

describe(`facegate command-line tool (${kind})`, () => {
  const work = mkdtempSync(join(tmpdir(), 'facegate-cli-'));
  const folder = join(work, 'people');
  const reportFile = join(work, 'report.json');
  const exportFile = join(work, 'export.jsonl');
  let source: Awaited<ReturnType<typeof createTestDatabase>>;
  let target: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    mkdirSync(folder);
    buildFolder(folder);
    source = await createTestDatabase(kind);
    target = await createTestDatabase(kind);
  });

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('answers unknown commands and options with exit code 2 and a clear message', async () => {
    const unknown = await cli(['enroll', folder], source.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "enroll"');
    const flag = await cli(['export', '--colection', 'x'], source.env);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('unknown option --colection');
    const help = await cli(['import', '--help'], source.env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--on-conflict <rule>');
    // Refused before enrolling anyone (the enrolment test below starts from an empty database).
    const unwritable = await cli(['enrol', folder, '--report', join(work, 'no-such-folder', 'r.json')], source.env);
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toContain('cannot write the report to');
    expect(unwritable.stderr).toContain('the folder does not exist (ENOENT)');
  });

  it('enrols a folder photo by photo, reports the rejected photos, and skips everyone on a second run', async () => {
    const first = await cli(['enrol', folder, '--report', reportFile], source.env);
    expect(first.code).toBe(0);
    // Not a terminal: one plain progress line per person, in folder order.
    expect(first.stderr).toContain('[1/7] Ariel_Sharon: 5 enrolled, 1 rejected');
    expect(first.stderr).toContain('[5/7] Hugo_Chavez: 6 enrolled, 1 rejected');
    expect(first.stderr).toContain('[7/7] Tony_Blair: 4 enrolled, 2 rejected');
    expect(first.stderr).toContain('rejected Hugo_Chavez/zz-noface.png: NO_FACE');
    expect(first.stdout).toContain(
      '7 enrolled (39 faces), 0 skipped (already enrolled), 0 failed; 4 photos rejected (1 FACE_MISMATCH, 2 MULTIPLE_FACES, 1 NO_FACE)',
    );

    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    expect(report.summary).toMatchObject({ people: 7, enrolled: 7, skipped: 0, failed: 0, faces: 39, rejectedPhotos: 4 });
    const rejected = report.people.flatMap((p: { rejected: Array<{ photo: string; code: string; reason: string }> }) => p.rejected);
    expect(rejected.map(({ photo, code }: { photo: string; code: string }) => ({ photo, code }))).toEqual(EXPECTED_REJECTIONS);
    for (const r of rejected) expect(r.reason.length).toBeGreaterThan(5);

    const again = await cli(['enrol', folder], source.env);
    expect(again.code).toBe(0);
    for (const [i, person] of PEOPLE.entries()) expect(again.stderr).toContain(`[${i + 1}/7] ${person}: skipped (already enrolled)`);
    expect(again.stdout).toContain('0 enrolled (0 faces), 7 skipped');
  });

  it('exports to JSON lines and imports into a fresh database, where /recognize finds everyone; refuses another model', async () => {
    const exported = await cli(['export'], source.env);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain('exported 7 people (39 faces)');
    writeFileSync(exportFile, exported.stdout);
    const lines = exported.stdout.trim().split('\n');
    expect(lines).toHaveLength(8);
    const header = JSON.parse(lines[0]);
    expect(header).toMatchObject({ format: 'facegate-export', version: 1, dimensions: 512 });
    expect(header.model).toMatch(/^mobilefacenet-fr_feature-[0-9a-f]{8}$/);

    const otherModel = join(work, 'other-model.jsonl');
    writeFileSync(otherModel, [JSON.stringify({ ...header, model: 'arcface-r100-0badc0de' }), ...lines.slice(1)].join('\n') + '\n');
    const refused = await cli(['import', otherModel], target.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('come from model "arcface-r100-0badc0de"');

    // All or nothing: a bad last line, or bad settings for a collection the import would create, refuse the file
    // before the first person is written.
    const badLine = join(work, 'bad-line.jsonl');
    writeFileSync(badLine, [...lines, lines[lines.length - 1].replace('"faces":[', '"faces":[{"embedding":[1]},')].join('\n') + '\n');
    const refusedLine = await cli(['import', badLine], target.env);
    expect(refusedLine.code).toBe(1);
    expect(refusedLine.stderr).toContain('import refused, nothing was written: 1 problem');
    expect(refusedLine.stderr).toContain('line 9: face 0: "embedding" has 1 dimensions, expected 512');
    const badSettings = join(work, 'bad-settings.jsonl');
    const visitors = { name: 'visitors', description: null, settings: { matchThreshold: 7 } };
    const last = JSON.parse(lines[lines.length - 1]);
    writeFileSync(
      badSettings,
      [
        JSON.stringify({ ...header, collections: [...header.collections, visitors] }),
        ...lines.slice(1, -1),
        JSON.stringify({ ...last, collection: 'visitors' }),
      ].join('\n') + '\n',
    );
    const refusedSettings = await cli(['import', badSettings], target.env);
    expect(refusedSettings.code).toBe(1);
    expect(refusedSettings.stderr).toContain('import refused, nothing was written: 1 problem');
    expect(refusedSettings.stderr).toContain('collection "visitors" (header, line 1): settings.matchThreshold must not be greater than 1');
    const untouched = await cli(['export'], target.env);
    expect(untouched.stderr).toContain('exported 0 people (0 faces)');
    expect(JSON.parse(untouched.stdout.split('\n')[0]).collections.map((c: { name: string }) => c.name)).not.toContain('visitors');

    const imported = await cli(['import', exportFile], target.env);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('7 imported (39 faces), 0 skipped');
    const conflict = await cli(['import', exportFile], target.env);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('nothing was written');

    const created = await cli(['keys', 'create', '--name', 'kiosk', '--scopes', 'recognize'], target.env);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^fg_[a-z0-9]{8}_/);

    let app = await startTestApp(target.env);
    try {
      for (const person of PEOPLE) {
        const res = await app.http
          .post('/recognize')
          .set('X-API-Key', key)
          .send({ image: photo(`${person}/${PROBE}`) })
          .expect(200);
        expect(res.body).toMatchObject({ match: true, user: { externalId: person } });
      }
    } finally {
      await app.close();
    }

    const listed = await cli(['keys', 'list', '--json'], target.env);
    const id = (JSON.parse(listed.stdout) as Array<{ id: string; name: string }>).find((k) => k.name === 'kiosk')!.id;
    const revoked = await cli(['keys', 'revoke', id], target.env);
    expect(revoked.code).toBe(0);
    app = await startTestApp(target.env);
    try {
      await app.http
        .post('/recognize')
        .set('X-API-Key', key)
        .send({ image: photo(`Hugo_Chavez/${PROBE}`) })
        .expect(401);
    } finally {
      await app.close();
    }
  });

  it('resumes a folder: re-run after adding a person, only the new person is enrolled, the others skipped', async () => {
    mkdirSync(join(folder, 'George_W_Bush'));
    for (const file of ['001.jpg', '002.jpg', '003.jpg']) symlinkSync(facePath(`George_W_Bush/${file}`), join(folder, 'George_W_Bush', file));
    const resumed = await cli(['enrol', folder], source.env);
    expect(resumed.code).toBe(0);
    for (const [i, person] of ['Ariel_Sharon', 'Colin_Powell', 'Donald_Rumsfeld'].entries())
      expect(resumed.stderr).toContain(`[${i + 1}/8] ${person}: skipped (already enrolled)`);
    expect(resumed.stderr).toMatch(/\[4\/8\] George_W_Bush: [1-3] enrolled/);
    expect(resumed.stdout).toMatch(/8 people in .*: 1 enrolled \([1-3] faces\), 7 skipped \(already enrolled\), 0 failed/);
  });
});
