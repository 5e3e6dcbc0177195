/**
 * Source of the worker thread that runs PGlite and its socket server, evaluated with `new Worker(source, { eval })`.
 *
 * Why a worker: PGlite executes PostgreSQL as synchronous WebAssembly, so on the main thread every query would stall
 * the application's event loop; and PGlite loads Node built-ins with dynamic import(), which Jest's module sandbox
 * rejects (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG): a worker is a plain Node context outside that sandbox.
 * Why a string: a separate .js file would not be copied by tsc into dist, and a stringified TypeScript function breaks
 * under coverage instrumentation. Plain CommonJS; package paths arrive resolved in workerData.
 *
 * Protocol: worker -> main { type: 'ready' } | { type: 'failed', message } | { type: 'stopped' };
 *           main -> worker { type: 'stop' }.
 */
export const EMBEDDED_WORKER_SOURCE = String.raw`
'use strict';
const { chmodSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.modules.pglite);
const { vector } = require(workerData.modules.vector);
const { PGLiteSocketServer } = require(workerData.modules.socket);

function describe(error) {
  return error && error.stack ? String(error.stack) : String(error);
}

async function start() {
  const db = await PGlite.create({ dataDir: workerData.dataDir, extensions: { vector } });
  const server = new PGLiteSocketServer({
    db,
    path: workerData.socketPath,
    maxConnections: workerData.maxConnections,
  });
  try {
    await server.start();
    // The 0700 directory already keeps other users out; this holds even if the directory's mode were changed.
    chmodSync(workerData.socketPath, 0o600);
  } catch (error) {
    await server.stop();
    await db.close();
    throw error;
  }
  return { db, server };
}

async function stop(running) {
  await running.server.stop();
  if (!running.db.closed) await running.db.close();
}

start().then(
  (running) => {
    parentPort.on('message', (message) => {
      if (!message || message.type !== 'stop') return;
      stop(running)
        .then(() => parentPort.postMessage({ type: 'stopped' }))
        .catch((error) => parentPort.postMessage({ type: 'failed', message: describe(error) }))
        .finally(() => parentPort.close());
    });
    parentPort.postMessage({ type: 'ready' });
  },
  (error) => {
    parentPort.postMessage({ type: 'failed', message: describe(error) });
    parentPort.close();
  },
);
`;
