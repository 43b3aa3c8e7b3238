// Batch scoring's core (scoreCsv) in memory: which columns are kept, CSV quoting, batching, and the
// errors a file can end in, with their line numbers.
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreCsv } from '../../serving/predict.js';
import { prepareModel, type ServedModel } from '../../serving/scorer.js';
import { parseCsv } from '../../trainer/data/csv.js';
import { parseDataset } from '../../trainer/data/dataset.js';
import { abtToCsv, generateSyntheticAbt } from '../../trainer/data/synthetic.js';
import { loadModel, saveModel } from '../../trainer/mlflow-model/format.js';
import { DecisionTreeClassifier } from '../../trainer/models/decision-tree.js';
import { tempDir } from '../helpers/paths.js';

let served: ServedModel;
let csv: string;

beforeAll(async () => {
  const train = parseDataset(abtToCsv(generateSyntheticAbt(300, 5)));
  const clf = new DecisionTreeClassifier({ maxDepth: 4, minSamplesLeaf: 10 });
  await clf.fit(train, train.y);
  const dir = path.join(tempDir('serving-predict-unit'), 'model');
  await saveModel(dir, { classifier: clf, features: train.schema, target: train.target });
  served = prepareModel(await loadModel(dir), { name: null, version: null, alias: null, runId: null, modelId: null, source: dir }, dir);
  csv = abtToCsv(generateSyntheticAbt(57, 11));
});

function sink(): { out: Writable; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { out, text: () => text };
}

async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

describe('scoreCsv', () => {
  it('keeps dt_ref and id_cliente, adds probability and prediction, the same at any batch size', async () => {
    const ds = parseDataset(csv);
    const want = Array.from(served.model.classifier.predictProba(ds));
    const outputs: string[] = [];
    for (const batchSize of [1, 10, 1000]) {
      const { out, text } = sink();
      const n = await scoreCsv(served, chunks(csv, 333), out, { keep: null, batchSize });
      expect(n).toBe(57);
      outputs.push(text());
    }
    expect(new Set(outputs).size).toBe(1);
    const rows = parseCsv(outputs[0]!).map((r) => r.fields);
    expect(rows[0]).toEqual(['dt_ref', 'id_cliente', 'probability', 'prediction']);
    expect(rows.slice(1).map((r) => Number(r[2]))).toEqual(want);
    expect(rows.slice(1).map((r) => r[3])).toEqual(want.map((p) => (p > 0.5 ? '1' : '0')));
    const input = parseCsv(csv).map((r) => r.fields);
    expect(rows.slice(1).map((r) => r.slice(0, 2))).toEqual(input.slice(1).map((r) => r.slice(0, 2)));
  });

  it('--keep picks the columns, quoted when they need it; no id columns means scores only', async () => {
    const lines = csv.trimEnd().split('\n');
    const withNote = [`note,${lines[0]}`, ...lines.slice(1, 4).map((l, i) => `"a, ""b"" ${i}",${l}`)].join('\n');
    let s = sink();
    await scoreCsv(served, chunks(withNote, 50), s.out, { keep: ['note'], batchSize: 2 });
    const rows = parseCsv(s.text()).map((r) => r.fields);
    expect(rows[0]).toEqual(['note', 'probability', 'prediction']);
    expect(rows[1]![0]).toBe('a, "b" 0');
    expect(s.text().split('\n')[1]).toMatch(/^"a, ""b"" 0",/);

    const noIds = lines.map((l) => l.split(',').slice(2).join(',')).join('\n');
    s = sink();
    await scoreCsv(served, chunks(noIds, 1000), s.out, { keep: null, batchSize: 100 });
    expect(s.text().split('\n')[0]).toBe('probability,prediction');
  });

  it('a header alone gives a header alone; an empty input is an error', async () => {
    const s = sink();
    expect(await scoreCsv(served, chunks(csv.split('\n')[0]!, 100), s.out, { keep: null, batchSize: 10 })).toBe(0);
    expect(s.text()).toBe('dt_ref,id_cliente,probability,prediction\n');
    await expect(scoreCsv(served, chunks('', 10), sink().out, { keep: null, batchSize: 10 })).rejects.toThrow(/empty/);
  });

  it('errors name the line: a ragged row, a bad cell, an unknown --keep column, a duplicate column', async () => {
    const lines = csv.trimEnd().split('\n');
    const ragged = [...lines.slice(0, 5), '2024-01-01,x,1', ...lines.slice(5)].join('\n');
    await expect(scoreCsv(served, chunks(ragged, 100), sink().out, { keep: null, batchSize: 3 })).rejects.toThrow(/^line 6: 3 fields, but the header has 95/);
    const bad = [...lines.slice(0, 9), lines[9]!.replace(/^([^,]*,[^,]*,)[^,]*/, '$1ten'), ...lines.slice(10)].join('\n');
    await expect(scoreCsv(served, chunks(bad, 100), sink().out, { keep: null, batchSize: 4 })).rejects.toThrow(
      /column 'dias_primeira_iteracao_life': line 10 has "ten"/,
    );
    await expect(scoreCsv(served, chunks(csv, 100), sink().out, { keep: ['customer'], batchSize: 4 })).rejects.toThrow(/no column 'customer'/);
    await expect(scoreCsv(served, chunks('a,a\n1,2\n', 100), sink().out, { keep: null, batchSize: 4 })).rejects.toThrow(/'a' appears more than once/);
  });
});
