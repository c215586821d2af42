-- POST /v1/predict with one row, paced: each connection waits between requests, so 32
-- connections at 32 ms give about 1,000 requests/s (latency is measured without the wait).
--   ARRIVALS=fixed (default): the wait is DELAY_MS. Connections that start together stay in
--     step, so requests arrive in bursts of up to 32: a worst case for queueing.
--   ARRIVALS=poisson: the wait is exponential with mean DELAY_MS, as for independent clients
--     (the 1,000 requests/s then arrive as a Poisson stream).
--   ARRIVALS=rate: a constant-rate sender, as wrk2 paces: requests leave on a fixed schedule,
--     one every DELAY_MS / CONNECTIONS (1 ms), each on whichever connection is free; a request
--     whose slot has passed leaves at once. The schedule is wall-clock time, so slow answers do
--     not pull the connections into step. wrk times a request from when it is sent, so a late
--     one would hide its wait (coordinated omission): `late` counts the requests sent more
--     than 1 ms after their slot, and `late_max_ms` is the worst; with both 0 the latencies
--     are those of the schedule. Set THREADS and CONNECTIONS to wrk's -t and -c.
local token = os.getenv("TOKEN")
local body = os.getenv("BODY")
local pause = tonumber(os.getenv("DELAY_MS") or "32")
local poisson = os.getenv("ARRIVALS") == "poisson"
local rate = os.getenv("ARRIVALS") == "rate"
local connections = tonumber(os.getenv("CONNECTIONS") or "32")
local nthreads = tonumber(os.getenv("THREADS") or "2")
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } unlearn_timespec;
int clock_gettime(int clock, unlearn_timespec *now);
]]
local clock = ffi.new("unlearn_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end
local slot = nil
late, late_max = 0, 0  -- globals: done() reads them from each thread
local threads = 0
local all = {}
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
  table.insert(all, thread)
end
function init(args)
  math.randomseed(seed or 1)
end
function request()
  return wrk.format("POST", "/v1/predict", {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
function delay()
  if poisson then return -math.log(1 - math.random()) * pause end
  if rate then
    -- This thread's slots are DELAY_MS * THREADS / CONNECTIONS apart (2 ms for 2 threads) on a
    -- grid of the monotonic clock that all threads share, the second thread's offset by one
    -- interval of the whole schedule (1 ms). wrk waits whole ms.
    local now = now_ms()
    local step = pause * nthreads / connections
    slot = slot or (math.floor(now / step) + 1) * step + (seed - 1) * pause / connections
    local wait = slot - now
    slot = slot + step
    if wait < -1 then
      late = late + 1
      late_max = math.max(late_max, -wait)
    end
    return wait > 0 and math.floor(wait + 0.5) or 0
  end
  return pause
end
function done(summary, latency, requests)
  local late_all, late_worst = 0, 0
  for _, thread in ipairs(all) do
    late_all = late_all + (thread:get("late") or 0)
    late_worst = math.max(late_worst, thread:get("late_max") or 0)
  end
  io.write(string.format("PREDICT requests=%d errors=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f rate=%.1f late=%d late_max_ms=%.1f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6), late_all, late_worst))
end
