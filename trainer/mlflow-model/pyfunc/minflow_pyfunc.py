"""Loads a Minflow-trained model for MLflow's ``python_function`` flavor.

The trainer writes this file into every model directory (``code/minflow_pyfunc.py``) and names it as
the flavor's ``loader_module``, so ``mlflow.pyfunc.load_model("models:/churn@production")`` and
``mlflow models serve`` work without Minflow installed: only numpy and pandas are needed.

It reads the same files the Minflow scoring server reads (``model.json``, ``feature-schema.json``),
encodes input exactly as training did (numbers as float64, NaN for missing; text categories as their
index in the training category list, unseen or missing ones as NaN) and predicts exactly as the
TypeScript models do (trees compare float32-rounded values, NaN follows the learned branch; sums are
taken in the same order), so probabilities agree with Minflow's scoring server to the last bits.

``predict`` returns a DataFrame with ``probability`` (P(positive label)) and ``prediction`` (1 when
probability > 0.5), the columns of the model signature's outputs.
"""

import base64
import json
import math
import os
import re

import numpy as np
import pandas as pd

MODEL_FILE = "model.json"
SCHEMA_FILE = "feature-schema.json"
THRESHOLD = 0.5

# trainer/data/missing.ts: the cell spellings that mean "no value" in text input.
_MISSING = {"", "null", "na", "nan", "n/a", "#n/a", "<na>", "nil", "?"}
_NUMERIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity)$", re.IGNORECASE)


def _decode(text, dtype):
    """A base64 string of little-endian values (trainer/models/codec.ts) as a numpy array."""
    return np.frombuffer(base64.b64decode(text), dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)


def _is_missing(v):
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _parse_numeric(v, name, i):
    if _is_missing(v):
        return math.nan
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if s.lower() in _MISSING:
            return math.nan
        if _NUMERIC.match(s):
            low = s.lower()
            if low.endswith("inf") or low.endswith("infinity"):
                return -math.inf if low.startswith("-") else math.inf
            return float(s)
    raise ValueError(f"column '{name}': row {i} has {v!r}, which is not a number")


def _category_text(v):
    """The text a value is looked up by, as JavaScript's String(v) would give it."""
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _encode_column(feature, values):
    name = feature["name"]
    if feature["type"] == "numeric":
        if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.array([_parse_numeric(v, name, i) for i, v in enumerate(values.tolist())], dtype=np.float64)
    index = {c: k for k, c in enumerate(feature["categories"])}
    return np.array(
        [math.nan if _is_missing(v) else float(index.get(_category_text(v), math.nan)) for v in values.tolist()],
        dtype=np.float64,
    )


class _Trees:
    """Trees packed back to back (trainer/models/tree-pack.ts); left child of node i is i + 1."""

    def __init__(self, packed):
        counts = _decode(packed["nodeCounts"], np.int32).astype(np.int64)
        self.n_trees = len(counts)
        self.offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.feature = _decode(packed["feature"], np.int32).astype(np.int64)
        self.threshold = _decode(packed["threshold"], np.float64)
        self.missing_left = _decode(packed["missingLeft"], np.uint8) == 1
        self.value = _decode(packed["value"], np.float64)
        total = int(counts.sum())
        if any(len(a) != total for a in (self.feature, self.threshold, self.missing_left, self.value)):
            raise ValueError("corrupt model file: tree arrays do not match the node counts")
        # Right children are stored relative to their tree; make them global once.
        self.right = _decode(packed["right"], np.int32).astype(np.int64) + np.repeat(self.offsets, counts)

    def leaf_values(self, X):
        """(n_trees, n_rows) P(class 1) of the leaf each row lands in, tree by tree."""
        n = X.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            # scikit-learn (and Minflow) compare float32-rounded values with the thresholds.
            X32 = X.astype(np.float32).astype(np.float64)
        nan = np.isnan(X)
        node = np.repeat(self.offsets, n)
        row = np.tile(np.arange(n, dtype=np.int64), self.n_trees)
        active = np.arange(node.size, dtype=np.int64)
        while active.size:
            nd = node[active]
            f = self.feature[nd]
            internal = f >= 0
            active, nd, f = active[internal], nd[internal], f[internal]
            if not active.size:
                break
            r = row[active]
            go_left = np.where(nan[r, f], self.missing_left[nd], X32[r, f] <= self.threshold[nd])
            node[active] = np.where(go_left, nd + 1, self.right[nd])
        return self.value[node].reshape(self.n_trees, n)


