"""Loads registered models in a fresh process and predicts on the training process's X_test.

usage: seed_load.py OUT_DIR URI [URI ...] [--then-set-alias NAME ALIAS VERSION]
Prints {"loads": {uri: {"predictions": [...], "run_id": ..., "model_id": ...}}, "alias_after": {...}}.
"""
import json
import os
import sys

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient

args = sys.argv[1:]
then_alias = None
if "--then-set-alias" in args:
    i = args.index("--then-set-alias")
    then_alias = args[i + 1 : i + 4]
    args = args[:i]
out_dir, uris = args[0], args[1:]
X_test = pd.read_pickle(os.path.join(out_dir, "X_test.pkl"))

loads = {}
for uri in uris:
    model = mlflow.pyfunc.load_model(uri)
    preds = [int(p) for p in model.predict(X_test)]
    meta = model.metadata
    loads[uri] = {
        "predictions": preds,
        "run_id": meta.run_id,
        "model_id": getattr(meta, "model_id", None),
        "flavors": sorted(meta.flavors.keys()),
    }

alias_after = None
if then_alias:
    name, alias, version = then_alias
    client = MlflowClient()
    client.set_registered_model_alias(name, alias, version)
    mv = client.get_model_version_by_alias(name, alias)
    alias_after = {"version": str(mv.version), "aliases": list(mv.aliases), "run_id": mv.run_id}

print(json.dumps({"loads": loads, "alias_after": alias_after}))
