import { methodLabel, routeLabel, statusLabel, UNMATCHED_ROUTE } from './route-label';

describe('routeLabel', () => {
  it('uses the matched route pattern, never the raw URL', () => {
    expect(routeLabel({ route: { path: '/users/:id' }, baseUrl: '' })).toBe('/users/:id');
    expect(routeLabel({ route: { path: '/users/:id/faces/:faceId' } })).toBe('/users/:id/faces/:faceId');
  });

  it('joins a router prefix and drops trailing slashes', () => {
    expect(routeLabel({ route: { path: '/sessions/:id/' }, baseUrl: '/liveness' })).toBe('/liveness/sessions/:id');
    expect(routeLabel({ route: { path: '/' }, baseUrl: '' })).toBe('/');
  });

  it('puts every request without a string route (404s, static files, regexp routes) under one label', () => {
    expect(routeLabel({})).toBe(UNMATCHED_ROUTE);
    expect(routeLabel({ route: undefined, baseUrl: '/whatever' })).toBe(UNMATCHED_ROUTE);
    expect(routeLabel({ route: { path: /^\/x/ } })).toBe(UNMATCHED_ROUTE);
  });
});

describe('methodLabel and statusLabel', () => {
  it('keeps common methods and folds the rest', () => {
    expect(methodLabel('GET')).toBe('GET');
    expect(methodLabel('PROPFIND')).toBe('OTHER');
  });

  it('reports a response the client abandoned as 499', () => {
    expect(statusLabel({ statusCode: 200, writableFinished: true })).toBe('200');
    expect(statusLabel({ statusCode: 200, writableFinished: false })).toBe('499');
  });
});
