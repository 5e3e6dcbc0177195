// @ts-check
import { StreamClient } from './stream-client.js';

/**
 * The page's only door to the API: same origin, X-API-Key on every call, problem+json turned into ApiError.
 * Images travel as multipart (no base64 bloat); everything else as JSON. Live frames go over `stream()`.
 */

/** @typedef {{ type?: string, title?: string, status: number, detail?: string, code: string, requestId?: string, [extra: string]: unknown }} Problem */

export class ApiError extends Error {
  /** @param {Problem} problem */
  constructor(problem) {
    super(problem.detail ?? problem.title ?? problem.code);
    this.problem = problem;
  }
}

export class ApiClient {
  /** @param {string} key */
  constructor(key) {
    this.key = key;
    /** @type {StreamClient | null} */
    this.streamClient = null;
  }

  /** The key's WebSocket stream (live preview, liveness challenge), shared by the page's parts. */
  stream() {
    return (this.streamClient ??= new StreamClient(this.key));
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ json?: unknown, form?: FormData, query?: Record<string, string | number | undefined> }} [options]
   * @returns {Promise<any>}
   */
  async request(method, path, options = {}) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    }
    /** @type {Record<string, string>} */
    const headers = { 'X-API-Key': this.key, Accept: 'application/json, application/problem+json' };
    /** @type {BodyInit | undefined} */
    let body;
    if (options.form) body = options.form;
    else if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    let response;
    try {
      response = await fetch(url, { method, headers, body });
    } catch {
      throw new ApiError({ status: 0, code: 'NETWORK', detail: 'The server cannot be reached.' });
    }
    if (response.status === 204) return null;
    const payload = await response.json().catch(() => null);
    if (response.ok) return payload;
    throw new ApiError(asProblem(payload, response));
  }

  /** @param {string} path @param {Record<string, string | number | undefined>} [query] */
  get(path, query) {
    return this.request('GET', path, { query });
  }

  /** @param {string} path @param {unknown} json */
  postJson(path, json) {
    return this.request('POST', path, { json });
  }

  /**
   * Multipart with image files under `fileField` and plain fields beside them.
   * @param {string} path
   * @param {string} fileField
   * @param {Blob[]} images
   * @param {Record<string, string | undefined>} [fields]
   */
  postImages(path, fileField, images, fields = {}) {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) if (value !== undefined && value !== '') form.append(name, value);
    images.forEach((image, i) => form.append(fileField, image, `image-${i + 1}.${extensionOf(image)}`));
    return this.request('POST', path, { form });
  }
}

/** @param {Blob} blob */
function extensionOf(blob) {
  return blob.type === 'image/png' ? 'png' : blob.type === 'image/webp' ? 'webp' : 'jpg';
}

/**
 * A proxy or a crash page may answer without problem+json; the page still shows something coded.
 * @param {any} payload @param {Response} response @returns {Problem}
 */
function asProblem(payload, response) {
  if (payload && typeof payload.code === 'string') return payload;
  return { status: response.status, code: `HTTP_${response.status}`, detail: response.statusText || 'Unexpected answer from the server.' };
}
