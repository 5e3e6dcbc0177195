/**
 * The export file: JSON lines. Line 1 is a header naming the format, its version and the embedding model; every other
 * line is one person with their faces. Decoding validates everything, because an import writes embeddings that every
 * later search trusts: a wrong dimension, a NaN or an unnormalised vector would silently corrupt matching.
 */
import { COLLECTION_NAME, metadataProblem } from '@facegate/core';
import { assertSaneInput } from '@facegate/common';

export const EXPORT_FORMAT = 'facegate-export';
export const EXPORT_VERSION = 1;
/** |norm - 1| allowed: float32 storage and 9-digit text keep it near 1e-7; more means the vector is not normalised. */
const NORM_TOLERANCE = 1e-3;
const MAX_TEXT = 200;

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: number;
  /** EMBEDDING_MODEL_ID of the model that computed every embedding in the file. */
  model: string;
  dimensions: number;
  exportedAt: string;
  /** The collections the file's people belong to, with their settings, so an import can recreate them. */
  collections: CollectionLine[];
}

export interface CollectionLine {
  name: string;
  description: string | null;
  settings: Record<string, unknown>;
}

export interface FaceLine {
  embedding: number[];
  box: { x: number; y: number; width: number; height: number };
  score: number;
  quality: Record<string, unknown>;
}

export interface PersonLine {
  externalId: string | null;
  name: string;
  collection: string;
  metadata: Record<string, unknown>;
  faces: FaceLine[];
}

/** A line that cannot be imported; `line` is 1-based, as editors count. */
export class LineError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'LineError';
  }
}

export function encodeHeader(header: Omit<ExportHeader, 'format' | 'version'>): string {
  return JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, ...header });
}

/** Embeddings with 9 significant digits: the fewest that round-trip every float32 exactly. */
export function encodePerson(
  person: Omit<PersonLine, 'faces'> & { faces: Array<Omit<FaceLine, 'embedding'> & { embedding: Float32Array | number[] }> },
): string {
  const faces = person.faces.map((f) => ({
    embedding: Array.from(f.embedding, (v) => Number(v.toPrecision(9))),
    box: f.box,
    score: f.score,
    quality: f.quality,
  }));
  return JSON.stringify({ externalId: person.externalId, name: person.name, collection: person.collection, metadata: person.metadata, faces });
}

export interface HeaderExpectations {
  model: string;
  dimensions: number;
}

export function decodeHeader(text: string, expected: HeaderExpectations): ExportHeader {
  const value = parseObject(text, 1);
  assertSaneLine(value, 1);
  if (value.format !== EXPORT_FORMAT) throw new LineError(1, `not a facegate export (the header's "format" must be "${EXPORT_FORMAT}")`);
  if (value.version !== EXPORT_VERSION)
    throw new LineError(1, `format version ${String(value.version)} is not supported (this tool reads version ${EXPORT_VERSION})`);
  if (typeof value.model !== 'string' || value.model !== expected.model) {
    throw new LineError(
      1,
      `the file's embeddings come from model "${String(value.model)}", but this server uses "${expected.model}": embeddings of different models cannot be compared, so re-enrol from photos instead`,
    );
  }
  if (value.dimensions !== expected.dimensions)
    throw new LineError(1, `the file has ${String(value.dimensions)}-dimensional embeddings, this server ${expected.dimensions}`);
  if (typeof value.exportedAt !== 'string') throw new LineError(1, 'the header has no "exportedAt"');
  const collections = Array.isArray(value.collections) ? value.collections : [];
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    model: value.model,
    dimensions: value.dimensions,
    exportedAt: value.exportedAt,
    collections: collections.map((c, i) => collectionLine(c, i)),
  };
}

function collectionLine(value: unknown, index: number): CollectionLine {
  if (!isPlainObject(value) || typeof value.name !== 'string' || !COLLECTION_NAME.test(value.name))
    throw new LineError(1, `header collection ${index} has no valid name`);
  const settings = value.settings === undefined ? {} : value.settings;
  if (!isPlainObject(settings)) throw new LineError(1, `header collection "${value.name}" has settings that are not an object`);
  const description = value.description ?? null;
  if (description !== null && typeof description !== 'string')
    throw new LineError(1, `header collection "${value.name}" has a description that is not a string`);
  // The settings' and description's own rules (CreateCollectionDto) are checked by the import before anything is written.
  return { name: value.name, description, settings };
}

