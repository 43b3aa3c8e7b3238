"""search_runs (filters, order_by, DataFrame and list forms, paging) and search_experiments (filters,
order_by, view types), plus experiment rename / delete / restore. Run by test/compat/search.test.ts.

Every run and experiment is created with names unique to this invocation and every search is scoped to
this invocation's experiments, so the script can be pointed at a server that already holds data."""

import math
import time

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType

from compat_common import Compat, now_ms, unique

c = Compat()
client = MlflowClient()
state: dict = {}

# name: (start offset s, final status, metric points (key, value, step), params, tags)
RUNS = {
    "alpha": (0, "FINISHED", [("acc", 0.5, 0), ("acc", 0.9, 1), ("loss", 0.1, 0)], {"model": "rf", "depth": "5"}, {"team": "Core"}),
    # latest acc is the one at the highest step (0.7), not the one logged last (0.99 at step 1)
    "beta": (1, "FINISHED", [("acc", 0.7, 2), ("acc", 0.99, 1), ("loss", 0.3, 0)], {"model": "dt", "depth": "3"}, {"team": "core"}),
    "gamma": (2, "FAILED", [("acc", 0.8, 0)], {"model": "rf", "depth": "10"}, {"team": "ml"}),
    "delta": (3, None, [("loss", 0.5, 0)], {"model": "ensemble"}, {}),
    "Alphabet": (4, "FINISHED", [("acc", 0.95, 0)], {"model": "rf", "depth": "7"}, {"team": "CORE"}),
    "epsilon": (5, "FINISHED", [("acc", float("nan"), 0)], {"depth": "1"}, {}),
}
# Default order of search results: start_time DESC.
DEFAULT_ORDER = ["epsilon", "Alphabet", "delta", "gamma", "beta", "alpha"]


def names_of(runs) -> list[str]:
    return [r.data.tags.get("mlflow.runName") for r in runs]


with c.section("setup") as s:
    exp_name = unique("compat-search")
    exp_id = client.create_experiment(exp_name, tags={"purpose": "search"})
    base = now_ms() - 600_000
    ids: dict[str, str] = {}
    for name, (offset, status, points, params, tags) in RUNS.items():
        run = client.create_run(exp_id, start_time=base + offset * 1000, run_name=name, tags=tags)
        rid = run.info.run_id
        ids[name] = rid
        ts = base + offset * 1000
        metrics = [Metric(k, v, ts + i, step) for i, (k, v, step) in enumerate(points)]
        client.log_batch(rid, metrics=metrics, params=[Param(k, v) for k, v in params.items()])
        if status:
            client.set_terminated(rid, status=status, end_time=ts + 500)
    s.eq("runs created", len(client.search_runs([exp_id])), len(RUNS))
    s.eq("beta latest acc is the highest step's", client.get_run(ids["beta"]).data.metrics["acc"], 0.7)
    state.update(exp_id=exp_id, exp_name=exp_name, ids=ids, base=base)
    s.data.update(exp_id=exp_id, run_count=len(ids))

exp_id, ids, base = state["exp_id"], state["ids"], state["base"]
name_by_id = {v: k for k, v in ids.items()}

FILTERS = [
    ("metric gt", "metrics.acc > 0.85", ["Alphabet", "alpha"]),
    ("metric range with AND", "metrics.acc >= 0.8 AND metrics.acc < 0.92", ["gamma", "alpha"]),
    ("metric lte", "metrics.loss <= 0.3", ["beta", "alpha"]),
    # NaN is stored as 0 with is_nan set: it matches only "!=", never the placeholder 0
    ("metric lt excludes NaN", "metrics.acc < 0.75", ["beta"]),
    ("metric != includes NaN", "metrics.acc != 0.7", ["epsilon", "Alphabet", "gamma", "alpha"]),
    ("metric = 0 does not match NaN", "metrics.acc = 0", []),
    ("param eq", "params.model = 'rf'", ["Alphabet", "gamma", "alpha"]),
    ("param neq (missing param does not match)", "params.model != 'rf'", ["delta", "beta"]),
    ("param double-quoted key", 'params."depth" = \'10\'', ["gamma"]),
    ("runName LIKE", "tags.`mlflow.runName` LIKE '%a%'", ["Alphabet", "delta", "gamma", "beta", "alpha"]),
    ("LIKE is case-sensitive", "tags.`mlflow.runName` LIKE 'A%'", ["Alphabet"]),
    ("ILIKE is not", "tags.`mlflow.runName` ILIKE 'a%'", ["Alphabet", "alpha"]),
    ("tag LIKE case-sensitive", "tags.team LIKE '%or%'", ["beta", "alpha"]),
    ("tag eq", "tags.team = 'core'", ["beta"]),
    ("tag ILIKE", "tags.team ILIKE 'core'", ["Alphabet", "beta", "alpha"]),
    ("status FINISHED", "attributes.status = 'FINISHED'", ["epsilon", "Alphabet", "beta", "alpha"]),
    ("status not FINISHED", "attributes.status != 'FINISHED'", ["delta", "gamma"]),
    ("run_id IN", f"attributes.run_id IN ('{ids['alpha']}', '{ids['delta']}')", ["delta", "alpha"]),
    ("run_id NOT IN", f"attributes.run_id NOT IN ('{ids['alpha']}', '{ids['delta']}')", ["epsilon", "Alphabet", "gamma", "beta"]),
    ("tag IS NULL", "tags.team IS NULL", ["epsilon", "delta"]),
    ("param IS NOT NULL", "params.model IS NOT NULL", ["Alphabet", "delta", "gamma", "beta", "alpha"]),
    ("run_name attribute", "attributes.run_name = 'beta'", ["beta"]),
    ("run_name ILIKE", "run_name ILIKE 'ALPHA%'", ["Alphabet", "alpha"]),
    ("start_time", f"attributes.start_time >= {base + 3000}", ["epsilon", "Alphabet", "delta"]),
    ("three-way AND", "metrics.acc > 0.5 AND params.model = 'rf' AND tags.team ILIKE 'core'", ["Alphabet", "alpha"]),
    ("lower-case and", "params.depth = '5' and metrics.loss < 0.2", ["alpha"]),
    ("no match", "params.model = 'svm'", []),
]

