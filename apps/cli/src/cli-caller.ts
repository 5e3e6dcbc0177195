import { randomUUID } from 'node:crypto';
import { Actor } from '@facegate/core';

/**
 * Whoever runs the tool holds the database itself, so it acts as an unbound admin. Its actions are audited like the
 * API's, with no key (key_id NULL: the audit table allows it and no key was presented) and the address "cli".
 */
export function cliCaller(): Actor {
  return { keyId: null, scopes: ['admin'], collections: [], clientIp: 'cli', requestId: `cli-${randomUUID()}` };
}
