"""Artifact round trip through the official client: log_artifact(s), list_artifacts, download_artifacts.

usage: artifacts_roundtrip.py WORK_DIR [BIG_MB]
Builds WORK_DIR/src (a nested tree of text and binary files) and WORK_DIR/big/big.bin (BIG_MB MiB of
pseudo-random bytes, generated on the fly), logs them to a new run, lists them, downloads the whole run
and a sub-path, and prints one JSON line with every listing and the SHA-256 of every file on each side.
"""
import hashlib
import json
import os
import random
import sys

import mlflow
from mlflow import MlflowClient

work = sys.argv[1]
big_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 200
src = os.path.join(work, "src")
rng = random.Random(1234)


def write(rel, data):
    path = os.path.join(src, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


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


# The nested tree logged with log_artifacts: text, binary (every byte value), an empty file, a name with a
# space, a JSON file (the client uploads it as text/plain) and three levels of directories.
write("readme.txt", "Minflow artifacts compat test\nlinha 2: ação, ünïcödé\n".encode("utf-8"))
write("empty.txt", b"")
write("all-bytes.bin", bytes(range(256)) * 64)
write("random.bin", rng.randbytes(3 * 1024 * 1024 + 17))
write("with space.txt", b"a file name with a space\n")
write("nested/config.json", json.dumps({"a": 1, "b": [1, 2, 3]}).encode())
write("nested/a/image.png", b"\x89PNG\r\n\x1a\n" + rng.randbytes(4096))
write("nested/a/b/deep.csv", b"x,y\n1,2\n3,4\n")
write("nested/a/b/c/deepest.bin", rng.randbytes(100_000))

single = os.path.join(work, "single.txt")
with open(single, "w") as f:
    f.write("logged with mlflow.log_artifact\n")

big_dir = os.path.join(work, "big")
os.makedirs(big_dir, exist_ok=True)
big = os.path.join(big_dir, "big.bin")
block = rng.randbytes(1 << 20)
with open(big, "wb") as f:
    for i in range(big_mb):
        # Distinct blocks, so a reordered or repeated chunk changes the hash.
        f.write(i.to_bytes(8, "big") + block[8:])

mlflow.set_experiment("artifacts-compat")
client = MlflowClient()
with mlflow.start_run() as run:
    mlflow.log_artifact(single)  # top level
    mlflow.log_artifact(single, artifact_path="one/two")
run_id = run.info.run_id
client.log_artifacts(run_id, src, artifact_path="tree")
client.log_artifact(run_id, big, artifact_path="big")


def listing(path=None):
    return [
        {"path": f.path, "is_dir": f.is_dir, "file_size": f.file_size}
        for f in client.list_artifacts(run_id, path)
    ]


listings = {
    "": listing(),
    "tree": listing("tree"),
    "tree/nested/a": listing("tree/nested/a"),
    "one": listing("one"),
    "big": listing("big"),
    "missing": listing("does-not-exist"),
}

whole_dst = os.path.join(work, "download-whole")
sub_dst = os.path.join(work, "download-sub")
os.makedirs(whole_dst)
os.makedirs(sub_dst)
whole_local = client.download_artifacts(run_id, "", whole_dst)
sub_local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="tree/nested", dst_path=sub_dst)
single_local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="one/two/single.txt", dst_path=sub_dst)

print(
    json.dumps(
        {
            "run_id": run_id,
            "experiment_id": run.info.experiment_id,
            "artifact_uri": run.info.artifact_uri,
            "source": {
                "tree": tree_hashes(src),
                "single": sha256(single),
                "big": sha256(big),
                "big_size": os.path.getsize(big),
            },
            "listings": listings,
            "whole": tree_hashes(whole_local),
            "sub": tree_hashes(sub_local),
            "sub_local_basename": os.path.basename(os.path.normpath(sub_local)),
            "single_download": sha256(single_local),
        }
    )
)
