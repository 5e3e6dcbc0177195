import { CommandSpec } from './arg-parser';

const COLLECTION = { type: 'string', valueName: 'name', description: 'collection (gallery); default "default", created if missing' } as const;

/** Every command the tool knows: what `--help` shows and what the parser accepts. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'enrol',
    summary:
      'Enrol a folder with one sub-folder per person (the sub-folder name is the externalId; the name is the same with "_" as spaces). ' +
      "Each photo is checked on its own by the API's rules; a person is stored in one transaction with every photo that passed.",
    positionals: [{ name: 'folder', required: true }],
    flags: {
      collection: COLLECTION,
      report: { type: 'string', valueName: 'file.json', description: "write every person's outcome and every rejected photo (code, reason) as JSON" },
      'allow-duplicate': { type: 'boolean', description: 'enrol a face even if it matches another person of the collection (DUPLICATE_FACE otherwise)' },
      'allow-mismatch': { type: 'boolean', description: "keep a photo even if it does not match the person's other photos (FACE_MISMATCH otherwise); audited" },
    },
    notes:
      'Resumable: a person whose externalId already exists in the collection is skipped; people with no stored user (all photos\n' +
      'rejected, an error, an interrupted run) are retried in full. Exit code 0 even when photos are rejected; 1 on fatal errors.',
    examples: ['facegate enrol ./people --collection staff --report rejected.json'],
  },
  {
    name: 'export',
    summary: 'Write every person with their embeddings as JSON lines to stdout (a header line first). Streams in pages.',
    positionals: [],
    flags: { collection: { type: 'string', valueName: 'name', description: 'only this collection (default: all)' } },
    examples: ['facegate export --collection staff > staff.jsonl'],
  },
  {
    name: 'import',
    summary: 'Read an export file: every line is validated first (nothing is written if one is bad), then each person is stored in one transaction.',
    positionals: [{ name: 'file.jsonl', required: true }],
    flags: {
      collection: { type: 'string', valueName: 'name', description: 'put everyone in this collection instead of the one in the file (created if missing)' },
      'on-conflict': {
        type: 'string',
        valueName: 'rule',
        choices: ['fail', 'skip'],
        description: 'an externalId that already exists: fail before writing anything (default), or skip that person',
      },
    },
    notes: 'A file from another embedding model is refused. People without an externalId are always imported as new people.',
    examples: ['facegate import staff.jsonl', 'facegate import staff.jsonl --collection staff-copy --on-conflict skip'],
  },
  {
    name: 'keys create',
    summary: 'Issue an API key; the key is printed once (stdout) and only its hash is stored.',
    positionals: [],
    flags: {
      name: { type: 'string', valueName: 'name', description: 'a label, e.g. kiosk-lobby (required)' },
      scopes: { type: 'string', valueName: 'a,b', description: 'admin, enrol, recognize, read (required)' },
      collections: { type: 'string', valueName: 'c1,c2', description: 'confine the key to these collections (default: all)' },
    },
    examples: ['facegate keys create --name kiosk --scopes recognize --collections lobby'],
  },
  {
    name: 'keys list',
    summary: 'List API keys: id, prefix, name, scopes, collections, created, last used, revoked.',
    positionals: [],
    flags: { json: { type: 'boolean', description: 'print JSON instead of a table' } },
  },
  {
    name: 'keys revoke',
    summary: 'Revoke an API key by id; effective on the next request.',
    positionals: [{ name: 'id', required: true }],
    flags: {},
  },
  {
    name: 'reindex',
    summary: 'Rebuild the vector index now (the same program as npm run db:reindex).',
    positionals: [],
    flags: {},
  },
  {
    name: 'eval',
    summary: 'Measure accuracy on a labelled folder (the same program as npm run eval; every option is passed through).',
    positionals: [],
    flags: {},
    passThrough: true,
    examples: ['facegate eval --data ./faces --out report.json --plot roc.svg'],
  },
];

export const GENERAL_HELP = `usage: facegate <command> [options]     (facegate <command> --help for its options)

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(13)}${c.summary.split('. ')[0].replace(/\.$/, '')}`).join('\n')}

Configuration comes from the same environment variables as the server (DATABASE_URL, or the embedded database in
DATA_DIR; FACEGATE_*). The embedded database can be opened by one process only: stop the server first, or use
PostgreSQL (DATABASE_URL), with which the tool runs beside live servers.
`;

/** The spec for argv's first one or two words, and how many words the name took. */
export function findCommand(argv: readonly string[]): { spec: CommandSpec; words: number } | undefined {
  const two = COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { spec: two, words: 2 };
  const one = COMMANDS.find((c) => c.name === argv[0]);
  return one ? { spec: one, words: 1 } : undefined;
}
