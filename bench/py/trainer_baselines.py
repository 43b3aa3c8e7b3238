"""Baselines for bench/trainer-tables.ts: scikit-learn's HistGradientBoostingClassifier and LightGBM, each
tuned by random search with k-fold cross-validation of the training rows within a time budget (the
trainer's own budget and folds), refitted on all training rows, scored once on the test rows.

usage: trainer_baselines.py CSV TARGET DROP_COLS BUDGET_S FOLDS SEED
The split is the trainer's `random` split: train_test_split(test_size=0.2, random_state=SEED).
Text columns become pandas categories (both libraries split them natively); blanks and "null" are
missing. Prints one JSON line.
"""
import os

# One thread each, as the trainer's cross-validation fits: OpenMP's spinning threads also stall
# (minutes) on a busy shared machine, and LightGBM's default of all cores hangs there outright.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import math
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

warnings.filterwarnings("ignore")
csv, target, drop, budget, folds, seed = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
df = pd.read_csv(csv, na_values=["null", " ", ""], keep_default_na=True)
drop_cols = [c for c in drop.split(",") if c]
if list(df.columns[:2]) == ["dt_ref", "id_cliente"]:
    drop_cols += ["dt_ref", "id_cliente"]
X = df.drop(columns=[target, *drop_cols])
for c in X.columns:
    if X[c].dtype == object or str(X[c].dtype) in ("string", "str"):
        X[c] = X[c].astype("category")
raw = df[target]
if raw.dtype == object or str(raw.dtype) in ("string", "str"):
    y = raw.astype(str).str.strip().str.lower().isin(["1", "yes", "true", "y", "t", "churn", "positive"]).astype(int)
else:
    y = raw.astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=seed)
cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)


def log_uniform(rs, lo, hi):
    return float(f"{math.exp(rs.uniform(math.log(lo), math.log(hi))):.3g}")


def hgb(params):
    return HistGradientBoostingClassifier(categorical_features="from_dtype", early_stopping=True, max_iter=1000, random_state=seed, **params)


def hgb_sample(rs):
    return {
        "learning_rate": log_uniform(rs, 0.02, 0.2),
        "max_leaf_nodes": int(rs.choice([7, 15, 31, 63])),
        "min_samples_leaf": int(rs.choice([10, 20, 40, 80, 160])),
        "l2_regularization": float(rs.choice([0, 0.1, 1, 10])),
        "max_features": float(rs.choice([0.5, 0.8, 1.0])),
    }


def lgbm(params):
    import lightgbm as lgb

    return lgb.LGBMClassifier(random_state=seed, verbose=-1, n_jobs=1, **params)


def lgbm_sample(rs):
    return {
        "learning_rate": log_uniform(rs, 0.02, 0.2),
        "num_leaves": int(rs.choice([7, 15, 31, 63])),
        "min_child_samples": int(rs.choice([10, 20, 40, 80, 160])),
        "reg_lambda": float(rs.choice([0, 0.1, 1, 10])),
        "colsample_bytree": float(rs.choice([0.5, 0.8, 1.0])),
        "n_estimators": int(rs.choice([100, 200, 400, 800])),
    }


def search(make, sample):
    rs = np.random.RandomState(seed)
    started = time.time()
    trials = []
    longest = 0.0
    while True:
        elapsed = time.time() - started
        if trials and elapsed + longest > budget:
            break
        params = {} if not trials else sample(rs)
        t0 = time.time()
        scores = cross_val_score(make(params), X_train, y_train, cv=cv, scoring="roc_auc")
        longest = max(longest, time.time() - t0)
        trials.append({"params": params, "cv_roc_auc": float(np.mean(scores))})
    best = max(trials, key=lambda t: t["cv_roc_auc"])
    t0 = time.time()
    model = make(best["params"]).fit(X_train, y_train)
    fit_seconds = time.time() - t0
    test_auc = float(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
    return {
        "trials": len(trials),
        "best_params": best["params"],
        "cv_roc_auc": best["cv_roc_auc"],
        "test_roc_auc": test_auc,
        "search_seconds": time.time() - started - fit_seconds,
        "fit_seconds": fit_seconds,
    }


import lightgbm  # noqa: E402  (fails here, with the install hint below, before any search)
import sklearn  # noqa: E402

out = {
    "n_train": len(X_train),
    "n_test": len(X_test),
    "positive_rate": float(y.mean()),
    "versions": {"sklearn": sklearn.__version__, "lightgbm": lightgbm.__version__},
    "hgb": search(hgb, hgb_sample),
    "lightgbm": search(lgbm, lgbm_sample),
}
print(json.dumps(out))
