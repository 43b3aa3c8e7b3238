// `minflow predict`: batch scoring of a CSV with a registered model, as a child process against a real
// tracking server. The output keeps the id columns, adds probability and prediction, equals the
// in-memory model row for row, and a bad input fails with the line and column and leaves no output.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowClient } from '../../client/index.js';
import { parseCsv } from '../../trainer/data/csv.js';
import { parseDataset } from '../../trainer/data/dataset.js';
import { abtToCsv, generateSyntheticAbt } from '../../trainer/data/synthetic.js';
import { builtCli, tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { registerVersion, trainTwoModels, type TestModel } from './serving-fixtures.js';

let server: ServerProcess;
let work: string;
let models: [TestModel, TestModel];
let inputCsv: string;
const N = 230;

function predict(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli(), 'predict', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const common = () => ['--tracking-uri', server.url, '--cache-dir', path.join(work, 'cache')];

beforeAll(async () => {
  server = await startServer();
  work = tempDir('serving-predict');
  models = await trainTwoModels();
  const client = new MlflowClient(server.url);
  await registerVersion(client, 'churn', models[0]);
  await registerVersion(client, 'churn', models[1]);
  await client.registry.setRegisteredModelAlias('churn', 'production', '2');
  // A different seed from the training table: new customers, with the seed's `null` cells.
  inputCsv = path.join(work, 'abt.csv');
  fs.writeFileSync(inputCsv, abtToCsv(generateSyntheticAbt(N, 99)));
});

afterAll(async () => {
  await server?.stop();
  for (const dir of [work, server?.dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function expectedProbabilities(model: TestModel): number[] {
  const ds = parseDataset(fs.readFileSync(inputCsv, 'utf8'));
  return Array.from(model.loaded.classifier.predictProba(ds));
}

describe('minflow predict', () => {
  it('scores a CSV with models:/churn@production: ids, probability, prediction, in input order', async () => {
    const out = path.join(work, 'scores.csv');
    const r = await predict(['--model', 'models:/churn@production', '--input', inputCsv, '--output', out, '--batch-size', '64', ...common()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/model churn version 2 \(models:\/churn@production\)/);
    expect(r.stderr).toMatch(new RegExp(`scored ${N} rows in .* → ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));

    const rows = parseCsv(fs.readFileSync(out, 'utf8')).map((rec) => rec.fields);
    expect(rows[0]).toEqual(['dt_ref', 'id_cliente', 'probability', 'prediction']);
    expect(rows).toHaveLength(N + 1);
    const input = parseCsv(fs.readFileSync(inputCsv, 'utf8')).map((rec) => rec.fields);
    const want = expectedProbabilities(models[1]);
    for (let i = 1; i <= N; i++) {
      expect(rows[i]!.slice(0, 2)).toEqual(input[i]!.slice(0, 2));
      expect(Number(rows[i]![2])).toBe(want[i - 1]);
      expect(rows[i]![3]).toBe(want[i - 1]! > 0.5 ? '1' : '0');
    }
    expect(fs.readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('a fixed version, --keep, stdin in and stdout out', async () => {
    const r = await predict(['-m', 'models:/churn/1', '-i', '-', '--keep', 'id_cliente,flag_churn', '-q', ...common()], fs.readFileSync(inputCsv, 'utf8'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const rows = parseCsv(r.stdout).map((rec) => rec.fields);
    expect(rows[0]).toEqual(['id_cliente', 'flag_churn', 'probability', 'prediction']);
    expect(rows.slice(1).map((row) => Number(row[2]))).toEqual(expectedProbabilities(models[0]));
  });

  it('a bad cell fails with its line and column, and leaves no output file', async () => {
    const lines = fs.readFileSync(inputCsv, 'utf8').split('\n');
    const header = lines[0]!.split(',');
    const k = header.indexOf('frequencia_d28');
    const cells = lines[150]!.split(',');
    cells[k] = 'often';
    lines[150] = cells.join(',');
    const bad = path.join(work, 'bad.csv');
    fs.writeFileSync(bad, lines.join('\n'));
    const out = path.join(work, 'bad-scores.csv');
    const r = await predict(['--model', 'models:/churn@production', '--input', bad, '--output', out, '--batch-size', '50', ...common()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/column 'frequencia_d28': line 151 has "often" \(a string\), but the model signature expects double/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('a missing feature column, an unknown --keep column, a missing input', async () => {
    const text = fs.readFileSync(inputCsv, 'utf8').split('\n').map((l) => l.split(',').slice(0, 10).join(',')).join('\n');
    const narrow = path.join(work, 'narrow.csv');
    fs.writeFileSync(narrow, text);
    let r = await predict(['--model', 'models:/churn@production', '--input', narrow, ...common()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The input column '\w+' is needed by the model/);
    r = await predict(['--model', 'models:/churn@production', '--input', inputCsv, '--keep', 'customer', ...common()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--keep: the input has no column 'customer'/);
    r = await predict(['--model', 'models:/churn@production', '--input', path.join(work, 'nope.csv'), ...common()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read --input/);
  });

  it('--help, and usage errors exit 2', async () => {
    let r = await predict(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: minflow predict --model <model-uri> --input FILE.csv/);
    r = await predict(['--input', inputCsv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--model is required/);
  });
});
