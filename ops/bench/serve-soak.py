#!/usr/bin/env python3
"""Soak test of `unlearn serve` on loopback: deletes, predicts, scheduled retrains and one
graceful restart for SECONDS (default 600), then checks 0 errors, 0 lost requests (every
acknowledged deletion reaches `completed`) and flat resident memory (within 10%: the RSS at the
end of each server run against the RSS a quarter into it, after warm-up).

Usage: ops/bench/serve-soak.py STORE [SECONDS]   (a trained Adult store; U=binary, default .build/release/unlearn)
"""
import json, os, random, re, signal, subprocess, sys, threading, time, urllib.error, urllib.request

store = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 600
binary = os.environ.get("U", ".build/release/unlearn")
env = dict(os.environ, OPENBLAS_NUM_THREADS="1")

def cli(*args):
    return subprocess.run([binary, *args], capture_output=True, text=True, check=True, env=env).stdout.strip()

tokens = {role: cli("token", "create", "--store", store, "--role", role, "--name", f"soak-{role}") for role in ("intake", "predict", "operator")}

class Server:
    def __init__(self):
        self.proc = subprocess.Popen([binary, "serve", "--store", store, "--port", "0", "--batch-window", "2s"],
                                     stdout=subprocess.PIPE, stderr=open(store + "/../soak-serve.log", "a"), text=True, env=env)
        line = self.proc.stdout.readline()
        m = re.match(r"listening on http://127.0.0.1:(\d+)", line)
        assert m, f"no listening line: {line!r}"
        self.port = int(m.group(1))
        self.started = time.monotonic()
        self.rss = []  # (seconds since start, kB)

    def sample(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            kb = int(next(l for l in f if l.startswith("VmRSS")).split()[1])
        self.rss.append((time.monotonic() - self.started, kb))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=300)

def call(port, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, json.load(r)

server = Server()
lock = threading.Lock()
paused = threading.Event()  # set while restarting
stop = threading.Event()
stats = {"deletes": 0, "predicts": 0, "errors": 0}
acknowledged = []
row = {"0": 39, "1": "State-gov", "2": 77516, "3": "Bachelors", "4": 13, "5": "Never-married", "6": "Adm-clerical",
       "7": "Not-in-family", "8": "White", "9": "Male", "10": 2174, "11": 0, "12": 40, "13": "United-States"}
ids = list(range(32561)); random.Random(7).shuffle(ids)

def worker(kind, rate):
    n = 0
    while not stop.is_set():
        if paused.is_set():
            time.sleep(0.05); continue
        port = server.port
        try:
            if kind == "delete":
                status, body = call(port, "POST", "/v1/deletions", tokens["intake"], {"record_ids": [f"row-{ids[n % len(ids)]}"], "reason": "soak"})
                assert status == 202
                with lock: acknowledged.append(body["deletion_id"]); stats["deletes"] += 1
                n += 1
            else:
                status, body = call(port, "POST", "/v1/predict", tokens["predict"], {"rows": [row]})
                assert status == 200 and len(body["labels"]) == 1
                with lock: stats["predicts"] += 1
        except Exception as e:  # noqa: BLE001
            if not paused.is_set():
                with lock: stats["errors"] += 1
                print("error:", kind, repr(e), file=sys.stderr)
        time.sleep(1 / rate)

threads = [threading.Thread(target=worker, args=("delete", 5)), threading.Thread(target=worker, args=("predict", 50)),
           threading.Thread(target=worker, args=("predict", 50))]
for t in threads: t.start()
runs = []
t0 = time.monotonic()
restarted = False
while time.monotonic() - t0 < seconds:
    time.sleep(5)
    server.sample()
    if not restarted and time.monotonic() - t0 >= seconds / 2:
        paused.set(); time.sleep(0.5)
        code = server.stop()
        print(f"restart: first server exited {code}", flush=True)
        if code != 0: stats["errors"] += 1
        runs.append(server.rss)
        server = Server()
        paused.clear()
        restarted = True
stop.set()
for t in threads: t.join()
runs.append(server.rss)

# Every acknowledged request must complete (scheduled retrains), none lost.
deadline = time.monotonic() + 300
pending = set(acknowledged)
while pending and time.monotonic() < deadline:
    for i in list(pending):
        try:
            status, body = call(server.port, "GET", f"/v1/deletions/{i}", tokens["intake"])
            if body["status"] == "completed": pending.discard(i)
        except urllib.error.HTTPError as e:
            print("lost:", i, e.code, file=sys.stderr); stats["errors"] += 1; pending.discard(i)
    time.sleep(1)
_, status = call(server.port, "GET", "/v1/status", tokens["operator"])
code = server.stop()
growth = []
for rss in runs:
    base = [kb for s, kb in rss if s >= rss[-1][0] / 4]
    growth.append((rss[-1][1] - base[0]) / base[0] * 100 if base else 0)
print(json.dumps({"seconds": seconds, "deletes": stats["deletes"], "predicts": stats["predicts"], "errors": stats["errors"],
                  "acknowledged": len(acknowledged), "not_completed": len(pending), "retrain_jobs": status["last_job"]["id"] if status.get("last_job") else 0,
                  "model_version": status["model_version"], "final_exit": code,
                  "rss_kb_first_run": [runs[0][0][1], runs[0][-1][1]], "rss_kb_second_run": [runs[-1][0][1], runs[-1][-1][1]],
                  "rss_growth_pct_after_warmup": [round(g, 1) for g in growth],
                  "rss_mb_series": [[round(kb / 1024) for _, kb in rss[::6]] for rss in runs]}))
ok = stats["errors"] == 0 and not pending and code == 0 and all(abs(g) <= 10 for g in growth)
sys.exit(0 if ok else 1)
