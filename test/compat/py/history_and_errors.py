"""A 30,000-step metric history (logged in log_batch chunks of 1000, read back through the client's
25,000-per-page paging) and the error codes the client sees and branches on. Run by
test/compat/history-and-errors.test.ts."""

import time

import mlflow
import requests
from mlflow import MlflowClient
from mlflow.entities import Metric, Param

from compat_common import Compat, now_ms, unique

STEPS = 30_000
CHUNK = 1_000

c = Compat()
client = MlflowClient()
state: dict = {}

with c.section("setup") as s:
    exp_id = client.create_experiment(unique("compat-history"))
    run_id = client.create_run(exp_id, run_name="long-history").info.run_id
    state.update(exp_id=exp_id, run_id=run_id)
    s.data.update(exp_id=exp_id, run_id=run_id)

with c.section("history") as s:
    run_id = state["run_id"]
    base = now_ms() - STEPS

    def value(step: int) -> float:
        return step * 0.5 + (step % 7) / 8

    chunks = [list(range(start, start + CHUNK)) for start in range(0, STEPS, CHUNK)]
    t0 = time.time()
    # Newest chunk first: the server must sort the history, not echo insertion order.
    for steps in reversed(chunks):
        client.log_batch(run_id, metrics=[Metric("train_loss", value(i), base + i, i) for i in steps])
    s.data["log_seconds"] = round(time.time() - t0, 2)

    t0 = time.time()
    history = client.get_metric_history(run_id, "train_loss")
    s.data["read_seconds"] = round(time.time() - t0, 2)
    steps = [m.step for m in history]
    s.eq("history length", len(history), STEPS)
    s.check("steps are 0..29999 in order", steps == list(range(STEPS)), f"first {steps[:5]}, last {steps[-5:]}")
    bad = [(m.step, m.value) for m in history if m.value != value(m.step)][:5]
    s.eq("values match their steps", bad, [])
    bad_ts = [(m.step, m.timestamp) for m in history if m.timestamp != base + m.step][:5]
    s.eq("timestamps match their steps", bad_ts, [])
    s.eq("every point carries the key", {m.key for m in history}, {"train_loss"})
    s.eq("latest value is the last step's", client.get_run(run_id).data.metrics.get("train_loss"), value(STEPS - 1))

    # The REST pages themselves: 25,000 then 5,000, the first with a token, the last without.
    url = f"{c.uri}/api/2.0/mlflow/metrics/get-history"
    first = requests.get(url, params={"run_id": run_id, "metric_key": "train_loss", "max_results": 25000}, timeout=120).json()
    token = first.get("next_page_token")
    second = requests.get(url, params={"run_id": run_id, "metric_key": "train_loss", "max_results": 25000, "page_token": token}, timeout=120).json() if token else {}
    page_sizes = [len(first.get("metrics", [])), len(second.get("metrics", []))]
    s.eq("REST page sizes", page_sizes, [25000, 5000])
    s.check("first page has next_page_token", bool(token), sorted(first.keys()))
    s.check("last page has no next_page_token", "next_page_token" not in second, sorted(second.keys()))
    s.eq("second page starts at step 25000", (second.get("metrics") or [{}])[0].get("step"), 25000)
    s.eq("unknown metric key: empty history", client.get_metric_history(run_id, "no_such_metric"), [])
    s.data.update(count=len(history), first_step=steps[0] if steps else None, last_step=steps[-1] if steps else None, page_sizes=page_sizes)

