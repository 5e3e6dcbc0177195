import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const FILE = join(__dirname, '..', '..', 'BENCHMARKS.md');

export function machineLine(): string {
  const cpu = `${cpus()[0]?.model ?? 'unknown CPU'}${cpuGeneration()}`;
  return `${new Date().toISOString().slice(0, 10)}, ${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/**
 * Virtual machines often name the processor only by brand ("AMD EPYC"), and machines of one name have differed by
 * 1.5x in these benchmarks: the family and model from /proc/cpuinfo tell their generations apart.
 */
function cpuGeneration(): string {
  if (!existsSync('/proc/cpuinfo')) return '';
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(info)?.[1].trim();
  const family = field('cpu family');
  const model = field('model');
  return family && model ? ` (family ${family}, model ${model})` : '';
}

/** Replaces (or appends) the section between `<!-- bench:name -->` markers, so each benchmark owns its block. */
export function writeSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(FILE)
    ? readFileSync(FILE, 'utf8')
    : '# Benchmarks\n\nWritten by `npm run bench`. Timings are medians (p50) and 95th percentiles (p95) in milliseconds.\n';
  const pattern = new RegExp(`${escape(start)}[\\s\\S]*?${escape(end)}`);
  writeFileSync(FILE, pattern.test(current) ? current.replace(pattern, block) : `${current.trimEnd()}\n\n${block}\n`);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank),
    hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export const ms = (v: number) => v.toFixed(1);

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
