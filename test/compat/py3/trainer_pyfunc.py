"""Loads Minflow-trained models with the official client, as production code would.

usage: trainer_pyfunc.py OUT_DIR NAME=CSV [NAME=CSV ...]
For each registered model NAME (trained by Minflow on CSV): read CSV with pandas, keep the columns of the
model's signature (as a caller holding the same table would), and predict with
mlflow.pyfunc.load_model("models:/NAME@production") and ("models:/NAME/1"). Writes
OUT_DIR/NAME.invocations.json (the same rows as a scoring request body) and OUT_DIR/NAME.pyfunc.json
({"alias": [...], "version": [...]} probabilities), and prints one JSON line of what it saw.
"""
import json
import os
import sys
import time

import mlflow
import mlflow.pyfunc
import pandas as pd

out_dir = sys.argv[1]
targets = [a.split("=", 1) for a in sys.argv[2:]]
summary = {"mlflow_version": mlflow.__version__, "models": {}}

for name, csv in targets:
    started = time.time()
    entry = {}
    by_alias = mlflow.pyfunc.load_model(f"models:/{name}@production")
    by_version = mlflow.pyfunc.load_model(f"models:/{name}/1")
    meta = by_alias.metadata
    entry["flavors"] = sorted(meta.flavors)
    entry["loader_module"] = meta.flavors["python_function"]["loader_module"]
    entry["target"] = meta.flavors["minflow"]["target"]
    columns = [c.name for c in meta.get_input_schema().inputs]
    entry["signature_types"] = {c.name: c.type.name for c in meta.get_input_schema().inputs}
    df = pd.read_csv(csv)
    X = df[columns]
    entry["dtypes"] = {c: str(t) for c, t in X.dtypes.items()}
    alias_out = by_alias.predict(X)
    version_out = by_version.predict(X)
    entry["output_columns"] = list(alias_out.columns)
    entry["output_dtypes"] = {c: str(t) for c, t in alias_out.dtypes.items()}
    entry["rows"] = len(alias_out)
    entry["prediction_matches_threshold"] = bool(
        ((alias_out["probability"] > 0.5).astype("int64") == alias_out["prediction"]).all()
    )
    with open(os.path.join(out_dir, f"{name}.pyfunc.json"), "w") as f:
        json.dump({"alias": alias_out["probability"].tolist(), "version": version_out["probability"].tolist()}, f)
    # json.dumps writes floats that read back exactly (DataFrame.to_json would round them to 10 digits).
    rows = [[None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row] for row in X.itertuples(index=False)]
    with open(os.path.join(out_dir, f"{name}.invocations.json"), "w") as f:
        json.dump({"dataframe_split": {"columns": columns, "data": rows}}, f)
    entry["seconds"] = round(time.time() - started, 3)
    summary["models"][name] = entry

print(json.dumps(summary))
