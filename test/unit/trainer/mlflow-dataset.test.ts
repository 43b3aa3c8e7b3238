// The dataset input a training logs (runs/log-inputs): schema, profile and source written exactly as
// `mlflow.data.from_pandas` writes them, and a digest that follows the data. Expected strings were
// produced by mlflow 3.17.2 / pandas from the same table:
//   df = pd.DataFrame({'a': [1.0, nan, 3.0], 'b': ['x', None, 'z'], 'c': [1, 2, 3], 'y': [0, 1, 0]})
//   mlflow.data.from_pandas(df, source=CodeDatasetSource({'mlflow.source.name': 'train.py'}), targets='y').to_dict()
import { describe, expect, it } from 'vitest';
import { parseDataset, takeRows } from '../../../trainer/data/index.js';
import {
  DATASET_CONTEXT_TAG,
  datasetColSpecs,
  datasetDigest,
  datasetInput,
  datasetProfileJson,
  datasetSchemaJson,
  datasetSource,
} from '../../../trainer/tracking/dataset-input.js';
import { inputExample } from '../../../trainer/tracking/logged-model.js';
import { pythonJson } from '../../../trainer/tracking/python-json.js';

const CSV = 'a,b,c,y\n1.0,x,1,0\nnull,,2,1\n3.0,z,3,0\n';
const table = () => parseDataset(CSV, { target: 'y' });

describe('pythonJson', () => {
  it("writes json.dumps' default separators, NaN and ensure_ascii escapes", () => {
    // json.dumps({'a': 'é\x7f', 'b': [1, 2.5, None, True, float('nan')]})
    expect(pythonJson({ a: 'é\x7f', b: [1, 2.5, null, true, NaN] })).toBe('{"a": "\\u00e9\\u007f", "b": [1, 2.5, null, true, NaN]}');
    expect(pythonJson([])).toBe('[]');
    expect(pythonJson({})).toBe('{}');
    expect(pythonJson({ q: 'say "hi"\n' })).toBe('{"q": "say \\"hi\\"\\n"}');
  });
});

describe('dataset schema and profile', () => {
  it('matches PandasDataset.to_dict: double/string/long, optional where a value is missing, target last', () => {
    expect(datasetSchemaJson(table())).toBe(
      '{"mlflow_colspec": [{"type": "double", "name": "a", "required": false}, {"type": "string", "name": "b", "required": false}, ' +
        '{"type": "long", "name": "c", "required": true}, {"type": "long", "name": "y", "required": true}]}',
    );
    expect(datasetProfileJson(table())).toBe('{"num_rows": 3, "num_elements": 12}');
  });

  it('types a fractional column double, a complete integer column long, and text labels string', () => {
    const ds = parseDataset('f,g,label\n0.5,1,yes\n2,2,no\n', { target: 'label' });
    expect(datasetColSpecs(ds)).toEqual([
      { type: 'double', name: 'f', required: true },
      { type: 'long', name: 'g', required: true },
      { type: 'string', name: 'label', required: true },
    ]);
  });

  it('describes a split, not the whole table: its own missing values, the file’s dtypes', () => {
    // df.iloc[[0, 2]] has no gap in `a`, so `a` is required; it stays float64 as pandas read the file.
    const part = takeRows(table(), [0, 2]);
    expect(datasetProfileJson(part)).toBe('{"num_rows": 2, "num_elements": 8}');
    expect(datasetColSpecs(part)[0]).toEqual({ type: 'double', name: 'a', required: true });
  });

  it('types a column long only when the file writes every cell as an integer (pandas int64)', () => {
    // pd.read_csv: i → int64, f ("1.0") → float64, g (a gap) → float64
    const ds = parseDataset('i,f,g,y\n1,1.0,1,0\n2,2.0,,1\n3,0.0,3,0\n', { target: 'y' });
    expect(ds.int64Features).toEqual(['i']);
    expect(datasetColSpecs(ds).slice(0, 3)).toEqual([
      { type: 'long', name: 'i', required: true },
      { type: 'double', name: 'f', required: true },
      { type: 'double', name: 'g', required: false },
    ]);
  });
});

describe('dataset digest', () => {
  it('is 8 hex characters and the same for the same rows', () => {
    expect(datasetDigest(table())).toMatch(/^[0-9a-f]{8}$/);
    expect(datasetDigest(table())).toBe(datasetDigest(parseDataset(CSV, { target: 'y' })));
  });

  it('changes with any cell, label, column name or row subset', () => {
    const base = datasetDigest(table());
    const variants = [
      CSV.replace('3.0,z', '3.5,z'),
      CSV.replace('3,0\n', '3,1\n'),
      CSV.replace('a,b,c', 'A,b,c'),
      CSV.replace('null,,2', '0,,2'),
    ];
    for (const v of variants) expect(datasetDigest(parseDataset(v, { target: 'y' })), v).not.toBe(base);
    expect(datasetDigest(takeRows(table(), [0, 1]))).not.toBe(base);
    expect(datasetDigest(takeRows(table(), [1, 0, 2]))).not.toBe(base);
  });
});

describe('dataset source and input', () => {
  it("writes LocalArtifactDatasetSource's and CodeDatasetSource's JSON", () => {
    expect(datasetSource({ kind: 'file', path: '/tmp/abt.csv' })).toEqual({ source_type: 'local', source: '{"uri": "/tmp/abt.csv"}' });
    expect(datasetSource({ kind: 'code', tags: { 'mlflow.source.name': 'train.py' } })).toEqual({
      source_type: 'code',
      source: '{"tags": {"mlflow.source.name": "train.py"}}',
    });
  });

  it('tags the input with its context', () => {
    const input = datasetInput(table(), { name: 'abt_train', origin: { kind: 'file', path: '/d/abt.csv' }, context: 'train' });
    expect(input.tags).toEqual([{ key: DATASET_CONTEXT_TAG, value: 'train' }]);
    expect(DATASET_CONTEXT_TAG).toBe('mlflow.data.context');
    expect(input.dataset).toEqual({
      name: 'abt_train',
      digest: datasetDigest(table()),
      source_type: 'local',
      source: '{"uri": "/d/abt.csv"}',
      schema: datasetSchemaJson(table()),
      profile: '{"num_rows": 3, "num_elements": 12}',
    });
  });
});

describe('input example', () => {
  it('gives the first rows as raw values: categories as text, missing as null', () => {
    expect(inputExample(table())).toEqual({
      columns: ['a', 'b', 'c'],
      data: [
        [1, 'x', 1],
        [null, null, 2],
        [3, 'z', 3],
      ],
    });
    expect(inputExample(table(), 1).data).toHaveLength(1);
  });
});
