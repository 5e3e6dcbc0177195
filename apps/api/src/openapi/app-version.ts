import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package's version, from the package.json above this file (sources or dist/, and in the image). */
export const APP_VERSION = readVersion(__dirname);

function readVersion(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'facegate' && pkg.version) return pkg.version;
  }
  return '0.0.0';
}
