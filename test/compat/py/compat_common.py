"""Shared plumbing for the compat scripts.

Each script drives the official `mlflow` client (unchanged) against the server named by
MLFLOW_TRACKING_URI, in named sections. A section records every failed check instead of stopping at
the first one, so one run of the script reports every incompatibility; an exception inside a section
is recorded as a failure and ends that section only. The script's last stdout line is a JSON summary:

    {"ok": bool, "tracking_uri": str, "sections": {name: {"failures": [str], "data": {...}}}}

which the vitest side parses (test/helpers/python.ts) and checks section by section.
"""

import json
import math
import os
import sys
import time
import traceback
import uuid
from contextlib import contextmanager

import mlflow
from mlflow.exceptions import MlflowException


def tracking_uri() -> str:
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        print("MLFLOW_TRACKING_URI must point at the server under test", file=sys.stderr)
        sys.exit(2)
    return uri


def unique(prefix: str) -> str:
    """A name no earlier run of the script used (the reference server's database may be reused)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def now_ms() -> int:
    return int(time.time() * 1000)


def jsonable(value):
    """JSON without NaN/Infinity literals (JSON.parse rejects them): non-finite floats become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


class Section:
    def __init__(self, name: str):
        self.name = name
        self.failures: list[str] = []
        self.data: dict = {}

    def fail(self, message: str) -> None:
        self.failures.append(message)

    def check(self, label: str, condition: bool, detail: object = "") -> bool:
        if not condition:
            self.fail(f"{label}: {detail}" if detail != "" else label)
        return bool(condition)

    def eq(self, label: str, actual, expected) -> bool:
        same = actual == expected or (
            isinstance(actual, float) and isinstance(expected, float) and math.isnan(actual) and math.isnan(expected)
        )
        if not same:
            self.fail(f"{label}: expected {expected!r}, got {actual!r}")
        return same

    def expect_error(self, label: str, expected_code, fn, *args, **kwargs):
        """Calls fn and checks it raises MlflowException with error_code == expected_code (or one of
        them, when a tuple is given). Returns the exception (or None) and records {code, message}
        under data['errors'][label]."""
        try:
            result = fn(*args, **kwargs)
        except MlflowException as e:
            self.data.setdefault("errors", {})[label] = {"error_code": e.error_code, "message": e.message[:300]}
            if isinstance(expected_code, tuple):
                self.check(f"{label} error_code", e.error_code in expected_code, f"expected one of {expected_code}, got {e.error_code!r}")
            else:
                self.eq(f"{label} error_code", e.error_code, expected_code)
            return e
        except Exception as e:  # noqa: BLE001 - anything but MlflowException is itself the finding
            self.data.setdefault("errors", {})[label] = {"error_code": None, "message": f"{type(e).__name__}: {e}"[:300]}
            self.fail(f"{label}: expected MlflowException {expected_code}, got {type(e).__name__}: {e}")
            return None
        self.data.setdefault("errors", {})[label] = {"error_code": None, "message": "no exception"}
        self.fail(f"{label}: expected MlflowException {expected_code}, but the call returned {result!r}")
        return None


class Compat:
    def __init__(self):
        self.uri = tracking_uri()
        mlflow.set_tracking_uri(self.uri)
        self.sections: dict[str, Section] = {}

    @contextmanager
    def section(self, name: str):
        sec = Section(name)
        self.sections[name] = sec
        started = time.time()
        try:
            yield sec
        except Exception as e:  # noqa: BLE001 - reported, not swallowed: the section fails
            tb = traceback.format_exc(limit=6)
            sec.fail(f"raised {type(e).__name__}: {e}\n{tb}")
        sec.data["seconds"] = round(time.time() - started, 2)
        status = "ok" if not sec.failures else f"{len(sec.failures)} failure(s)"
        print(f"[{name}] {status}", file=sys.stderr)
        for f in sec.failures:
            print(f"  - {f}", file=sys.stderr)

    def finish(self) -> None:
        ok = all(not s.failures for s in self.sections.values())
        summary = {
            "ok": ok,
            "tracking_uri": self.uri,
            "mlflow_version": mlflow.__version__,
            "sections": {n: {"failures": s.failures, "data": s.data} for n, s in self.sections.items()},
        }
        sys.stdout.flush()
        print(json.dumps(jsonable(summary), allow_nan=False))
        sys.exit(0 if ok else 1)
