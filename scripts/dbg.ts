import { readFileSync } from 'node:fs';
import { createTestDatabase, startTestApp, ADMIN_KEY } from '../test/e2e-app';
(async () => {
  const db = await createTestDatabase('postgres');
  console.log('db', db.env);
  const t = await startTestApp(db.env, { LOG_LEVEL: 'debug' });
  console.log('app started');
  const img = readFileSync('../shared/faces/Tony_Blair/001.jpg').toString('base64');
  const res = await t.http.post('/users').set('X-API-Key', ADMIN_KEY).send({ name: 'x', images: [img] });
  console.log(res.status, JSON.stringify(res.body).slice(0, 300));
  await t.close(); await db.drop();
})().catch((e) => { console.error('ERR', e); process.exit(1); });
