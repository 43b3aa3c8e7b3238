// `npm run demo` as a newcomer runs it: a server, a training logged to it, a promoted model and a
// scoring server answering — all from one command, in an empty directory.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtCli, tempDir } from '../helpers/paths.js';
import { freePort } from '../helpers/server-process.js';

describe('minflow demo', () => {
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  });

  it('starts the server, trains and promotes a model, serves it, and prints where to look', async () => {
    const cwd = tempDir('demo');
    const port = await freePort();
    child = spawn(process.execPath, [builtCli(), 'demo', '--port', String(port)], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 180_000;
    while (!out.includes('Press Ctrl-C to stop.')) {
      if (child.exitCode !== null) throw new Error(`demo exited ${child.exitCode}\n${out}\n${err}`);
      if (Date.now() > deadline) throw new Error(`demo not ready after 180 s\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const base = `http://127.0.0.1:${port}`;
    expect(out).toContain(`${base}/#/experiments/`);
    expect(out).toContain(`Scoring:  http://127.0.0.1:${port + 1}/invocations`);
    expect(out).toMatch(/A scoring answer for two customers: \{"predictions":\[\{"probability":[0-9.e-]+,"prediction":[01]\}/);

    // The data landed in ./mlruns of the working directory, as the README says.
    expect(fs.existsSync(path.join(cwd, 'mlruns', 'mlflow.db'))).toBe(true);
    const runs = (await (
      await fetch(`${base}/api/2.0/mlflow/runs/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_ids: ['1'] }),
      })
    ).json()) as { runs: unknown[] };
    // The parent run and one child per default model (trainer/candidates.ts DEFAULT_MODELS: dt, rf, gb, blend).
    expect(runs.runs.length).toBe(5);
    const alias = (await (await fetch(`${base}/api/2.0/mlflow/registered-models/alias?name=churn&alias=production`)).json()) as {
      model_version: { version: string };
    };
    expect(alias.model_version.version).toBe('1');

    // The printed curl command works as it is.
    const request = fs.readFileSync(path.join(cwd, 'mlruns', 'demo-request.json'), 'utf8');
    const scored = await fetch(`http://127.0.0.1:${port + 1}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: request,
    });
    expect(scored.status).toBe(200);
    expect(scored.headers.get('x-model-version')).toBe('1');
    const ui = await fetch(`${base}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);
  });
});
