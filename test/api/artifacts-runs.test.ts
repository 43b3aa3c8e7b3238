// A run's, a logged model's and a model version's artifacts as the client and the UI read them:
// artifacts/list (run_id or the UI's run_uuid), the UI's /get-artifact preview and upload-artifact
// button, /model-versions/get-artifact, for proxied (mlflow-artifacts:) roots mapped onto the artifact
// destination and for local (absolute path, file://) roots read where they are.
// Expected shapes and texts were checked against the official MLflow 3.17.2 server.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AJAX, MISSING_RUN_ID, createExperiment, createRun, expectError, missingValue, ok } from './helpers.js';
import {
  createLoggedModel,
  expectDownload,
  proxiedPath,
  startArtifactApi,
  tempFiles,
  walk,
  type ArtifactApi,
  type LoggedModelJson,
} from './artifact-helpers.js';

interface FileJson {
  path: string;
  is_dir: boolean;
  file_size?: number;
}
interface ListJson {
  root_uri: string;
  files?: FileJson[];
}

let api: ArtifactApi;
let exp: string;
let runId: string;
/** `<exp>/<run>/artifacts`, the run's directory under the destination. */
let runDir: string;
beforeAll(async () => {
  api = await startArtifactApi();
  exp = await createExperiment(api, 'run-artifacts');
  const run = await createRun(api, exp);
  runId = run.info.run_id;
  expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${exp}/${runId}/artifacts`);
  runDir = proxiedPath(run.info.artifact_uri!);
  // What the Python client uploads through the proxy for a run.
  for (const [rel, bytes] of [
    ['top.txt', 'top'],
    ['empty.txt', ''],
    ['dir/a.txt', 'aaa'],
    ['dir/b.json', '{"b": 1}'],
    ['dir/sub/x.png', '\x89PNG'],
    ['model/MLmodel', 'flavors: {}\n'],
  ] as const) {
    ok(await api.put(`${runDir}/${rel}`, bytes));
  }
});
afterAll(async () => {
  await api.close();
});

const listRun = (query: Record<string, string>, base = '/api/2.0/mlflow') => api.fetch<ListJson>(`${base}/artifacts/list`, query);
const getArtifact = (query: Record<string, string>) => api.fetch('/get-artifact', query);
const upload = (query: Record<string, string>, payload?: string | Buffer | Readable, headers: Record<string, string> = {}) =>
  api.send({ method: 'POST', url: `${AJAX}/upload-artifact?${new URLSearchParams(query)}`, payload, headers });

describe('GET artifacts/list', () => {
  it('lists the run root with run-relative paths and the root_uri', async () => {
    expect(ok(await listRun({ run_id: runId }))).toEqual({
      root_uri: `mlflow-artifacts:/${exp}/${runId}/artifacts`,
      files: [
        { path: 'dir', is_dir: true },
        { path: 'empty.txt', is_dir: false },
        { path: 'model', is_dir: true },
        { path: 'top.txt', is_dir: false, file_size: 3 },
      ],
    });
  });

  it('accepts run_uuid alone (the UI sends only run_uuid), under /api and /ajax-api', async () => {
    const expected = ok(await listRun({ run_id: runId, path: 'dir' }));
    expect(ok(await listRun({ run_uuid: runId, path: 'dir' }))).toEqual(expected);
    expect(ok(await listRun({ run_uuid: runId, path: 'dir' }, AJAX))).toEqual(expected);
  });

  it('lists a sub-directory with paths relative to the run root ("dir/a.txt")', async () => {
    expect(ok(await listRun({ run_id: runId, path: 'dir' }))).toEqual({
      root_uri: `mlflow-artifacts:/${exp}/${runId}/artifacts`,
      files: [
        { path: 'dir/a.txt', is_dir: false, file_size: 3 },
        { path: 'dir/b.json', is_dir: false, file_size: 8 },
        { path: 'dir/sub', is_dir: true },
      ],
    });
    expect(ok(await listRun({ run_id: runId, path: 'dir/sub' })).files).toEqual([{ path: 'dir/sub/x.png', is_dir: false, file_size: 5 }]);
  });

  it('omits files for a missing directory, a file path and a run without artifacts', async () => {
    const root_uri = `mlflow-artifacts:/${exp}/${runId}/artifacts`;
    expect(ok(await listRun({ run_id: runId, path: 'nope' }))).toEqual({ root_uri });
    expect(ok(await listRun({ run_id: runId, path: 'top.txt' }))).toEqual({ root_uri });
    const bare = await createRun(api, exp);
    expect(ok(await listRun({ run_id: bare.info.run_id }))).toEqual({ root_uri: bare.info.artifact_uri });
  });

  it('answers 404 for a missing run and 400 without a run id', async () => {
    expectError(await listRun({ run_id: MISSING_RUN_ID }), 404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${MISSING_RUN_ID} not found`);
    expectError(await listRun({ run_uuid: MISSING_RUN_ID }, AJAX), 404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${MISSING_RUN_ID} not found`);
    expectError(await listRun({ path: 'dir' }), 400, 'INVALID_PARAMETER_VALUE', missingValue('run_id'));
  });
});

describe('GET /get-artifact (the UI preview)', () => {
  it('streams a run file with the attachment headers, by run_uuid or run_id', async () => {
    expectDownload(await getArtifact({ run_uuid: runId, path: 'dir/a.txt' }), 'aaa', 'text/plain', 'attachment; filename=a.txt');
    expectDownload(await getArtifact({ path: 'dir/b.json', run_id: runId }), '{"b": 1}', 'text/plain', 'attachment; filename=b.json');
    expectDownload(await getArtifact({ run_uuid: runId, path: 'dir/sub/x.png' }), '\x89PNG', 'image/png', 'attachment; filename=x.png');
    expectDownload(await getArtifact({ run_uuid: runId, path: 'model/MLmodel' }), 'flavors: {}\n', 'text/plain', 'attachment; filename=MLmodel');
    expectDownload(await getArtifact({ run_uuid: runId, path: 'empty.txt' }), '', 'text/plain', 'attachment; filename=empty.txt');
  });

  it('answers 404 "No such artifact" (with the destination path, as MLflow) for a missing file', async () => {
    expectError(await getArtifact({ run_uuid: runId, path: 'dir/missing.txt' }), 404, 'RESOURCE_DOES_NOT_EXIST', `No such artifact: '${runDir}/dir/missing.txt'`);
  });

  it('answers 400 for a directory', async () => {
    expectError(await getArtifact({ run_uuid: runId, path: 'dir' }), 400, 'INVALID_PARAMETER_VALUE', `Artifact path refers to a directory, not a file: '${runDir}/dir'`);
  });

  it('answers 404 for a missing run and 400 without a path', async () => {
    expectError(await getArtifact({ run_uuid: MISSING_RUN_ID, path: 'a' }), 404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${MISSING_RUN_ID} not found`);
    // MLflow answers werkzeug's HTML 400 page here; Minflow answers the same status as JSON.
    expectError(await getArtifact({ run_uuid: runId }), 400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'path'.");
  });

  it('exists only without a prefix (the UI calls it relative to the page)', async () => {
    const res = await api.fetch(`${AJAX}/get-artifact`, { run_uuid: runId, path: 'top.txt' });
    expect(res.status).toBe(404);
  });
});

