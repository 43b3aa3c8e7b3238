"""Trains the scikit-learn side of the serving benchmark and saves it as an MLflow model.

usage: serving_model.py ABT_CSV OUT_DIR

The seed's model: RandomForestClassifier(n_estimators=500, min_samples_leaf=35, random_state=42) on
abt.csv's features (columns[2:-1]) and target (flag_churn), trained on the seed's split
(train_test_split(test_size=0.2, random_state=42)). Features are cast to float64, so the signature is
all `double` like Minflow's. Saved with mlflow.sklearn.save_model and pyfunc_predict_fn="predict_proba",
so `mlflow models serve` answers probabilities as Minflow's scorer does (default pyfunc answers labels
only; both come from the same predict_proba). Prints one JSON line with versions and timings.
"""
import json
import sys
import time

import fastapi
import mlflow
import pandas as pd
import sklearn
import uvicorn
from mlflow.models import infer_signature
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

abt_csv, out_dir = sys.argv[1], sys.argv[2]
df = pd.read_csv(abt_csv, na_values=["null"])
features = list(df.columns[2:-1])
X = df[features].astype("float64")
y = df["flag_churn"]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

start = time.time()
model = RandomForestClassifier(n_estimators=500, min_samples_leaf=35, random_state=42)
model.fit(X_train, y_train)
fit_seconds = time.time() - start

signature = infer_signature(X_train, model.predict_proba(X_train.head(5)))
mlflow.sklearn.save_model(
    model,
    out_dir,
    signature=signature,
    pyfunc_predict_fn="predict_proba",
    # mlflow 3.x saves with skops, which refuses tree internals unless they are trusted.
    skops_trusted_types=["sklearn.tree._tree.Tree"],
)
print(
    json.dumps(
        {
            "mlflow": mlflow.__version__,
            "sklearn": sklearn.__version__,
            "pandas": pd.__version__,
            "uvicorn": uvicorn.__version__,
            "fastapi": fastapi.__version__,
            "python": sys.version.split()[0],
            "fit_seconds": fit_seconds,
            "train_rows": len(X_train),
            "features": len(features),
        }
    ),
    flush=True,
)
