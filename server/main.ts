// `minflow server`: flags → Config → buildApp → listen; SIGTERM/SIGINT close cleanly.
import { buildApp } from './app.js';
import { ConfigError, parseServerArgs, serverHelp } from './config.js';
import { redactPgUri } from './store/engine/pg-uri.js';

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
    { url: `http://${config.host}:${config.port}${config.staticPrefix}`, db: config.backend.kind === 'postgres' ? redactPgUri(config.backendStoreUri) : config.dbFile, artifacts: config.artifactsDestination },
    'Minflow is listening',
  );
}

const BACKUP_HELP = [
  'Usage: minflow backup <dest> [--backend-store-uri sqlite:///path/to/mlflow.db]',
  '',
  "Writes a consistent copy of the server's SQLite database to <dest> (a new file), also while the server",
  'runs and writes (SQLite VACUUM INTO: one snapshot, writers are not blocked). Artifacts are files or',
  'objects of their own: copy the artifacts destination separately (see the README, "Backups and durability").',
  '',
  'Options:',
  '  --backend-store-uri <uri>   The database (default sqlite:///mlruns/mlflow.db) [env: MLFLOW_BACKEND_STORE_URI]',
  '  --help                      Show this help.',
].join('\n');

/** `minflow backup <dest>`: SQLite's online copy; PostgreSQL is pg_dump's job. */
export async function runBackup(argv: string[]): Promise<void> {
  const { parseArgs } = await import('node:util');
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { 'backend-store-uri': { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`minflow backup: ${(e as Error).message}\n\n${BACKUP_HELP}\n`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(`${BACKUP_HELP}\n`);
    return;
  }
  if (parsed.positionals.length !== 1) {
    process.stderr.write(`minflow backup: name one destination file\n\n${BACKUP_HELP}\n`);
    process.exit(2);
  }
  const uri = parsed.values['backend-store-uri'] ?? (process.env.MLFLOW_BACKEND_STORE_URI || 'sqlite:///mlruns/mlflow.db');
  const { backendFromUri } = await import('./config.js');
  let backend;
  try {
    backend = backendFromUri(uri);
  } catch (e) {
    process.stderr.write(`minflow backup: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (backend.kind === 'postgres') {
    process.stderr.write(
      `minflow backup: the metadata is in PostgreSQL (${redactPgUri(uri)}), which minflow backup does not copy: ` +
        "use PostgreSQL's own pg_dump, which takes a consistent snapshot while the servers run, e.g.\n" +
        `  pg_dump --format=custom --file=${parsed.positionals[0]} '<the same postgresql:// URI>'\n` +
        'and restore it with pg_restore. Artifacts (S3 or a directory) are backed up separately.\n',
    );
    process.exit(2);
  }
  if (backend.file === ':memory:') {
    process.stderr.write('minflow backup: an in-memory database has nothing to back up\n');
    process.exit(2);
  }
  const { backupSqlite, BackupError } = await import('./store/backup.js');
  try {
    const r = backupSqlite(backend.file, parsed.positionals[0]!);
    process.stdout.write(`Backed up ${backend.file} to ${r.dest}: ${r.bytes} bytes, ${r.experiments} experiments, ${r.runs} runs, integrity ok (${r.ms} ms)\n`);
  } catch (e) {
    if (e instanceof BackupError) {
      process.stderr.write(`minflow backup: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
