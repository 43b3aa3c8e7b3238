// Schemathesis against /openapi.json on a real server: examples, coverage and fuzzing phases, with a
// bounded number of cases per operation and a time budget. Checks: no 5xx (not_a_server_error), and
// responses that conform to the document (status codes, content types, MLflow's error schema). Half
// of the generated ids, names and keys come from a seeded dataset (schemathesis dictionaries), so the
// cases get past "not found" into the stores. The 501s of multipart/presigned transfers (MLflow's own
// answer for a local artifact store) are left to test/api/fuzz.test.ts, which allows exactly those.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, VENV } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

const SCHEMATHESIS = path.join(VENV, 'bin', 'schemathesis');
const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 25);
const MAX_SECONDS = Number(process.env.SCHEMATHESIS_MAX_SECONDS ?? 100);

let server: ServerProcess;
let dir: string;

async function call(method: string, rpc: string, body: unknown): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${server.url}/api/2.0/mlflow/${rpc}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${rpc}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A TOML string (JSON's escapes are TOML's). */
const toml = (s: string) => JSON.stringify(s);

beforeAll(async () => {
  if (!fs.existsSync(SCHEMATHESIS)) throw new Error(`${SCHEMATHESIS} is missing: \`.venv/bin/pip install -r test/compat/requirements.txt\``);
  dir = tempDir('schemathesis');
  server = await startServer();
  const experimentId = (await call('POST', 'experiments/create', { name: 'st-exp' })).experiment_id as string;
  const runId = (await call('POST', 'runs/create', { experiment_id: experimentId, run_name: 'st-run' })).run.info.run_id as string;
  await call('POST', 'runs/log-batch', { run_id: runId, metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 1 }], params: [{ key: 'depth', value: '3' }], tags: [{ key: 'team', value: 'st' }] });
  const put = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/MLmodel`, { method: 'PUT', body: 'flavors: {}\n' });
  expect(put.status).toBe(200);
  const modelId = (await call('POST', 'logged-models', { experiment_id: experimentId, name: 'st-model', source_run_id: runId })).model.info.model_id as string;
  await call('POST', 'registered-models/create', { name: 'st-registered' });
  await call('POST', 'model-versions/create', { name: 'st-registered', source: `runs:/${runId}/model`, run_id: runId });
  await call('POST', 'registered-models/alias', { name: 'st-registered', alias: 'champion', version: '1' });

  const dictionaries: Record<string, string[]> = {
    experiment_ids: [experimentId, '0'],
    experiment_names: ['st-exp', 'Default'],
    run_ids: [runId],
    model_ids: [modelId],
    names: ['st-registered'],
    versions: ['1'],
    aliases: ['champion'],
    keys: ['loss', 'depth', 'team'],
    paths: ['model', 'model/MLmodel', `${experimentId}/${runId}/artifacts/model/MLmodel`],
  };
  const bindings: Record<string, string> = {
    experiment_id: 'experiment_ids',
    experiment_ids: 'experiment_ids',
    experiment_name: 'experiment_names',
    run_id: 'run_ids',
    run_uuid: 'run_ids',
    run_ids: 'run_ids',
    model_id: 'model_ids',
    source_run_id: 'run_ids',
    name: 'names',
    version: 'versions',
    alias: 'aliases',
    key: 'keys',
    metric_key: 'keys',
    path: 'paths',
  };
  const lines: string[] = [];
  for (const [name, values] of Object.entries(dictionaries)) lines.push(`[dictionaries.${name}]`, `values = [${values.map(toml).join(', ')}]`, '');
  lines.push('[parameters]');
  for (const [field, dictionary] of Object.entries(bindings)) {
    for (const where of ['query', 'body', 'path']) lines.push(`${toml(`${where}.${field}`)} = { dictionary = ${toml(dictionary)}, probability = 0.5 }`);
  }
  fs.writeFileSync(path.join(dir, 'schemathesis.toml'), `${lines.join('\n')}\n`);
});

afterAll(async () => {
  await server?.stop();
});

function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCHEMATHESIS, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: '' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, output }));
  });
}

interface Report {
  test_cases: { generated: number; with_failures: number; errored: number };
  operations: { tested: number; selected: number };
  failures: { code: string; title: string; operations: string[] }[];
  errors: unknown[];
}

describe('schemathesis on /openapi.json', () => {
  it('finds no server error and no response that breaks the document', async () => {
    const { code, output } = await run([
      '--config-file',
      path.join(dir, 'schemathesis.toml'),
      'run',
      `${server.url}/openapi.json`,
      '--checks',
      'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--max-time',
      String(MAX_SECONDS),
      '--exclude-path-regex',
      '/mlflow-artifacts/(mpu|presigned)/',
      // One worker: CPython 3.11.7's ast.parse is not thread-safe ("AST constructor recursion depth
      // mismatch", gh-106905), and hypothesis parses lambdas while schemathesis's workers generate.
      '--workers',
      '1',
      '--request-timeout',
      '10',
      '--seed',
      '20261127',
      '--no-shrink',
      '--report',
      'json',
      '--report-json-path',
      path.join(dir, 'report.json'),
    ]);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as Report;
    process.stdout.write(
      `schemathesis: ${report.test_cases.generated} cases over ${report.operations.tested}/${report.operations.selected} operations; ` +
        `${report.test_cases.with_failures} with failures, ${report.test_cases.errored} errored\n`,
    );
    const failures = report.failures.map((f) => `${f.code} ${f.title}: ${f.operations.join(', ')}`);
    expect({ failures, errors: report.errors }, output.slice(-6000)).toEqual({ failures: [], errors: [] });
    expect(code, output.slice(-6000)).toBe(0);
    expect(report.operations.tested).toBeGreaterThan(150);
    expect(report.test_cases.generated).toBeGreaterThan(1000);
  }, 240_000);
});
