"""mlflow.sklearn.autolog() on the seed's split of abt.csv, for the scikit-learn estimator each Minflow
model reproduces, then what the official client reads back of both: the reference runs and the runs
Minflow's trainer logged.

usage: trainer_autolog.py MINFLOW_EXPERIMENT N_ESTIMATORS RF_N_JOBS ENSEMBLE_RF_N_JOBS
The reference runs fit, predict X_train and X_test, and call model.score(X_test, y_test),
precision/recall/f1_score(y_test, y_test_predict) and log_loss(y_test, y_test_proba) once each, as the
trainer's evaluation does (autolog names such calls <function>_<variable>). Prints one JSON line:
{"reference": {kind: run}, "minflow": {kind: run}} with params, metrics, tags, inputs, artifacts, the
logged model and metric_info.json of each run.
"""
import json
import sys

import mlflow
import mlflow.sklearn
from mlflow import MlflowClient
from sklearn import metrics
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from churn_data import load_split

minflow_experiment, n_estimators, rf_jobs, ensemble_rf_jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
X_train, X_test, y_train, y_test = load_split()


def dt():
    return DecisionTreeClassifier(min_samples_leaf=100, min_samples_split=10, random_state=42)


def rf(n_jobs):
    return RandomForestClassifier(n_estimators=n_estimators, min_samples_leaf=35, random_state=42, n_jobs=n_jobs)


def lr():
    return make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler(), LogisticRegression(solver="newton-cholesky"))


MODELS = {
    "decision_tree": dt(),
    "random_forest": rf(rf_jobs),
    "logistic_regression": lr(),
    "voting_ensemble": VotingClassifier([("dt", dt()), ("rf", rf(ensemble_rf_jobs)), ("lr", lr())], voting="soft"),
}
ESTIMATOR_KIND = {
    "DecisionTreeClassifier": "decision_tree",
    "RandomForestClassifier": "random_forest",
    "Pipeline": "logistic_regression",
    "VotingClassifier": "voting_ensemble",
}

client = MlflowClient()


def describe(run_id):
    r = client.get_run(run_id)
    models = client.search_logged_models(experiment_ids=[r.info.experiment_id], filter_string=f"source_run_id = '{run_id}'")
    artifacts = sorted(a.path for a in client.list_artifacts(run_id))
    info = json.loads(open(client.download_artifacts(run_id, "metric_info.json")).read()) if "metric_info.json" in artifacts else None
    return {
        "params": r.data.params,
        "metrics": r.data.metrics,
        "tags": {k: v for k, v in r.data.tags.items() if k in ("estimator_name", "estimator_class")},
        "inputs": sorted(
            [{"context": {t.key: t.value for t in i.tags}.get("mlflow.data.context"), "rows": json.loads(i.dataset.profile)["num_rows"]} for i in r.inputs.dataset_inputs],
            key=lambda x: x["context"] or "",
        ),
        "artifacts": artifacts,
        "metric_info": info,
        "logged_models": [
            {
                "params": m.params,
                "metrics": {x.key: {"value": x.value, "dataset": x.dataset_name is not None} for x in (m.metrics or [])},
            }
            for m in models
        ],
    }


mlflow.set_experiment("autolog-reference")
mlflow.sklearn.autolog(silent=True)
reference = {}
for kind, clf in MODELS.items():
    with mlflow.start_run() as run:
        clf.fit(X_train, y_train)
        y_train_predict = clf.predict(X_train)
        y_test_predict = clf.predict(X_test)
        y_test_proba = clf.predict_proba(X_test)
        clf.score(X_test, y_test)
        metrics.precision_score(y_true=y_test, y_pred=y_test_predict)
        metrics.recall_score(y_true=y_test, y_pred=y_test_predict)
        metrics.f1_score(y_true=y_test, y_pred=y_test_predict)
        metrics.log_loss(y_true=y_test, y_pred=y_test_proba)
        mlflow.log_metrics({"acc_train": float((y_train_predict == y_train).mean()), "acc_test": float((y_test_predict == y_test).mean())})
    reference[kind] = describe(run.info.run_id)
mlflow.sklearn.autolog(disable=True)

experiment = client.get_experiment_by_name(minflow_experiment)
ours = {}
for r in client.search_runs([experiment.experiment_id]):
    if "estimator_name" not in r.data.tags:
        continue  # the parent run
    kind = ESTIMATOR_KIND[r.data.tags["estimator_name"]]
    ours[kind] = describe(r.info.run_id)

print(json.dumps({"reference": reference, "minflow": ours}))
