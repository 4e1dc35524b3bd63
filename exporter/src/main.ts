import { ConfigError, flagsToEnv, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startExporter } from './app.js';
import { redactText } from './redact.js';

/** The MongoDB URI's secrets, scrubbed from a start-up failure's message. */
let secrets: readonly string[] = [];

/** Entry point: `npm start`. Exit code 2 means bad configuration. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ ...process.env, ...flagsToEnv(process.argv.slice(2)) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`aiwm-exporter: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  secrets = config.mongo.secrets;
  const log = createLogger(config.logLevel);
  const exporter = await startExporter(config, log);
  let signals = 0;
  const shutdown = (signal: string) => {
    if (signals++ > 0) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    exporter.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `aiwm-exporter: ${redactText(error instanceof Error ? error.message : String(error), secrets)}\n`,
  );
  process.exit(1);
});
