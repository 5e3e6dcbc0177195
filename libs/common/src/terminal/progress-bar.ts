/** `[##########..........]  12/31  39%  Tony_Blair`, fitted to `columns`: the one bar both command-line tools draw. */
export function formatBar(done: number, total: number, label: string, columns = 80): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const counts = ` ${done}/${total} ${String(Math.floor(fraction * 100)).padStart(3)}% `;
  const width = Math.max(10, Math.min(30, columns - counts.length - 12));
  const filled = Math.round(fraction * width);
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${counts}${label}`;
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 1)) : line;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Progress of a long loop (the evaluation's photos and pairs): the bar redrawn in place on a terminal; on CI logs (not
 * a TTY) a line every 10% instead of a wall of carriage returns.
 */
export class ProgressBar {
  private lastDecile = -1;

  constructor(private readonly stream: ProgressStream) {}

  update(done: number, total: number, label: string): void {
    const fraction = total > 0 ? done / total : 1;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${formatBar(done, total, label, this.stream.columns)}`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      this.stream.write(`progress ${Math.round(fraction * 100)}% (${done}/${total})\n`);
    }
  }

  done(message: string): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[2K');
    this.stream.write(`${message}\n`);
  }
}
