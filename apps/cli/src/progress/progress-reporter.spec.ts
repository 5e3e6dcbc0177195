import { formatBar } from '@facegate/common';
import { formatProgressLine, ProgressReporter } from './progress-reporter';

describe('progress formatting', () => {
  it('writes the plain per-person line', () => {
    expect(formatProgressLine(12, 31, 'Tony_Blair', { status: 'enrolled', enrolled: 9, rejected: 1 })).toBe('[12/31] Tony_Blair: 9 enrolled, 1 rejected');
    expect(formatProgressLine(3, 31, 'Ada', { status: 'skipped', enrolled: 0, rejected: 0 })).toBe('[3/31] Ada: skipped (already enrolled)');
    expect(formatProgressLine(4, 31, 'Nobody', { status: 'failed', enrolled: 0, rejected: 2, reason: 'no photo passed' })).toBe(
      '[4/31] Nobody: failed: no photo passed (0 enrolled, 2 rejected)',
    );
  });

  it('draws a bar with counts and percentage that fits the terminal', () => {
    expect(formatBar(0, 4, 'A', 80)).toBe('[..............................] 0/4   0% A');
    expect(formatBar(2, 4, 'B', 80)).toBe('[###############...............] 2/4  50% B');
    expect(formatBar(4, 4, 'C', 80)).toBe('[##############################] 4/4 100% C');
    expect(formatBar(1, 3, 'x'.repeat(200), 60).length).toBe(59);
    expect(formatBar(0, 0, 'empty')).toContain('100%');
  });
});

describe('ProgressReporter', () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY, columns: 80, write: (t: string) => chunks.push(t) } };
  };

  it('prints one plain line per person when not on a terminal', () => {
    const { chunks, stream } = sink(false);
    const progress = new ProgressReporter(stream);
    progress.working(0, 2, 'A');
    progress.personDone(1, 2, 'A', { status: 'enrolled', enrolled: 3, rejected: 0 });
    progress.finish();
    expect(chunks.join('')).toBe('[1/2] A: 3 enrolled, 0 rejected\n');
  });

  it('redraws a bar in place on a terminal and keeps noteworthy lines above it', () => {
    const { chunks, stream } = sink(true);
    const progress = new ProgressReporter(stream);
    progress.personDone(1, 2, 'A', { status: 'enrolled', enrolled: 3, rejected: 1 });
    progress.finish();
    const out = chunks.join('');
    expect(out).toContain('[1/2] A: 3 enrolled, 1 rejected\n');
    expect(out).toContain('\r\x1b[2K[###############...............] 1/2  50% A');
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });
});
