// Each Minflow classifier as the scikit-learn estimator it reproduces, so its run carries the params and
// estimator tags `mlflow.sklearn.autolog()` records for that estimator:
//   decision_tree        DecisionTreeClassifier
//   random_forest        RandomForestClassifier
//   logistic_regression  Pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler(),
//                                 LogisticRegression(solver="newton-cholesky"))  (make_pipeline's step names)
//   voting_ensemble      VotingClassifier(voting="soft") over its members, named as in the ensemble
// Params are autolog's `str()` of `get_params(deep=True)`; a forest whose thread count was left to Minflow
// (n_jobs None) logs the threads its fit actually used, since that is what ran.
import type { Classifier, Params, ParamValue } from '../models/index.js';
import { LogisticRegression, RandomForestClassifier, VotingEnsemble } from '../models/index.js';
import { deepParams, py, pyStr, type PyEstimator, type PyValue } from './sklearn-repr.js';

/** Parameters scikit-learn types as float. */
const FLOAT_PARAMS = new Set(['ccp_alpha', 'min_impurity_decrease', 'min_weight_fraction_leaf', 'C', 'tol', 'l1_ratio', 'learning_rate', 'l2_regularization', 'validation_fraction']);

function pyParam(name: string, v: ParamValue): PyValue {
  if (v === null) return py.none();
  if (typeof v === 'boolean') return py.bool(v);
  if (typeof v === 'string') return py.str(v);
  return FLOAT_PARAMS.has(name) || !Number.isInteger(v) ? py.float(v) : py.int(v);
}

function pyParams(params: Params): Record<string, PyValue> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, pyParam(k, v)]));
}

// Constructor defaults (scikit-learn 1.9), as repr() strings: a param equal to its default is left out
// of the estimator's repr.
const TREE_DEFAULTS = {
  ccp_alpha: '0.0',
  class_weight: 'None',
  criterion: "'gini'",
  max_depth: 'None',
  max_leaf_nodes: 'None',
  min_impurity_decrease: '0.0',
  min_samples_leaf: '1',
  min_samples_split: '2',
  min_weight_fraction_leaf: '0.0',
  monotonic_cst: 'None',
  random_state: 'None',
};
const DEFAULTS: Record<string, Record<string, string>> = {
  DecisionTreeClassifier: { ...TREE_DEFAULTS, max_features: 'None', splitter: "'best'" },
  RandomForestClassifier: {
    ...TREE_DEFAULTS,
    bootstrap: 'True',
    max_features: "'sqrt'",
    max_samples: 'None',
    n_estimators: '100',
    n_jobs: 'None',
    oob_score: 'False',
    verbose: '0',
    warm_start: 'False',
  },
  SimpleImputer: { add_indicator: 'False', copy: 'True', fill_value: 'None', keep_empty_features: 'False', missing_values: 'nan', strategy: "'mean'" },
  StandardScaler: { copy: 'True', with_mean: 'True', with_std: 'True' },
  LogisticRegression: {
    C: '1.0',
    class_weight: 'None',
    dual: 'False',
    fit_intercept: 'True',
    intercept_scaling: '1',
    l1_ratio: '0.0',
    max_iter: '100',
    n_jobs: 'None',
    penalty: "'deprecated'",
    random_state: 'None',
    solver: "'lbfgs'",
    tol: '0.0001',
    verbose: '0',
    warm_start: 'False',
  },
  Pipeline: { memory: 'None', transform_input: 'None', verbose: 'False' },
  HistGradientBoostingClassifier: {
    categorical_features: "'from_dtype'",
    class_weight: 'None',
    early_stopping: "'auto'",
    interaction_cst: 'None',
    l2_regularization: '0.0',
    learning_rate: '0.1',
    loss: "'log_loss'",
    max_bins: '255',
    max_depth: 'None',
    max_features: '1.0',
    max_iter: '100',
    max_leaf_nodes: '31',
    min_samples_leaf: '20',
    monotonic_cst: 'None',
    n_iter_no_change: '10',
    random_state: 'None',
    scoring: "'loss'",
    tol: '1e-07',
    validation_fraction: '0.1',
    verbose: '0',
    warm_start: 'False',
  },
  VotingClassifier: { flatten_transform: 'True', n_jobs: 'None', verbose: 'False', voting: "'hard'", weights: 'None' },
};

