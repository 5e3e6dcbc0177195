import { ModelFilesError } from '@facegate/face-engine';
import { StartupError } from '../common/startup-error';
import { explainStartupFailure, StartupContext } from './startup-failure';

const external: StartupContext = { host: '0.0.0.0', port: 8000, databaseUrl: 'postgresql://app:secret@db.internal:6543/facegate?sslmode=require' };
const embedded: StartupContext = { host: '0.0.0.0', port: 8000 };

/** Errors shaped as Node's net module and the pg driver raise them. */
const netError = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'ERROR' });

describe('explainStartupFailure', () => {
  it('passes a StartupError or a model error through as it is', () => {
    expect(explainStartupFailure(new StartupError('FACEGATE_API_KEY was revoked'), external)).toBe('FACEGATE_API_KEY was revoked');
    expect(explainStartupFailure(new ModelFilesError('Model x is missing', 'x', 'missing'), embedded)).toBe('Model x is missing');
  });

  it('names the port when it is taken or needs privileges', () => {
    expect(explainStartupFailure(netError('EADDRINUSE', 'listen'), embedded)).toBe(
      'Port 8000 on 0.0.0.0 is already in use: stop the other process or set PORT to a free port.',
    );
    expect(explainStartupFailure(netError('EACCES', 'listen'), embedded)).toMatch(/^Port 8000 .* set PORT to 1024 or above/);
  });

  it('says which database could not be reached, without its password, also inside an AggregateError', () => {
    const both = new AggregateError([netError('ECONNREFUSED', 'connect'), netError('ECONNREFUSED', 'connect')], 'connect failed');
    const line = explainStartupFailure(both, external);
    expect(line).toBe(
      'Cannot reach PostgreSQL at db.internal:6543/facegate (ECONNREFUSED): start it or fix DATABASE_URL (unset it to use the embedded database).',
    );
    expect(line).not.toContain('secret');
    expect(explainStartupFailure(new Error('wrapped', { cause: netError('ENOTFOUND', 'getaddrinfo') }), external)).toMatch(
      /^Cannot reach PostgreSQL at db.internal:6543\/facegate \(ENOTFOUND\)/,
    );
  });

  it('explains a refused login, a missing database, a missing pgvector and a user who may not create it', () => {
    expect(explainStartupFailure(pgError('28P01', 'password authentication failed for user "app"'), external)).toMatch(
      /refused the login .* fix the user or password in DATABASE_URL/,
    );
    expect(explainStartupFailure(pgError('3D000', 'database "facegate" does not exist'), external)).toBe(
      'PostgreSQL at db.internal:6543/facegate: database "facegate" does not exist. Create it (createdb) or fix the database name in DATABASE_URL.',
    );
    expect(explainStartupFailure(pgError('0A000', 'extension "vector" is not available'), external)).toMatch(
      /has no pgvector extension: install it \(Debian: bash scripts\/setup-pgvector.sh; Docker: the pgvector\/pgvector image\)/,
    );
    expect(
      explainStartupFailure(
        pgError('58P01', 'could not open extension control file "/usr/share/postgresql/15/extension/vector.control": No such file or directory'),
        external,
      ),
    ).toMatch(/no pgvector/);
    expect(explainStartupFailure(pgError('42501', 'permission denied to create extension "vector"'), external)).toMatch(
      /may not create the pgvector extension .* CREATE EXTENSION vector/,
    );
  });

  it('leaves failures nobody foresaw to their stack trace', () => {
    expect(explainStartupFailure(new TypeError('x is not a function'), external)).toBeNull();
    expect(explainStartupFailure(pgError('42P01', 'relation "faces" does not exist'), external)).toBeNull();
    expect(explainStartupFailure('a string', external)).toBeNull();
    // The embedded database has no DATABASE_URL to blame.
    expect(explainStartupFailure(netError('ECONNREFUSED', 'connect'), embedded)).toBeNull();
  });
});
