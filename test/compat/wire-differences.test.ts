// The wire differences MLflow's own live-server suites found (issue 16, items 1–6 and the file-store
// id; items 7 and 8 below): each request goes to the official `mlflow server` 3.17.2 and to Minflow, and the answers are
// compared — status, error code and message, the header or raw JSON text that differed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import Database from 'better-sqlite3';
import { testBackendKind } from '../helpers/backend.js';
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

// Item 7: the UI's prompt engineering page saves its result through this Flask-only route.
const PROMPTLAB = '/ajax-api/2.0/mlflow/runs/create-promptlab-run';

interface RunJson {
  info: { run_id: string; status: string; user_id?: string; start_time?: number; end_time?: number; run_name?: string; lifecycle_stage: string };
  data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] };
}

/** What the UI sends (createPromptLabRun in the bundle), with a 1.0 written as a float, which MLflow logs as '1.0'. */
function promptlabBody(experimentId: string, overrides: Record<string, unknown> = {}): string {
  const body = {
    experiment_id: experimentId,
    run_name: 'prompt-run',
    tags: [],
    prompt_template: 'Write a greeting for {{ name }} in {{ language }}',
    prompt_parameters: [{ key: 'name', value: 'Zoë' }, { key: 'language', value: 'French' }],
    model_route: 'chat',
    model_parameters: [{ key: 'temperature', value: 0.5 }, { key: 'max_tokens', value: 64 }, { key: 'top_p', value: 'ONE_POINT_ZERO' }, { key: 'stop', value: '[a, b]' }],
    model_input: 'Write a greeting for Zoë in French',
    model_output: 'Bonjour Zoë !',
    model_output_parameters: [{ key: 'latency', value: 42 }],
    mlflow_version: '2.7.1',
    user_id: 'ann',
    start_time: 1_700_000_000_000,
    ...overrides,
  };
  return JSON.stringify(body).replace('"ONE_POINT_ZERO"', '1.0');
}

const sortByKey = (xs: { key: string; value: string }[] = []) => [...xs].sort((a, b) => a.key.localeCompare(b.key));

/** Every file under a run's artifacts, recursively, as the UI lists them. */
async function artifactFiles(url: string, runId: string, dir = ''): Promise<string[]> {
  const res = await fetch(`${url}/ajax-api/2.0/mlflow/artifacts/list?run_id=${runId}${dir ? `&path=${encodeURIComponent(dir)}` : ''}`);
  const files = ((await res.json()) as { files?: { path: string; is_dir: boolean }[] }).files ?? [];
  const out: string[] = [];
  for (const f of files) out.push(...(f.is_dir ? await artifactFiles(url, runId, f.path) : [f.path]));
  return out.sort();
}

/**
 * A prompt-lab file with what differs from run to run masked — the run id, model_uuid, the time — and
 * what belongs to the Python of MLflow's server (python_version, pip's pins), which a Node server
 * cannot know: YAML files are compared parsed, as PyYAML and the client read them.
 */
function normalizedFile(name: string, text: string, runId: string): unknown {
  const masked = text.replaceAll(runId, '<run>').replace(/\b[0-9a-f]{32}\b/g, '<uuid>').replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}/g, '<time>');
  if (!/(MLmodel|\.yaml)$/.test(name)) return masked;
  const doc = parseYaml(masked, { version: '1.1' }) as Record<string, unknown>;
  const unpinned = (xs: unknown) => (xs as unknown[]).map((x) => (typeof x === 'string' ? x.replace(/(==|<=).*$/, '').replace(/^python=.*/, 'python') : x));
  if (name.endsWith('MLmodel')) delete (doc.flavors as { python_function: Record<string, unknown> }).python_function.python_version;
  if (name.endsWith('python_env.yaml')) return { ...doc, python: typeof doc.python, build_dependencies: unpinned(doc.build_dependencies) };
  if (name.endsWith('conda.yaml')) return { ...doc, dependencies: unpinned(doc.dependencies) };
  return doc;
}

