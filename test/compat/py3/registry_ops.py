"""Model registry through the official MlflowClient: search, rename, tags, descriptions, stages, aliases,
deletes, and the errors the client raises. Prints one JSON line with what came back at every step.

usage: registry_ops.py WORK_DIR [NAME_PREFIX]
Every model name starts with NAME_PREFIX (default empty), so the script can run twice against one server.
"""
import json
import os
import sys
import warnings

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

warnings.filterwarnings("ignore")  # stages are deprecated in mlflow 3; they still work and are tested here

work = sys.argv[1]
P = sys.argv[2] if len(sys.argv) > 2 else ""
client = MlflowClient()
out = {}


def error_of(fn):
    """Runs fn, which must raise; returns the MlflowException's error code and message."""
    try:
        fn()
    except MlflowException as e:
        return {"error_code": e.error_code, "message": e.message}
    return {"error_code": None, "message": "no exception"}


def mv_dict(mv):
    return {
        "name": mv.name,
        "version": str(mv.version),
        "current_stage": mv.current_stage,
        "description": mv.description or "",
        "run_id": mv.run_id,
        "source": mv.source,
        "status": mv.status,
        "tags": dict(mv.tags),
        "aliases": sorted(mv.aliases),
    }


def rm_dict(rm):
    return {
        "name": rm.name,
        "description": rm.description or "",
        "tags": dict(rm.tags),
        "aliases": {k: str(v) for k, v in rm.aliases.items()},
        "latest_versions": sorted(
            ({"version": str(v.version), "current_stage": v.current_stage} for v in rm.latest_versions),
            key=lambda d: int(d["version"]),
        ),
    }


def names(models):
    return [m.name for m in models]


def versions(mvs):
    return [(mv.name, str(mv.version)) for mv in mvs]


# Two runs whose "model" directory the versions point at (the registry does not read the files).
mlflow.set_experiment("registry-compat")
model_dir = os.path.join(work, "model")
os.makedirs(model_dir, exist_ok=True)
with open(os.path.join(model_dir, "MLmodel"), "w") as f:
    f.write("artifact_path: model\nflavors: {}\n")
run_ids = []
for _ in range(2):
    with mlflow.start_run() as run:
        mlflow.log_artifacts(model_dir, artifact_path="model")
        run_ids.append(run.info.run_id)
run_a, run_b = run_ids
out["run_ids"] = run_ids


def source(run_id):
    return client.get_run(run_id).info.artifact_uri + "/model"


# --- create -------------------------------------------------------------------------------------------
client.create_registered_model(P + "reg-alpha", tags={"team": "a", "tier": "gold"}, description="alpha model")
client.create_registered_model(P + "reg-beta", tags={"team": "b"})
client.create_registered_model(P + "other-gamma", tags={"team": "a"})
created = [
    client.create_model_version(P + "reg-alpha", source(run_a), run_id=run_a, tags={"k": "v1"}, description="first"),
    client.create_model_version(P + "reg-alpha", source(run_b), run_id=run_b),
    client.create_model_version(P + "reg-alpha", source(run_a), run_id=run_a),
    client.create_model_version(P + "reg-beta", source(run_b), run_id=run_b),
]
out["created"] = [mv_dict(mv) for mv in created]
out["duplicate_model"] = error_of(lambda: client.create_registered_model(P + "reg-alpha"))