with c.section("filters_list") as s:
    got = {}
    for label, flt, expected in FILTERS:
        runs = client.search_runs([exp_id], filter_string=flt)
        got[label] = names_of(runs)
        s.eq(f"{label} [{flt}]", got[label], expected)
    s.data["results"] = got

with c.section("filters_dataframe") as s:
    got = {}
    for label, flt, expected in FILTERS:
        df = mlflow.search_runs([exp_id], filter_string=flt)
        got[label] = [name_by_id.get(r) for r in df["run_id"]] if len(df) else []
        s.eq(f"{label} [{flt}]", got[label], expected)
    s.data["results"] = got

ORDERS = [
    ("metric DESC (NaN then missing last)", ["metrics.acc DESC"], ["Alphabet", "alpha", "gamma", "beta", "epsilon", "delta"]),
    ("metric ASC (NaN then missing last)", ["metrics.acc ASC"], ["beta", "gamma", "alpha", "Alphabet", "epsilon", "delta"]),
    ("metric DESC, missing by start_time DESC", ["metrics.loss DESC"], ["delta", "beta", "alpha", "epsilon", "Alphabet", "gamma"]),
    ("metric ASC, missing last", ["metrics.`loss` ASC"], ["alpha", "beta", "delta", "epsilon", "Alphabet", "gamma"]),
    ("start_time ASC", ["attributes.start_time ASC"], ["alpha", "beta", "gamma", "delta", "Alphabet", "epsilon"]),
    ("start_time DESC", ["start_time DESC"], DEFAULT_ORDER),
    ("param ASC, ties by start_time DESC, missing last", ["params.model ASC"], ["beta", "delta", "Alphabet", "gamma", "alpha", "epsilon"]),
    ("param DESC then metric ASC", ["params.model DESC", "metrics.acc ASC"], ["gamma", "alpha", "Alphabet", "delta", "beta", "epsilon"]),
    ("runName tag ASC (binary collation)", ["tags.`mlflow.runName` ASC"], ["Alphabet", "alpha", "beta", "delta", "epsilon", "gamma"]),
    ("run_name DESC", ["attributes.run_name DESC"], ["gamma", "epsilon", "delta", "beta", "alpha", "Alphabet"]),
    ("status then start_time ASC", ["attributes.status ASC", "attributes.start_time ASC"], ["gamma", "alpha", "beta", "Alphabet", "epsilon", "delta"]),
]

with c.section("order_by_list") as s:
    got = {}
    for label, order, expected in ORDERS:
        got[label] = names_of(client.search_runs([exp_id], order_by=order))
        s.eq(f"{label} {order}", got[label], expected)
    # filter and order together
    both = names_of(client.search_runs([exp_id], filter_string="params.model = 'rf'", order_by=["metrics.acc ASC"]))
    s.eq("filter + order_by", both, ["gamma", "alpha", "Alphabet"])
    got["filter + order_by"] = both
    s.data["results"] = got

with c.section("order_by_dataframe") as s:
    got = {}
    for label, order, expected in ORDERS:
        df = mlflow.search_runs([exp_id], order_by=order)
        got[label] = [name_by_id.get(r) for r in df["run_id"]]
        s.eq(f"{label} {order}", got[label], expected)
    s.data["results"] = got

