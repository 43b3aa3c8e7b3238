"""Fluent tracking API end to end: experiments, runs (nested), params/metrics/tags, datasets, log_batch
(with NaN), run lifecycle (delete/restore). Run by test/compat/tracking-basics.test.ts."""

import getpass
import json
import math
import os
import time

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType

from compat_common import Compat, unique

c = Compat()
client = MlflowClient()
state: dict = {}

with c.section("experiment") as s:
    name = unique("compat-basics")
    first = mlflow.set_experiment(name)
    second = mlflow.set_experiment(name)
    s.eq("set_experiment returns the experiment named", first.name, name)
    s.eq("second set_experiment reuses the id", second.experiment_id, first.experiment_id)
    s.check("experiment id is an integer string", first.experiment_id.isdigit(), first.experiment_id)
    s.eq("lifecycle_stage", first.lifecycle_stage, "active")
    s.eq("artifact_location", first.artifact_location, f"mlflow-artifacts:/{first.experiment_id}")
    by_name = client.get_experiment_by_name(name)
    s.eq("get_experiment_by_name id", by_name.experiment_id if by_name else None, first.experiment_id)
    s.eq("get_experiment_by_name of a missing name", client.get_experiment_by_name(unique("no-such")), None)
    s.data.update(name=name, first_id=first.experiment_id, second_id=second.experiment_id)
    state["exp_id"] = first.experiment_id

with c.section("runs") as s:
    exp_id = state["exp_id"]
    with mlflow.start_run(run_name="parent-run") as parent:
        mlflow.log_param("lr", 0.01)
        mlflow.log_params({"depth": 5, "model": "rf", "flag": True})
        mlflow.log_param("lr", 0.01)  # the same value again is allowed
        for step, loss in enumerate([0.9, 0.7, 0.5, 0.4, 0.35]):
            mlflow.log_metric("loss", loss, step=step)
        mlflow.log_metrics({"acc": 0.8, "f1": 0.75}, step=1)
        mlflow.log_metrics({"acc": 0.85}, step=2)
        mlflow.set_tag("team", "core")
        mlflow.set_tags({"stage": "dev", "priority": 2})
        with mlflow.start_run(run_name="child-run", nested=True) as child:
            mlflow.log_metric("child_metric", 1.5)
        s.eq("active run after the nested block", mlflow.active_run().info.run_id, parent.info.run_id)
        running = client.get_run(parent.info.run_id)
        s.eq("status while inside the block", running.info.status, "RUNNING")
        s.eq("end_time while running", running.info.end_time, None)
    s.eq("no active run after the block", mlflow.active_run(), None)

    run = client.get_run(parent.info.run_id)
    info, data = run.info, run.data
    s.eq("experiment_id", info.experiment_id, exp_id)
    s.check("run_id is 32 hex chars", len(info.run_id) == 32 and all(ch in "0123456789abcdef" for ch in info.run_id), info.run_id)
    s.eq("run_name", info.run_name, "parent-run")
    s.eq("status", info.status, "FINISHED")
    s.eq("lifecycle_stage", info.lifecycle_stage, "active")
    s.check("end_time set and >= start_time", info.end_time is not None and info.end_time >= info.start_time, (info.start_time, info.end_time))
    s.eq("user_id", info.user_id, getpass.getuser())
    s.eq("artifact_uri", info.artifact_uri, f"mlflow-artifacts:/{exp_id}/{info.run_id}/artifacts")
    s.eq("params (all strings)", data.params, {"lr": "0.01", "depth": "5", "model": "rf", "flag": "True"})
    s.eq("latest metrics", data.metrics, {"loss": 0.35, "acc": 0.85, "f1": 0.75})
    tags = data.tags
    s.eq("tag team", tags.get("team"), "core")
    s.eq("tag stage", tags.get("stage"), "dev")
    s.eq("tag priority (stringified)", tags.get("priority"), "2")
    s.eq("tag mlflow.runName", tags.get("mlflow.runName"), "parent-run")
    s.eq("tag mlflow.user", tags.get("mlflow.user"), getpass.getuser())
    s.check("tag mlflow.source.name is this script", tags.get("mlflow.source.name", "").endswith("tracking_basics.py"), tags.get("mlflow.source.name"))
    s.eq("tag mlflow.source.type", tags.get("mlflow.source.type"), "LOCAL")
    s.eq("parent has no mlflow.parentRunId", tags.get("mlflow.parentRunId"), None)

    history = client.get_metric_history(info.run_id, "loss")
    s.eq("loss history steps", [m.step for m in history], [0, 1, 2, 3, 4])
    s.eq("loss history values", [m.value for m in history], [0.9, 0.7, 0.5, 0.4, 0.35])
    acc_history = client.get_metric_history(info.run_id, "acc")
    s.eq("acc history (step, value)", [(m.step, m.value) for m in acc_history], [(1, 0.8), (2, 0.85)])

    kid = client.get_run(child.info.run_id)
    s.eq("child mlflow.parentRunId", kid.data.tags.get("mlflow.parentRunId"), info.run_id)
    s.eq("child run_name", kid.info.run_name, "child-run")
    s.eq("child status", kid.info.status, "FINISHED")
    s.eq("child metrics", kid.data.metrics, {"child_metric": 1.5})
    s.eq("child experiment", kid.info.experiment_id, exp_id)
    children = client.search_runs([exp_id], filter_string=f"tags.`mlflow.parentRunId` = '{info.run_id}'")
    s.eq("search children by mlflow.parentRunId", [r.info.run_id for r in children], [kid.info.run_id])

    s.data.update(
        run_id=info.run_id,
        status=info.status,
        end_time_set=info.end_time is not None,
        params=data.params,
        metrics=data.metrics,
        run_name_tag=tags.get("mlflow.runName"),
        user_tag=tags.get("mlflow.user"),
        source_type_tag=tags.get("mlflow.source.type"),
        child_parent_tag=kid.data.tags.get("mlflow.parentRunId"),
        loss_steps=[m.step for m in history],
    )
    state["parent"] = info.run_id

