import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import express from 'express';
import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * Issue 17: every response the end-to-end suites receive is checked against the app's own OpenAPI document (the one
 * /docs/openapi.json serves): the status must be documented for the route, and a JSON body must match the schema of
 * its content type. A mismatch replaces the response with a 500 problem `RESPONSE_SCHEMA_MISMATCH` that says what
 * differed, so the test that got it fails there, and is kept in `responseMismatches` for the suite's own check.
 *
 * Express's `response.send` is wrapped once per jest module registry (one per test file): every app the file starts
 * answers through it. Paths the document does not describe (the web page, /docs itself) are not checked.
 */
export const responseMismatches: string[] = [];

// Also at the end of every test file that loads this module: a mismatch in a test that never looked at the status
// (a burst counting answers, say) still fails the file. Outside jest (the API benchmark starts its app through the
// same harness) there is no test to fail.
if (typeof afterAll === 'function') afterAll(() => expect(responseMismatches).toEqual([]));

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  literal: boolean;
}

let state: { document: OpenAPIObject; routes: Route[]; ajv: Ajv; compiled: Map<string, ValidateFunction> } | null = null;

/** `document` is called once per test file: later apps of the file answer through the same wrapper. */
export function validateResponsesAgainst(document: () => OpenAPIObject): void {
  if (state) return;
  prepare(document());
  wrapSend();
}

/** The document for answers read off the wire, where no express app runs in this process: the client's copy. */
export function useCommittedDocument(): void {
  if (state) return;
  // libs/client/openapi.json is what /docs/openapi.json serves (apps/api/src/openapi/client-files.spec.ts).
  prepare(JSON.parse(readFileSync(join(__dirname, '..', 'libs', 'client', 'openapi.json'), 'utf8')) as OpenAPIObject);
}

function prepare(document: OpenAPIObject): void {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  ajv.addSchema({ components: document.components }, 'doc');
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
      routes.push({ method: method.toUpperCase(), template, pattern, literal: !template.includes('{') });
    }
  }
  // A literal path (/api-keys/me) wins over a template that also matches it (/api-keys/{id}).
  routes.sort((a, b) => Number(b.literal) - Number(a.literal));
  state = { document, routes, ajv, compiled: new Map() };
}

function wrapSend(): void {
  const response = express.response as express.Response & { send: (body?: unknown) => express.Response };
  const original = response.send;
  response.send = function (this: express.Response, body?: unknown) {
    // res.send(object) re-enters with the JSON string; check that call.
    if (body !== undefined && body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) return original.call(this, body);
    let mismatch: string | null;
    try {
      mismatch = check(this.req, this, body);
    } catch (error) {
      // A validator that cannot run is a test failure too, never a hung response.
      mismatch = `${this.req.method} ${this.req.originalUrl}: the response could not be validated: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!mismatch) return original.call(this, body);
    responseMismatches.push(mismatch);
    console.error(`RESPONSE_SCHEMA_MISMATCH ${mismatch}`);
    this.status(500).type('application/problem+json');
    return original.call(
      this,
      JSON.stringify({
        type: 'about:blank',
        title: 'Response does not match the OpenAPI document',
        status: 500,
        detail: mismatch,
        code: 'RESPONSE_SCHEMA_MISMATCH',
      }),
    );
  } as typeof response.send;
}

function check(req: express.Request, res: express.Response, body: unknown): string | null {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  return checkResponse(req.method, req.originalUrl, res.statusCode, String(res.getHeader('Content-Type') ?? ''), text);
}

/**
 * Checks one response against the document: null when it matches (or its path is not in the document), else what
 * differs. For answers read off the wire (test/server-process.ts) as well as those sent through express.
 */
export function checkResponse(method: string, url: string, statusCode: number, contentType: string, text: string): string | null {
  if (!state || method === 'HEAD' || statusCode === 500) return null;
  const path = url.split('?')[0];
  const route = state.routes.find((r) => r.method === method && r.pattern.test(path));
  if (!route) return null;
  const operation = (state.document.paths[route.template] as Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>)[
    method.toLowerCase()
  ];
  const status = String(statusCode);
  const documented = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
  const where = `${method} ${route.template} ${status}`;
  if (!documented) return `${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`;
  const type = contentType.split(';')[0].trim();
  if (!text || !type.includes('json')) return null;
  const content = documented.content?.[type];
  if (!content) return `${where}: content type ${type} not documented (documented: ${Object.keys(documented.content ?? {}).join(', ') || 'none'})`;
  if (!content.schema) return null;
  const key = `${route.template} ${method} ${status} ${type}`;
  let validate = state.compiled.get(key);
  if (!validate) {
    validate = state.ajv.compile(JSON.parse(JSON.stringify(content.schema).replace(/"#\/components\//g, '"doc#/components/')) as object);
    state.compiled.set(key, validate);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `${where}: ${type} body is not JSON`;
  }
  if (validate(parsed)) return null;
  const errors = (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  return `${where}: body does not match the schema: ${errors.join('; ')}`;
}