const PERSON_KEYS = new Set(['externalId', 'name', 'collection', 'metadata', 'faces']);
const FACE_KEYS = new Set(['embedding', 'box', 'score', 'quality']);

export function decodePerson(text: string, line: number, options: { dimensions: number; maxFaces: number }): PersonLine {
  const value = parseObject(text, line);
  const fail = (problem: string): never => {
    throw new LineError(line, problem);
  };
  const unknown = Object.keys(value).find((k) => !PERSON_KEYS.has(k));
  if (unknown) fail(`unknown field "${unknown}"`);
  assertSaneLine(value, line);
  if (typeof value.name !== 'string' || value.name.length < 1 || value.name.length > MAX_TEXT) fail(`"name" must be a string of 1-${MAX_TEXT} characters`);
  const externalId = value.externalId ?? null;
  if (externalId !== null && (typeof externalId !== 'string' || externalId.length < 1 || externalId.length > MAX_TEXT))
    fail(`"externalId" must be null or a string of 1-${MAX_TEXT} characters`);
  if (typeof value.collection !== 'string' || !COLLECTION_NAME.test(value.collection)) fail('"collection" must be 1-64 lowercase letters, digits, "-" or "_"');
  const metadata = value.metadata ?? {};
  if (!isPlainObject(metadata)) fail('"metadata" must be an object');
  const problem = metadataProblem(metadata);
  if (problem) fail(`"metadata": ${problem}`);
  if (!Array.isArray(value.faces) || value.faces.length < 1 || value.faces.length > options.maxFaces)
    fail(`"faces" must be a list of 1-${options.maxFaces} faces`);
  const faces = (value.faces as unknown[]).map((face, i) => {
    try {
      return decodeFace(face, options.dimensions);
    } catch (error) {
      return fail(`face ${i}: ${(error as Error).message}`);
    }
  });
  return {
    externalId: externalId as string | null,
    name: value.name as string,
    collection: value.collection as string,
    metadata: metadata as Record<string, unknown>,
    faces,
  };
}

function decodeFace(value: unknown, dimensions: number): FaceLine {
  if (!isPlainObject(value)) throw new Error('not an object');
  const unknown = Object.keys(value).find((k) => !FACE_KEYS.has(k));
  if (unknown) throw new Error(`unknown field "${unknown}"`);
  checkEmbedding(value.embedding, dimensions);
  const box = value.box;
  if (!isPlainObject(box) || !['x', 'y', 'width', 'height'].every((k) => isFiniteNumber(box[k])))
    throw new Error('"box" must have finite x, y, width and height');
  if (!isFiniteNumber(value.score) || value.score < 0 || value.score > 1) throw new Error('"score" must be a number in [0, 1]');
  if (!isPlainObject(value.quality)) throw new Error('"quality" must be an object');
  return {
    embedding: value.embedding,
    box: { x: box.x as number, y: box.y as number, width: box.width as number, height: box.height as number },
    score: value.score,
    quality: value.quality,
  };
}

/** Dimension, finite numbers and unit norm (cosine search assumes L2-normalised vectors). */
export function checkEmbedding(value: unknown, dimensions: number): asserts value is number[] {
  if (!Array.isArray(value)) throw new Error('"embedding" must be a list of numbers');
  if (value.length !== dimensions) throw new Error(`"embedding" has ${value.length} dimensions, expected ${dimensions}`);
  let sum = 0;
  for (const v of value) {
    if (!isFiniteNumber(v)) throw new Error('"embedding" must hold finite numbers only');
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (Math.abs(norm - 1) > NORM_TOLERANCE) throw new Error(`"embedding" is not unit-length (norm ${norm.toFixed(4)})`);
}

function parseObject(text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LineError(line, 'not valid JSON');
  }
  if (!isPlainObject(value)) throw new LineError(line, 'not a JSON object');
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * What the API refuses in any body (NUL characters, lone surrogates, reserved keys, deep nesting) an import refuses too,
 * header and people alike: a file must not store what no request could, nor meet PostgreSQL's refusal halfway through.
 */
function assertSaneLine(value: unknown, line: number): void {
  try {
    assertSaneInput(value, 'line');
  } catch (error) {
    throw new LineError(line, (error as Error).message.replace(/^The line /, ''));
  }
}
