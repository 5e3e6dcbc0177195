import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertWritable, ReportFileError, writeReport } from './report-file';

describe('the --report file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'facegate-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is written as JSON when its folder is writable', () => {
    const file = join(dir, 'r.json');
    assertWritable(file);
    writeReport(file, { summary: { people: 1 } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ summary: { people: 1 } });
  });

  it('is refused up front with the reason and a writable place to use instead', () => {
    const missing = join(dir, 'no-such-folder', 'r.json');
    expect(() => assertWritable(missing)).toThrow(ReportFileError);
    expect(() => assertWritable(missing)).toThrow(
      `cannot write the report to ${missing}: the folder does not exist (ENOENT). Choose a writable path (in the container: under /data or /tmp).`,
    );
  });

  it('names a folder given as the file', () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    expect(() => writeReport(folder, {})).toThrow(/cannot write the report to .*a-folder: it is a folder \(EISDIR\)/);
  });
});
