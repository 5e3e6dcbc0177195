import { withClient } from './test-database';

/** The machine's streaming standby (scripts/setup-replica.sh), as its superuser, for tests that hold its replay. */
export const STANDBY_ADMIN_URL = 'postgres://postgres@127.0.0.1:5433/postgres';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Pauses the standby's WAL replay and returns only once it has stopped. pg_wal_replay_pause() merely requests the
 * pause: until the state reads 'paused' the standby may still replay the next commit, which made a test that expects
 * the standby to be behind see it caught up instead (CI, stop 26).
 */
export async function pauseStandbyReplay(timeoutMs = 10_000): Promise<void> {
  await withClient(STANDBY_ADMIN_URL, async (client) => {
    await client.query('SELECT pg_wal_replay_pause()');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ state: string }>('SELECT pg_get_wal_replay_pause_state() AS state');
      if (rows[0]?.state === 'paused') return;
      if (Date.now() > deadline) throw new Error(`standby replay still '${rows[0]?.state}' after ${timeoutMs} ms`);
      await sleep(10);
    }
  });
}

export async function resumeStandbyReplay(): Promise<void> {
  await withClient(STANDBY_ADMIN_URL, (client) => client.query('SELECT pg_wal_replay_resume()'));
}
