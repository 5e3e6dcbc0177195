import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');

describe('the facegate executable', () => {
  it('starts with a node shebang, which tsc keeps, so the package bin runs after npm run build', () => {
    expect(readFileSync(join(__dirname, 'main.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('is the package bin, made executable by the build', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.bin.facegate).toBe('dist/apps/cli/src/main.js');
    expect(pkg.scripts.build).toContain('chmod +x dist/apps/cli/src/main.js');
  });
});
