import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';

/** Linux only: the procfs tables the TCP check reads. */
export const HAS_PROCFS = existsSync('/proc/net/tcp') && existsSync('/proc/self/fd');

/**
 * Inodes of the TCP sockets in LISTEN state that belong to this process (worker threads included). Scoped to this
 * process so that other test files starting servers in parallel cannot disturb a before/after comparison.
 */
export function ownListeningTcpSockets(): Set<string> {
  const own = ownSocketInodes();
  return new Set([...listeningTcpInodes()].filter((inode) => own.has(inode)));
}

function listeningTcpInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') inodes.add(fields[9]); // 0A = TCP_LISTEN; field 9 is the inode
    }
  }
  return inodes;
}

function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    const target = safeReadlink(`/proc/self/fd/${fd}`);
    const match = target && /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]);
  }
  return inodes;
}

function safeReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined; // the fd closed meanwhile
  }
}

/** 'connected' or the error code of connecting to a Unix socket from this process. */
export function connectHere(socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Switching to another user needs root (CAP_SETUID); CI runs as root, a developer usually does not. */
export const CAN_SWITCH_USER = process.getuid?.() === 0;

// Plain `net`, no node_modules: the other user may not be able to read the project.
const CONNECT_SCRIPT = `
const socket = require('net').connect(process.argv[1]);
socket.on('connect', () => { process.stdout.write('connected'); socket.destroy(); });
socket.on('error', (error) => process.stdout.write(error.code || error.message));`;

/**
 * The same as connectHere, from a child process running as the unprivileged user `nobody` (setpriv, util-linux).
 * Anything unexpected (setpriv missing, node not executable by nobody) comes back as text, so assertions show it.
 */
export function connectAsNobody(socketPath: string): string {
  const child = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', process.execPath, '-e', CONNECT_SCRIPT, socketPath], {
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (child.error) return `spawn failed: ${child.error.message}`;
  return child.stdout || `exit ${child.status}: ${child.stderr}`;
}
