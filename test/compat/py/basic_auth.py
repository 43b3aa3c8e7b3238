"""Issue 17: Minflow's `--app-name basic-auth` driven by MLflow's own auth client and tracking client.

The admin (from the ini file) creates users with `mlflow.server.get_app_client("basic-auth")` and grants
permissions; then the official MlflowClient, logged in as each user (MLFLOW_TRACKING_USERNAME /
_PASSWORD), tries what each permission must allow and must refuse. Prints one JSON line:
{"checks": [{"who", "what", "expect": "ok"|"denied"|..., "got", "detail"}], "data": {...}}.
"""

import json
import os
import sys
import tempfile

import requests
import mlflow
from mlflow.exceptions import MlflowException
from mlflow.server import get_app_client
from mlflow.tracking import MlflowClient

URI = sys.argv[1]
ADMIN, ADMIN_PW = sys.argv[2], sys.argv[3]
PW = {"reader": "reader-pass-1", "editor": "editor-pass-1", "manager": "manager-pass-1", "nobody": "nobody-pass-1"}
checks = []
data = {}


def login(user, password):
    os.environ["MLFLOW_TRACKING_USERNAME"] = user
    os.environ["MLFLOW_TRACKING_PASSWORD"] = password
    mlflow.set_tracking_uri(URI)
    return MlflowClient(URI)


def attempt(who, what, expect, fn):
    """expect 'ok' (no error) or 'denied' (403)."""
    try:
        out = fn()
        got, detail = "ok", None
        if callable(expect):
            got, detail = ("ok", None) if expect(out) else ("unexpected", repr(out)[:300])
            expect = "ok"
    except MlflowException as e:
        text = str(e)
        got = "denied" if ("403" in text or "PERMISSION_DENIED" in text or "Permission denied" in text) else "error"
        detail = text[:300]
    except Exception as e:  # noqa: BLE001 (artifact uploads raise requests' HTTPError)
        got = "denied" if "403 Client Error" in repr(e) else "error"
        detail = repr(e)[:300]
    checks.append({"who": who, "what": what, "expect": expect, "got": got, "detail": detail})


def raw(user, method, path, **kw):
    return requests.request(method, URI + path, auth=(user, PW.get(user, ADMIN_PW)), timeout=60, **kw)


# --- the admin sets up the team
admin = login(ADMIN, ADMIN_PW)
auth = get_app_client("basic-auth", tracking_uri=URI)
for u, p in PW.items():
    auth.create_user(u, p)
data["reader"] = {"is_admin": auth.get_user("reader").is_admin}
exp = admin.create_experiment("team-exp")
run = admin.create_run(exp)
rid = run.info.run_id
admin.log_metric(rid, "loss", 0.5)
admin.log_text(rid, "hello", "notes/a.txt")
admin.create_registered_model("team-model")
src = f"{run.info.artifact_uri}/model"
admin.log_text(rid, "model", "model/MLmodel")
admin.create_model_version("team-model", src, run_id=rid)
admin.set_registered_model_alias("team-model", "production", "1")
for user, perm in [("reader", "READ"), ("editor", "EDIT"), ("manager", "MANAGE"), ("nobody", "NO_PERMISSIONS")]:
    auth.grant_user_permission(user, "experiment", exp, perm)
    auth.grant_user_permission(user, "registered_model", "team-model", perm)
data["reader_permission"] = auth.get_user_permission("reader", "experiment", exp).permission

in_search = lambda c: exp in [e.experiment_id for e in c.search_experiments()]  # noqa: E731

# --- READ
c = login("reader", PW["reader"])
attempt("reader", "search_experiments", lambda out: out, lambda: in_search(c))
attempt("reader", "get_run", "ok", lambda: c.get_run(rid))
attempt("reader", "search_runs", lambda out: len(out) == 1, lambda: c.search_runs([exp]))
attempt("reader", "get_metric_history", "ok", lambda: c.get_metric_history(rid, "loss"))
attempt("reader", "download_artifacts", "ok", lambda: c.download_artifacts(rid, "notes", tempfile.mkdtemp()))
attempt("reader", "get_registered_model", "ok", lambda: c.get_registered_model("team-model"))
attempt("reader", "get_model_version_by_alias", "ok", lambda: c.get_model_version_by_alias("team-model", "production"))
attempt("reader", "log_metric", "denied", lambda: c.log_metric(rid, "loss", 0.4))
attempt("reader", "set_tag", "denied", lambda: c.set_tag(rid, "k", "v"))
attempt("reader", "set_experiment_tag", "denied", lambda: c.set_experiment_tag(exp, "k", "v"))
attempt("reader", "log_artifact (upload)", "denied", lambda: c.log_text(rid, "x", "notes/b.txt"))
attempt("reader", "create_run", "denied", lambda: c.create_run(exp))
attempt("reader", "create_model_version (register)", "denied", lambda: c.create_model_version("team-model", src, run_id=rid))
attempt("reader", "set_registered_model_alias", "denied", lambda: c.set_registered_model_alias("team-model", "production", "1"))
attempt("reader", "grant_user_permission", "denied", lambda: get_app_client("basic-auth", tracking_uri=URI).grant_user_permission("editor", "experiment", exp, "MANAGE"))
attempt("reader", "update_user_admin (self)", "denied", lambda: get_app_client("basic-auth", tracking_uri=URI).update_user_admin("reader", True))

