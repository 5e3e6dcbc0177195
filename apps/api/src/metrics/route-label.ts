/** The one label for requests no route matched: static files, unknown paths, probes for /wp-admin... */
export const UNMATCHED_ROUTE = 'unmatched';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route pattern Express matched (`/users/:id`), never the raw URL: ids in paths would make a series per user and
 * unbounded cardinality. Requests no route matched share one label.
 */
export function routeLabel(request: { route?: { path?: unknown }; baseUrl?: string }): string {
  const path = request.route?.path;
  if (typeof path !== 'string') return UNMATCHED_ROUTE;
  const full = `${request.baseUrl ?? ''}${path}`.replace(/\/+$/, '');
  return full === '' ? '/' : full;
}

/** Known HTTP methods as they are; anything else (Node accepts a few dozen) as OTHER. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

/** The status sent, or 499 (nginx's "client closed request") when the client left before the response was sent. */
export function statusLabel(response: { statusCode: number; writableFinished: boolean }): string {
  return response.writableFinished ? String(response.statusCode) : '499';
}