with c.section("errors") as s:
    exp_id, run_id = state["exp_id"], state["run_id"]
    missing_run = "0" * 32
    s.expect_error("get_run of a missing run", "RESOURCE_DOES_NOT_EXIST", client.get_run, missing_run)
    s.expect_error("log_metric to a missing run", "RESOURCE_DOES_NOT_EXIST", client.log_metric, missing_run, "m", 1.0)
    s.expect_error("get_experiment of a missing id", "RESOURCE_DOES_NOT_EXIST", client.get_experiment, "987654321")
    s.expect_error("delete_run of a missing run", "RESOURCE_DOES_NOT_EXIST", client.delete_run, missing_run)

    client.log_param(run_id, "lr", "0.1")
    client.log_param(run_id, "lr", "0.1")  # same value: accepted
    with mlflow.start_run(run_id=run_id):
        s.expect_error("mlflow.log_param overwrite", "INVALID_PARAMETER_VALUE", mlflow.log_param, "lr", "0.2")
    s.expect_error("client.log_param overwrite", "INVALID_PARAMETER_VALUE", client.log_param, run_id, "lr", 0.3)
    s.expect_error("log_batch param overwrite", "INVALID_PARAMETER_VALUE", client.log_batch, run_id, params=[Param("lr", "0.4")])
    s.eq("param unchanged after the rejected overwrites", client.get_run(run_id).data.params.get("lr"), "0.1")

    dup = unique("compat-dup")
    client.create_experiment(dup)
    s.expect_error("duplicate experiment name", "RESOURCE_ALREADY_EXISTS", client.create_experiment, dup)
    other = client.create_experiment(unique("compat-other"))
    # MLflow 3.17.2 answers 400 BAD_REQUEST here (its SQL store leaks the IntegrityError); any 400 code
    # is a fine answer, a 5xx is not (the client would retry it for minutes).
    s.expect_error("rename onto an existing name", ("BAD_REQUEST", "RESOURCE_ALREADY_EXISTS", "INVALID_PARAMETER_VALUE"), client.rename_experiment, other, dup)
    s.eq("name unchanged after the rejected rename", client.get_experiment(other).name != dup, True)

    for label, flt in [
        ("bad filter: dangling comparator", "metrics.acc >"),
        ("bad filter: unknown entity", "foo.bar = 'x'"),
        ("bad filter: unquoted string", "params.model = rf"),
        ("bad filter: string for a metric", "metrics.acc > 'high'"),
        ("bad filter: OR", "params.a = '1' OR params.b = '2'"),
        ("bad filter: unknown attribute", "attributes.color = 'red'"),
    ]:
        s.expect_error(f"client {label}", "INVALID_PARAMETER_VALUE", client.search_runs, [exp_id], filter_string=flt)
    s.expect_error("mlflow.search_runs bad filter", "INVALID_PARAMETER_VALUE", mlflow.search_runs, [exp_id], filter_string="metrics.acc >")
    s.expect_error("bad order_by", "INVALID_PARAMETER_VALUE", client.search_runs, [exp_id], order_by=["metrics.acc SIDEWAYS"])
    s.expect_error("bad page token", "INVALID_PARAMETER_VALUE", client.search_runs, [exp_id], page_token="not-a-token")
    s.expect_error("bad experiments filter", "INVALID_PARAMETER_VALUE", client.search_experiments, filter_string="name ~ 'x'")

    # What the client cannot see: the HTTP status behind each code (a 5xx would make it retry for minutes).
    api = f"{c.uri}/api/2.0/mlflow"
    statuses = {
        "missing run": requests.get(f"{api}/runs/get", params={"run_id": missing_run}, timeout=30),
        "param overwrite": requests.post(f"{api}/runs/log-parameter", json={"run_id": run_id, "key": "lr", "value": "9"}, timeout=30),
        "duplicate experiment": requests.post(f"{api}/experiments/create", json={"name": dup}, timeout=30),
        "bad filter": requests.post(f"{api}/runs/search", json={"experiment_ids": [exp_id], "filter": "metrics.acc >"}, timeout=30),
    }
    expected_status = {
        "missing run": (404, "RESOURCE_DOES_NOT_EXIST"),
        "param overwrite": (400, "INVALID_PARAMETER_VALUE"),
        "duplicate experiment": (400, "RESOURCE_ALREADY_EXISTS"),
        "bad filter": (400, "INVALID_PARAMETER_VALUE"),
    }
    http = {}
    for label, res in statuses.items():
        try:
            code = res.json().get("error_code")
        except ValueError:
            code = f"non-JSON body: {res.text[:80]!r}"
        http[label] = [res.status_code, code]
        s.eq(f"HTTP {label}", tuple(http[label]), expected_status[label])
    s.eq("missing run message", statuses["missing run"].json().get("message"), f"Run with id={missing_run} not found")
    s.data["http"] = http

with c.section("int64") as s:
    # Python ints are exact, and so is MLflow: 2^53+1 must not come back as 2^53, nor 2^63-1 as a float.
    exp_id = state["exp_id"]
    top, past53 = 2**63 - 1, 2**53 + 1
    run_id = client.create_run(exp_id, start_time=top, run_name="int64").info.run_id
    client.log_metric(run_id, "big", 1.5, timestamp=top, step=past53)
    client.log_batch(run_id, metrics=[Metric("low", 2.0, 2**62 + 3, -(2**63))])
    s.eq("start_time", client.get_run(run_id).info.start_time, top)
    s.eq("history of big", [(m.step, m.timestamp) for m in client.get_metric_history(run_id, "big")], [(past53, top)])
    s.eq("history of low", [(m.step, m.timestamp) for m in client.get_metric_history(run_id, "low")], [(-(2**63), 2**62 + 3)])
    s.eq("search by the exact start_time", [r.info.run_id for r in client.search_runs([exp_id], f"attributes.start_time = {top}")], [run_id])
    s.eq("search one below it", [r.info.run_id for r in client.search_runs([exp_id], f"attributes.start_time = {top - 1}")], [])
    # An 18-digit id, as MLflow's file store made them: not found, rather than "must be a valid integer".
    s.expect_error("set_experiment of an 18-digit id", "RESOURCE_DOES_NOT_EXIST", mlflow.set_experiment, experiment_id=566318506401660250)

c.finish()