with c.section("dataset") as s:
    exp_id = state["exp_id"]
    df = pd.DataFrame({"tenure": [1, 5, 12, 30], "charges": [29.5, 56.0, 42.3, 99.9], "label": [1, 0, 0, 1]})
    ds_name = unique("churn-train")
    dataset = mlflow.data.from_pandas(df, source="/data/churn/abt.csv", name=ds_name, targets="label")
    with mlflow.start_run(run_name="with-dataset") as r:
        mlflow.log_input(dataset, context="training")
    run = client.get_run(r.info.run_id)
    inputs = run.inputs.dataset_inputs
    s.eq("one dataset input", len(inputs), 1)
    d = inputs[0].dataset
    s.eq("dataset name", d.name, ds_name)
    s.eq("dataset digest", d.digest, dataset.digest)
    s.eq("dataset source_type", d.source_type, "local")
    s.eq("dataset source", json.loads(d.source), {"uri": "/data/churn/abt.csv"})
    schema = json.loads(d.schema)
    s.eq("schema columns", [col["name"] for col in schema["mlflow_colspec"]], ["tenure", "charges", "label"])
    s.eq("profile", json.loads(d.profile), {"num_rows": 4, "num_elements": 12})
    input_tags = {t.key: t.value for t in inputs[0].tags}
    s.eq("input tag mlflow.data.context", input_tags.get("mlflow.data.context"), "training")

    for label, flt in [
        ("by name", f"dataset.name = '{ds_name}'"),
        ("by digest", f"dataset.digest = '{dataset.digest}'"),
        ("by context", "dataset.context = 'training'"),
        ("by name and context", f"dataset.name = '{ds_name}' AND dataset.context = 'training'"),
        ("by name IN", f"dataset.name IN ('{ds_name}', 'other')"),
    ]:
        df_found = mlflow.search_runs([exp_id], filter_string=flt)
        s.eq(f"search_runs {label}", list(df_found["run_id"]), [r.info.run_id])
    none = mlflow.search_runs([exp_id], filter_string=f"dataset.name = '{ds_name}' AND dataset.context = 'eval'")
    s.eq("search_runs with another context finds nothing", len(none), 0)
    s.data.update(name=d.name, digest=d.digest, digest_matches=d.digest == dataset.digest, context=input_tags.get("mlflow.data.context"), profile=json.loads(d.profile))