async function promptlabRun(url: string, body: (experimentId: string) => string) {
  const { experimentId } = await newRun(url);
  const res = await post(url, PROMPTLAB, body(experimentId));
  expect(res.status, `${url} ${JSON.stringify(res.json)}`).toBe(200);
  const run = res.json.run as RunJson;
  const runId = run.info.run_id;
  const files = await artifactFiles(url, runId);
  const contents: Record<string, unknown> = {};
  for (const f of files) contents[f] = normalizedFile(f, await (await fetch(`${url}/get-artifact?run_uuid=${runId}&path=${f}`)).text(), runId);
  const tags = sortByKey(run.data.tags).map((t) => ({ key: t.key, value: normalizedFile(t.key, t.value, runId) }));
  const { status, user_id, start_time, run_name, lifecycle_stage } = run.info;
  return { info: { status, user_id, start_time, run_name, lifecycle_stage, ended: (run.info.end_time ?? 0) >= Date.now() - 600_000 }, params: sortByKey(run.data.params), tags, files, contents };
}

describe('7. POST /ajax-api/2.0/mlflow/runs/create-promptlab-run, as MLflow’s create_promptlab_run_handler', () => {
  it('logs the run: params, tags, the prompt-lab model and the eval results table, and ends it FINISHED', async () => {
    const answers = [];
    for (const url of both()) answers.push(await promptlabRun(url, (e) => promptlabBody(e)));
    expect(answers[1]).toEqual(answers[0]);
    const mlflowRun = answers[0]!;
    expect(mlflowRun.info).toEqual({ status: 'FINISHED', user_id: 'ann', start_time: 1_700_000_000_000, run_name: 'prompt-run', lifecycle_stage: 'active', ended: true });
    expect(mlflowRun.params).toContainEqual({ key: 'top_p', value: '1.0' });
    expect(mlflowRun.tags).toContainEqual({ key: 'mlflow.runSourceType', value: 'PROMPT_ENGINEERING' });
    expect(mlflowRun.files).toEqual([
      'eval_results_table.json', 'model/MLmodel', 'model/conda.yaml', 'model/input_example.json', 'model/parameters.yaml',
      'model/python_env.yaml', 'model/requirements.txt', 'model/serving_input_example.json',
    ]);
    expect(mlflowRun.contents['eval_results_table.json']).toBe(
      '{"columns": ["name", "language", "prompt", "output", "latency"], "data": [["Zo\\u00eb", "French", "Write a greeting for Zo\\u00eb in French", "Bonjour Zo\\u00eb !", "42"]]}',
    );
  });

  it('without user_id or start_time: user "unknown", started now', async () => {
    const answers = [];
    for (const url of both()) {
      const before = Date.now();
      const run = await promptlabRun(url, (e) => {
        const body = JSON.parse(promptlabBody(e)) as Record<string, unknown>;
        delete body.user_id;
        delete body.start_time;
        return JSON.stringify(body);
      });
      answers.push({ user_id: run.info.user_id, started: (run.info.start_time ?? 0) >= before - 1000 && (run.info.start_time ?? 0) <= Date.now() });
    }
    expect(answers).toEqual([{ user_id: 'unknown', started: true }, { user_id: 'unknown', started: true }]);
  });

  it('ends the run FAILED, still answering 200, when logging it fails (a model parameter named model_route)', async () => {
    const answers = [];
    for (const url of both()) {
      answers.push(await promptlabRun(url, (e) => promptlabBody(e, { model_parameters: [{ key: 'model_route', value: 'other' }] })));
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.info.status).toBe('FAILED');
    expect(answers[0]!.params).toEqual([]);
    expect(answers[0]!.files).toEqual([]);
  });

  it('refuses what the handler refuses, with its messages, in its order', async () => {
    const cases: [string, (e: string) => string | Record<string, unknown>][] = [
      ['empty body', () => ({})],
      ['experiment_id only', (e) => ({ experiment_id: e })],
      ['empty prompt_parameters', (e) => ({ experiment_id: e, prompt_template: 't', prompt_parameters: [] })],
      ['no model_route', (e) => ({ experiment_id: e, prompt_template: 't', prompt_parameters: [{ key: 'a', value: 'b' }] })],
      ['empty model_input', (e) => ({ experiment_id: e, prompt_template: 't', prompt_parameters: [{ key: 'a', value: 'b' }], model_route: 'r', model_input: '' })],
      ['no mlflow_version', (e) => ({ experiment_id: e, prompt_template: 't', prompt_parameters: [{ key: 'a', value: 'b' }], model_route: 'r', model_input: 'i' })],
      ['experiment 0 as a number is falsy', () => JSON.parse(promptlabBody('x', { experiment_id: 0 })) as Record<string, unknown>],
      ['missing experiment', () => promptlabBody('987654321')],
    ];
    const answers = [];
    for (const url of both()) {
      const { experimentId } = await newRun(url);
      const answer: Record<string, unknown> = {};
      for (const [name, body] of cases) {
        const res = await post(url, PROMPTLAB, body(experimentId));
        answer[name] = { status: res.status, ...error(res.json) };
      }
      const plain = await fetch(`${url}${PROMPTLAB}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: promptlabBody(experimentId) });
      answer['text/plain'] = { status: plain.status, ...error((await plain.json()) as Record<string, unknown>) };
      // A Flask-only route: MLflow has no /api/2.0 twin (its 404 is an HTML page, Minflow's JSON).
      const api = await fetch(`${url}/api/2.0/mlflow/runs/create-promptlab-run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: promptlabBody(experimentId) });
      await api.arrayBuffer();
      answer['/api/2.0'] = api.status;
      answers.push(answer);
    }
    expect(answers[1]).toEqual(answers[0]);
    const must = (field: string) => ({ status: 400, error_code: 'INVALID_PARAMETER_VALUE', message: `CreatePromptlabRun request must specify ${field}.` });
    expect(answers[0]).toMatchObject({
      'empty body': must('experiment_id'),
      'experiment_id only': must('prompt_template'),
      'empty prompt_parameters': must('prompt_parameters'),
      'no model_route': must('model_route'),
      'empty model_input': must('model_input'),
      'no mlflow_version': must('mlflow_version'),
      'experiment 0 as a number is falsy': must('experiment_id'),
      'missing experiment': { status: 404, error_code: 'RESOURCE_DOES_NOT_EXIST' },
      'text/plain': { status: 400, error_code: 'INVALID_PARAMETER_VALUE' },
      '/api/2.0': 404,
    });
  });

  it('deliberately differs: run tags are stored (MLflow answers 500 to any tag: it reads them as RunTag objects)', async () => {
    const tagged = (e: string) => promptlabBody(e, { tags: [{ key: 'team', value: 'search' }] });
    const res = [];
    for (const url of both()) {
      const { experimentId } = await newRun(url);
      res.push(await post(url, PROMPTLAB, tagged(experimentId)));
    }
    expect({ status: res[0]!.status, message: res[0]!.json.message }).toEqual({ status: 500, message: "'dict' object has no attribute 'key'" });
    expect(res[1]!.status).toBe(200);
    expect((res[1]!.json.run as RunJson).data.tags).toContainEqual({ key: 'team', value: 'search' });
  });
});

