// Our trainer's models against scikit-learn's on the seed's split of the real abt.csv: the seed's
// DecisionTreeClassifier(min_samples_leaf=100, min_samples_split=10) and
// RandomForestClassifier(500, min_samples_leaf=35, random_state=42), fitted in the compat venv by
// py/trainer_quality.py. Ours must be within 0.02 of each on test ROC AUC and test accuracy.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../trainer/data/dataset.js';
import { loadDataset } from '../../trainer/data/dataset.js';
import { splitDataset } from '../../trainer/data/split.js';
import { evaluateBinary } from '../../trainer/metrics/index.js';
import { DecisionTreeClassifier } from '../../trainer/models/decision-tree.js';
import { VotingEnsemble } from '../../trainer/models/ensemble.js';
import { RandomForestClassifier } from '../../trainer/models/random-forest.js';
import type { Classifier } from '../../trainer/models/classifier.js';
import { ABT_CSV } from '../helpers/paths.js';
import { runPython } from '../helpers/python.js';

interface SkScores {
  fit_seconds: number;
  auc_train: number;
  acc_train: number;
  auc_test: number;
  acc_test: number;
  proba_test: number[];
}
interface SkOutput {
  sklearn_version: string;
  n_train: number;
  n_test: number;
  test_index_head: number[];
  test_index_sum: number;
  models: { dt: SkScores; rf: SkScores };
}

const TOLERANCE = 0.02;
let sk: SkOutput;
let train: Dataset;
let test: Dataset;
let testIndices: Int32Array;
const ours: Record<string, { model: Classifier; seconds: number; auc: number; acc: number; proba: Float64Array }> = {};

async function fitOurs(name: string, model: Classifier): Promise<void> {
  const started = performance.now();
  await model.fit(train, train.y);
  const seconds = (performance.now() - started) / 1000;
  const proba = model.predictProba(test);
  const r = evaluateBinary(test.y, proba);
  ours[name] = { model, seconds, auc: r.rocAuc, acc: r.accuracy, proba };
}

beforeAll(async () => {
  if (!fs.existsSync(ABT_CSV)) throw new Error(`${ABT_CSV} is missing: the seed's table must sit in ../shared/data/abt.csv`);
  // runPython fails with the venv-creation command when .venv/bin/python is missing.
  const result = await runPython<SkOutput>('test/compat/py/trainer_quality.py', [ABT_CSV, '--models', 'dt,rf', '--proba']);
  expect(result.code, result.stderr).toBe(0);
  sk = result.json;
  const ds = await loadDataset(ABT_CSV);
  const split = splitDataset(ds, 'random');
  train = split.train;
  test = split.test;
  testIndices = split.indices.test;
  await fitOurs('dt', new DecisionTreeClassifier());
  await fitOurs('rf', new RandomForestClassifier());
  await fitOurs('ensemble', new VotingEnsemble());
  const table = Object.entries(ours).map(([k, v]) => `${k}: auc_test=${v.auc.toFixed(4)} acc_test=${v.acc.toFixed(4)} fit=${v.seconds.toFixed(2)}s`);
  const skTable = (['dt', 'rf'] as const).map((k) => `sklearn ${k}: auc_test=${sk.models[k].auc_test.toFixed(4)} acc_test=${sk.models[k].acc_test.toFixed(4)} fit=${sk.models[k].fit_seconds.toFixed(2)}s`);
  process.stdout.write(`[trainer-quality]\n  ${[...table, ...skTable].join('\n  ')}\n`);
}, 300_000);

describe('trainer quality vs scikit-learn on abt.csv (seed split)', () => {
  it('uses the same 80/20 split as train_test_split(test_size=0.2, random_state=42)', () => {
    expect(sk.sklearn_version).toBe('1.9.1');
    expect([train.nRows, test.nRows]).toEqual([sk.n_train, sk.n_test]);
    expect(Array.from(testIndices.slice(0, 10))).toEqual(sk.test_index_head);
    expect(testIndices.reduce((s, v) => s + v, 0)).toBe(sk.test_index_sum);
  });

  it.each([
    ['decision tree', 'dt'],
    ['random forest', 'rf'],
  ] as const)('%s: test ROC AUC and accuracy within 0.02 of scikit-learn', (_, key) => {
    const mine = ours[key]!;
    const theirs = sk.models[key];
    expect(Math.abs(mine.auc - theirs.auc_test), `auc_test ours ${mine.auc} vs sklearn ${theirs.auc_test}`).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(mine.acc - theirs.acc_test), `acc_test ours ${mine.acc} vs sklearn ${theirs.acc_test}`).toBeLessThanOrEqual(TOLERANCE);
  });

  it('random forest: reproduces scikit-learn’s probabilities exactly (same seeds, same trees)', () => {
    const p = ours['rf']!.proba;
    const maxDiff = sk.models.rf.proba_test.reduce((m, v, i) => Math.max(m, Math.abs(v - p[i]!)), 0);
    expect(maxDiff).toBeLessThan(1e-12);
  });

  it('ensemble (tree + forest + logistic regression, soft vote) is at least as good as the forest', () => {
    expect(ours['ensemble']!.auc).toBeGreaterThanOrEqual(ours['rf']!.auc - 0.005);
  });
});
