/** A one-line progress bar on a TTY; on CI logs (not a TTY) a line every 10% instead of a wall of carriage returns. */
export class ProgressBar {
  private lastDecile = -1;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(done: number, total: number, label: string): void {
    const fraction = total > 0 ? done / total : 1;
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label.slice(0, 40).padEnd(40)}`);
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