// Item 8. The registry UI's "Created by" columns (models list, versions table) and a version page's
// "Creator" read `user_id` of RegisteredModel / ModelVersion. Finding: mlflow server 3.17.2 never
// fills it. RegisteredModel.user_id has no column in MLflow's schema at all; model_versions.user_id
// exists, but no open-source code path writes it — create_model_version leaves it NULL whatever the
// request carries (the UI and the client send none); only the tombstone of a deleted version NULLs it. So
// "Created by" is empty on MLflow too, for versions the UI registered as for the client's, and Minflow
// matches it; a creator shows only when the database holds one (written by another tool, e.g. copied
// from Databricks), and then both servers answer it.
describe('8. "Created by" (user_id) of registered models and versions, as mlflow server 3.17.2 fills it', () => {
  async function register(url: string, base: '/ajax-api' | '/api', extra: Record<string, unknown>): Promise<string> {
    const { experimentId, runId } = await newRun(url);
    const name = unique('created-by');
    const model = await post(url, `${base}/2.0/mlflow/registered-models/create`, { name, ...extra });
    expect(model.status, JSON.stringify(model.json)).toBe(200);
    const source = `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`;
    const version = await post(url, `${base}/2.0/mlflow/model-versions/create`, { name, source, run_id: runId, ...extra });
    expect(version.status, JSON.stringify(version.json)).toBe(200);
    return name;
  }

  /** The registry reads the UI makes for a model, each answer's user_ids (undefined when absent). */
  async function userIds(url: string, name: string): Promise<Record<string, unknown>> {
    const q = encodeURIComponent(name);
    type Version = { user_id?: string };
    type Model = Version & { latest_versions?: Version[] };
    const get = async <T>(p: string) => (await (await fetch(`${url}/ajax-api/2.0/mlflow/${p}`)).json()) as T;
    const filter = encodeURIComponent(`name='${name}'`);
    const { registered_model: model } = await get<{ registered_model: Model }>(`registered-models/get?name=${q}`);
    const { registered_models: [searched] } = await get<{ registered_models: Model[] }>(`registered-models/search?filter=${filter}`);
    const { model_version: version } = await get<{ model_version: Version }>(`model-versions/get?name=${q}&version=1`);
    const { model_versions: [found] } = await get<{ model_versions: Version[] }>(`model-versions/search?filter=${filter}`);
    return {
      model: model.user_id,
      searchedModel: searched?.user_id,
      latestVersion: searched?.latest_versions?.[0]?.user_id,
      version: version.user_id,
      searchedVersion: found?.user_id,
      versionFields: Object.keys(version).sort(),
    };
  }

  it('a model and version registered the UI’s way (ajax-api, even with a user_id sent) or the client’s way carry none', async () => {
    const answers = [];
    for (const url of both()) {
      const ui = await userIds(url, await register(url, '/ajax-api', { user_id: 'ann' }));
      const client = await userIds(url, await register(url, '/api', {}));
      answers.push({ ui, client });
    }
    expect(answers[1]).toEqual(answers[0]);
    const none = { model: undefined, searchedModel: undefined, latestVersion: undefined, version: undefined, searchedVersion: undefined };
    expect(answers[0]!.ui).toMatchObject(none);
    expect(answers[0]!.client).toMatchObject(none);
    expect(answers[0]!.ui.versionFields).not.toContain('user_id');
  });

  it.skipIf(testBackendKind() !== 'sqlite')('a creator the database holds is answered for the version only, and kept through transition-stage', async () => {
    const answers = [];
    for (const [url, dbFile] of [[mlflow.url, path.join(work, 'mlflow.db')], [minflow.url, path.join(minflow.dataDir, 'mlflow.db')]] as const) {
      const name = await register(url, '/ajax-api', {});
      const db = new Database(dbFile);
      try {
        db.prepare('UPDATE model_versions SET user_id = ? WHERE name = ?').run('ann@example.com', name);
      } finally {
        db.close();
      }
      const held = await userIds(url, name);
      const moved = await post(url, '/ajax-api/2.0/mlflow/model-versions/transition-stage', { name, version: '1', stage: 'Staging', archive_existing_versions: false });
      expect(moved.status, JSON.stringify(moved.json)).toBe(200);
      answers.push({ held, transitioned: (moved.json.model_version as { user_id?: string }).user_id, after: await userIds(url, name) });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.held).toMatchObject({ model: undefined, searchedModel: undefined, latestVersion: 'ann@example.com', version: 'ann@example.com', searchedVersion: 'ann@example.com' });
    expect(answers[0]!.transitioned).toBe('ann@example.com');
    expect(answers[0]!.after).toEqual(answers[0]!.held);
  });
});
