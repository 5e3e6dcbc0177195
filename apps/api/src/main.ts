import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { AppConfig, BackgroundTasks, ConfigError, loadConfig } from '@facegate/core';
import { GracefulShutdown } from './lifecycle/graceful-shutdown';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { explainStartupFailure } from './lifecycle/startup-failure';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    // A bad setting stops the boot with the variable's name, not a stack trace.
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(2);
  }
  const app = await createApp(config).catch((error: unknown) => stopOnStartupError(error, config));
  // Installed before listening: a signal during start-up still drains and closes the engine and database cleanly.
  const times = { delayMs: config.shutdown.delaySeconds * 1000, graceMs: config.shutdown.graceSeconds * 1000 };
  new GracefulShutdown(app, app.get(LifecycleService), times, { background: app.get(BackgroundTasks) }).install();
  // Start-up hooks (models, database, migrations, the bootstrap key) run here; a failure an operator can fix stops the
  // process with one line (lifecycle/startup-failure.ts).
  await app.listen(config.port, config.host).catch((error: unknown) => stopOnStartupError(error, config));
  new Logger('Bootstrap').log({
    msg: `facegate listening on http://${config.host}:${config.port} (docs at /docs, database: ${config.databaseUrl ? 'external PostgreSQL' : `embedded in ${config.dataDir}`})`,
    port: config.port,
  });
}

/**
 * A failure the operator can fix (a revoked bootstrap key, missing models, the port taken, the database unreachable or
 * without pgvector...): one log line saying what to do, no stack trace, exit 1. Anything else keeps its stack trace.
 */
function stopOnStartupError(error: unknown, config: AppConfig): never {
  const explained = explainStartupFailure(error, { host: config.host, port: config.port, databaseUrl: config.databaseUrl });
  if (explained === null) throw error;
  new Logger('Bootstrap').error(explained);
  process.exit(1);
}

void bootstrap();
