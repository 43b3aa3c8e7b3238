"""The seed's workflow with the official client: autolog, two runs, two registered versions, an alias.

usage: seed_train.py OUT_DIR [EXPERIMENT] [MODEL_NAME]
Writes OUT_DIR/X_test.pkl, OUT_DIR/expected_v1.json, OUT_DIR/expected_v2.json (the in-memory models'
predictions on X_test) and prints one JSON line describing what the client got back.
"""
import json
import os
import sys

import mlflow
import mlflow.sklearn
from mlflow import MlflowClient
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from churn_data import load_split, log_model_kwargs

out_dir = sys.argv[1]
experiment = sys.argv[2] if len(sys.argv) > 2 else "churn"
model_name = sys.argv[3] if len(sys.argv) > 3 else "churn"
os.makedirs(out_dir, exist_ok=True)

X_train, X_test, y_train, y_test = load_split()
X_test.to_pickle(os.path.join(out_dir, "X_test.pkl"))
# The scoring protocol's request body for the same rows (NaN becomes null, as a client would send it).
with open(os.path.join(out_dir, "invocations.json"), "w") as f:
    f.write('{"dataframe_split": ' + X_test.to_json(orient="split", index=False) + "}")

mlflow.set_experiment(experiment)
mlflow.sklearn.autolog()


def train(model, tag):
    with mlflow.start_run(run_name=f"seed-{tag}") as run:
        model.fit(X_train, y_train)
        acc_train = float((model.predict(X_train) == y_train).mean())
        acc_test = float((model.predict(X_test) == y_test).mean())
        mlflow.log_metrics({"acc_train": acc_train, "acc_test": acc_test})
        info = mlflow.sklearn.log_model(
            model,
            registered_model_name=model_name,
            input_example=X_train.head(),
            **log_model_kwargs(mlflow),
        )
    preds = [int(p) for p in model.predict(X_test)]
    with open(os.path.join(out_dir, f"expected_{tag}.json"), "w") as f:
        json.dump(preds, f)
    return {
        "run_id": run.info.run_id,
        "experiment_id": run.info.experiment_id,
        "acc_train": acc_train,
        "acc_test": acc_test,
        "model_uri": info.model_uri,
        "model_id": getattr(info, "model_id", None),
        "registered_version": str(info.registered_model_version),
        "n_test": len(preds),
        "positives": sum(preds),
    }


v1 = train(RandomForestClassifier(n_estimators=50, min_samples_leaf=35, random_state=42), "v1")
v2 = train(DecisionTreeClassifier(max_depth=4, min_samples_leaf=20, random_state=42), "v2")

client = MlflowClient()
client.set_registered_model_alias(model_name, "production", "1")
mv = client.get_model_version_by_alias(model_name, "production")
rm = client.get_registered_model(model_name)

print(
    json.dumps(
        {
            "mlflow_version": mlflow.__version__,
            "v1": v1,
            "v2": v2,
            "by_alias": {
                "name": mv.name,
                "version": str(mv.version),
                "run_id": mv.run_id,
                "aliases": list(mv.aliases),
                "status": mv.status,
                "source": mv.source,
            },
            "registered_model": {
                "name": rm.name,
                "aliases": {k: str(v) for k, v in rm.aliases.items()},
                "latest_versions": sorted(str(v.version) for v in rm.latest_versions),
            },
        }
    )
)