with c.section("dataframe_shape") as s:
    df = mlflow.search_runs(experiment_names=[state["exp_name"]], order_by=["attributes.start_time ASC"])
    s.eq("row count", len(df), len(RUNS))
    for col in ["run_id", "experiment_id", "status", "start_time", "end_time", "metrics.acc", "metrics.loss", "params.model", "params.depth", "tags.team", "tags.mlflow.runName"]:
        s.check(f"column {col}", col in df.columns, sorted(df.columns))
    s.eq("experiment_id column", set(df["experiment_id"]), {exp_id})
    s.eq("status column", list(df["status"]), ["FINISHED", "FINISHED", "FAILED", "RUNNING", "FINISHED", "FINISHED"])
    s.eq("params.model column", [None if isinstance(v, float) else v for v in df["params.model"]], ["rf", "dt", "rf", "ensemble", "rf", None])
    acc = list(df["metrics.acc"])
    s.eq("metrics.acc column (finite)", [acc[i] for i in (0, 1, 2, 4)], [0.9, 0.7, 0.8, 0.95])
    s.check("metrics.acc of the NaN run and of the run without acc are NaN", math.isnan(acc[5]) and math.isnan(acc[3]), acc)
    s.eq("list output_format", names_of(mlflow.search_runs([exp_id], output_format="list", max_results=2)), ["epsilon", "Alphabet"])
    s.eq("max_results caps the DataFrame", len(mlflow.search_runs([exp_id], max_results=4)), 4)
    s.data.update(columns=sorted(df.columns), rows=len(df))

with c.section("paging") as s:
    page_exp = client.create_experiment(unique("compat-paging"))
    pbase = now_ms() - 300_000
    created = []
    for i in range(23):
        r = client.create_run(page_exp, start_time=pbase + i * 1000, run_name=f"page-run-{i:02d}")
        client.log_batch(r.info.run_id, params=[Param("i", str(i))], metrics=[Metric("score", float(i % 5), pbase, 0)])
        created.append(r.info.run_id)

    pages, token, seen = [], None, []
    while True:
        page = client.search_runs([page_exp], max_results=5, order_by=["attributes.start_time ASC"], page_token=token)
        pages.append(len(page))
        seen.extend(r.info.run_id for r in page)
        token = page.token
        if not token:
            break
        if len(pages) > 10:
            s.fail("more than 10 pages: the page token never ends")
            break
    s.eq("page sizes", pages, [5, 5, 5, 5, 3])
    s.eq("pages cover every run once, in order", seen, created)

    exact = client.search_runs([page_exp], max_results=23)
    s.eq("max_results == run count: one page", len(exact), 23)
    s.eq("max_results == run count: no next token", exact.token, None)

    ordered, token = [], None
    while True:
        page = client.search_runs([page_exp], filter_string="metrics.score >= 2", max_results=4, order_by=["metrics.score DESC", "attributes.start_time ASC"], page_token=token)
        ordered.extend(int(r.data.params["i"]) for r in page)
        token = page.token
        if not token or len(ordered) > 40:
            break
    expected = sorted([i for i in range(23) if i % 5 >= 2], key=lambda i: (-(i % 5), i))
    s.eq("filtered + ordered paging", ordered, expected)

    df = mlflow.search_runs([page_exp])
    s.eq("mlflow.search_runs returns all runs", len(df), 23)
    s.eq("mlflow.search_runs default order is start_time DESC", list(df["run_id"]), list(reversed(created)))
    s.data.update(page_sizes=pages, total=len(seen), filtered=ordered)

