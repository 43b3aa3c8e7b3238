"""The seed's models in scikit-learn on the seed's split of abt.csv, for test/compat/trainer-quality.test.ts
(and bench/trainer.ts). Prints one JSON line: the split it used and each model's scores and fit time.

Usage: .venv/bin/python test/compat/py/trainer_quality.py /path/to/abt.csv [--models dt,rf] [--proba]
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

parser = argparse.ArgumentParser()
parser.add_argument("csv")
parser.add_argument("--models", default="dt,rf")
parser.add_argument("--proba", action="store_true", help="include the test probabilities of each model")
args = parser.parse_args()

df = pd.read_csv(args.csv)
features = df.columns[2:-1]  # the seed: dt_ref, id_cliente, ..., flag_churn
X, y = df[features], df["flag_churn"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

# The seed's settings (no random_state on the tree, as in the course).
MODELS = {
    "dt": lambda: DecisionTreeClassifier(min_samples_leaf=100, min_samples_split=10),
    "rf": lambda: RandomForestClassifier(n_estimators=500, min_samples_leaf=35, random_state=42),
    "rf_jobs": lambda: RandomForestClassifier(n_estimators=500, min_samples_leaf=35, random_state=42, n_jobs=-1),
}

out = {
    "sklearn_version": sklearn.__version__,
    "n_train": int(len(X_train)),
    "n_test": int(len(X_test)),
    "test_index_head": [int(i) for i in X_test.index[:10]],
    "test_index_sum": int(np.sum(X_test.index)),
    "models": {},
}
for name in args.models.split(","):
    model = MODELS[name]()
    started = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - started
    p_train = model.predict_proba(X_train)[:, 1]
    p_test = model.predict_proba(X_test)[:, 1]
    entry = {
        "fit_seconds": seconds,
        "auc_train": roc_auc_score(y_train, p_train),
        "acc_train": accuracy_score(y_train, model.predict(X_train)),
        "auc_test": roc_auc_score(y_test, p_test),
        "acc_test": accuracy_score(y_test, model.predict(X_test)),
    }
    if args.proba:
        entry["proba_test"] = p_test.tolist()
    out["models"][name] = entry
print(json.dumps(out))
