import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
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
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log({
    msg: `facegate listening on http://${config.host}:${config.port} (docs at /docs, database: ${config.databaseUrl ? 'external PostgreSQL' : `embedded in ${config.dataDir}`})`,
    port: config.port,
  });
}

void bootstrap();
