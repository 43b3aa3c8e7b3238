// `minflow train` on the seed's abt.csv against a real server process, checked through the REST API as
// any MLflow client or the UI would read it: the parent and nested runs, params, tags, metrics, dataset
// inputs, plot artifacts, the MLflow-3 logged models, the registered version and its aliases.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMlmodel } from '../../trainer/mlflow-model/format.js';
import { ABT_CSV, tempDir } from '../helpers/paths.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { metricsOf, paramsOf, PNG_SIGNATURE, Rest, runTrainCli, tagsOf, type CliRun, type WireRun } from './trainer-helpers.js';

const TREES = 50;
/** Seconds of gradient-boosting search: a few trials, enough to check that tuning is logged. */
const BUDGET = 6;
let server: ServerProcess;
let rest: Rest;
let cli: CliRun;
let experimentId: string;
let parent: WireRun;
let children: WireRun[];

beforeAll(async () => {
  if (!fs.existsSync(ABT_CSV)) throw new Error(`${ABT_CSV} is missing: the seed's table must sit in ../shared/data/abt.csv`);
  server = await startServer();
  rest = new Rest(server.url);
  cli = await runTrainCli(['--data', ABT_CSV, '--n-estimators', String(TREES), '--time-budget', String(BUDGET)], { MLFLOW_TRACKING_URI: server.url });
  if (cli.code !== 0) throw new Error(`minflow train exited ${cli.code}\n${cli.stdout}\n${cli.stderr}\n${server.output()}`);
  experimentId = (await rest.get<{ experiment: { experiment_id: string } }>('/experiments/get-by-name', { experiment_name: 'churn' })).experiment.experiment_id;
  const { runs } = await rest.post<{ runs: WireRun[] }>('/runs/search', { experiment_ids: [experimentId], max_results: 100 });
  const parents = runs.filter((r) => tagsOf(r)['mlflow.parentRunId'] === undefined);
  expect(parents).toHaveLength(1);
  parent = parents[0]!;
  children = runs.filter((r) => r !== parent).sort((a, b) => a.info.run_name.localeCompare(b.info.run_name));
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

const child = (name: string): WireRun => {
  const r = children.find((c) => c.info.run_name === name);
  if (!r) throw new Error(`no run named ${name}`);
  return r;
};

describe('minflow train on abt.csv', () => {
  it('tunes the gradient boosting by cross-validation within --time-budget and logs the trials', async () => {
    const gb = child('HistGradientBoostingClassifier');
    expect(tagsOf(gb)).toMatchObject({ estimator_name: 'HistGradientBoostingClassifier' });
    // Tuned, the CV chose the number of rounds, so the final fit has no early-stopping holdout.
    expect(paramsOf(gb)).toMatchObject({ early_stopping: 'False', loss: 'log_loss' });
    const doc = JSON.parse((await rest.artifact(gb.info.artifact_uri, 'tuning_trials.json')).toString('utf8')) as {
      seconds: number;
      trials: { params: Record<string, number>; cv_roc_auc: number; chosen: boolean; started_seconds: number }[];
    };
    expect(doc.trials.length).toBeGreaterThanOrEqual(1);
    expect(metricsOf(gb).tuning_trials).toBe(doc.trials.length);
    const chosen = doc.trials.filter((t) => t.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.cv_roc_auc).toBe(Math.max(...doc.trials.map((t) => t.cv_roc_auc)));
    expect(chosen[0]!.cv_roc_auc).toBe(metricsOf(gb).cv_roc_auc);
    expect(paramsOf(gb).learning_rate).toBe(String(chosen[0]!.params.learningRate));
    expect(paramsOf(gb).max_iter).toBe(String(chosen[0]!.params.maxIter));
    // A trial starts only while the budget has room for it (the first always runs; none is cut short).
    for (const t of doc.trials.slice(1)) expect(t.started_seconds).toBeLessThan(BUDGET);
  });

  it('marks the experiment as a model-training one for the UI (mlflow.experimentKind)', async () => {
    const { experiment } = await rest.get<{ experiment: { tags?: { key: string; value: string }[] } }>('/experiments/get', { experiment_id: experimentId });
    expect(experiment.tags).toContainEqual({ key: 'mlflow.experimentKind', value: 'custom_model_development' });
  });

  it('logs one parent run with one nested run per model, all FINISHED', () => {
    expect(children.map((c) => c.info.run_name)).toEqual(['DecisionTreeClassifier', 'HistGradientBoostingClassifier', 'RandomForestClassifier', 'VotingEnsemble']);
    for (const r of [parent, ...children]) expect(r.info.status).toBe('FINISHED');
    for (const c of children) expect(tagsOf(c)['mlflow.parentRunId']).toBe(parent.info.run_id);
    expect(paramsOf(parent)).toMatchObject({ target: 'flag_churn', split: 'random', n_train: '3244', n_test: '811', n_features: '92', n_estimators: String(TREES) });
    expect(cli.stderr).toContain('fitting RandomForestClassifier (50 trees)');
    expect(cli.stdout).toContain('Registered "churn" version 1');
  });

  it("tags every run with MLflow's context tags and every model run with autolog's estimator tags", () => {
    for (const r of [parent, ...children]) {
      const t = tagsOf(r);
      expect(t['mlflow.source.type']).toBe('LOCAL');
      expect(t['mlflow.source.name']).toMatch(/cli\.js$/);
      expect(t['mlflow.user']).toBeTruthy();
      expect(r.info.user_id).toBe(t['mlflow.user']);
      expect(t['mlflow.runName']).toBe(r.info.run_name);
      // The test runs from the project's git checkout.
      expect(t['mlflow.source.git.commit']).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(tagsOf(child('DecisionTreeClassifier'))).toMatchObject({
      estimator_name: 'DecisionTreeClassifier',
      estimator_class: 'sklearn.tree._classes.DecisionTreeClassifier',
    });
    expect(tagsOf(child('RandomForestClassifier'))).toMatchObject({
      estimator_name: 'RandomForestClassifier',
      estimator_class: 'sklearn.ensemble._forest.RandomForestClassifier',
    });
    // The blend is scikit-learn's soft VotingClassifier over the tree, the forest, the imputing, scaling
    // logistic-regression pipeline and the gradient boosting, and is tagged as that.
    expect(tagsOf(child('VotingEnsemble'))).toMatchObject({ estimator_name: 'VotingClassifier', estimator_class: 'sklearn.ensemble._voting.VotingClassifier' });
  });

  it("logs every hyperparameter under scikit-learn's name, as Python's str() prints it", () => {
    expect(paramsOf(child('DecisionTreeClassifier'))).toMatchObject({
      min_samples_leaf: '100',
      min_samples_split: '10',
      max_depth: 'None',
      criterion: 'gini',
      ccp_alpha: '0.0',
      splitter: 'best',
      random_state: '42',
    });
    const rf = paramsOf(child('RandomForestClassifier'));
    expect(rf).toMatchObject({ n_estimators: String(TREES), min_samples_leaf: '35', random_state: '42', bootstrap: 'True', max_features: 'sqrt' });
    expect(Object.keys(rf)).toHaveLength(19);
    // n_jobs: the threads the forest's fit used (it was left to Minflow), not None.
    expect(rf.n_jobs).toMatch(/^[1-9]\d*$/);
    expect(paramsOf(child('VotingEnsemble'))).toMatchObject({
      voting: 'soft',
      rf__n_estimators: String(TREES),
      dt__min_samples_leaf: '100',
      lr__logisticregression__C: '1.0',
      lr__simpleimputer__strategy: 'median',
      gb__loss: 'log_loss',
    });
    // Ensemble selection's integer weights (20 additions) over dt, rf, lr, gb.
    const weights = paramsOf(child('VotingEnsemble')).weights!;
    expect(weights).toMatch(/^\[\d+, \d+, \d+, \d+\]$/);
    expect((JSON.parse(weights) as number[]).reduce((s, w) => s + w, 0)).toBe(20);
  });

  it("logs autolog's training and post-training metrics and the seed's acc_train / acc_test with sane values", () => {
    for (const c of children) {
      const m = metricsOf(c);
      const scoreKey = `${tagsOf(c).estimator_name}_score_X_test`;
      for (const key of [
        'training_accuracy_score', 'training_precision_score', 'training_recall_score', 'training_f1_score', 'training_roc_auc',
        'training_log_loss', 'training_score', 'acc_train', 'acc_test', scoreKey, 'precision_score_X_test',
        'recall_score_X_test', 'f1_score_X_test', 'roc_auc_score_X_test', 'average_precision_score_X_test', 'log_loss_X_test',
      ]) {
        expect(m[key], `${c.info.run_name} ${key}`).toBeTypeOf('number');
      }
      expect(m.acc_train).toBeGreaterThanOrEqual(0.6);
      // The boosted trees fit their training rows closest (about 0.84).
      expect(m.acc_train).toBeLessThanOrEqual(0.9);
      expect(m.acc_test).toBeGreaterThanOrEqual(0.6);
      expect(m.acc_test).toBeLessThanOrEqual(0.8);
      expect(m[scoreKey]).toBe(m.acc_test);
      expect(m.training_score).toBe(m.acc_train);
      expect(m.roc_auc_score_X_test).toBeGreaterThan(0.75);
      expect(m.roc_auc_score_X_test).toBeLessThan(0.85);
      expect(m.training_roc_auc).toBeGreaterThan(m.roc_auc_score_X_test! - 0.01);
      expect(m.average_precision_score_X_test).toBeGreaterThan(0.6);
      expect(m.log_loss_X_test).toBeGreaterThan(0.3);
      expect(m.log_loss_X_test).toBeLessThan(0.7);
    }
    // The seed's decision tree, split and scores reproduced (scikit-learn: test accuracy 0.7263).
    expect(metricsOf(child('DecisionTreeClassifier')).acc_test).toBeCloseTo(0.7263, 4);
    // The best model is chosen on 5-fold cross-validation of the training rows; its test AUC is reported.
    const best = children.reduce((a, b) => (metricsOf(b).cv_roc_auc! > metricsOf(a).cv_roc_auc! ? b : a));
    expect(metricsOf(parent).best_cv_roc_auc).toBe(metricsOf(best).cv_roc_auc);
    expect(metricsOf(parent).best_test_roc_auc).toBe(metricsOf(best).roc_auc_score_X_test);
    for (const c of children) {
      expect(metricsOf(c).cv_roc_auc, c.info.run_name).toBeGreaterThan(0.75);
      expect(metricsOf(c).cv_roc_auc_std).toBeLessThan(0.05);
    }
    expect(tagsOf(parent).best_model_selection).toBe('mean ROC AUC of 5-fold cross-validation on the training rows');
    // Customers on both sides of the random split: said in the output and on the parent run.
    expect(cli.stderr).toContain('679 of 811 test rows (84%) share their id_cliente with training rows');
    expect(tagsOf(parent).split_leakage).toContain('--split group:id_cliente');
  });

  it("logs the train and test splits as dataset inputs with autolog's train / eval contexts", () => {
    for (const r of [parent, ...children]) {
      const inputs = r.inputs?.dataset_inputs ?? [];
      expect(inputs).toHaveLength(2);
      const byContext = Object.fromEntries(inputs.map((i) => [i.tags?.find((t) => t.key === 'mlflow.data.context')?.value, i.dataset]));
      expect(Object.keys(byContext).sort()).toEqual(['eval', 'train']);
      const train = byContext.train!;
      const test = byContext.eval!;
      expect(train).toMatchObject({ name: 'abt_train', source_type: 'local' });
      expect(test).toMatchObject({ name: 'abt_test', source_type: 'local' });
      expect(JSON.parse(train.source!)).toEqual({ uri: ABT_CSV });
      expect(train.digest).toMatch(/^[0-9a-f]{8}$/);
      expect(test.digest).toMatch(/^[0-9a-f]{8}$/);
      expect(train.digest).not.toBe(test.digest);
      expect(JSON.parse(train.profile!)).toEqual({ num_rows: 3244, num_elements: 3244 * 93 });
      expect(JSON.parse(test.profile!)).toEqual({ num_rows: 811, num_elements: 811 * 93 });
      const colspec = (JSON.parse(train.schema!) as { mlflow_colspec: { type: string; name: string; required: boolean }[] }).mlflow_colspec;
      expect(colspec).toHaveLength(93);
      expect(colspec[92]).toEqual({ type: 'long', name: 'flag_churn', required: true });
      expect(colspec.find((c) => c.name === 'qtd_iteracoes_d14')).toEqual({ type: 'double', name: 'qtd_iteracoes_d14', required: false });
    }
  });

  it("uploads autolog's artifacts and the test-side plots", async () => {
    for (const c of children) {
      const listed = await rest.get<{ files?: { path: string }[] }>('/artifacts/list', { run_id: c.info.run_id });
      const names = (listed.files ?? []).map((f) => f.path).sort();
      expect(names).toEqual([
        'estimator.html',
        'feature_importance.png',
        'metric_info.json',
        'precision_recall_curve.png',
        'roc_curve.png',
        'test_confusion_matrix.png',
        'training_confusion_matrix.png',
        'training_precision_recall_curve.png',
        'training_roc_curve.png',
        ...(c.info.run_name === 'HistGradientBoostingClassifier' ? ['tuning_trials.json'] : []),
      ]);
      const info = JSON.parse((await rest.artifact(c.info.artifact_uri, 'metric_info.json')).toString('utf8')) as Record<string, string>;
      expect(info.roc_auc_score_X_test).toBe('roc_auc_score(y_true=y_test, y_score=y_test_proba)');
      for (const name of names.filter((n) => n.endsWith('.png'))) {
        const png = await rest.artifact(c.info.artifact_uri, name);
        expect(png.subarray(0, 8), `${c.info.run_name}/${name}`).toEqual(PNG_SIGNATURE);
        expect(png.length).toBeGreaterThan(2000);
      }
    }
    expect((await rest.artifact(parent.info.artifact_uri, 'roc_curves.png')).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  it('logs each model as a READY MLflow-3 logged model linked to its run, with its params and metrics', async () => {
    for (const c of children) {
      const outputs = c.outputs?.model_outputs ?? [];
      expect(outputs).toHaveLength(1);
      const modelId = outputs[0]!.model_id;
      expect(modelId).toMatch(/^m-[0-9a-f]{32}$/);
      const { model } = await rest.get<{
        model: {
          info: { status: string; source_run_id: string; artifact_uri: string; experiment_id: string; name: string; tags?: { key: string; value: string }[] };
          data: { params?: { key: string; value: string }[]; metrics?: { key: string; value: number; dataset_name?: string; dataset_digest?: string }[] };
        };
      }>(`/logged-models/${modelId}`);
      expect(model.info.status).toBe('LOGGED_MODEL_READY');
      expect(model.info.source_run_id).toBe(c.info.run_id);
      expect(model.info.experiment_id).toBe(experimentId);
      expect(Object.fromEntries((model.data.params ?? []).map((p) => [p.key, p.value]))).toEqual(paramsOf(c));
      // As autolog links them: training metrics to the model and the training dataset, the others to the model.
      const metric = (model.data.metrics ?? []).find((m) => m.key === 'roc_auc_score_X_test');
      expect(metric?.value).toBe(metricsOf(c).roc_auc_score_X_test);
      expect(metric?.dataset_name).toBeUndefined();
      expect((model.data.metrics ?? []).find((m) => m.key === 'training_roc_auc')?.dataset_name).toBe('abt_train');
      const listed = await rest.get<{ files?: { path: string }[] }>(`/logged-models/${modelId}/artifacts/directories`);
      expect((listed.files ?? []).map((f) => f.path).sort()).toEqual([
        'MLmodel',
        'code',
        'conda.yaml',
        'feature-schema.json',
        'input_example.json',
        'model.json',
        'python_env.yaml',
        'requirements.txt',
      ]);
      const mlmodel = parseMlmodel((await rest.artifact(model.info.artifact_uri, 'MLmodel')).toString('utf8'));
      expect(mlmodel.model_id).toBe(modelId);
      expect(mlmodel.run_id).toBe(c.info.run_id);
      expect(mlmodel.flavors.minflow.target).toEqual({ name: 'flag_churn', positive_label: '1', negative_label: '0' });
      expect(mlmodel.signature.inputs).toHaveLength(92);
      // What mlflow.pyfunc.load_model imports (test/compat/trainer-pyfunc.test.ts loads it for real).
      expect(mlmodel.flavors.python_function).toMatchObject({ loader_module: 'minflow_pyfunc', code: 'code' });
      // pandas reads abt.csv with 18 int64 feature columns; the rest are float64.
      expect(mlmodel.signature.inputs.filter((c) => c.type === 'long')).toHaveLength(18);
      const example = JSON.parse((await rest.artifact(model.info.artifact_uri, 'input_example.json')).toString('utf8')) as { columns: string[]; data: unknown[][] };
      expect(example.columns).toHaveLength(92);
      expect(example.data).toHaveLength(5);
    }
  });

  it('registers the best model by CV ROC AUC as version 1, with @production and @challenger', async () => {
    const best = children.reduce((a, b) => (metricsOf(b).cv_roc_auc! > metricsOf(a).cv_roc_auc! ? b : a));
    const bestModelId = best.outputs!.model_outputs![0]!.model_id;
    const { model_version: mv } = await rest.get<{
      model_version: { version: string; source: string; run_id: string; aliases?: string[]; tags?: { key: string; value: string }[] };
    }>('/model-versions/get', { name: 'churn', version: '1' });
    expect(mv.source).toBe(`models:/${bestModelId}`);
    expect(mv.run_id).toBe(best.info.run_id);
    expect((mv.aliases ?? []).sort()).toEqual(['challenger', 'production']);
    const tags = Object.fromEntries((mv.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ promotion_decision: 'first', estimator_name: best.info.run_name, min_improvement: '0' });
    expect(Number(tags.challenger_test_roc_auc)).toBeCloseTo(metricsOf(best).roc_auc_score_X_test!, 6);
    expect(await rest.aliasVersion('churn', 'production')).toBe('1');
    expect(await rest.aliasVersion('churn', 'challenger')).toBe('1');
    const { registered_model: rm } = await rest.get<{ registered_model: { aliases?: { alias: string; version: string }[] } }>(
      '/registered-models/get',
      { name: 'churn' },
    );
    expect(rm.aliases?.map((a) => `${a.alias}=${a.version}`).sort()).toEqual(['challenger=1', 'production=1']);
    expect(tagsOf(parent)).toMatchObject({ best_run_id: best.info.run_id, best_model_id: bestModelId, registered_version: '1', promotion_decision: 'first' });
    const uri = await rest.get<{ artifact_uri: string }>('/model-versions/get-download-uri', { name: 'churn', version: '1' });
    expect(uri.artifact_uri).toMatch(new RegExp(`^mlflow-artifacts:/${experimentId}/models/${bestModelId}/artifacts$`));
  });
});

describe('minflow train errors', () => {
  it('names the URL when the server is unreachable', async () => {
    const r = await runTrainCli(['--synthetic', '200', '--tracking-uri', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the MLflow tracking server at http://127.0.0.1:9');
    expect(r.stderr).not.toMatch(/\n\s+at /); // one clear line, no stack trace
  });

  it('says what is wrong with a bad CSV', async () => {
    const dir = tempDir('badcsv');
    const file = `${dir}/t.csv`;
    fs.writeFileSync(file, 'a,b,flag_churn\n1,2,0\n3,4\n');
    const ragged = await runTrainCli(['--data', file, '--tracking-uri', server.url]);
    expect(ragged.code).toBe(1);
    expect(ragged.stderr).toMatch(/minflow train: line 3: .*/);
    const missing = await runTrainCli(['--data', `${dir}/nope.csv`, '--tracking-uri', server.url]);
    expect(missing.stderr).toContain(`cannot read ${dir}/nope.csv: no such file`);
    const noTarget = await runTrainCli(['--data', file, '--target', 'churned', '--tracking-uri', server.url]);
    expect(noTarget.stderr).toContain('target column "churned" is not in the header');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects bad flags with the usage text and exit code 2', async () => {
    const r = await runTrainCli(['--synthetic', '10', '--n-estimators', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--n-estimators must be a positive integer');
    expect(r.stderr).toContain('Usage: minflow train');
  });
});
