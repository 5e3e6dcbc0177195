import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { formBodies } from './form-bodies';
import { fixNullableSchemas } from './nullable-schemas';
import { documentProblems, LooseOperation } from './problem-responses';
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
  'UsersController.removeFaces': 'deleteFaces',
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
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (POST /api-keys, or FACEGATE_API_KEY at the first start).' },
      'api-key',
    )
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
      'X-Request-Id': {
        description: 'The request id (the client may send its own): in every log line and problem of this request.',
        schema: { type: 'string' },
      },
      'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } },
    },
  };
  for (const schema of Object.values(document.components?.schemas ?? {})) fixNullableSchemas(schema);
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
