// `minflow server`: flags → Config → buildApp → listen; SIGTERM/SIGINT close cleanly.
import { buildApp } from './app.js';
import { ConfigError, parseServerArgs, serverHelp } from './config.js';

export async function runServer(argv: string[]): Promise<void> {
  let config;
  try {
    config = parseServerArgs(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`minflow server: ${e.message}\n\n${serverHelp()}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (config.help) {
    process.stdout.write(`${serverHelp()}\n`);
    return;
  }
  let app;
  try {
    app = await buildApp(config);
  } catch (e) {
    // A refusal found while opening the stores (e.g. a missing S3 bucket): said plainly, no stack.
    if (e instanceof ConfigError) {
      process.stderr.write(`minflow server: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await app.listen({ host: config.host, port: config.port });
  app.log.info(
    { url: `http://${config.host}:${config.port}${config.staticPrefix}`, db: config.dbFile, artifacts: config.artifactsDestination },
    'Minflow is listening',
  );
}
