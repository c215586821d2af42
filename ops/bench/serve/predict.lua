-- POST /v1/predict with one row, paced: each connection waits between requests, so 32
-- connections at 32 ms give about 1,000 requests/s (latency is measured without the wait).
--   ARRIVALS=fixed (default): the wait is DELAY_MS. Connections that start together stay in
--     step, so requests arrive in bursts of up to 32: a worst case for queueing.
--   ARRIVALS=poisson: the wait is exponential with mean DELAY_MS, as for independent clients
--     (the 1,000 requests/s then arrive as a Poisson stream).
local token = os.getenv("TOKEN")
local body = os.getenv("BODY")
local pause = tonumber(os.getenv("DELAY_MS") or "32")
local poisson = os.getenv("ARRIVALS") == "poisson"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end
function init(args)
  math.randomseed(seed or 1)
end
function request()
  return wrk.format("POST", "/v1/predict", {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function delay()
  if poisson then return -math.log(1 - math.random()) * pause end
  return pause
end
function done(summary, latency, requests)
  io.write(string.format("PREDICT requests=%d errors=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f rate=%.1f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
end