class _Model:
    def __init__(self, doc):
        self.feature_names = list(doc["featureNames"])

    def columns(self, X, names):
        index = {c: j for j, c in enumerate(names)}
        missing = [c for c in self.feature_names if c not in index]
        if missing:
            raise ValueError(f'input is missing feature "{missing[0]}" the model was trained on')
        return X[:, [index[c] for c in self.feature_names]]


class _DecisionTree(_Model):
    def __init__(self, doc):
        super().__init__(doc)
        self.trees = _Trees(doc["tree"])

    def predict_proba(self, X, names):
        return self.trees.leaf_values(self.columns(X, names))[0].copy()


class _RandomForest(_Model):
    def __init__(self, doc):
        super().__init__(doc)
        self.trees = _Trees(doc["trees"])

    def predict_proba(self, X, names):
        values = self.trees.leaf_values(self.columns(X, names))
        out = np.zeros(values.shape[1])
        for t in range(values.shape[0]):  # summed in tree order, as the TypeScript forest does
            out = out + values[t]
        return out / values.shape[0]


class _LogisticRegression(_Model):
    def __init__(self, doc):
        super().__init__(doc)
        self.medians = _decode(doc["medians"], np.float64)
        self.indicators = _decode(doc["indicators"], np.int32).astype(np.int64)
        self.mean = _decode(doc["mean"], np.float64)
        self.scale = _decode(doc["scale"], np.float64)
        self.coef = _decode(doc["coef"], np.float64)
        self.intercept = float(doc["intercept"])

    def predict_proba(self, X, names):
        X = self.columns(X, names)
        n_features = X.shape[1]
        z = np.full(X.shape[0], self.intercept)
        nan = np.isnan(X)
        for j in range(n_features):
            col = np.where(nan[:, j], self.medians[j], X[:, j])
            z = z + ((col - self.mean[j]) / self.scale[j]) * self.coef[j]
        for k, j in enumerate(self.indicators):
            a = n_features + k
            z = z + ((nan[:, j].astype(np.float64) - self.mean[a]) / self.scale[a]) * self.coef[a]
        with np.errstate(over="ignore"):
            pos = 1.0 / (1.0 + np.exp(-z))
            ez = np.exp(z)
            neg = ez / (1.0 + ez)
        return np.where(z >= 0, pos, neg)


class _VotingEnsemble(_Model):
    def __init__(self, doc):
        super().__init__(doc)
        self.members = [_model_from_json(m["model"]) for m in doc["members"]]
        weights = doc.get("weights")
        w = [1.0] * len(self.members) if weights is None else [float(v) for v in weights]
        total = 0.0
        for v in w:
            total += v
        self.weights = [v / total for v in w]

    def predict_proba(self, X, names):
        out = np.zeros(X.shape[0])
        for w, m in zip(self.weights, self.members):
            out = out + w * m.predict_proba(X, names)
        return out


class _GradientBoosting(_Model):
    """trainer/models/gradient-boosting.ts: baseline log-odds plus each tree's leaf output, in tree order."""

    def __init__(self, doc):
        super().__init__(doc)
        t = doc["trees"]
        counts = _decode(t["nodeCounts"], np.int32).astype(np.int64)
        cat_counts = _decode(t["catByteCounts"], np.int32).astype(np.int64)
        self.n_trees = len(counts)
        self.offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        cat_offsets = np.concatenate([[0], np.cumsum(cat_counts)[:-1]]).astype(np.int64)
        per_node_tree_offset = np.repeat(self.offsets, counts)
        self.feature = _decode(t["feature"], np.int32).astype(np.int64)
        self.threshold = _decode(t["threshold"], np.float64)
        self.categorical = _decode(t["categorical"], np.uint8) == 1
        self.missing_left = _decode(t["missingLeft"], np.uint8) == 1
        left = _decode(t["left"], np.int32).astype(np.int64)
        self.is_leaf = left < 0
        self.left = np.where(self.is_leaf, -1, left + per_node_tree_offset)
        self.right = _decode(t["right"], np.int32).astype(np.int64) + per_node_tree_offset
        self.value = _decode(t["value"], np.float64)
        cat_offset = _decode(t["catOffset"], np.int32).astype(np.int64)
        self.cat_offset = np.where(cat_offset < 0, 0, cat_offset + np.repeat(cat_offsets, counts))
        self.cat_bits = _decode(t["catBits"], np.uint8)
        self.baseline = float(doc["baseline"])

    def predict_proba(self, X, names):
        X = self.columns(X, names)
        n = X.shape[0]
        nan = np.isnan(X)
        node = np.repeat(self.offsets, n)
        row = np.tile(np.arange(n, dtype=np.int64), self.n_trees)
        active = np.arange(node.size, dtype=np.int64)
        while active.size:
            nd = node[active]
            internal = ~self.is_leaf[nd]
            active, nd = active[internal], nd[internal]
            if not active.size:
                break
            r = row[active]
            f = self.feature[nd]
            x = X[r, f]
            miss = nan[r, f]
            go_left = x <= self.threshold[nd]
            cat = self.categorical[nd] & ~miss
            if cat.any():
                code = x[cat]
                ok = (code == np.floor(code)) & (code >= 0) & (code < 256)
                c = np.where(ok, code, 0).astype(np.int64)
                bits = self.cat_bits[self.cat_offset[nd[cat]] + (c >> 3)]
                go_left[cat] = ok & ((bits.astype(np.int64) >> (c & 7)) & 1 == 1)
            go_left = np.where(miss, self.missing_left[nd], go_left)
            node[active] = np.where(go_left, self.left[nd], self.right[nd])
        leaf_values = self.value[node].reshape(self.n_trees, n)
        raw = np.full(n, self.baseline)
        for k in range(self.n_trees):  # summed in tree order, as the TypeScript model does
            raw = raw + leaf_values[k]
        with np.errstate(over="ignore"):
            pos = 1.0 / (1.0 + np.exp(-raw))
            ez = np.exp(raw)
            neg = ez / (1.0 + ez)
        return np.where(raw >= 0, pos, neg)


