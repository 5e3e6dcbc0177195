import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_DIR, currentOpenApiDocument, generateSchemaTypes } from './client-files';

/**
 * The typed client (libs/client) is generated from the document the API serves: both generated files must be what
 * `npm run openapi` would write now, or a client user gets types of an API that no longer exists.
 */
describe('the generated client files', () => {
  it('libs/client/openapi.json is the document the API serves now (npm run openapi rewrites it)', async () => {
    const committed = JSON.parse(readFileSync(join(CLIENT_DIR, 'openapi.json'), 'utf8')) as object;
    expect(JSON.parse(JSON.stringify(await currentOpenApiDocument()))).toEqual(committed);
  });

  it('libs/client/src/schema.ts is what openapi-typescript makes of it (npm run openapi rewrites it)', () => {
    expect(generateSchemaTypes(join(CLIENT_DIR, 'openapi.json'))).toBe(readFileSync(join(CLIENT_DIR, 'src', 'schema.ts'), 'utf8'));
  });

  it('names every operation for a client, and defines every security scheme an operation uses', async () => {
    const document = await currentOpenApiDocument();
    const operations = Object.values(document.paths).flatMap((item) =>
      Object.values(item).filter(
        (o): o is { operationId: string; security?: Array<Record<string, string[]>> } => typeof o === 'object' && o !== null && 'operationId' in o,
      ),
    );
    expect(operations.length).toBeGreaterThan(25);
    for (const op of operations) expect(op.operationId).toMatch(/^[a-z][a-zA-Z]+$/);
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
    const schemes = Object.keys(document.components?.securitySchemes ?? {});
    for (const op of operations) for (const requirement of op.security ?? []) for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
  });
});
