import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorCode } from '@facegate/common';
import { problemResponse, problemsByStatus } from '../common/api-problems.decorator';
import { PROBLEM_CONTENT_TYPE } from '../common/problem-details';
import { ProblemDto } from './problem.dto';

/** Where the document is served (and what the client package is generated from). */
export const OPENAPI_JSON_PATH = 'docs/openapi.json';

/**
 * Operation ids, the method names a generated client shows: one per route, keyed by controller and handler. A route
 * missing here stops the document from being built, so a new route cannot ship with a framework-made id.
 */
const OPERATION_IDS: Record<string, string> = {
  'ApiKeysController.create': 'createApiKey',
  'ApiKeysController.list': 'listApiKeys',
  'ApiKeysController.me': 'getCurrentApiKey',
  'ApiKeysController.revoke': 'revokeApiKey',
  'AuditController.list': 'listAuditEvents',
  'CollectionsController.create': 'createCollection',
  'CollectionsController.list': 'listCollections',
  'CollectionsController.get': 'getCollection',
  'CollectionsController.update': 'updateCollection',
  'CollectionsController.remove': 'deleteCollection',
  'HealthController.live': 'getHealth',
  'HealthController.ready': 'getReadiness',
  'HealthController.stats': 'getStats',
  'LivenessController.open': 'openLivenessSession',
  'LivenessController.get': 'getLivenessSession',
  'LivenessController.frames': 'submitLivenessFrames',
  'LockoutsController.list': 'listLockouts',
  'LockoutsController.clear': 'clearLockouts',
  'MetricsController.scrape': 'getMetrics',
  'RecognitionController.verify': 'verifyFace',
  'RecognitionController.recognize': 'recognizeFaces',
  'RecognitionController.detect': 'detectFaces',
  'RecognitionController.compare': 'compareFaces',
  'UsersController.create': 'createUser',
  'UsersController.list': 'listUsers',
  'UsersController.get': 'getUser',
  'UsersController.update': 'updateUser',
  'UsersController.remove': 'deleteUser',
  'UsersController.addFaces': 'addFaces',
  'UsersController.removeFace': 'deleteFace',
};

function operationId(controllerKey: string, methodKey: string): string {
  const id = OPERATION_IDS[`${controllerKey}.${methodKey}`];
  if (!id) throw new Error(`openapi-document.ts: no operation id for ${controllerKey}.${methodKey}; add one to OPERATION_IDS`);
  return id;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/** The OpenAPI document of the running app: what `/docs` shows and the client package is generated from. */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('facegate')
    .setDescription(
      'Self-hosted face authentication: enrol people with photos, verify (1:1) and recognise (1:N). Photos are never stored, only embeddings. ' +
        'Every error is application/problem+json (the Problem schema) with a stable `code`; every response carries `X-Request-Id`.',
    )
    .setVersion(version)
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer('/', 'The facegate that serves this document (e.g. http://localhost:8000 after npm start)')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (POST /api-keys, or FACEGATE_API_KEY at the first start).' }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'FACEGATE_METRICS_TOKEN, for GET /metrics only.' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto], operationIdFactory: operationId });
  return finishDocument(document);
}

/**
 * What the decorators cannot say once per document: every response names X-Request-Id; throttled and overloaded
 * answers name Retry-After; routes without a security requirement are public (`security: []`).
 */
function finishDocument(document: OpenAPIObject): OpenAPIObject {
  document.components = {
    ...document.components,
    headers: {
      'X-Request-Id': { description: 'The request id (the client may send its own): in every log line and problem of this request.', schema: { type: 'string' } },
      'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } },
    },
  };
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    allowNullInEnums(schema);
    nullableReferences(schema);
  }
  formBodies(document);
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (!operation.security) operation.security = [];
      documentProblems(operation as unknown as LooseOperation);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response || '$ref' in response) continue;
        response.headers = {
          ...response.headers,
          'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
          ...(status === '429' || status === '503' ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } : {}),
        };
      }
    }
  }
  return document;
}

/** OpenAPI 3.0.3: a nullable enum must list null among its values, or validators refuse the null it allows. */
function allowNullInEnums(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as { nullable?: boolean; enum?: unknown[] };
  if (s.nullable && Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null];
  for (const value of Object.values(schema)) allowNullInEnums(value);
}

/**
 * `{nullable: true, allOf: [{$ref}]}` (what the decorators write for a nullable object) does not accept null under
 * OpenAPI 3.0.3, since the referenced schema requires an object: write it as "the referenced object, or null".
 */
