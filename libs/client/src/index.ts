import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, operations, paths } from './schema';

/** A problem+json error body, as every facegate error answers. */
export type Problem = components['schemas']['ProblemDto'];
/** The stable error codes (the `code` of a Problem). */
export type ErrorCode = Problem['code'];
export type VerifyResponse = components['schemas']['VerifyResponseDto'];
export type RecognizeResponse = components['schemas']['RecognizeResponseDto'];
export type DetectResponse = components['schemas']['DetectResponseDto'];
export type User = components['schemas']['UserDto'];

export interface FacegateClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where facegate answers, e.g. http://localhost:8000. */
  baseUrl: string;
  /** Sent as X-API-Key with every request. */
  apiKey: string;
}

export type FacegateClient = Client<paths>;

/**
 * A typed facegate client: `client.POST('/verify', { body })` checks the path, the body and the answer against the
 * OpenAPI document this package was generated from. Every call resolves to `{ data }` on success or `{ error }` (a
 * Problem) on an HTTP error; network failures reject.
 */
export function createFacegateClient({ baseUrl, apiKey, headers, ...options }: FacegateClientOptions): FacegateClient {
  return createClient<paths>({
    ...options,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...(headers as Record<string, string> | undefined), 'X-API-Key': apiKey },
  });
}
