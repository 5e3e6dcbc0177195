import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_STATUS } from '@facegate/common';

/**
 * The page must have words for every code the API can answer with. The page's module is browser JavaScript (no
 * build step), so its table is read as text: one `CODE: '...'` entry per line.
 */
describe('web page error messages', () => {
  const source = readFileSync(join(__dirname, '..', 'assets', 'js', 'error-messages.js'), 'utf8');
  const table = source.slice(source.indexOf('export const ERROR_MESSAGES'), source.indexOf('};'));
  const codes = new Set([...table.matchAll(/^\s+([A-Z_0-9]+): '(.+)',$/gm)].map((m) => m[1]));

  it('has a message for every error code of the API', () => {
    const missing = Object.keys(ERROR_STATUS).filter((code) => !codes.has(code));
    expect(missing).toEqual([]);
  });

  it('has no message for a code the API does not have (a renamed code would leave a stale entry)', () => {
    const unknown = [...codes].filter((code) => !(code in ERROR_STATUS) && code !== 'NETWORK');
    expect(unknown).toEqual([]);
  });
});
