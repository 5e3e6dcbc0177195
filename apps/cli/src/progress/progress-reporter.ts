import { formatBar, type ProgressStream } from '@facegate/common';

/** What happened to one person of a folder enrolment or an import. */
export interface PersonOutcome {
  status: 'enrolled' | 'imported' | 'skipped' | 'failed';
  enrolled: number;
  rejected: number;
  /** Why a person failed or was skipped. */
  reason?: string;
}

/** `[12/31] Tony_Blair: 9 enrolled, 1 rejected` (the plain line, for logs and pipes). */
export function formatProgressLine(done: number, total: number, label: string, outcome: PersonOutcome): string {
  return `[${done}/${total}] ${label}: ${describeOutcome(outcome)}`;
}

export function describeOutcome(outcome: PersonOutcome): string {
  if (outcome.status === 'skipped') return `skipped (${outcome.reason ?? 'already enrolled'})`;
  const counts = `${outcome.enrolled} ${outcome.status === 'imported' ? 'faces imported' : 'enrolled'}, ${outcome.rejected} rejected`;
  return outcome.status === 'failed' ? `failed: ${outcome.reason ?? 'no photo passed'} (${counts})` : counts;
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, one plain line per person otherwise (CI logs, pipes,
 * files), so the output stays readable wherever it goes. Never prints photos or embeddings, only names and counts.
 */
export class ProgressReporter {
  private drawn = false;

  constructor(private readonly stream: ProgressStream) {}

  get interactive(): boolean {
    return this.stream.isTTY === true;
  }

  /** A person is being worked on (terminal only: shows the name while its photos are analysed). */
  working(done: number, total: number, label: string): void {
    if (this.interactive) this.draw(formatBar(done, total, label, this.stream.columns));
  }

  personDone(done: number, total: number, label: string, outcome: PersonOutcome): void {
    if (!this.interactive) {
      this.stream.write(formatProgressLine(done, total, label, outcome) + '\n');
      return;
    }
    // Only noteworthy people leave a line above the bar; the bar itself carries the rest.
    if (outcome.status === 'failed' || outcome.rejected > 0) this.note(formatProgressLine(done, total, label, outcome));
    this.draw(formatBar(done, total, label, this.stream.columns));
  }

  /** A line that stays (above the bar on a terminal). */
  note(line: string): void {
    this.clear();
    this.stream.write(line + '\n');
  }

  finish(): void {
    this.clear();
  }

  private draw(line: string): void {
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
