// The stores of `npm run bench -- --backend postgres`: one SeaweedFS for the run (test/helpers/seaweedfs.ts)
// with one bucket, and for each server its own throwaway database on the machine's PostgreSQL
// (test/helpers/postgres.ts) and its own prefix in the bucket. Both servers get the same PostgreSQL
// server and the same SeaweedFS, as issue 13 asks.
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { NGINX } from '../../test/helpers/nginx.js';
import { createTestDatabase } from '../../test/helpers/postgres.js';
import { WEED, startSeaweed, type Seaweed } from '../../test/helpers/seaweedfs.js';
import type { S3Target } from './s3-baseline.js';
import type { StoreLocation } from './servers.js';

export interface BenchStore extends StoreLocation {
  /** The prefix inside the bucket the server's artifacts go under. */
  prefix: string;
  drop(): Promise<void>;
}

export interface PostgresBackend {
  s3: S3Target;
  seaweed: Seaweed;
  /** A fresh database and bucket prefix for `name` (minflow, mlflow). */
  store(name: string): Promise<BenchStore>;
  versions(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/** A command's first line of output, stdout or stderr (`nginx -v` answers on stderr). */
function tryRun(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] || 'unknown';
}

export async function startPostgresBackend(): Promise<PostgresBackend> {
  const seaweed = await startSeaweed({ bucket: 'minflow-bench' });
  const s3: S3Target = { endpoint: seaweed.endpoint, accessKey: seaweed.accessKey, secretKey: seaweed.secretKey, bucket: seaweed.bucket, region: seaweed.region };
  const dropped: (() => Promise<void>)[] = [];
  let firstUri = '';
  return {
    s3,
    seaweed,
    async store(name: string) {
      const db = await createTestDatabase();
      firstUri ||= db.uri;
      dropped.push(() => db.drop());
      return {
        // SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; the venv has psycopg2 (test/compat/requirements.txt),
        // so mlflow gets the SQLAlchemy spelling its users write for it. Minflow takes the libpq URI.
        backendStoreUri: name === 'mlflow' ? db.uri.replace(/^postgresql:/, 'postgresql+psycopg2:') : db.uri,
        artifactsDestination: `s3://${s3.bucket}/${name}`,
        env: seaweed.env,
        prefix: name,
        drop: () => db.drop(),
      };
    },
    async versions() {
      let postgres = 'unknown';
      if (firstUri) {
        const client = new pg.Client({ connectionString: firstUri });
        await client.connect();
        try {
          postgres = `PostgreSQL ${(await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version}`;
        } finally {
          await client.end();
        }
      }
      const weed = tryRun(WEED, ['version']).replace(/^version\s+/, '');
      // `weed version` prints e.g. "version 8000GB 4.48 pypi linux amd64": the release is the second field.
      const release = /\b(\d+\.\d+)\b/.exec(weed)?.[1] ?? weed;
      return {
        PostgreSQL: postgres,
        SeaweedFS: `SeaweedFS ${release} (\`weed server -s3\`, one process: master + volume + filer + S3 gateway)`,
        nginx: tryRun(NGINX, ['-v']).replace(/^nginx version:\s*/, ''),
      };
    },
    async stop() {
      for (const drop of dropped.splice(0)) await drop().catch(() => undefined);
      await seaweed.stop();
    },
  };
}
