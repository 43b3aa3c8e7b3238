// The MLmodel directory as the official client reads it: a python_function flavor beside ours, the
// loader module shipped in code/, the environment files, and YAML that PyYAML (YAML 1.1) reads back
// with the same types — a text label `Yes` must stay the string "Yes", not become True.
// Loading it with the real client and comparing probabilities is test/compat/trainer-pyfunc.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDataset } from '../../../trainer/data/index.js';
import {
  loadModel,
  PYFUNC_CODE_DIR,
  PYFUNC_FLAVOR,
  PYFUNC_LOADER_MODULE,
  saveModel,
  signatureFor,
  toMlmodelYaml,
} from '../../../trainer/mlflow-model/format.js';
import { PYFUNC_LOADER_SOURCE } from '../../../trainer/mlflow-model/pyfunc/source.js';
import { DecisionTreeClassifier } from '../../../trainer/models/index.js';

const LOADER_PY = path.resolve('trainer/mlflow-model/pyfunc/minflow_pyfunc.py');
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

// A text target with YAML-1.1 boolean spellings, an int64 column, a "1.0"-spelt column and a category.
const CSV = ['n,f,plan,churned', '1,1.0,gold,Yes', '2,0.0,basic,No', '3,1.0,gold,Yes', '4,0.0,,No', '5,1.0,basic,No', '6,0.0,gold,Yes'].join('\n');

async function saved(): Promise<{ dir: string; text: string }> {
  const ds = parseDataset(CSV, { target: 'churned' });
  const clf = new DecisionTreeClassifier({ minSamplesLeaf: 1, minSamplesSplit: 2 });
  await clf.fit(ds, ds.y);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minflow-pyfunc-unit-'));
  dirs.push(dir);
  await saveModel(dir, { classifier: clf, features: ds.schema, target: ds.target, integerFeatures: ds.int64Features, runId: 'r1', modelId: 'm-1' });
  return { dir, text: fs.readFileSync(path.join(dir, 'MLmodel'), 'utf8') };
}

describe('python_function flavor', () => {
  it('ships the loader the generated constant holds (regenerate with tools/make_pyfunc_source.py)', () => {
    expect(PYFUNC_LOADER_SOURCE).toBe(fs.readFileSync(LOADER_PY, 'utf8'));
  });

  it('names the shipped loader module, its code directory and the environment files', async () => {
    const { dir, text } = await saved();
    const doc = parse(text, { version: '1.1' }) as { flavors: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.flavors).sort()).toEqual(['minflow', PYFUNC_FLAVOR]);
    expect(doc.flavors[PYFUNC_FLAVOR]).toEqual({
      loader_module: PYFUNC_LOADER_MODULE,
      code: PYFUNC_CODE_DIR,
      env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
      python_version: '3.11',
    });
    // mlflow.pyfunc.load_model puts <model>/code on sys.path and imports loader_module from it.
    expect(fs.readFileSync(path.join(dir, PYFUNC_CODE_DIR, `${PYFUNC_LOADER_MODULE}.py`), 'utf8')).toBe(PYFUNC_LOADER_SOURCE);
    expect(fs.readFileSync(path.join(dir, 'requirements.txt'), 'utf8')).toBe('mlflow\nnumpy\npandas\n');
    expect(parse(fs.readFileSync(path.join(dir, 'python_env.yaml'), 'utf8'), { version: '1.1' })).toEqual({
      python: '3.11',
      build_dependencies: ['pip'],
      dependencies: ['-r requirements.txt'],
    });
    const conda = parse(fs.readFileSync(path.join(dir, 'conda.yaml'), 'utf8'), { version: '1.1' }) as { dependencies: unknown[] };
    expect(conda.dependencies).toEqual(['python=3.11', 'pip', { pip: ['mlflow', 'numpy', 'pandas'] }]);
    // The scoring server still reads the directory through our flavor.
    const back = await loadModel(dir);
    expect(back.target).toEqual({ name: 'churned', positiveLabel: 'Yes', negativeLabel: 'No' });
  });
});

describe('MLmodel YAML read by YAML 1.1 rules (PyYAML)', () => {
  it('keeps text labels and the creation time strings', async () => {
    const { text } = await saved();
    expect(text).toContain('positive_label: "Yes"');
    expect(text).toContain('negative_label: "No"');
    const doc = parse(text, { version: '1.1' }) as {
      flavors: { minflow: { target: Record<string, unknown> } };
      utc_time_created: unknown;
      run_id: unknown;
    };
    expect(doc.flavors.minflow.target).toEqual({ name: 'churned', positive_label: 'Yes', negative_label: 'No' });
    // Unquoted, PyYAML would read '2026-12-02 05:45:27.726000' as a datetime.
    expect(typeof doc.utc_time_created).toBe('string');
    expect(doc.run_id).toBe('r1');
  });

  it('quotes every YAML 1.1 non-string spelling a label can take', () => {
    for (const label of ['yes', 'No', 'on', 'OFF', 'true', 'y', '1:20', '0x1f', '~', 'null', '2024-01-02']) {
      const yaml = toMlmodelYaml({
        artifact_path: 'model',
        flavors: { minflow: { model_file: 'm', schema_file: 's', model_kind: 'decision_tree', minflow_version: '0', target: { name: 't', positive_label: label, negative_label: 'x' } } },
        signature: { inputs: [], outputs: [] },
        model_uuid: 'u',
        utc_time_created: '2026-01-01 00:00:00.000000',
      });
      const doc = parse(yaml, { version: '1.1' }) as { flavors: { minflow: { target: { positive_label: unknown } } } };
      expect(doc.flavors.minflow.target.positive_label, label).toBe(label);
    }
  });
});

describe('signature', () => {
  it('types the int64 columns long (pandas int64 cannot be fed to a double column), the rest double or string', async () => {
    const ds = parseDataset(CSV, { target: 'churned' });
    expect(signatureFor(ds.schema, ds.int64Features).inputs).toEqual([
      { type: 'long', name: 'n', required: false },
      { type: 'double', name: 'f', required: false },
      { type: 'string', name: 'plan', required: false },
    ]);
    expect(signatureFor(ds.schema).inputs[0]!.type).toBe('double');
  });
});
