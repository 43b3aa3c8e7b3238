"""Both servers on one database (test/compat/mlflow-database.test.ts), through the official client.

    mlflow_database.py fill <prefix> <workdir>   writes one of everything, names prefixed
    mlflow_database.py snapshot <workdir>        prints everything the server serves, as JSON

The snapshot is what the vitest side compares between `mlflow server` and Minflow: experiments, runs
(params, tags, latest metrics, metric histories, dataset inputs), artifacts and their bytes under
every kind of artifact root, logged models (params, tags, metrics), registered models, versions,
aliases and tags. Fields one server fills and the other never stored are normalised in the test.
"""

import hashlib
import json
import os
import sys
import tempfile

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, LoggedModelStatus, Metric, Param, RunTag, ViewType

sys.path.insert(0, os.path.dirname(__file__))
from compat_common import jsonable  # noqa: E402


def fill(client: MlflowClient, prefix: str, workdir: str) -> dict:
    made = {}
    proxied = client.create_experiment(f"{prefix}-proxied", tags={"team": prefix})
    file_store = client.create_experiment(f"{prefix}-file", artifact_location=f"file://{workdir}/{prefix}-filestore")
    relative = client.create_experiment(f"{prefix}-relative", artifact_location=f"{prefix}-relstore")
    made["experiments"] = [proxied, file_store, relative]
    src = os.path.join(workdir, f"{prefix}-src")
    os.makedirs(os.path.join(src, "sub"), exist_ok=True)
    with open(os.path.join(src, "hello.txt"), "w") as f:
        f.write(f"hello from {prefix}\n")
    with open(os.path.join(src, "sub", "data.bin"), "wb") as f:
        f.write(bytes(range(256)) * 8)
    runs = []
    for exp in made["experiments"]:
        run = client.create_run(exp, run_name=f"{prefix}-run-{exp}", tags={"stage": "fill"})
        rid = run.info.run_id
        client.log_batch(
            rid,
            metrics=[Metric("loss", v, 1_700_000_000_000 + i, i) for i, v in enumerate([1.5, 1.0, 10.0, 0.25])]
            + [Metric("nan_metric", float("nan"), 1_700_000_000_000, 0), Metric("whole", 10.0, 1_700_000_000_001, 3)],
            params=[Param("lr", "0.01"), Param("depth", "7")],
            tags=[RunTag("mlflow.note.content", f"note {prefix}")],
        )
        ds = Dataset(name=f"{prefix}-ds", digest="abc123", source_type="local", source=json.dumps({"uri": "/data/x.csv"}),
                     schema=json.dumps({"mlflow_colspec": [{"name": "a", "type": "long"}]}), profile=json.dumps({"num_rows": 3}))
        client.log_inputs(rid, datasets=[DatasetInput(ds, tags=[InputTag("mlflow.data.context", "training")])])
        client.log_artifacts(rid, src)
        client.log_artifact(rid, os.path.join(src, "hello.txt"), artifact_path="nested/dir")
        client.set_terminated(rid, "FINISHED", end_time=1_700_000_100_000)
        runs.append(rid)
    made["runs"] = runs
    model = client.create_logged_model(proxied, name=f"{prefix}-lm", source_run_id=runs[0], tags={"flavor": "test"},
                                       params={"alpha": "0.5"}, model_type="classifier")
    client.log_metric(runs[0], "lm_acc", 0.9, step=2, timestamp=1_700_000_000_500, model_id=model.model_id)
    client.log_model_artifact(model.model_id, os.path.join(src, "hello.txt"))
    client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    made["logged_model"] = model.model_id
    name = f"{prefix}-registered"
    client.create_registered_model(name, tags={"owner": prefix}, description=f"model of {prefix}")
    run0 = client.get_run(runs[0])
    v1 = client.create_model_version(name, f"{run0.info.artifact_uri}/model", run_id=runs[0], tags={"v": "1"}, description="first")
    v2 = client.create_model_version(name, f"{run0.info.artifact_uri}/model2", run_id=runs[0])
    client.set_registered_model_alias(name, "champion", v1.version)
    client.set_registered_model_alias(name, "challenger", v2.version)
    client.set_model_version_tag(name, v2.version, "validated", "yes")
    made["registered_model"] = name
    return made