describe('POST /ajax-api/2.0/mlflow/upload-artifact', () => {
  let run: string;
  let dir: string;
  beforeAll(async () => {
    const r = await createRun(api, exp);
    run = r.info.run_id;
    dir = path.join(api.root, proxiedPath(r.info.artifact_uri!));
  });

  it('writes the raw body into the run artifacts and answers {}', async () => {
    const res = await upload({ run_uuid: run, path: 'notes/readme.txt' }, 'uploaded from the UI', { 'content-type': 'text/plain' });
    expect(ok(res)).toEqual({});
    expect(fs.readFileSync(path.join(dir, 'notes/readme.txt'), 'utf8')).toBe('uploaded from the UI');
    expect(ok(await listRun({ run_uuid: run, path: 'notes' })).files).toEqual([{ path: 'notes/readme.txt', is_dir: false, file_size: 20 }]);
    expectDownload(await getArtifact({ run_uuid: run, path: 'notes/readme.txt' }), 'uploaded from the UI', 'text/plain', 'attachment; filename=readme.txt');
  });

  it('takes binary bodies of any content type and overwrites', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    ok(await upload({ run_uuid: run, path: 'img.png' }, Buffer.from('old'), { 'content-type': 'image/png' }));
    ok(await upload({ run_uuid: run, path: 'img.png' }, png, { 'content-type': 'image/png' }));
    expectDownload(await getArtifact({ run_uuid: run, path: 'img.png' }), png, 'image/png', 'attachment; filename=img.png');
    ok(await upload({ run_uuid: run, path: 'blob' }, png));
    expect(fs.readFileSync(path.join(dir, 'blob')).equals(png)).toBe(true);
  });

  it('accepts exactly 10 MB', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, 'x');
    expect(ok(await upload({ run_uuid: run, path: 'big/ten.bin' }, body))).toEqual({});
    expect(fs.statSync(path.join(dir, 'big/ten.bin')).size).toBe(body.length);
  });

  it('refuses more than 10 MB (declared or streamed) and writes nothing', async () => {
    const TOO_LARGE = 'Artifact size is too large. Max size is 10MB.';
    expectError(await upload({ run_uuid: run, path: 'big/over.bin' }, Buffer.alloc(10 * 1024 * 1024 + 1, 'x')), 400, 'INVALID_PARAMETER_VALUE', TOO_LARGE);
    // Without a Content-Length the limit is enforced while streaming.
    const chunks = Array.from({ length: 11 }, () => Buffer.alloc(1024 * 1024, 'y'));
    expectError(await upload({ run_uuid: run, path: 'big/streamed.bin' }, Readable.from(chunks)), 400, 'INVALID_PARAMETER_VALUE', TOO_LARGE);
    expect(walk(path.join(dir, 'big'))).toEqual(['ten.bin']);
    expect(tempFiles(api.root)).toEqual([]);
  });

  it('keeps the previous file when an oversized upload to the same path is refused', async () => {
    ok(await upload({ run_uuid: run, path: 'keep/model.bin' }, 'v1'));
    const chunks = Array.from({ length: 11 }, () => Buffer.alloc(1024 * 1024, 'z'));
    expect((await upload({ run_uuid: run, path: 'keep/model.bin' }, Readable.from(chunks))).status).toBe(400);
    expect(fs.readFileSync(path.join(dir, 'keep/model.bin'), 'utf8')).toBe('v1');
  });

  it('answers MLflow’s messages for a missing run_uuid, path or data', async () => {
    expectError(await upload({ path: 'a.txt' }, 'x'), 400, 'INVALID_PARAMETER_VALUE', 'Request must specify run_uuid.');
    expectError(await upload({ run_uuid: run }, 'x'), 400, 'INVALID_PARAMETER_VALUE', 'Request must specify path.');
    expectError(await upload({ run_uuid: run, path: '' }, 'x'), 400, 'INVALID_PARAMETER_VALUE', 'Request must specify path.');
    expectError(await upload({ run_uuid: run, path: 'nodata.txt' }), 400, 'INVALID_PARAMETER_VALUE', 'Request must specify data.');
    expectError(await upload({ run_uuid: run, path: 'nodata.txt' }, ''), 400, 'INVALID_PARAMETER_VALUE', 'Request must specify data.');
    expect(fs.existsSync(path.join(dir, 'nodata.txt'))).toBe(false);
  });

  // Known bug: the empty body is written (replacing the file) before it is found to be empty, then the
  // file is deleted. MLflow checks the data first and leaves the existing artifact alone.
  it('an empty upload over an existing file leaves that file alone', async () => {
    ok(await upload({ run_uuid: run, path: 'precious.txt' }, 'keep me'));
    expect((await upload({ run_uuid: run, path: 'precious.txt' }, '')).status).toBe(400);
    expect(fs.readFileSync(path.join(dir, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('answers 404 for a missing run and 400 for a directory path', async () => {
    expectError(await upload({ run_uuid: MISSING_RUN_ID, path: 'a.txt' }, 'x'), 404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${MISSING_RUN_ID} not found`);
    ok(await upload({ run_uuid: run, path: 'adir/inner.txt' }, 'x'));
    // MLflow answers 500 here; a 400 keeps the client from retrying.
    const runRoot = proxiedPath(`mlflow-artifacts:/${exp}/${run}/artifacts`);
    expectError(await upload({ run_uuid: run, path: 'adir' }, 'x'), 400, 'INVALID_PARAMETER_VALUE', `Artifact path refers to a directory, not a file: '${runRoot}/adir'`);
  });

  it('exists only under /ajax-api/2.0', async () => {
    const res = await api.send({ method: 'POST', url: `/api/2.0/mlflow/upload-artifact?run_uuid=${run}&path=x.txt`, payload: 'x' });
    expect(res.status).toBe(404);
  });
});

describe('runs and logged models of an experiment with a local artifact_location', () => {
  for (const kind of ['absolute path', 'file:// URI'] as const) {
    describe(kind, () => {
      let localRoot: string;
      let location: string;
      let localExp: string;
      let run: string;
      let runUri: string;
      let runPath: string;
      let model: LoggedModelJson;
      let modelPath: string;
      beforeAll(async () => {
        localRoot = path.join(api.base, 'local', kind === 'absolute path' ? 'abs' : 'file');
        fs.mkdirSync(localRoot);
        location = kind === 'absolute path' ? localRoot : `file://${localRoot}`;
        localExp = await createExperiment(api, `local ${kind}`, { artifact_location: location });
        const r = await createRun(api, localExp);
        run = r.info.run_id;
        runUri = r.info.artifact_uri!;
        runPath = path.join(localRoot, run, 'artifacts');
        // With a local root the client writes the files itself; the server only lists and serves them.
        fs.mkdirSync(path.join(runPath, 'sub'), { recursive: true });
        fs.writeFileSync(path.join(runPath, 'sub/f.json'), '{"a": 1}');
        fs.writeFileSync(path.join(runPath, 'empty.txt'), '');
        model = await createLoggedModel(api, localExp, { name: 'local-model' });
        modelPath = path.join(localRoot, 'models', model.info.model_id, 'artifacts');
        fs.mkdirSync(path.join(modelPath, 'data'), { recursive: true });
        fs.writeFileSync(path.join(modelPath, 'MLmodel'), 'flavors: {}\n');
        fs.writeFileSync(path.join(modelPath, 'data/model.pkl'), Buffer.from([0x80, 0x04, 0x95]));
      });

      it('gives the run and the logged model artifact URIs under that location', () => {
        expect(runUri).toBe(`${location}/${run}/artifacts`);
        expect(model.info.artifact_uri).toBe(`${location}/models/${model.info.model_id}/artifacts`);
      });

      it('lists the run artifacts from that path', async () => {
        expect(ok(await listRun({ run_uuid: run }))).toEqual({
          root_uri: runUri,
          files: [
            { path: 'empty.txt', is_dir: false },
            { path: 'sub', is_dir: true },
          ],
        });
        expect(ok(await listRun({ run_id: run, path: 'sub' }))).toEqual({ root_uri: runUri, files: [{ path: 'sub/f.json', is_dir: false, file_size: 8 }] });
      });

      it('serves run files from that path; a missing one is 404 with the run-relative path', async () => {
        expectDownload(await getArtifact({ run_uuid: run, path: 'sub/f.json' }), '{"a": 1}', 'text/plain', 'attachment; filename=f.json');
        expectError(await getArtifact({ run_uuid: run, path: 'sub/nope.json' }), 404, 'RESOURCE_DOES_NOT_EXIST', "No such artifact: 'sub/nope.json'");
      });

      it('writes UI uploads into that path, not the destination', async () => {
        ok(await upload({ run_uuid: run, path: 'up/u.txt' }, 'UP'));
        expect(fs.readFileSync(path.join(runPath, 'up/u.txt'), 'utf8')).toBe('UP');
        expect(walk(api.root).some((p) => p.includes(run))).toBe(false);
      });

      it('lists and serves the logged model artifacts from that path', async () => {
        const id = model.info.model_id;
        expect(ok(await api.get(`logged-models/${id}/artifacts/directories`))).toEqual({
          root_uri: model.info.artifact_uri,
          files: [
            { path: 'MLmodel', is_dir: false, file_size: 12 },
            { path: 'data', is_dir: true },
          ],
        });
        expect(ok(await api.get(`logged-models/${id}/artifacts/directories`, { artifact_directory_path: 'data' })).files).toEqual([
          { path: 'data/model.pkl', is_dir: false, file_size: 3 },
        ]);
        expectDownload(
          await api.fetch(`${AJAX}/logged-models/${id}/artifacts/files`, { artifact_file_path: 'data/model.pkl' }),
          Buffer.from([0x80, 0x04, 0x95]),
          'application/octet-stream',
          'attachment; filename=model.pkl',
        );
      });
    });
  }
});

describe('GET /model-versions/get-artifact', () => {
  let model: LoggedModelJson;
  let modelDir: string;
  beforeAll(async () => {
    const run = await createRun(api, exp);
    model = await createLoggedModel(api, exp, { name: 'model', source_run_id: run.info.run_id });
    modelDir = proxiedPath(model.info.artifact_uri);
    ok(await api.put(`${modelDir}/MLmodel`, 'artifact_path: model\nflavors:\n  sklearn: {}\n', { 'content-type': 'text/plain' }));
    ok(await api.put(`${modelDir}/model.pkl`, Buffer.from([0x80, 0x05]), { 'content-type': 'application/octet-stream' }));
    ok(await api.put(`${modelDir}/data/input_example.json`, '{"a": [1]}', { 'content-type': 'text/plain' }));
    ok(await api.post('registered-models/create', { name: 'churn' }));
    const mv = ok(await api.post<{ model_version: { version: string; source: string; run_id: string; status: string } }>('model-versions/create', {
      name: 'churn',
      source: `models:/${model.info.model_id}`,
      model_id: model.info.model_id,
    })).model_version;
    expect(mv).toMatchObject({ version: '1', source: `models:/${model.info.model_id}`, run_id: run.info.run_id, status: 'READY' });
  });

  const mvArtifact = (query: Record<string, string>) => api.fetch('/model-versions/get-artifact', query);

  it('serves the MLmodel of a version registered from models:/m-… (the logged model’s artifacts)', async () => {
    expect(ok(await api.get<{ artifact_uri: string }>('model-versions/get-download-uri', { name: 'churn', version: '1' }))).toEqual({
      artifact_uri: model.info.artifact_uri,
    });
    expectDownload(
      await mvArtifact({ name: 'churn', version: '1', path: 'MLmodel' }),
      'artifact_path: model\nflavors:\n  sklearn: {}\n',
      'text/plain',
      'attachment; filename=MLmodel',
    );
  });

  it('serves other files of the version, nested ones included', async () => {
    expectDownload(await mvArtifact({ name: 'churn', version: '1', path: 'model.pkl' }), Buffer.from([0x80, 0x05]), 'application/octet-stream', 'attachment; filename=model.pkl');
    expectDownload(await mvArtifact({ name: 'churn', version: '1', path: 'data/input_example.json' }), '{"a": [1]}', 'text/plain', 'attachment; filename=input_example.json');
  });

  it('answers 404 for a missing file, version or model', async () => {
    expectError(await mvArtifact({ name: 'churn', version: '1', path: 'nope.yaml' }), 404, 'RESOURCE_DOES_NOT_EXIST', `No such artifact: '${modelDir}/nope.yaml'`);
    expectError(await mvArtifact({ name: 'churn', version: '9', path: 'MLmodel' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=churn, version=9) not found');
    expectError(await mvArtifact({ name: 'nope', version: '1', path: 'MLmodel' }), 404, 'RESOURCE_DOES_NOT_EXIST', 'Model Version (name=nope, version=1) not found');
  });

  it('answers 400 for a directory, a missing path and a missing name', async () => {
    expectError(await mvArtifact({ name: 'churn', version: '1', path: 'data' }), 400, 'INVALID_PARAMETER_VALUE', `Artifact path refers to a directory, not a file: '${modelDir}/data'`);
    expectError(await mvArtifact({ name: 'churn', version: '1' }), 400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'path'.");
    expectError(await mvArtifact({ path: 'MLmodel' }), 400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'name'.");
  });
});
