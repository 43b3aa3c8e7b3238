// Issue 14, item 1: HEAD on an artifact only stats it. Fastify's automatic HEAD route runs the GET
// handler and reads the stream it returns through to the end, so `curl -I` on a 1 GiB artifact made
// the server read 1 GiB (20 HEADs: 21.5 GB). Against a real server process, on both backends (a local
// file; an S3 object, where a HEAD must be a HeadObject and not a GetObject): every download route —
// the mlflow-artifacts proxy, get-artifact, model-versions/get-artifact, logged-model files, the
// UI's static files — answers HEAD with GET's Content-Length and Content-Type and no body, and the
// bytes the server process reads (/proc/<pid>/io rchar: files and sockets alike) stay far below
// one file's size; /health stays fast while HEADs arrive 5 at a time.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/paths.js';
import { healthDuring, postJson, report, runConcurrently, startServer, type ServerProcess } from './hardening-helpers.js';

const SIZE = 32 * 1024 * 1024;
const HEADS_PER_ROUTE = 5;

let server: ServerProcess;
let uiDir: string;
const routes: { name: string; url: string }[] = [];

/** CPU milliseconds (user + system) the process has used. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function bytesRead(pid: number): number {
  const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  return Number(/^rchar: (\d+)$/m.exec(io)![1]);
}

async function put(url: string, body: Buffer): Promise<void> {
  const res = await fetch(url, { method: 'PUT', body: new Uint8Array(body) });
  expect(res.status, await res.text()).toBe(200);
}

beforeAll(async () => {
  uiDir = tempDir('head-ui');
  fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>ui</title>');
  fs.writeFileSync(path.join(uiDir, 'big.js'), Buffer.alloc(SIZE, 0x61));
  server = await startServer({ args: ['--ui-dir', uiDir] });
  const api = `${server.url}/api/2.0/mlflow`;
  const body = Buffer.alloc(SIZE, 7);

  const exp = String((await postJson(`${api}/experiments/create`, { name: 'head' })).json.experiment_id);
  const run = (await postJson(`${api}/runs/create`, { experiment_id: exp })).json.run as { info: { run_id: string; artifact_uri: string } };
  const runPath = run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
  await put(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${runPath}/model/big.bin`, body);

  const model = (await postJson(`${api}/logged-models`, { experiment_id: exp, name: 'm' })).json.model as { info: { model_id: string; artifact_uri: string } };
  const modelPath = model.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
  await put(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${modelPath}/big.bin`, body);

  expect((await postJson(`${api}/registered-models/create`, { name: 'head-model' })).status).toBe(200);
  const mv = await postJson(`${api}/model-versions/create`, { name: 'head-model', source: `runs:/${run.info.run_id}/model`, run_id: run.info.run_id });
  expect(mv.status, JSON.stringify(mv.json)).toBe(200);

  routes.push(
    { name: 'proxy', url: `${server.url}/api/2.0/mlflow-artifacts/artifacts/${runPath}/model/big.bin` },
    { name: 'get-artifact', url: `${server.url}/get-artifact?run_uuid=${run.info.run_id}&path=model/big.bin` },
    { name: 'model-versions/get-artifact', url: `${server.url}/model-versions/get-artifact?name=head-model&version=1&path=big.bin` },
    { name: 'logged-model files', url: `${server.url}/ajax-api/2.0/mlflow/logged-models/${model.info.model_id}/artifacts/files?artifact_file_path=big.bin` },
    { name: 'static file', url: `${server.url}/static-files/big.js` },
  );
});

afterAll(async () => {
  await server?.stop();
  if (uiDir) fs.rmSync(uiDir, { recursive: true, force: true });
});

describe('HEAD on an artifact reads no bytes (issue 14 item 1)', () => {
  it("answers every download route's HEAD with GET's headers and no body, reading almost nothing", async () => {
    const figures: Record<string, number> = {};
    for (const route of routes) {
      const get = await fetch(route.url, { headers: { range: 'bytes=0-0' } });
      expect(get.status, `${route.name}: ${await get.text()}`).toBe(route.name === 'static file' ? 200 : 206);
      const before = bytesRead(server.child.pid!);
      let head: Response | undefined;
      const t0 = performance.now();
      for (let i = 0; i < HEADS_PER_ROUTE; i++) {
        head = await fetch(route.url, { method: 'HEAD' });
        expect(head.status, route.name).toBe(200);
        expect(await head.text()).toBe('');
      }
      const read = bytesRead(server.child.pid!) - before;
      figures[route.name] = read;
      figures[`${route.name} ms/HEAD`] = Math.round((performance.now() - t0) / HEADS_PER_ROUTE);
      expect(head!.headers.get('content-length'), route.name).toBe(String(SIZE));
      expect(head!.headers.get('content-type'), route.name).toBe(route.name === 'static file' ? 'text/javascript; charset=utf-8' : 'application/octet-stream');
      // One file is 32 MiB: five HEADs that read it would be 160 MiB.
      expect(read, `${route.name}: ${read} bytes read for ${HEADS_PER_ROUTE} HEADs`).toBeLessThan(2 * 1024 * 1024);
    }
    // A HEAD with a Range answers as the GET does: 206, the range's length and Content-Range.
    const ranged = await fetch(routes[0]!.url, { method: 'HEAD', headers: { range: 'bytes=10-19' } });
    expect([ranged.status, ranged.headers.get('content-length'), ranged.headers.get('content-range')]).toEqual([206, '10', `bytes 10-19/${SIZE}`]);
    const missing = await fetch(routes[0]!.url.replace('big.bin', 'nope.bin'), { method: 'HEAD' });
    expect(missing.status).toBe(404);
    report('1 HEAD bytes read per 5 HEADs of a 32 MiB file', figures);
  });

  it('keeps /health fast while HEADs arrive 5 at a time', async () => {
    const idle = await healthDuring(server.url, () => new Promise((r) => setTimeout(r, 1500)));
    report('1 /health idle', { p50: idle.p50, p99: idle.p99, samples: idle.samples });
    const before = bytesRead(server.child.pid!);
    const cpuBefore = cpuMs(server.child.pid!);
    const figures = await healthDuring(server.url, () =>
      runConcurrently(300, 5, async (i) => {
        const res = await fetch(routes[i % routes.length]!.url, { method: 'HEAD' });
        await res.text();
        return res.status;
      }),
    );
    const read = bytesRead(server.child.pid!) - before;
    report('1 HEAD x300 (5 concurrent)', { p50: figures.p50, p99: figures.p99, max: figures.max, samples: figures.samples, bytesRead: read, serverCpuMsPerHead: (cpuMs(server.child.pid!) - cpuBefore) / 300 });
    expect(figures.attack).toEqual(Array.from({ length: 300 }, () => 200));
    expect(read).toBeLessThan(16 * 1024 * 1024);
    expect(figures.p99, JSON.stringify(figures)).toBeLessThan(100);
  });
});