def artifacts(list_fn, download_fn, path=None) -> dict:
    out = {}
    for f in list_fn(path):
        if f.is_dir:
            out.update(artifacts(list_fn, download_fn, f.path))
        else:
            with tempfile.TemporaryDirectory() as d:
                local = download_fn(f.path, d)
                with open(local, "rb") as fh:
                    out[f.path] = {"size": f.file_size, "sha256": hashlib.sha256(fh.read()).hexdigest()}
    return out


def snapshot(client: MlflowClient) -> dict:
    snap = {"experiments": [], "logged_models": [], "registered_models": []}
    exps = sorted(client.search_experiments(view_type=ViewType.ALL), key=lambda e: int(e.experiment_id))
    for e in exps:
        entry = {
            "experiment_id": e.experiment_id,
            "name": e.name,
            "artifact_location": e.artifact_location,
            "lifecycle_stage": e.lifecycle_stage,
            "tags": dict(sorted(e.tags.items())),
            "creation_time": e.creation_time,
            "last_update_time": e.last_update_time,
            "runs": [],
        }
        for r in client.search_runs([e.experiment_id], run_view_type=ViewType.ALL, order_by=["attributes.start_time ASC"]):
            rid = r.info.run_id
            entry["runs"].append({
                "run_id": rid,
                "run_name": r.info.run_name,
                "status": r.info.status,
                "start_time": r.info.start_time,
                "end_time": r.info.end_time,
                "artifact_uri": r.info.artifact_uri,
                "lifecycle_stage": r.info.lifecycle_stage,
                "user_id": r.info.user_id,
                "params": dict(sorted(r.data.params.items())),
                "tags": {k: v for k, v in sorted(r.data.tags.items())},
                "metrics": dict(sorted(r.data.metrics.items())),
                "history": {
                    k: [[m.value, m.timestamp, m.step] for m in client.get_metric_history(rid, k)] for k in sorted(r.data.metrics)
                },
                "datasets": [
                    {"name": d.dataset.name, "digest": d.dataset.digest, "source_type": d.dataset.source_type,
                     "source": d.dataset.source, "schema": d.dataset.schema, "profile": d.dataset.profile,
                     "tags": {t.key: t.value for t in d.tags}}
                    for d in r.inputs.dataset_inputs
                ],
                "artifacts": artifacts(lambda p, rid=rid: client.list_artifacts(rid, p),
                                       lambda p, d, rid=rid: client.download_artifacts(rid, p, d)),
            })
        snap["experiments"].append(entry)
        for m in sorted(client.search_logged_models([e.experiment_id]), key=lambda m: m.model_id):
            snap["logged_models"].append({
                "model_id": m.model_id, "name": m.name, "experiment_id": m.experiment_id, "artifact_location": m.artifact_location,
                "status": str(m.status), "model_type": m.model_type, "source_run_id": m.source_run_id,
                "tags": dict(sorted(m.tags.items())), "params": dict(sorted(m.params.items())),
                "metrics": sorted([[x.key, x.value, x.step, x.timestamp, x.run_id] for x in (m.metrics or [])]),
                "artifacts": sorted(f.path for f in client.list_logged_model_artifacts(m.model_id)),
            })
    for rm in sorted(client.search_registered_models(), key=lambda m: m.name):
        versions = sorted(client.search_model_versions(f"name = '{rm.name}'"), key=lambda v: int(v.version))
        snap["registered_models"].append({
            "name": rm.name, "description": rm.description, "tags": dict(sorted(rm.tags.items())),
            "aliases": dict(sorted(rm.aliases.items())) if isinstance(rm.aliases, dict) else rm.aliases,
            "creation_timestamp": rm.creation_timestamp,
            "versions": [
                {"version": v.version, "source": v.source, "run_id": v.run_id, "status": v.status, "current_stage": v.current_stage,
                 "description": v.description, "tags": dict(sorted(v.tags.items())), "aliases": sorted(v.aliases),
                 "creation_timestamp": v.creation_timestamp}
                for v in versions
            ],
        })
    return snap


def main() -> None:
    client = MlflowClient()
    command = sys.argv[1]
    if command == "fill":
        os.chdir(sys.argv[3])
        print(json.dumps(jsonable(fill(client, sys.argv[2], sys.argv[3]))))
    elif command == "snapshot":
        print(json.dumps(jsonable(snapshot(client))))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
