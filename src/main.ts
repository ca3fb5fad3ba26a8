import { ConfigError, loadConfig } from './config/load-config';
import { refillPgliteSpare } from './db/pglite-template';
import { createLogger } from './log/logger';
import { createServices, listen } from './server/start-server';

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const services = await createServices(config, { logger });
  const server = await listen(services);
  logger.log('info', 'Lockbox is ready', {
    url: config.baseUrl,
    port: config.port,
    database: config.databaseUrl ? 'postgresql' : `pglite (${config.dataDir})`,
    startupMs: Date.now() - started,
  });
  // Work that need not delay the start: the first write would otherwise do it.
  setImmediate(() => {
    try {
      services.validator.warmUp();
    } catch (error) {
      // Each type's first validation compiles what it needs anyway; the server keeps serving.
      logger.log('warn', 'schema warm-up failed', { error: error instanceof Error ? error.message : String(error) });
    }
  });
  if (!config.databaseUrl && config.dataDir !== ':memory:') {
    // A first start took the spare PGlite cluster (or copied the template): make the next one.
    refillPgliteSpare(services.registry.resourceTypes).catch((error: unknown) =>
      logger.log('warn', 'no spare PGlite cluster made; the next first start will copy the template', { error: error instanceof Error ? error.message : String(error) }),
    );
  }
  const stop = () => {
    server.close(() => void services.close().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else console.error('Lockbox failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