# --- EDIT
c = login("editor", PW["editor"])
attempt("editor", "log_metric", "ok", lambda: c.log_metric(rid, "loss", 0.3))
attempt("editor", "set_tag", "ok", lambda: c.set_tag(rid, "k", "v"))
attempt("editor", "log_artifact (upload)", "ok", lambda: c.log_text(rid, "x", "notes/c.txt"))
attempt("editor", "create_run", "ok", lambda: c.create_run(exp))
attempt("editor", "create_model_version (register)", "ok", lambda: c.create_model_version("team-model", src, run_id=rid))
attempt("editor", "set_registered_model_alias", "ok", lambda: c.set_registered_model_alias("team-model", "staging", "1"))
attempt("editor", "delete_run", "denied", lambda: c.delete_run(rid))
attempt("editor", "delete_experiment", "denied", lambda: c.delete_experiment(exp))
attempt("editor", "delete_registered_model_alias", "denied", lambda: c.delete_registered_model_alias("team-model", "staging"))
attempt("editor", "delete artifact (proxy)", lambda s: s == 403,
        lambda: raw("editor", "DELETE", f"/api/2.0/mlflow-artifacts/artifacts/{exp}/{rid}/artifacts/notes/c.txt").status_code)
attempt("editor", "grant_user_permission", "denied", lambda: get_app_client("basic-auth", tracking_uri=URI).grant_user_permission("reader", "experiment", exp, "EDIT"))
attempt("editor", "create_experiment (creator gets MANAGE)", "ok", lambda: c.create_experiment("editor-own"))
own = c.get_experiment_by_name("editor-own").experiment_id
attempt("editor", "delete own experiment", "ok", lambda: c.delete_experiment(own))

# --- MANAGE
c = login("manager", PW["manager"])
tmp_run = c.create_run(exp).info.run_id
attempt("manager", "delete_run", "ok", lambda: c.delete_run(tmp_run))
attempt("manager", "delete_registered_model_alias", "ok", lambda: c.delete_registered_model_alias("team-model", "staging"))
attempt("manager", "revoke another user's permission", "ok",
        lambda: get_app_client("basic-auth", tracking_uri=URI).revoke_user_permission("reader", "experiment", exp))
attempt("manager", "grant another user a permission", "ok",
        lambda: get_app_client("basic-auth", tracking_uri=URI).grant_user_permission("reader", "experiment", exp, "READ"))
attempt("manager", "grant on an experiment it does not manage", "denied",
        lambda: get_app_client("basic-auth", tracking_uri=URI).grant_user_permission("manager", "experiment", own, "MANAGE"))
attempt("manager", "create_user (admin only)", "denied", lambda: get_app_client("basic-auth", tracking_uri=URI).create_user("x1", "pw-x1-pass"))

# --- NO_PERMISSIONS
c = login("nobody", PW["nobody"])
attempt("nobody", "search_experiments hides it", lambda out: not out, lambda: in_search(c))
attempt("nobody", "get_experiment", "denied", lambda: c.get_experiment(exp))
attempt("nobody", "get_run", "denied", lambda: c.get_run(rid))
attempt("nobody", "search_runs empty", lambda out: len(out) == 0, lambda: c.search_runs([exp]))
attempt("nobody", "download_artifacts", "denied", lambda: c.download_artifacts(rid, "notes", tempfile.mkdtemp()))
attempt("nobody", "search_registered_models hides it", lambda out: "team-model" not in [m.name for m in out], lambda: c.search_registered_models())
attempt("nobody", "get-artifact route", lambda s: s == 403, lambda: raw("nobody", "GET", "/get-artifact", params={"run_uuid": rid, "path": "notes/a.txt"}).status_code)
attempt("nobody", "model-versions/get-artifact route", lambda s: s == 403,
        lambda: raw("nobody", "GET", "/model-versions/get-artifact", params={"name": "team-model", "version": "1", "path": "MLmodel"}).status_code)
