import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The name PostgreSQL clients (libpq, `pg`) derive from host=<dir> and the default port 5432. */
const SOCKET_NAME = '.s.PGSQL.5432';
/** sun_path holds 108 bytes on Linux and 104 on macOS, both including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 103;
const PRIVATE_MODE = 0o700;

/**
 * A fresh directory, private to this OS user (0700), that holds the embedded server's Unix socket. PGlite accepts any
 * user name and password, so the directory's permissions are the only thing keeping other local users out.
 * Under os.tmpdir() rather than DATA_DIR because socket paths are limited to ~100 bytes. Every start makes a new one,
 * so a directory left behind by a crashed run is never reused and never in the way.
 */
export class SocketDir {
  private constructor(readonly path: string) {}

  static create(): SocketDir {
    const path = mkdtempSync(join(tmpdir(), 'facegate-db-'));
    const dir = new SocketDir(path);
    try {
      dir.makePrivate();
      dir.checkLength();
    } catch (error) {
      dir.remove();
      throw error;
    }
    return dir;
  }

  /** Where the server listens. */
  get socketPath(): string {
    return join(this.path, SOCKET_NAME);
  }

  /**
   * For `pg` and Prisma's pg adapter: a host that is a (percent-encoded) absolute path means "Unix socket directory",
   * and the port defaults to 5432, hence the socket's name. PGlite ignores user and database name.
   */
  get url(): string {
    return `postgres://postgres@${encodeURIComponent(this.path)}/postgres`;
  }

  /** Idempotent; also removes the socket file. */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }

  /** mkdtemp already creates 0700; checked anyway, since a wrong mode here would silently expose the database. */
  private makePrivate(): void {
    chmodSync(this.path, PRIVATE_MODE);
    const stat = statSync(this.path);
    if ((stat.mode & 0o777) !== PRIVATE_MODE || (process.getuid && stat.uid !== process.getuid())) {
      throw new Error(`Embedded database socket directory ${this.path} is not private to this user`);
    }
  }

  private checkLength(): void {
    if (Buffer.byteLength(this.socketPath) > MAX_SOCKET_PATH_BYTES) {
      throw new Error(`Embedded database socket path ${this.socketPath} is too long: set TMPDIR to a shorter directory`);
    }
  }
}
