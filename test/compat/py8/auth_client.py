"""The official MLflow client against a Minflow server that requires authentication.

usage: auth_client.py WORK_DIR
Credentials come from the environment, as users set them: MLFLOW_TRACKING_USERNAME and
MLFLOW_TRACKING_PASSWORD (HTTP Basic) or MLFLOW_TRACKING_TOKEN (Bearer), or none at all. The script
runs a small tracking + registry workflow (experiment, run, params, metrics, an artifact through the
proxy, a registered model version, alias, download) and prints one JSON line: what worked, or the error
the client raised.
"""
import json
import os
import sys

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

work = sys.argv[1]
out = {"ok": False}
try:
    mlflow.set_experiment(f"auth-{os.getpid()}")
    with mlflow.start_run() as run:
        mlflow.log_param("depth", 3)
        mlflow.log_metrics({"auc": 0.91, "loss": 0.2}, step=1)
        mlflow.set_tag("who", os.environ.get("MLFLOW_TRACKING_USERNAME") or "token")
        note = os.path.join(work, f"note-{os.getpid()}.txt")
        with open(note, "w") as f:
            f.write("written through the proxy with credentials\n")
        mlflow.log_artifact(note, artifact_path="notes")
    client = MlflowClient()
    got = client.get_run(run.info.run_id)
    listed = [a.path for a in client.list_artifacts(run.info.run_id, "notes")]
    local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="notes", dst_path=os.path.join(work, f"dl-{os.getpid()}"))
    name = f"auth-model-{os.getpid()}"
    client.create_registered_model(name)
    version = client.create_model_version(name, f"runs:/{run.info.run_id}/notes", run_id=run.info.run_id)
    client.set_registered_model_alias(name, "champion", version.version)
    by_alias = client.get_model_version_by_alias(name, "champion")
    out = {
        "ok": True,
        "params": got.data.params,
        "metrics": got.data.metrics,
        "tag": got.data.tags.get("who"),
        "listed": listed,
        "downloaded": sorted(os.listdir(local)),
        "version": by_alias.version,
        "status": version.status,
    }
except MlflowException as e:
    out = {"ok": False, "error_code": e.error_code, "message": str(e)[:500]}
except Exception as e:  # noqa: BLE001 - any failure is reported, not raised
    out = {"ok": False, "error_code": type(e).__name__, "message": str(e)[:500]}
print(json.dumps(out))