with c.section("experiments") as s:
    prefix = unique("compat-exps")
    exp_ids = {}
    for suffix, tags in [("alpha", {"owner": "alice", "tier": "gold"}), ("beta", {"owner": "bob"}), ("gamma", {"owner": "alice"})]:
        exp_ids[suffix] = client.create_experiment(f"{prefix}-{suffix}", tags=tags)
        time.sleep(0.02)  # distinct creation_time for the default order
    client.delete_experiment(exp_ids["gamma"])
    by_id = {v: k for k, v in exp_ids.items()}

    def search(flt="", view=ViewType.ACTIVE_ONLY, order=None, max_results=1000, token=None):
        return client.search_experiments(view_type=view, filter_string=flt, order_by=order, max_results=max_results, page_token=token)

    def names(exps):
        return [by_id.get(e.experiment_id, e.name) for e in exps]

    like = f"name LIKE '{prefix}-%'"
    results = {
        "LIKE active (default order creation_time DESC)": (names(search(like)), ["beta", "alpha"]),
        "LIKE ALL": (names(search(like, ViewType.ALL)), ["gamma", "beta", "alpha"]),
        "LIKE DELETED_ONLY": (names(search(like, ViewType.DELETED_ONLY)), ["gamma"]),
        "ILIKE upper-cased": (names(search(f"name ILIKE '{prefix.upper()}-%'")), ["beta", "alpha"]),
        "LIKE is case-sensitive": (names(search(f"name LIKE '{prefix.upper()}-%'")), []),
        "name =": (names(search(f"name = '{prefix}-beta'")), ["beta"]),
        "tag = AND name": (names(search(f"tags.owner = 'alice' AND {like}", ViewType.ALL)), ["gamma", "alpha"]),
        "tag = active": (names(search(f"tags.owner = 'alice' AND {like}")), ["alpha"]),
        "tag IS NULL": (names(search(f"tags.tier IS NULL AND {like}", ViewType.ALL)), ["gamma", "beta"]),
        "tag LIKE": (names(search(f"tags.owner LIKE 'b%' AND {like}")), ["beta"]),
        "order name DESC": (names(search(like, ViewType.ALL, ["name DESC"])), ["gamma", "beta", "alpha"]),
        "order name ASC": (names(search(like, ViewType.ALL, ["name ASC"])), ["alpha", "beta", "gamma"]),
        "order experiment_id DESC": (names(search(like, ViewType.ALL, ["experiment_id DESC"])), ["gamma", "beta", "alpha"]),
        "order creation_time ASC": (names(search(like, ViewType.ALL, ["creation_time ASC"])), ["alpha", "beta", "gamma"]),
    }
    for label, (actual, expected) in results.items():
        s.eq(label, actual, expected)

    first = search(like, ViewType.ALL, ["name ASC"], max_results=2)
    second = search(like, ViewType.ALL, ["name ASC"], max_results=2, token=first.token)
    s.check("first page has a token", bool(first.token), first.token)
    s.eq("paged experiments", names(first) + names(second), ["alpha", "beta", "gamma"])
    s.eq("last experiments page has no token", second.token, None)

    alpha = client.get_experiment(exp_ids["alpha"])
    s.eq("experiment tags", {k: v for k, v in alpha.tags.items() if not k.startswith("mlflow.")}, {"owner": "alice", "tier": "gold"})
    client.set_experiment_tag(exp_ids["alpha"], "tier", "silver")
    s.eq("set_experiment_tag overwrites", client.get_experiment(exp_ids["alpha"]).tags.get("tier"), "silver")
    s.data["results"] = {k: v[0] for k, v in results.items()}
    state["exp_prefix"], state["exp_ids"] = prefix, exp_ids

with c.section("experiment_lifecycle") as s:
    prefix, exp_ids = state["exp_prefix"], state["exp_ids"]
    old_name, new_name = f"{prefix}-alpha", f"{prefix}-renamed"
    before = client.get_experiment(exp_ids["alpha"])
    time.sleep(0.01)
    client.rename_experiment(exp_ids["alpha"], new_name)
    after = client.get_experiment(exp_ids["alpha"])
    s.eq("renamed name", after.name, new_name)
    s.check("last_update_time advanced by the rename", after.last_update_time >= before.last_update_time, (before.last_update_time, after.last_update_time))
    s.eq("old name no longer found", client.get_experiment_by_name(old_name), None)
    s.eq("new name found", getattr(client.get_experiment_by_name(new_name), "experiment_id", None), exp_ids["alpha"])
    s.eq("search finds the new name", [e.experiment_id for e in client.search_experiments(filter_string=f"name = '{new_name}'")], [exp_ids["alpha"]])

    beta = exp_ids["beta"]
    run = client.create_run(beta, run_name="in-beta")
    client.delete_experiment(beta)
    s.eq("experiment lifecycle after delete", client.get_experiment(beta).lifecycle_stage, "deleted")
    s.eq("get_experiment_by_name still returns a deleted experiment", getattr(client.get_experiment_by_name(f"{prefix}-beta"), "lifecycle_stage", None), "deleted")
    s.eq("its runs are deleted too", client.get_run(run.info.run_id).info.lifecycle_stage, "deleted")
    s.check("not in active search", beta not in [e.experiment_id for e in client.search_experiments(filter_string=f"name LIKE '{prefix}-%'")])
    s.check("in DELETED_ONLY search", beta in [e.experiment_id for e in client.search_experiments(view_type=ViewType.DELETED_ONLY, filter_string=f"name LIKE '{prefix}-%'")])
    s.expect_error("set_experiment on a deleted experiment", "INVALID_PARAMETER_VALUE", mlflow.set_experiment, f"{prefix}-beta")
    client.restore_experiment(beta)
    s.eq("experiment lifecycle after restore", client.get_experiment(beta).lifecycle_stage, "active")
    s.eq("its runs are restored too", client.get_run(run.info.run_id).info.lifecycle_stage, "active")
    s.eq("set_experiment works again", mlflow.set_experiment(f"{prefix}-beta").experiment_id, beta)
    s.data.update(renamed=after.name)

c.finish()