_KINDS = {
    "decision_tree": _DecisionTree,
    "random_forest": _RandomForest,
    "logistic_regression": _LogisticRegression,
    "voting_ensemble": _VotingEnsemble,
    "gradient_boosting": _GradientBoosting,
}


def _model_from_json(doc):
    if not isinstance(doc, dict) or doc.get("format") != "minflow-classifier":
        raise ValueError('not a minflow model file (expected format "minflow-classifier")')
    if doc.get("version") != 1:
        raise ValueError(f"unsupported model file version {doc.get('version')}")
    kind = doc.get("kind")
    if kind not in _KINDS:
        raise ValueError(f'unknown model kind "{kind}": this loader knows {", ".join(sorted(_KINDS))}')
    return _KINDS[kind](doc)


class MinflowPyfuncModel:
    """What ``_load_pyfunc`` returns: ``predict(DataFrame) -> DataFrame[probability, prediction]``."""

    def __init__(self, path):
        with open(os.path.join(path, MODEL_FILE), encoding="utf-8") as f:
            self.model = _model_from_json(json.load(f))
        with open(os.path.join(path, SCHEMA_FILE), encoding="utf-8") as f:
            schema = json.load(f)
        self.features = schema["features"]
        self.target = schema["target"]

    def _frame(self, model_input):
        if isinstance(model_input, pd.DataFrame):
            return model_input
        if isinstance(model_input, dict):
            return pd.DataFrame({k: v if isinstance(v, (list, tuple, np.ndarray, pd.Series)) else [v] for k, v in model_input.items()})
        if isinstance(model_input, list) and all(isinstance(r, dict) for r in model_input):
            return pd.DataFrame(model_input)
        data = np.asarray(model_input, dtype=object)
        if data.ndim == 1:
            data = data.reshape(1, -1)
        if data.ndim != 2 or data.shape[1] != len(self.features):
            raise ValueError(f"expected a DataFrame, or rows of {len(self.features)} values in the signature's column order")
        return pd.DataFrame(data, columns=[f["name"] for f in self.features])

    def encode(self, model_input):
        """The float64 feature matrix the model scores, in feature-schema order."""
        frame = self._frame(model_input)
        sent = [str(c) for c in frame.columns]
        for f in self.features:
            if f["name"] not in sent:
                shown = ", ".join(sent[:10]) + (f", … ({len(sent)} in all)" if len(sent) > 10 else "")
                raise ValueError(
                    f"The input column '{f['name']}' is needed by the model (its values may be null, but the column "
                    f"must be sent) but missing from the input data. Columns received: [{shown}]."
                )
        frame = frame.rename(columns=str)
        X = np.empty((len(frame), len(self.features)), dtype=np.float64)
        for j, f in enumerate(self.features):
            X[:, j] = _encode_column(f, frame[f["name"]])
        return X

    def predict_proba(self, model_input):
        X = self.encode(model_input)
        if X.shape[0] == 0:
            return np.zeros(0)
        return self.model.predict_proba(X, [f["name"] for f in self.features])

    def predict(self, model_input, params=None):
        p = self.predict_proba(model_input)
        return pd.DataFrame({"probability": p, "prediction": (p > THRESHOLD).astype(np.int64)})


def _load_pyfunc(path, model_config=None):
    """MLflow's loader-module entry point: ``path`` is the model directory."""
    return MinflowPyfuncModel(path)
