import { readlinkSync } from 'node:fs';
import { constants, getPriority, setPriority } from 'node:os';

/**
 * Lowers the scheduling priority (raises the nice value) of the calling thread only: on Linux a thread's id is a valid
 * target of setpriority(), and /proc/thread-self names it. Used by the face engine's worker threads so that, on a
 * machine the engine saturates, the process's event loop (HTTP, health checks) gets the processor first; the engine's
 * total throughput is the same, it just yields. Threads started from the calling thread afterwards inherit the value;
 * other processes (the database) are not ordered against it where the kernel schedules by autogroup. Returns the nice value now in force, or null where the
 * platform has no per-thread priority (anything but Linux) or the thread's id cannot be read.
 */
export function lowerThreadPriority(nice: number): number | null {
  if (process.platform !== 'linux' || nice <= 0) return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return null;
    // Never raise a priority an operator lowered further (e.g. the whole process started under `nice -n 15`).
    if (getPriority(tid) < nice) setPriority(tid, Math.min(nice, constants.priority.PRIORITY_LOW));
    return getPriority(tid);
  } catch {
    return null;
  }
}
