"""Keeps retrains running back to back on a live `unlearn serve`, for serve.sh's predict phase.

Each round deletes 10 records (spread so that every shard retrains from an early slice) and asks
for a retrain, which answers when it has published. One process for the whole phase: starting
python and curl per round cost the two cores more than the requests themselves.

Usage: retrain-loader.py PORT INTAKE_TOKEN OPERATOR_TOKEN SECONDS FIRST_ROUND RECORDS
Prints the number of completed retrain calls.
"""
import json
import sys
import time
import urllib.error
import urllib.request

port, intake, operator, seconds, first, records = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
base = f"http://127.0.0.1:{port}"


def post(path, token, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    request = urllib.request.Request(base + path, data=data, method="POST", headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


end = time.monotonic() + seconds
n, retrains = first, 0
while time.monotonic() < end:
    ids = ["row-%d" % ((n * 97 + k * 3253) % records) for k in range(10)]
    post("/v1/deletions", intake, {"record_ids": ids})
    if post("/v1/retrain", operator) == 200:
        retrains += 1
    n += 1
print(retrains)
