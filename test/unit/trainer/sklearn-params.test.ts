// The params a model's run carries are exactly what mlflow.sklearn.autolog() logs for the equivalent
// scikit-learn estimator (fixtures/autolog-params.ts, from scikit-learn itself), including its wrapped
// reprs of nested estimators; and the pieces of Python formatting that come into it.
import { describe, expect, it } from 'vitest';
import type { Classifier } from '../../../trainer/models/index.js';
import { DecisionTreeClassifier, LogisticRegression, RandomForestClassifier, VotingEnsemble } from '../../../trainer/models/index.js';
import { autologEstimatorTags, autologParams } from '../../../trainer/tracking/sklearn-params.js';
import { pyFloatRepr, pyStrRepr } from '../../../trainer/tracking/sklearn-repr.js';
import { AUTOLOG_PARAMS } from './fixtures/autolog-params.js';
import { noisyTable } from './helpers.js';

const dt = (o: ConstructorParameters<typeof DecisionTreeClassifier>[0] = {}) => new DecisionTreeClassifier(o);
const lr = (o: ConstructorParameters<typeof LogisticRegression>[0] = {}) => new LogisticRegression(o);

const CASES: Record<string, () => Classifier> = {
  dt_seed: () => dt({ randomState: 42 }),
  dt_depth_entropy: () => dt({ randomState: 7, maxDepth: 6, criterion: 'entropy', maxFeatures: 0.5 }),
  rf_500_2_threads: () => new RandomForestClassifier({ nEstimators: 500, nJobs: 2 }),
  rf_bootstrap_off: () => new RandomForestClassifier({ nEstimators: 10, randomState: 1, bootstrap: false, maxDepth: 12, nJobs: 1 }),
  lr_default: () => lr(),
  lr_c_iter: () => lr({ C: 0.25, maxIter: 300, tol: 1e-6 }),
  ensemble_seed: () =>
    new VotingEnsemble({
      members: [
        { name: 'dt', model: dt({ randomState: 42 }) },
        { name: 'rf', model: new RandomForestClassifier({ nEstimators: 500, nJobs: 2 }) },
        { name: 'lr', model: lr() },
      ],
    }),
  ensemble_weighted: () =>
    new VotingEnsemble({
      members: [
        { name: 'dt', model: dt({ randomState: 3 }) },
        { name: 'lr', model: lr({ C: 0.5 }) },
      ],
      weights: [1, 2],
    }),
};

describe('autolog params', () => {
  it.each(Object.keys(CASES))('%s: str(get_params(deep=True)) of the scikit-learn equivalent', (name) => {
    expect(autologParams(CASES[name]!())).toEqual(AUTOLOG_PARAMS[name]);
  });

  it('logs the threads a forest used when n_jobs was left to Minflow', async () => {
    const { X, y } = noisyTable(200);
    const rf = new RandomForestClassifier({ nEstimators: 5, minSamplesLeaf: 5 });
    expect(autologParams(rf).n_jobs).toBe('None');
    await rf.fit(X, y);
    expect(autologParams(rf).n_jobs).toBe(String(rf.lastFitThreads));
  });

  it('tags each model with the estimator it reproduces', () => {
    expect(autologEstimatorTags(CASES.dt_seed!())).toEqual({ estimator_name: 'DecisionTreeClassifier', estimator_class: 'sklearn.tree._classes.DecisionTreeClassifier' });
    expect(autologEstimatorTags(CASES.rf_bootstrap_off!())).toEqual({
      estimator_name: 'RandomForestClassifier',
      estimator_class: 'sklearn.ensemble._forest.RandomForestClassifier',
    });
    expect(autologEstimatorTags(lr())).toEqual({ estimator_name: 'Pipeline', estimator_class: 'sklearn.pipeline.Pipeline' });
    expect(autologEstimatorTags(CASES.ensemble_seed!())).toEqual({ estimator_name: 'VotingClassifier', estimator_class: 'sklearn.ensemble._voting.VotingClassifier' });
  });
});

describe('Python reprs', () => {
  it.each([
    [1, '1.0'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1e-6, '1e-06'],
    [0.25, '0.25'],
    [123456789.5, '123456789.5'],
    [1e16, '1e+16'],
    [1.5e300, '1.5e+300'],
    [-2.5e-7, '-2.5e-07'],
    [NaN, 'nan'],
    [0, '0.0'],
  ])('float %s → %s', (x, s) => expect(pyFloatRepr(x)).toBe(s));

  it('quotes strings as repr() does', () => {
    expect(pyStrRepr('gini')).toBe("'gini'");
    expect(pyStrRepr("it's")).toBe('"it\'s"');
  });
});