# --- search registered models ----------------------------------------------------------------------------
page1 = client.search_registered_models(filter_string=f"name LIKE '{P}reg-%'", max_results=1)
page2 = client.search_registered_models(filter_string=f"name LIKE '{P}reg-%'", max_results=1, page_token=page1.token)
out["search_rm"] = {
    "like": names(client.search_registered_models(filter_string=f"name LIKE '{P}reg-%'")),
    "like_case_sensitive": names(client.search_registered_models(filter_string=f"name LIKE '{P.upper()}REG-%'")),
    "ilike": names(client.search_registered_models(filter_string=f"name ILIKE '{P.upper()}REG-%'")),
    "eq": names(client.search_registered_models(filter_string=f"name = '{P}reg-beta'")),
    "tag_team_a": names(client.search_registered_models(filter_string=f"tags.team = 'a' AND name LIKE '{P}%'")),
    "tag_and_name": names(
        client.search_registered_models(filter_string=f"tags.team = 'a' AND name LIKE '{P}reg-%'")
    ),
    "two_tags": names(client.search_registered_models(filter_string=f"tags.team = 'a' AND tags.tier = 'gold' AND name LIKE '{P}%'")),
    "all_default_order": names(client.search_registered_models(filter_string=f"name LIKE '{P}%'")),
    "order_name_desc": names(client.search_registered_models(filter_string=f"name LIKE '{P}%'", order_by=["name DESC"])),
    "page1": names(page1),
    "page1_has_token": bool(page1.token),
    "page2": names(page2),
    "page2_has_token": bool(page2.token),
    "bad_filter": error_of(lambda: client.search_registered_models(filter_string="description = 'x'")),
}

# --- search model versions -------------------------------------------------------------------------------
out["search_mv"] = {
    "by_name": sorted(versions(client.search_model_versions(f"name = '{P}reg-alpha'"))),
    "by_run_a": sorted(versions(client.search_model_versions(f"run_id = '{run_a}'"))),
    "by_name_and_run_b": sorted(versions(client.search_model_versions(f"name = '{P}reg-alpha' AND run_id = '{run_b}'"))),
    "order_version_asc": versions(
        client.search_model_versions(f"name = '{P}reg-alpha'", order_by=["version_number ASC"])
    ),
    "order_version_desc": versions(
        client.search_model_versions(f"name = '{P}reg-alpha'", order_by=["version_number DESC"])
    ),
}

# --- tags and descriptions -------------------------------------------------------------------------------
client.set_registered_model_tag(P + "reg-alpha", "owner", "alice")
client.set_registered_model_tag(P + "reg-alpha", "tier", "silver")  # overwrite
client.delete_registered_model_tag(P + "reg-alpha", "team")
client.set_model_version_tag(P + "reg-alpha", "2", "validated", "true")
client.set_model_version_tag(P + "reg-alpha", "1", "k", "v1-new")
client.delete_model_version_tag(P + "reg-alpha", "1", "k")
updated_rm = client.update_registered_model(P + "reg-alpha", description="alpha, updated")
updated_mv = client.update_model_version(P + "reg-alpha", "2", description="second, updated")
out["after_tags"] = {
    "rm": rm_dict(client.get_registered_model(P + "reg-alpha")),
    "update_rm_returned": updated_rm.description,
    "update_mv_returned": updated_mv.description,
    "v1": mv_dict(client.get_model_version(P + "reg-alpha", "1")),
    "v2": mv_dict(client.get_model_version(P + "reg-alpha", "2")),
    "search_by_version_tag": versions(client.search_model_versions(f"tags.validated = 'true' AND name LIKE '{P}%'")),
    "search_by_new_tag": names(client.search_registered_models(filter_string=f"tags.owner = 'alice' AND name LIKE '{P}%'")),
    "delete_missing_tag": error_of(lambda: client.delete_registered_model_tag(P + "reg-alpha", "nope")),
}

# --- stages ----------------------------------------------------------------------------------------------
t1 = client.transition_model_version_stage(P + "reg-alpha", "1", "Production")
t2 = client.transition_model_version_stage(P + "reg-alpha", "2", "Production", archive_existing_versions=True)
t3 = client.transition_model_version_stage(P + "reg-alpha", "3", "staging")  # stage names are case-insensitive
out["stages"] = {
    "t1": t1.current_stage,
    "t2": t2.current_stage,
    "t3": t3.current_stage,
    "v1_after": client.get_model_version(P + "reg-alpha", "1").current_stage,
    "latest_production": versions(client.get_latest_versions(P + "reg-alpha", stages=["Production"])),
    "latest_all": sorted(
        ((str(mv.version), mv.current_stage) for mv in client.get_latest_versions(P + "reg-alpha")),
        key=lambda p: int(p[0]),
    ),
    "rm_latest_versions": rm_dict(client.get_registered_model(P + "reg-alpha"))["latest_versions"],
    "bad_stage": error_of(lambda: client.transition_model_version_stage(P + "reg-alpha", "3", "Prod")),
}

