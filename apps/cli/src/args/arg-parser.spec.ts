import { CommandSpec, formatHelp, listFlag, parseArgs, UsageError } from './arg-parser';
import { COMMANDS, findCommand } from './command-specs';

const spec: CommandSpec = {
  name: 'enrol',
  summary: 'Enrol a folder.',
  positionals: [{ name: 'folder', required: true }],
  flags: {
    collection: { type: 'string', description: 'collection' },
    'on-conflict': { type: 'string', description: 'rule', choices: ['fail', 'skip'] },
    json: { type: 'boolean', description: 'json' },
  },
};

function usageError(argv: string[]): UsageError {
  try {
    parseArgs(argv, spec);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('no UsageError');
}

describe('parseArgs', () => {
  it('reads positionals, --flag value, --flag=value and booleans', () => {
    const parsed = parseArgs(['./people', '--collection', 'staff', '--on-conflict=skip', '--json'], spec);
    expect(parsed).toEqual({ positionals: ['./people'], flags: { collection: 'staff', 'on-conflict': 'skip', json: true }, help: false, rest: [] });
  });

  it('takes everything after -- as positionals', () => {
    expect(parseArgs(['--', '--weird-folder'], spec).positionals).toEqual(['--weird-folder']);
  });

  it('answers --help and -h without checking the positionals', () => {
    expect(parseArgs(['--help'], spec).help).toBe(true);
    expect(parseArgs(['-h'], spec).help).toBe(true);
  });

  it.each([
    [['./p', '--nope'], 'unknown option --nope'],
    [['./p', '-x'], 'unknown option -x'],
    [['./p', '--collection'], 'option --collection needs a value'],
    [['./p', '--collection', '--json'], 'option --collection needs a value'],
    [['./p', '--json=yes'], 'option --json takes no value'],
    [['./p', '--on-conflict', 'merge'], 'option --on-conflict must be one of fail, skip, got "merge"'],
    [['./p', '--json', '--json'], 'option --json given twice'],
    [[], 'missing argument <folder>'],
    [['./p', 'extra'], 'unexpected argument "extra"'],
  ])('refuses %j with a clear message and exit code 2', (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toBe(message);
    expect(error.exitCode).toBe(2);
    expect(error.command).toBe('enrol');
  });

  it('hands a pass-through command its arguments untouched', () => {
    const evalSpec = COMMANDS.find((c) => c.name === 'eval')!;
    expect(parseArgs(['--data', 'x', '--flip'], evalSpec).rest).toEqual(['--data', 'x', '--flip']);
  });
});

describe('listFlag', () => {
  it('splits and trims comma lists', () => {
    expect(listFlag(' read, recognize ,,')).toEqual(['read', 'recognize']);
    expect(listFlag(undefined)).toBeUndefined();
  });
});

describe('commands', () => {
  it('finds one- and two-word commands', () => {
    expect(findCommand(['keys', 'create', '--name', 'x'])).toMatchObject({ spec: { name: 'keys create' }, words: 2 });
    expect(findCommand(['enrol', 'dir'])).toMatchObject({ spec: { name: 'enrol' }, words: 1 });
    expect(findCommand(['keys'])).toBeUndefined();
    expect(findCommand(['enroll'])).toBeUndefined();
  });

  it('documents every option of every command in its help', () => {
    for (const command of COMMANDS) {
      const help = formatHelp(command);
      expect(help).toContain(`usage: facegate ${command.name}`);
      for (const flag of Object.keys(command.flags)) expect(help).toContain(`--${flag}`);
      expect(help).toContain('--help');
    }
  });
});