const CLASS_PATHS: Record<string, string> = {
  DecisionTreeClassifier: 'sklearn.tree._classes.DecisionTreeClassifier',
  RandomForestClassifier: 'sklearn.ensemble._forest.RandomForestClassifier',
  Pipeline: 'sklearn.pipeline.Pipeline',
  VotingClassifier: 'sklearn.ensemble._voting.VotingClassifier',
  // Same parameters and algorithm family, not the same trees: named as our own.
  HistGradientBoostingClassifier: 'minflow.trainer.models.HistGradientBoostingClassifier',
};

function estimator(name: string, params: Record<string, PyValue>, components?: [string, PyEstimator][]): PyEstimator {
  return { py: 'estimator', name, params, defaults: DEFAULTS[name]!, ...(components ? { components } : {}) };
}

function steps(named: [string, PyEstimator][]): PyValue {
  return py.list(named.map(([n, e]) => py.tuple([py.str(n), e])));
}

/** The scikit-learn estimator a fitted (or unfitted) classifier stands for. */
export function sklearnEstimator(model: Classifier): PyEstimator {
  if (model instanceof RandomForestClassifier) {
    const params = pyParams(model.params());
    // n_jobs None left the thread count to Minflow; after a fit, say how many threads there were.
    if (model.options.nJobs === null && model.featureNames.length > 0) params['n_jobs'] = py.int(model.lastFitThreads);
    return estimator('RandomForestClassifier', params);
  }
  if (model instanceof LogisticRegression) {
    const named: [string, PyEstimator][] = [
      ['simpleimputer', estimator('SimpleImputer', pyParams({ add_indicator: true, copy: true, fill_value: null, keep_empty_features: false, strategy: 'median' }))],
      ['standardscaler', estimator('StandardScaler', pyParams({ copy: true, with_mean: true, with_std: true }))],
      ['logisticregression', estimator('LogisticRegression', pyParams(model.params()))],
    ];
    named[0]![1].params['missing_values'] = py.float(NaN);
    return estimator('Pipeline', { memory: py.none(), steps: steps(named), transform_input: py.none(), verbose: py.bool(false) }, named);
  }
  if (model instanceof VotingEnsemble) {
    const named = model.members.map((m): [string, PyEstimator] => [m.name, sklearnEstimator(m.model)]);
    return estimator(
      'VotingClassifier',
      {
        estimators: steps(named),
        flatten_transform: py.bool(true),
        n_jobs: py.none(),
        verbose: py.bool(false),
        voting: py.str('soft'),
        weights: model.weights === null ? py.none() : py.list(model.weights.map((w) => (Number.isInteger(w) ? py.int(w) : py.float(w)))),
      },
      named,
    );
  }
  if (model.kind === 'decision_tree') return estimator('DecisionTreeClassifier', pyParams(model.params()));
  if (model.kind === 'gradient_boosting') {
    const params = pyParams(model.params());
    // max_features is a float in scikit-learn (1.0, 0.5).
    params['max_features'] = py.float(model.params()['max_features'] as number);
    return estimator('HistGradientBoostingClassifier', params);
  }
  throw new Error(`no scikit-learn equivalent for a ${model.kind} model`);
}

/** Autolog's params: `str(v)` for each entry of `get_params(deep=True)`. */
export function autologParams(model: Classifier): Record<string, string> {
  return Object.fromEntries(Object.entries(deepParams(sklearnEstimator(model))).map(([k, v]) => [k, pyStr(v)]));
}

/** Autolog's `_get_estimator_info_tags`: the class name and its full import path. */
export function autologEstimatorTags(model: Classifier): { estimator_name: string; estimator_class: string } {
  const name = sklearnEstimator(model).name;
  return { estimator_name: name, estimator_class: CLASS_PATHS[name]! };
}
