import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An exclusive lock on an embedded data directory. PGlite writes no postmaster.pid, and two processes opening the same
 * directory would corrupt it. The lock file holds the owner's pid; a lock whose process is gone is stale and is taken
 * over.
 * Best effort: it protects against a second process on the same host (pids mean nothing across hosts or containers
 * sharing a volume).
 */
const LOCK_FILE = 'facegate.lock';
/** Directories locked by this process: the pid check alone cannot tell "us, again" from "a stale file of ours". */
const heldByThisProcess = new Set<string>();

export class DataDirLock {
  private released = false;

  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, LOCK_FILE);
    if (heldByThisProcess.has(file)) throw new Error(`Embedded database ${dataDir} is already open in this process`);
    if (!tryCreate(file)) {
      const owner = readOwner(file);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        throw new Error(`Embedded database ${dataDir} is in use by process ${owner}`);
      }
      // Stale (the owner died without releasing it, or it is our own pid from before a container restart).
      rmSync(file, { force: true });
      if (!tryCreate(file)) throw new Error(`Could not lock embedded database ${dataDir}`);
    }
    heldByThisProcess.add(file);
    return new DataDirLock(file);
  }

  /** Idempotent: a second call must not delete a lock file a newer owner has created since. */
  release(): void {
    if (this.released) return;
    this.released = true;
    heldByThisProcess.delete(this.file);
    rmSync(this.file, { force: true });
  }
}

/** Atomic create-if-absent ('wx'): of two racing processes exactly one succeeds. */
function tryCreate(file: string): boolean {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
