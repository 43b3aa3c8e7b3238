"""Artifacts on S3 through the official client, in MLflow's two S3 setups.

usage: artifacts_s3.py MODE WORK_DIR
MODE proxied: the server stores artifacts in S3 (--artifacts-destination s3://...); the client talks
  only to the server (mlflow-artifacts:/ URIs). With MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD=true in the
  environment, the big file goes through the server's mpu endpoints and presigned S3 part URLs.
MODE direct: the server hands out s3:// artifact roots (--default-artifact-root s3://... with
  --no-serve-artifacts); the client writes and reads S3 itself with boto3 (MLFLOW_S3_ENDPOINT_URL,
  AWS_*), and the server lists and reads the same objects for the UI.
Prints one JSON line: the run, the client's listings, the SHA-256 of every file on each side, and (direct)
the server's own listing and get-artifact answers.
"""
import hashlib
import json
import os
import random
import sys

import requests

import mlflow
from mlflow import MlflowClient

mode, work = sys.argv[1], sys.argv[2]
tracking_uri = os.environ["MLFLOW_TRACKING_URI"]
src = os.path.join(work, "src")
rng = random.Random(99)


def write(rel, data):
    path = os.path.join(src, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tree_hashes(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root).replace(os.sep, "/")] = sha256(full)
    return dict(sorted(out.items()))


def listing(client, run_id, path=None):
    return [
        {"path": f.path, "is_dir": f.is_dir, "file_size": f.file_size}
        for f in client.list_artifacts(run_id, path)
    ]


write("tree/MLmodel", b"artifact_path: model\nflavors:\n  python_function: {}\n")
write("tree/nested/a/weights.bin", bytes(rng.getrandbits(8) for _ in range(70_000)))
write("tree/nested/b.txt", "ünïcode text\n".encode())
write("tree/empty.txt", b"")
single = write("one/metrics.json", b'{"auc": 0.91}')
# 12 MiB: three parts at MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE=5 MiB.
big = write("big/big.bin", os.urandom(12 * 1024 * 1024))

mlflow.set_tracking_uri(tracking_uri)
client = MlflowClient()
experiment_id = client.create_experiment(f"s3-{mode}-{os.getpid()}")
run = client.create_run(experiment_id)
run_id = run.info.run_id
client.log_artifacts(run_id, os.path.join(src, "tree"), "tree")
client.log_artifact(run_id, single, "one")
client.log_artifact(run_id, big, "big")
client.set_terminated(run_id)

listings = {
    "": listing(client, run_id),
    "tree": listing(client, run_id, "tree"),
    "tree/nested/a": listing(client, run_id, "tree/nested/a"),
    "big": listing(client, run_id, "big"),
    "missing": listing(client, run_id, "missing"),
}
dst = os.path.join(work, "download")
os.makedirs(dst)
local = client.download_artifacts(run_id, "", dst)

out = {
    "run_id": run_id,
    "experiment_id": experiment_id,
    "artifact_uri": client.get_run(run_id).info.artifact_uri,
    "source": tree_hashes(src),
    "downloaded": tree_hashes(local),
    "listings": listings,
}

if mode == "direct":
    # What the UI asks the server: it lists and reads the S3 objects with its own credentials.
    base = tracking_uri.rstrip("/")
    server_list = requests.get(f"{base}/api/2.0/mlflow/artifacts/list", params={"run_id": run_id, "path": "tree"}).json()
    got = requests.get(f"{base}/get-artifact", params={"run_uuid": run_id, "path": "tree/MLmodel"})
    missing = requests.get(f"{base}/get-artifact", params={"run_uuid": run_id, "path": "tree/none.txt"})
    out["server"] = {
        "list_tree": server_list,
        "get_mlmodel": {"status": got.status_code, "body": got.text, "type": got.headers.get("content-type")},
        "get_missing": {"status": missing.status_code, "json": missing.json()},
    }

print(json.dumps(out))
