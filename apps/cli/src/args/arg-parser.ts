/**
 * The command line's small parser (no dependency): `--flag value`, `--flag=value`, boolean `--flag`, `--` ends the
 * options, `-h`/`--help` anywhere. Anything it does not know is a UsageError (exit code 2), never silently ignored.
 */
export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Shown in the help, e.g. `--report <file>`. */
  valueName?: string;
  choices?: readonly string[];
}

export interface PositionalSpec {
  name: string;
  required: boolean;
}

export interface CommandSpec {
  /** One or two words: `enrol`, `keys create`. */
  name: string;
  summary: string;
  positionals: PositionalSpec[];
  flags: Record<string, FlagSpec>;
  /** Options are handed untouched to another tool (eval): no parsing beyond --help. */
  passThrough?: boolean;
  examples?: string[];
  notes?: string;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | undefined>;
  help: boolean;
  /** passThrough commands: everything after the command name. */
  rest: string[];
}

/** A mistake in how the command was typed: message plus exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  if (spec.passThrough) return { positionals: [], flags: {}, help: argv.includes('--help') || argv.includes('-h'), rest: [...argv] };
  const parsed: ParsedArgs = { positionals: [], flags: {}, help: false, rest: [] };
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (optionsEnded || !arg.startsWith('-') || arg === '-') {
      parsed.positionals.push(arg);
    } else if (arg === '--') {
      optionsEnded = true;
    } else if (arg === '-h' || arg === '--help') {
      parsed.help = true;
    } else {
      i = readFlag(argv, i, spec, parsed.flags);
    }
  }
  if (!parsed.help) checkPositionals(parsed.positionals, spec);
  return parsed;
}

/** Reads the flag at argv[i] (and its value); returns the index of the last argument consumed. */
function readFlag(argv: readonly string[], i: number, spec: CommandSpec, flags: ParsedArgs['flags']): number {
  const arg = argv[i];
  if (!arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`, spec.name);
  const eq = arg.indexOf('=');
  const name = arg.slice(2, eq < 0 ? undefined : eq);
  const flag = spec.flags[name];
  if (!flag) throw new UsageError(`unknown option --${name}`, spec.name);
  if (flags[name] !== undefined) throw new UsageError(`option --${name} given twice`, spec.name);
  if (flag.type === 'boolean') {
    if (eq >= 0) throw new UsageError(`option --${name} takes no value`, spec.name);
    flags[name] = true;
    return i;
  }
  const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
  const value = inline ?? argv[i + 1];
  if (value === undefined || (inline === undefined && value.startsWith('--')) || value === '') {
    throw new UsageError(`option --${name} needs a value${flag.valueName ? ` (${flag.valueName})` : ''}`, spec.name);
  }
  if (flag.choices && !flag.choices.includes(value))
    throw new UsageError(`option --${name} must be one of ${flag.choices.join(', ')}, got "${value}"`, spec.name);
  flags[name] = value;
  return inline === undefined ? i + 1 : i;
}

function checkPositionals(positionals: string[], spec: CommandSpec): void {
  const required = spec.positionals.filter((p) => p.required);
  if (positionals.length < required.length) throw new UsageError(`missing argument <${required[positionals.length].name}>`, spec.name);
  if (positionals.length > spec.positionals.length) throw new UsageError(`unexpected argument "${positionals[spec.positionals.length]}"`, spec.name);
}

/** Comma-separated list flag (`--scopes a,b`): trimmed, empty items dropped. */
export function listFlag(value: string | boolean | undefined): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

export function stringFlag(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `facegate <command> --help`. */
export function formatHelp(spec: CommandSpec): string {
  const args = spec.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`));
  const tail = spec.passThrough ? ' [options of the tool]' : Object.keys(spec.flags).length ? ' [options]' : '';
  const lines = [`usage: facegate ${spec.name}${args.length ? ` ${args.join(' ')}` : ''}${tail}`, '', spec.summary];
  const rows: Array<[string, string]> = Object.entries(spec.flags).map(([name, f]) => [
    `--${name}${f.type === 'string' ? ` <${f.valueName ?? 'value'}>` : ''}`,
    `${f.description}${f.choices ? ` (${f.choices.join(' | ')})` : ''}`,
  ]);
  rows.push(['--help', 'this help']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  lines.push('', 'options:', ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`));
  if (spec.notes) lines.push('', spec.notes);
  if (spec.examples?.length) lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}
