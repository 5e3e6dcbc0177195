import { ExecutionContext } from '@nestjs/common';
import { DomainError } from '@facegate/common';
import { ApiKeysService } from '../auth/api-keys.service';
import { AppConfig, loadConfig } from '@facegate/core';
import { MetricsAccessGuard } from './metrics-access.guard';

const TOKEN = 'scrape-token-0123456789';
const keys = {
  fg_admin: { id: 'k-admin-1234', scopes: ['admin'], collections: [] },
  fg_bound: { id: 'k-bound-1234', scopes: ['admin'], collections: ['alpha'] },
  fg_read: { id: 'k-read-12345', scopes: ['read'], collections: [] },
} as Record<string, { id: string; scopes: string[]; collections: string[] }>;
// The real callerOf (header checks, caller built from the key) over a stubbed key lookup.
const service = {
  authenticate: async (presented: string) => keys[presented] ?? null,
  callerOf: ApiKeysService.prototype.callerOf,
} as unknown as ApiKeysService;

function context(headers: Record<string, string>): ExecutionContext {
  const request = { method: 'GET', path: '/metrics', ip: '127.0.0.1', socket: {}, header: (name: string) => headers[name.toLowerCase()] };
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

async function codeOf(guard: MetricsAccessGuard, headers: Record<string, string>): Promise<string> {
  try {
    return (await guard.canActivate(context(headers))) ? 'ALLOWED' : 'DENIED';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
}

describe('MetricsAccessGuard', () => {
  const config: AppConfig = loadConfig({ FACEGATE_METRICS_TOKEN: TOKEN });
  const guard = new MetricsAccessGuard(service, config);

  it('lets in the metrics bearer token and unbound admin keys', async () => {
    expect(await codeOf(guard, { authorization: `Bearer ${TOKEN}` })).toBe('ALLOWED');
    expect(await codeOf(guard, { authorization: `bearer   ${TOKEN} ` })).toBe('ALLOWED');
    expect(await codeOf(guard, { 'x-api-key': 'fg_admin' })).toBe('ALLOWED');
  });

  it('refuses everyone else with coded errors', async () => {
    expect(await codeOf(guard, {})).toBe('UNAUTHORIZED');
    expect(await codeOf(guard, { authorization: 'Bearer nope' })).toBe('UNAUTHORIZED');
    expect(await codeOf(guard, { authorization: `Bearer ${TOKEN}x` })).toBe('UNAUTHORIZED');
    expect(await codeOf(guard, { 'x-api-key': 'fg_unknown' })).toBe('UNAUTHORIZED');
    expect(await codeOf(guard, { 'x-api-key': 'fg_read' })).toBe('FORBIDDEN');
    expect(await codeOf(guard, { 'x-api-key': 'fg_bound' })).toBe('FORBIDDEN');
  });

  it('accepts no bearer token at all when none is configured', async () => {
    const noToken = new MetricsAccessGuard(service, loadConfig({}));
    expect(await codeOf(noToken, { authorization: 'Bearer ' })).toBe('UNAUTHORIZED');
    expect(await codeOf(noToken, { authorization: `Bearer ${TOKEN}` })).toBe('UNAUTHORIZED');
  });

  it('answers 404 NOT_FOUND when metrics are disabled, whoever asks', async () => {
    const disabled = new MetricsAccessGuard(service, loadConfig({ FACEGATE_METRICS: 'false', FACEGATE_METRICS_TOKEN: TOKEN }));
    expect(await codeOf(disabled, { 'x-api-key': 'fg_admin' })).toBe('NOT_FOUND');
    expect(await codeOf(disabled, { authorization: `Bearer ${TOKEN}` })).toBe('NOT_FOUND');
  });
});