# --- aliases ---------------------------------------------------------------------------------------------
client.set_registered_model_alias(P + "reg-alpha", "champion", "2")
client.set_registered_model_alias(P + "reg-alpha", "challenger", "3")
client.set_registered_model_alias(P + "reg-alpha", "old", "1")
client.set_registered_model_alias(P + "reg-alpha", "old", "3")  # moving an alias
client.delete_registered_model_alias(P + "reg-alpha", "old")
out["aliases"] = {
    "rm": rm_dict(client.get_registered_model(P + "reg-alpha"))["aliases"],
    "by_alias": mv_dict(client.get_model_version_by_alias(P + "reg-alpha", "champion")),
    "v3_aliases": mv_dict(client.get_model_version(P + "reg-alpha", "3"))["aliases"],
    "missing": error_of(lambda: client.get_model_version_by_alias(P + "reg-alpha", "nope")),
    "deleted": error_of(lambda: client.get_model_version_by_alias(P + "reg-alpha", "old")),
    "reserved_latest": error_of(lambda: client.set_registered_model_alias(P + "reg-alpha", "latest", "1")),
    "reserved_v1": error_of(lambda: client.set_registered_model_alias(P + "reg-alpha", "v1", "1")),
    "reserved_V12": error_of(lambda: client.set_registered_model_alias(P + "reg-alpha", "V12", "1")),
    "missing_version": error_of(lambda: client.set_registered_model_alias(P + "reg-alpha", "ghost", "99")),
    "missing_model": error_of(lambda: client.get_model_version_by_alias(P + "no-such-model", "champion")),
}

# --- rename ----------------------------------------------------------------------------------------------
# MlflowClient.rename_registered_model returns None; its registry client returns the server's answer.
renamed = client._get_registry_client().rename_registered_model(P + "reg-alpha", P + "reg-alpha-renamed")
out["rename"] = {
    "returned": renamed.name,
    "old_get": error_of(lambda: client.get_registered_model(P + "reg-alpha")),
    "new": rm_dict(client.get_registered_model(P + "reg-alpha-renamed")),
    "versions": sorted(versions(client.search_model_versions(f"name = '{P}reg-alpha-renamed'"))),
    "old_versions": versions(client.search_model_versions(f"name = '{P}reg-alpha'")),
    "by_alias_after": mv_dict(client.get_model_version_by_alias(P + "reg-alpha-renamed", "champion")),
    "onto_existing": error_of(lambda: client.rename_registered_model(P + "reg-alpha-renamed", P + "reg-beta")),
}

# --- deletes ---------------------------------------------------------------------------------------------
client.delete_model_version(P + "reg-alpha-renamed", "3")
out["delete_version"] = {
    "get": error_of(lambda: client.get_model_version(P + "reg-alpha-renamed", "3")),
    "remaining": sorted(versions(client.search_model_versions(f"name = '{P}reg-alpha-renamed'"))),
    "aliases": rm_dict(client.get_registered_model(P + "reg-alpha-renamed"))["aliases"],
    "challenger": error_of(lambda: client.get_model_version_by_alias(P + "reg-alpha-renamed", "challenger")),
    "next_version": str(
        client.create_model_version(P + "reg-alpha-renamed", source(run_b), run_id=run_b).version
    ),
}
client.delete_registered_model(P + "reg-alpha-renamed")
out["delete_model"] = {
    "get": error_of(lambda: client.get_registered_model(P + "reg-alpha-renamed")),
    "versions": versions(client.search_model_versions(f"name = '{P}reg-alpha-renamed'")),
    "search": names(client.search_registered_models(filter_string=f"name LIKE '{P}reg-%'")),
    "remaining_versions": sorted(versions(client.search_model_versions(f"run_id = '{run_b}'"))),
}

print(json.dumps(out))