function nullableReferences(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  for (const value of Object.values(schema)) nullableReferences(value);
  const s = schema as { nullable?: boolean; allOf?: object[]; anyOf?: object[]; type?: string };
  if (s.nullable && Array.isArray(s.allOf) && s.allOf.length === 1) {
    s.anyOf = [s.allOf[0], { type: 'object', nullable: true, enum: [null] }];
    delete s.allOf;
    delete s.nullable;
    delete s.type;
  }
}

interface LooseOperation {
  security: Array<Record<string, string[]>>;
  requestBody?: unknown;
  responses: Record<string, { description?: string; content?: Record<string, { examples?: Record<string, unknown> }> }>;
}

/** The code an error response without examples stands for (a scope check's 403, readiness's 503). */
const CODE_OF_STATUS: Record<string, ErrorCode> = { '400': 'VALIDATION_FAILED', '401': 'UNAUTHORIZED', '403': 'FORBIDDEN', '429': 'RATE_LIMITED', '503': 'NOT_READY' };

/**
 * Every error a route can answer, with the Problem schema: the codes its decorators name, plus those every route of
 * its kind can meet. Any request can fail the query check (400); a route behind a key can meet a missing or bad key
 * (401), a scope it lacks (403) and its rate limit (429); a route with a body, a body too large (413) or of another
 * type (415); a route that runs the face engine, an engine busy, slow or failing (503).
 */
function documentProblems(operation: LooseOperation): void {
  const codes = new Set<ErrorCode>(['VALIDATION_FAILED']);
  for (const [status, response] of Object.entries(operation.responses)) {
    if (Number(status) < 400) continue;
    const examples = Object.keys(response.content?.[PROBLEM_CONTENT_TYPE]?.examples ?? {}) as ErrorCode[];
    if (examples.length > 0) examples.forEach((c) => codes.add(c));
    else if (CODE_OF_STATUS[status]) codes.add(CODE_OF_STATUS[status]);
    delete operation.responses[status];
  }
  if (operation.security.length > 0) ['UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED'].forEach((c) => codes.add(c as ErrorCode));
  if (operation.requestBody) ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'].forEach((c) => codes.add(c as ErrorCode));
  if (codes.has('NO_FACE')) ['ENGINE_BUSY', 'ENGINE_TIMEOUT', 'ENGINE_FAILURE'].forEach((c) => codes.add(c as ErrorCode));
  for (const [status, list] of problemsByStatus([...codes]).entries()) operation.responses[String(status)] = problemResponse(list);
}

/** Multipart parts that carry files, by the JSON field they stand for (common/multipart-images.interceptor.ts). */
const FILE_PARTS: Record<string, { part: string; many: boolean }> = {
  image: { part: 'file', many: false },
  images: { part: 'files', many: true },
  frames: { part: 'files', many: true },
  imageA: { part: 'imageA', many: false },
  imageB: { part: 'imageB', many: false },
};
const BINARY = { type: 'string', format: 'binary' };

/**
 * A multipart body is not the JSON body: its images are binary parts (`file`, `files`, `imageA`, `imageB`), its other
 * fields form fields. Each multipart body gets its own `<Dto>Form` schema, derived from the JSON one.
 */
function formBodies(document: OpenAPIObject): void {
  const schemas = (document.components!.schemas ??= {}) as Record<string, { properties?: Record<string, object>; required?: string[] }>;
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const body = item[method]?.requestBody as { content?: Record<string, { schema?: { $ref?: string } }> } | undefined;
      const form = body?.content?.['multipart/form-data'];
      const ref = form?.schema?.$ref;
      if (!form || !ref) continue;
      const name = ref.split('/').pop()!;
      const json = schemas[name];
      const properties: Record<string, object> = {};
      const required: string[] = [];
      for (const [field, schema] of Object.entries(json.properties ?? {})) {
        const file = FILE_PARTS[field];
        const key = file?.part ?? field;
        properties[key] = file ? (file.many ? { type: 'array', items: BINARY, description: `The ${field}, one part each.` } : { ...BINARY, description: `The ${field}, as a file part.` }) : schema;
        if (json.required?.includes(field)) required.push(key);
      }
      schemas[`${name}Form`] = { ...json, properties, ...(required.length ? { required } : {}) };
      form.schema = { $ref: `#/components/schemas/${name}Form` };
    }
  }
}
