/** `name{labels} value` lines of the Prometheus text format, as [series, value]. */
export function prometheusSamples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

/** Whether a series (`name{labels}`) is `name` and carries all of `labels` (in any order). */
function matches(series: string, name: string, labels: Record<string, string>): boolean {
  const [seriesName] = series.split('{');
  return seriesName === name && Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`));
}

/** The value of the first series whose name and labels include all of `labels`. */
export function sampleValue(map: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const [series, v] of map) if (matches(series, name, labels)) return v;
  return undefined;
}

/** The sum over every series whose name and labels include all of `labels` (e.g. a histogram's _sum over statuses). */
export function sampleTotal(map: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, v] of map) if (matches(series, name, labels)) total += v;
  return total;
}