attempt("nobody", "artifact proxy list", lambda s: s == 403,
        lambda: raw("nobody", "GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": f"{exp}/{rid}/artifacts"}).status_code)
q = {"query": 'query { mlflowGetExperiment(input: {experimentId: "%s"}) { experiment { experimentId name } } '
     'mlflowSearchRuns(input: {experimentIds: ["%s"]}) { runs { info { runId experimentId } } } }' % (exp, exp)}
attempt("nobody", "graphql hides experiment and runs",
        lambda j: (j.get("data") or {}).get("mlflowGetExperiment", {}).get("experiment") is None
        and not ((j.get("data") or {}).get("mlflowSearchRuns") or {}).get("runs"),
        lambda: raw("nobody", "POST", "/graphql", json=q).json())
attempt("nobody", "403 body", lambda r: r.status_code == 403 and r.text == "Permission denied",
        lambda: raw("nobody", "GET", "/api/2.0/mlflow/experiments/get", params={"experiment_id": exp}))
attempt("reader", "graphql sees experiment",
        lambda j: ((j.get("data") or {}).get("mlflowGetExperiment") or {}).get("experiment", {}).get("name") == "team-exp",
        lambda: raw("reader", "POST", "/graphql", json=q).json())

# --- roles (3.x): a role's grants apply to the users it is assigned to; DENY wins
c = login(ADMIN, ADMIN_PW)
auth = get_app_client("basic-auth", tracking_uri=URI)
auth.create_user("roleuser", "roleuser-pass-1")
PW["roleuser"] = "roleuser-pass-1"
role = auth.create_role("default", "team-editors", description="edits team-exp")
grant = auth.add_role_permission(role.id, "experiment", exp, "EDIT")
attempt("admin", "list_role_permissions", lambda ps: [p.permission for p in ps] == ["EDIT"], lambda: auth.list_role_permissions(role.id))
auth.assign_role("roleuser", role.id)
attempt("admin", "list_user_roles", lambda rs: [r.name for r in rs] == ["team-editors"], lambda: auth.list_user_roles("roleuser"))
r = login("roleuser", PW["roleuser"])
attempt("roleuser", "log_metric through its role's EDIT", "ok", lambda: r.log_metric(rid, "loss", 0.2))
attempt("roleuser", "delete_run (EDIT is not MANAGE)", "denied", lambda: r.delete_run(rid))
login(ADMIN, ADMIN_PW)
auth.update_role_permission(grant.id, "DENY")
r = login("roleuser", PW["roleuser"])
attempt("roleuser", "get_run under DENY", "denied", lambda: r.get_run(rid))
attempt("roleuser", "search hides it under DENY", lambda out: not out, lambda: in_search(r))
attempt("roleuser", "create_role (admin only)", "denied", lambda: get_app_client("basic-auth", tracking_uri=URI).create_role("default", "mine"))
login(ADMIN, ADMIN_PW)
auth.unassign_role("roleuser", role.id)
r = login("roleuser", PW["roleuser"])
attempt("roleuser", "get_run after unassign (default READ)", "ok", lambda: r.get_run(rid))
attempt("roleuser", "log_metric after unassign", "denied", lambda: r.log_metric(rid, "loss", 0.1))
login(ADMIN, ADMIN_PW)
attempt("admin", "delete_role", "ok", lambda: auth.delete_role(role.id))

# --- admin
c = login(ADMIN, ADMIN_PW)
attempt("admin", "delete_run", "ok", lambda: c.delete_run(rid))
attempt("admin", "users/list", lambda r: r.status_code == 200 and len(r.json()["users"]) == 6, lambda: raw(ADMIN, "GET", "/api/2.0/mlflow/users/list"))
attempt("admin", "delete_user", "ok", lambda: get_app_client("basic-auth", tracking_uri=URI).delete_user("manager"))
attempt("admin", "delete_experiment", "ok", lambda: c.delete_experiment(exp))
attempt("anonymous", "401", lambda r: r.status_code == 401, lambda: requests.get(URI + "/api/2.0/mlflow/experiments/search", timeout=30))

print(json.dumps({"checks": checks, "data": data}))
