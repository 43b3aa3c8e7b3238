// The backend pair a test runs on, chosen by MINFLOW_TEST_BACKEND (set per vitest project in
// vitest.config.ts): `sqlite` (default) = an SQLite database + a local artifact directory, as Minflow
// runs embedded; `postgres` = a throwaway PostgreSQL database (test/helpers/postgres.ts) + its own
// prefix in the one SeaweedFS bucket that test/global-setup.ts starts for the run and hands over with
// provide('minflowS3'). Every test file asks for a fresh backend, so the same test code runs on both
// pairs and no file sees another's data.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './paths.js';

export type BackendKind = 'sqlite' | 'postgres';

/** The one SeaweedFS of a postgres run, as test/global-setup.ts provides it. */
export interface TestS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** null in the sqlite project. */
    minflowS3: TestS3 | null;
    /** Why the postgres project has no SeaweedFS (it failed to start), else null. */
    minflowS3Error: string | null;
  }
}

export function testBackendKind(env: NodeJS.ProcessEnv = process.env): BackendKind {
  const kind = env.MINFLOW_TEST_BACKEND || 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new Error(`MINFLOW_TEST_BACKEND must be sqlite or postgres, not '${kind}'`);
  }
  return kind;
}

/** MLflow's S3 environment for a client or server that talks to this SeaweedFS. */
export function s3Env(s3: TestS3): Record<string, string> {
  return {
    MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKey,
    AWS_SECRET_ACCESS_KEY: s3.secretKey,
    AWS_DEFAULT_REGION: s3.region,
  };
}

/**
 * The artifacts a server stored, read where the backend keeps them (a local directory or the S3
 * prefix), for tests that check what landed in storage rather than what the API answers.
 */
export interface StoredArtifacts {
  /** The artifact destination: a directory or s3://bucket/prefix. */
  location: string;
  /** Every stored file under `rel` ('' = everything), relative to it, '/'-separated, sorted. */
  list(rel?: string): Promise<string[]>;
  /** A stored file's bytes (ENOENT / NoSuchKey when absent). */
  read(rel: string): Promise<Buffer>;
}

export interface TestBackend {
  kind: BackendKind;
  /** What `--backend-store-uri` / Config.backendStoreUri get. */
  backendStoreUri: string;
  /** What `--artifacts-destination` / Config.artifactsDestination get: a directory, or s3://bucket/prefix. */
  artifactsDestination: string;
  /** The SQLite file (':memory:' in-process), or null on PostgreSQL. */
  dbFile: string | null;
  /** Environment a server process on this backend needs (MLflow's S3 variables); {} on SQLite. */
  env: Record<string, string>;
  /** The `minflow server` flags that select this backend. */
  serverArgs: string[];
  /** What the server stored under artifactsDestination. */
  artifacts: StoredArtifacts;
  /** Drops the database and the temp directory; the SeaweedFS itself goes at the end of the run. */
  dispose(): Promise<void>;
}

export interface BackendOptions {
  /**
   * SQLite: the data directory (<dataDir>/mlflow.db, <dataDir>/artifacts), as a server process uses;
   * without one, an in-memory database and a fresh temp directory as the artifact destination
   * (in-process apps), removed by dispose().
   * PostgreSQL: ignored for the store (a fresh database every time).
   */
  dataDir?: string;
}

async function providedS3(): Promise<TestS3> {
  // Imported here, not at the top: bench scripts use the server helpers outside vitest.
  const { inject } = await import('vitest');
  const s3 = inject('minflowS3');
  const error = inject('minflowS3Error');
  if (error) throw new Error(error);
  if (!s3) {
    throw new Error(
      'MINFLOW_TEST_BACKEND=postgres but no SeaweedFS was provided: run the postgres vitest project ' +
        '(`npx vitest run --project postgres …`), whose globalSetup (test/global-setup.ts) starts it',
    );
  }
  return s3;
}

