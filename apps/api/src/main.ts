import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { StartupError } from './common/startup-error';
import { ConfigError, loadConfig } from './config/app-config';
import { GracefulShutdown } from './lifecycle/graceful-shutdown';
import { LifecycleService } from './lifecycle/lifecycle.service';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    // A bad setting stops the boot with the variable's name, not a stack trace.
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(2);
  }
  const app = await createApp(config);
  // Installed before listening: a signal during start-up still drains and closes the engine and database cleanly.
  new GracefulShutdown(app, app.get(LifecycleService), {
    delayMs: config.shutdown.delaySeconds * 1000,
    graceMs: config.shutdown.graceSeconds * 1000,
  }).install();
  // Start-up hooks (migrations, the bootstrap key) run here; their StartupErrors stop the process.
  await app.listen(config.port, config.host).catch(stopOnStartupError);
  new Logger('Bootstrap').log({
    msg: `facegate listening on http://${config.host}:${config.port} (docs at /docs, database: ${config.databaseUrl ? 'external PostgreSQL' : `embedded in ${config.dataDir}`})`,
    port: config.port,
  });
}

/** A StartupError is the operator's to fix: one log line saying what to do, no stack trace, exit 1. */
function stopOnStartupError(error: unknown): never {
  if (!(error instanceof StartupError)) throw error;
  new Logger('Bootstrap').error(error.message);
  process.exit(1);
}

void bootstrap();
