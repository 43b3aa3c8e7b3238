// Runs once per vitest project (vitest.config.ts) before its test files: the compat venv must exist
// (created here if missing, so a fresh clone needs only `npm test`), and the CLI must be built (npm test
// builds it first). The postgres project also gets its one SeaweedFS here, started for the whole run
// and handed to every test file through provide('minflowS3') (test/helpers/backend.ts); each file then
// makes its own PostgreSQL database and its own prefix in the bucket.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { testBackendKind, type TestS3 } from './helpers/backend.js';
import { startSeaweed, type Seaweed } from './helpers/seaweedfs.js';
import { ROOT, VENV, VENV_PYTHON, builtCli } from './helpers/paths.js';

function ensureVenv(): void {
  const requirements = path.join(ROOT, 'test', 'compat', 'requirements.txt');
  const stamp = path.join(VENV, '.minflow-requirements');
  const wanted = fs.readFileSync(requirements, 'utf8');
  if (fs.existsSync(VENV_PYTHON) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) return;
  process.stdout.write(`[setup] creating ${VENV} with test/compat/requirements.txt (first run only, ~1 min)\n`);
  try {
    if (!fs.existsSync(VENV_PYTHON)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(VENV_PYTHON, ['-m', 'pip', 'install', '-q', '-r', requirements], { stdio: 'inherit' });
  } catch (e) {
    throw new Error(
      `could not create the compat venv (${(e as Error).message}). Install Python 3.11 with venv and pip, then run ` +
        '`python3 -m venv .venv && .venv/bin/pip install -r test/compat/requirements.txt`.',
    );
  }
  fs.writeFileSync(stamp, wanted);
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  builtCli();
  ensureVenv();
  if (testBackendKind({ ...process.env, ...project.config.env }) !== 'postgres') {
    project.provide('minflowS3', null);
    project.provide('minflowS3Error', null);
    return;
  }
  // `weed server -s3` on loopback ports of its own, with a fresh bucket. If it cannot start, the
  // postgres project's files fail with its message (test/helpers/backend.ts) while the sqlite
  // project's results still count.
  let weed: Seaweed;
  try {
    weed = await startSeaweed();
  } catch (e) {
    project.provide('minflowS3', null);
    project.provide('minflowS3Error', `SeaweedFS did not start for the ${project.name} project: ${(e as Error).message}`);
    return;
  }
  const s3: TestS3 = { endpoint: weed.endpoint, accessKey: weed.accessKey, secretKey: weed.secretKey, bucket: weed.bucket, region: weed.region };
  process.stdout.write(`[setup] ${project.name}: SeaweedFS S3 at ${s3.endpoint}, bucket ${s3.bucket}\n`);
  project.provide('minflowS3', s3);
  project.provide('minflowS3Error', null);
  return () => weed.stop();
}