with c.section("log_batch") as s:
    exp_id = state["exp_id"]
    run = client.create_run(exp_id, run_name="batch-run", tags={"origin": "client"})
    run_id = run.info.run_id
    s.eq("create_run status", run.info.status, "RUNNING")
    s.eq("create_run run name tag", run.data.tags.get("mlflow.runName"), "batch-run")
    ts = int(time.time() * 1000)
    client.log_batch(
        run_id,
        metrics=[
            Metric("rmse", 1.5, ts, 0),
            Metric("rmse", 1.25, ts + 1, 1),
            Metric("rmse", 1.0, ts + 2, 2),
            Metric("nan_metric", float("nan"), ts, 0),
            Metric("inf_metric", float("inf"), ts, 0),
        ],
        params=[Param("alpha", "0.5"), Param("solver", "lbfgs")],
        tags=[RunTag("batch", "yes"), RunTag("note", "x" * 100)],
    )
    client.set_terminated(run_id, status="KILLED")
    got = client.get_run(run_id)
    m = got.data.metrics
    s.eq("latest rmse", m.get("rmse"), 1.0)
    s.check("NaN metric comes back NaN", isinstance(m.get("nan_metric"), float) and math.isnan(m["nan_metric"]), m.get("nan_metric"))
    s.check("+Inf metric comes back huge positive", m.get("inf_metric") is not None and m["inf_metric"] >= 1.7976931348623157e308, m.get("inf_metric"))
    s.eq("params", got.data.params, {"alpha": "0.5", "solver": "lbfgs"})
    s.eq("tag batch", got.data.tags.get("batch"), "yes")
    s.eq("tag origin (from create_run)", got.data.tags.get("origin"), "client")
    s.eq("status after set_terminated", got.info.status, "KILLED")
    s.check("end_time set", got.info.end_time is not None, got.info.end_time)
    nan_history = client.get_metric_history(run_id, "nan_metric")
    s.check("NaN in history", len(nan_history) == 1 and math.isnan(nan_history[0].value), [x.value for x in nan_history])
    rmse = client.get_metric_history(run_id, "rmse")
    s.eq("rmse history", [(x.step, x.value, x.timestamp - ts) for x in rmse], [(0, 1.5, 0), (1, 1.25, 1), (2, 1.0, 2)])
    # Identical re-log of a param and of a metric point is accepted (params are immutable, not write-once).
    client.log_batch(run_id, metrics=[Metric("rmse", 1.0, ts + 2, 2)], params=[Param("alpha", "0.5")])
    s.eq("re-logged identical metric is not duplicated", len(client.get_metric_history(run_id, "rmse")), 3)
    s.data.update(run_id=run_id, nan_metric=m.get("nan_metric"), rmse=m.get("rmse"), status=got.info.status)
    state["batch_run"] = run_id

with c.section("lifecycle") as s:
    exp_id = state["exp_id"]
    run_id = state["batch_run"]

    def ids(view):
        return sorted(r.info.run_id for r in client.search_runs([exp_id], run_view_type=view))

    active_before = ids(ViewType.ACTIVE_ONLY)
    s.check("run listed while active", run_id in active_before, active_before)
    client.delete_run(run_id)
    s.eq("lifecycle after delete_run", client.get_run(run_id).info.lifecycle_stage, "deleted")
    s.check("deleted run not in ACTIVE_ONLY", run_id not in ids(ViewType.ACTIVE_ONLY))
    s.eq("DELETED_ONLY lists exactly the deleted run", ids(ViewType.DELETED_ONLY), [run_id])
    s.check("deleted run in ALL", run_id in ids(ViewType.ALL))
    s.eq("ALL = ACTIVE_ONLY before delete", ids(ViewType.ALL), active_before)
    fluent_deleted = mlflow.search_runs([exp_id], run_view_type=ViewType.DELETED_ONLY)
    s.eq("mlflow.search_runs DELETED_ONLY", list(fluent_deleted["run_id"]), [run_id])
    s.expect_error("log_param to a deleted run", "INVALID_PARAMETER_VALUE", client.log_param, run_id, "late", "1")
    client.restore_run(run_id)
    s.eq("lifecycle after restore_run", client.get_run(run_id).info.lifecycle_stage, "active")
    s.eq("ACTIVE_ONLY after restore", ids(ViewType.ACTIVE_ONLY), active_before)
    s.eq("DELETED_ONLY after restore", ids(ViewType.DELETED_ONLY), [])
    s.eq("data survives delete/restore", client.get_run(run_id).data.params, {"alpha": "0.5", "solver": "lbfgs"})
    s.data.update(active_count=len(active_before))

c.finish()
