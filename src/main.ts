import { ConfigError, loadConfig } from './config/load-config';
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
