import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { ConfigError, loadConfig } from './config/app-config';

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
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log(`facegate listening on http://${config.host}:${config.port} (docs at /docs, database: ${config.databaseUrl ? 'external PostgreSQL' : `embedded in ${config.dataDir}`})`);
}

void bootstrap();
