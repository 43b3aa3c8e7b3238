// The wire differences MLflow's own live-server suites found (issue 16, items 1–6 and the file-store
// id): each request goes to the official `mlflow server` 3.17.2 and to Minflow, and the answers are
// compared — status, error code and message, the header or raw JSON text that differed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlflowServer, type MlflowServer } from '../helpers/mlflow-server.js';
import { tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';

let mlflow: MlflowServer;
let minflow: ServerProcess;
const work = tempDir('wire-mlflow');
/** Each server's working directory, against which it resolves relative artifact locations. */
const cwdOf = (url: string) => (url === mlflow.url ? work : process.cwd());

beforeAll(async () => {
  [mlflow, minflow] = await Promise.all([
    startMlflowServer({ backendStoreUri: `sqlite:///${path.join(work, 'mlflow.db')}`, artifactsDestination: path.join(work, 'artifacts'), cwd: work }),
    startServer(),
  ]);
}, 300_000);

afterAll(async () => {
  await Promise.all([mlflow?.stop(), minflow?.stop()]);
  fs.rmSync(work, { recursive: true, force: true });
}, 60_000);

const both = () => [mlflow.url, minflow.url];
let counter = 0;
const unique = (p: string) => `${p}-${process.pid}-${++counter}-${Date.now()}`;

async function post(url: string, apiPath: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${apiPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** error_code + message, the part of an error both servers must agree on (MLflow adds sqlstate/error_class). */
const error = (json: Record<string, unknown>) => ({ error_code: json.error_code, message: json.message });

async function newRun(url: string, artifactLocation?: string): Promise<{ experimentId: string; runId: string }> {
  const exp = await post(url, '/api/2.0/mlflow/experiments/create', { name: unique('wire'), ...(artifactLocation ? { artifact_location: artifactLocation } : {}) });
  const experimentId = exp.json.experiment_id as string;
  const run = await post(url, '/api/2.0/mlflow/runs/create', { experiment_id: experimentId, start_time: Date.now() });
  return { experimentId, runId: (run.json.run as { info: { run_id: string } }).info.run_id };
}

describe('answers as mlflow server 3.17.2 does', () => {
  it('1. resolves a relative artifact_location against the server’s working directory', async () => {
    for (const url of both()) {
      const created = await post(url, '/api/2.0/mlflow/experiments/create', { name: unique('rel'), artifact_location: 'my_location' });
      expect(created.status).toBe(200);
      const got = await fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=${created.json.experiment_id as string}`);
      const exp = ((await got.json()) as { experiment: { artifact_location: string } }).experiment;
      expect(exp.artifact_location, url).toBe(`${cwdOf(url)}/my_location`);
    }
  });

  it('2. refuses an empty upload-artifact body on a run with file:// artifacts, and writes nothing', async () => {
    const answers = [];
    for (const url of both()) {
      const root = path.join(work, unique('files'));
      const { runId } = await newRun(url, `file://${root}`);
      const res = await fetch(`${url}/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=x.txt`, { method: 'POST', body: '' });
      answers.push({ status: res.status, ...error((await res.json()) as Record<string, unknown>) });
      expect(fs.existsSync(path.join(root, runId, 'artifacts', 'x.txt')), url).toBe(false);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]).toEqual({ status: 400, error_code: 'INVALID_PARAMETER_VALUE', message: 'Request must specify data.' });
  });

  it('3. merges doubled slashes: a leading run is served, one further in redirects to the merged URL', async () => {
    const answers = [];
    for (const url of both()) {
      const artifact = await fetch(`${url}//model-versions/get-artifact?name=x&version=1&path=../x`);
      const api = await fetch(`${url}//api/2.0/mlflow/experiments/get?experiment_id=0`);
      const inner = await fetch(`${url}/api/2.0//mlflow/experiments/get?experiment_id=0`, { redirect: 'manual' });
      answers.push({
        artifact: { status: artifact.status, ...error((await artifact.json()) as Record<string, unknown>) },
        api: { status: api.status, name: ((await api.json()) as { experiment: { name: string } }).experiment.name },
        inner: { status: inner.status, location: inner.headers.get('location')?.replace(url, '<server>') },
      });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]).toEqual({
      artifact: { status: 400, error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' },
      api: { status: 200, name: 'Default' },
      inner: { status: 308, location: '<server>/api/2.0/mlflow/experiments/get?experiment_id=0' },
    });
  });

  it('4. prints an integral float of a request as a float in the validation message', async () => {
    const answers = [];
    for (const url of both()) {
      const res = await post(url, '/api/2.0/mlflow/experiments/create', `{"name": "${unique('f')}", "artifact_location": 9.0}`);
      const asInt = await post(url, '/api/2.0/mlflow/experiments/create', `{"name": "${unique('i')}", "artifact_location": 9}`);
      answers.push({ float: { status: res.status, ...error(res.json) }, int: { status: asInt.status, ...error(asInt.json) } });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.float.message).toContain("Invalid value 9.0 for parameter 'artifact_location' supplied:  Hint: Value was of type 'float'.");
    expect(answers[0]!.int.message).toContain("Invalid value 9 for parameter 'artifact_location' supplied:  Hint: Value was of type 'int'.");
  });

  it('5. serves lower-case mlproject as text/plain and MLproject by its (missing) extension', async () => {
    const answers = [];
    for (const url of both()) {
      const { experimentId, runId } = await newRun(url);
      const types: Record<string, string | null> = {};
      for (const name of ['mlproject', 'MLproject', 'MLmodel']) {
        const put = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${name}`, { method: 'PUT', body: 'name: x\n' });
        expect(put.status, `${url} PUT ${name}`).toBe(200);
        const got = await fetch(`${url}/get-artifact?run_uuid=${runId}&path=${name}`);
        await got.arrayBuffer();
        types[name] = got.headers.get('content-type');
      }
      answers.push(types);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.mlproject).toMatch(/^text\/plain/);
    expect(answers[0]!.MLproject).toBe('application/octet-stream');
  });

  it('6. writes whole-number metric values as floats (10.0) in the raw JSON', async () => {
    const answers = [];
    for (const url of both()) {
      const { runId } = await newRun(url);
      await post(url, '/api/2.0/mlflow/runs/log-metric', { run_id: runId, key: 'm', value: 10, timestamp: 1, step: 0 });
      const run = await (await fetch(`${url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).text();
      const history = await (await fetch(`${url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=m`)).text();
      answers.push({ run: /"value":\s*10\.0\b/.test(run), history: /"value":\s*10\.0\b/.test(history) });
    }
    expect(answers).toEqual([{ run: true, history: true }, { run: true, history: true }]);
  });

  it('an 18-digit experiment id (MLflow’s file-store era) is a missing experiment, not a malformed id', async () => {
    const answers = [];
    for (const url of both()) {
      const res = await fetch(`${url}/api/2.0/mlflow/experiments/get?experiment_id=123456789012345678`);
      answers.push({ status: res.status, ...error((await res.json()) as Record<string, unknown>) });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]).toEqual({ status: 404, error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No Experiment with id=123456789012345678 exists' });
  });
});
