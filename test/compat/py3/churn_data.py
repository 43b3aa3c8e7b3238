"""The seed's churn table and split, shared by the compat scripts (works with mlflow 2.x and 3.x venvs)."""
import os

import pandas as pd
from sklearn.model_selection import train_test_split

TARGET = "flag_churn"


def abt_path() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.normpath(os.path.join(here, "..", "..", "..", "..", "shared", "data", "abt.csv"))
    if "ABT_CSV" in os.environ:
        return os.environ["ABT_CSV"]
    return default if os.path.exists(default) else "/work/shared/data/abt.csv"


def load_split():
    """features = df.columns[2:-1]; 80/20 split with random_state=42, as in the seed notebook."""
    df = pd.read_csv(abt_path(), na_values=["null"])
    features = list(df.columns[2:-1])
    X, y = df[features], df[TARGET]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    return X_train, X_test, y_train, y_test


def log_model_kwargs(mlflow_module, path: str = "model") -> dict:
    """mlflow 3 names a logged model with `name=`; mlflow 2 stores it under the run at `artifact_path=`."""
    major = int(mlflow_module.__version__.split(".")[0])
    if major < 3:
        return {"artifact_path": path}
    import inspect

    import mlflow.sklearn

    kwargs = {"name": path}
    # mlflow 3.x saves sklearn models with skops, which refuses tree internals unless they are trusted.
    if "skops_trusted_types" in inspect.signature(mlflow.sklearn.log_model).parameters:
        kwargs["skops_trusted_types"] = ["sklearn.tree._tree.Tree"]
    return kwargs
