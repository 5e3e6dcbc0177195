/**
 * Writes the OpenAPI document the API serves at /docs/openapi.json to libs/client/openapi.json, and the client's
 * TypeScript types generated from it (openapi-typescript) to libs/client/src/schema.ts. Run after changing a route
 * or a DTO: `npm run openapi`. A unit test (apps/api/src/openapi/client-files.spec.ts) fails while either file is stale.
 *
 * Builds the app without starting it: no database, no models.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_DIR, currentOpenApiDocument, generateSchemaTypes } from '../apps/api/src/openapi/client-files';

async function main(): Promise<void> {
  const document = await currentOpenApiDocument();
  writeFileSync(join(CLIENT_DIR, 'openapi.json'), JSON.stringify(document, null, 2) + '\n');
  writeFileSync(join(CLIENT_DIR, 'src', 'schema.ts'), generateSchemaTypes(join(CLIENT_DIR, 'openapi.json')));
  console.log(`wrote ${join(CLIENT_DIR, 'openapi.json')} (${Object.keys(document.paths).length} paths) and src/schema.ts`);
  process.exit(0);
}

void main();
