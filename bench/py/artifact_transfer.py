"""Uploads one file with the official client and downloads it again, timing each direction.

usage: artifact_transfer.py FILE DOWNLOAD_DIR
MLFLOW_TRACKING_URI must point at the server. Prints one JSON line: run id, artifact URI, and for each
phase its wall-clock start/end (time.time(), seconds) so the caller can attribute its RSS samples.
"""
import json
import os
import sys
import time

import mlflow
from mlflow import MlflowClient

path, download_dir = sys.argv[1], sys.argv[2]
client = MlflowClient()
experiment_id = client.create_experiment(f"artifact-transfer-{int(time.time() * 1000)}")
run_id = client.create_run(experiment_id).info.run_id

# A small round trip first, so the measured transfers do not pay for first-request setup on either side.
warm = os.path.join(download_dir, "warmup.txt")
with open(warm, "w") as f:
    f.write("warm-up\n")
client.log_artifact(run_id, warm, artifact_path="warmup")
client.download_artifacts(run_id, "warmup", os.path.join(download_dir, "warm-dl"))
print(json.dumps({"event": "warm"}), flush=True)
time.sleep(1.0)  # the caller samples the server's resting RSS here

upload_start = time.time()
client.log_artifact(run_id, path, artifact_path="bench")
upload_end = time.time()

time.sleep(0.5)
download_start = time.time()
local = client.download_artifacts(run_id, f"bench/{os.path.basename(path)}", download_dir)
download_end = time.time()
client.set_terminated(run_id)

print(
    json.dumps(
        {
            "event": "done",
            "mlflow_version": mlflow.__version__,
            "run_id": run_id,
            "experiment_id": experiment_id,
            "downloaded": local,
            "upload": [upload_start, upload_end],
            "download": [download_start, download_end],
        }
    ),
    flush=True,
)