const joinRel = (...parts: string[]): string => parts.filter((p) => p !== '').join('/');

function localArtifacts(root: string): StoredArtifacts {
  return {
    location: root,
    async list(rel = '') {
      const dir = path.join(root, rel);
      if (!fs.existsSync(dir)) return [];
      return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
        .sort();
    },
    read: async (rel) => fs.readFileSync(path.join(root, rel)),
  };
}

function s3Artifacts(s3: TestS3, destination: string): StoredArtifacts {
  const prefix = destination.replace(/^s3:\/\/[^/]+\/?/, '');
  const client = async () => {
    const sdk = await import('@aws-sdk/client-s3');
    return {
      sdk,
      client: new sdk.S3Client({
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey },
      }),
    };
  };
  return {
    location: destination,
    async list(rel = '') {
      const { sdk, client: c } = await client();
      const base = `${joinRel(prefix, rel)}/`;
      const names: string[] = [];
      try {
        let token: string | undefined;
        do {
          const page = await c.send(new sdk.ListObjectsV2Command({ Bucket: s3.bucket, Prefix: base, ContinuationToken: token }));
          for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) names.push(o.Key.slice(base.length));
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } finally {
        c.destroy();
      }
      return names.sort();
    },
    async read(rel) {
      const { sdk, client: c } = await client();
      try {
        const res = await c.send(new sdk.GetObjectCommand({ Bucket: s3.bucket, Key: joinRel(prefix, rel) }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } finally {
        c.destroy();
      }
    },
  };
}

function sqliteBackend(options: BackendOptions): TestBackend {
  const owned = options.dataDir === undefined;
  const dir = options.dataDir ?? tempDir('api');
  const dbFile = owned ? ':memory:' : path.join(dir, 'mlflow.db');
  const artifactsDestination = owned ? dir : path.join(dir, 'artifacts');
  const backendStoreUri = `sqlite:///${dbFile}`;
  return {
    kind: 'sqlite',
    backendStoreUri,
    artifactsDestination,
    dbFile,
    env: {},
    serverArgs: ['--backend-store-uri', backendStoreUri, '--artifacts-destination', artifactsDestination],
    artifacts: localArtifacts(artifactsDestination),
    async dispose() {
      if (owned) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresBackend(): Promise<TestBackend> {
  const s3 = await providedS3();
  const { createTestDatabase } = await import('./postgres.js');
  const db = await createTestDatabase();
  const artifactsDestination = `s3://${s3.bucket}/${randomUUID().replace(/-/g, '')}`;
  const env = s3Env(s3);
  return {
    kind: 'postgres',
    backendStoreUri: db.uri,
    artifactsDestination,
    dbFile: null,
    env,
    serverArgs: ['--backend-store-uri', db.uri, '--artifacts-destination', artifactsDestination],
    artifacts: s3Artifacts(s3, artifactsDestination),
    dispose: () => db.drop(),
  };
}

/** A fresh backend of the kind this vitest project runs on; dispose() it in afterAll. */
export async function createTestBackend(options: BackendOptions = {}): Promise<TestBackend> {
  if (testBackendKind() === 'sqlite') return sqliteBackend(options);
  const backend = await postgresBackend();
  // An in-process app reads MLflow's S3 variables from process.env, as the CLI does; every file of
  // the run talks to the same SeaweedFS, so setting them for the whole worker is safe.
  Object.assign(process.env, backend.env);
  return backend;
}

/** The Config fields an in-process app (buildApp(makeConfig(...))) needs for this backend. */
export function backendConfig(backend: TestBackend): { dbFile: string; backendStoreUri: string; artifactsDestination: string } {
  return {
    // makeConfig still wants a dbFile; on PostgreSQL the backendStoreUri is what counts.
    dbFile: backend.dbFile ?? '',
    backendStoreUri: backend.backendStoreUri,
    artifactsDestination: backend.artifactsDestination,
  };
}
