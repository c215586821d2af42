-- POST /v1/deletions with a new record id each call (row-N, interleaved across wrk threads).
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end
local counter = 0
local token = os.getenv("TOKEN")
local stride = tonumber(os.getenv("THREADS") or "2")
local ids = tonumber(os.getenv("IDS") or "60000")
function request()
  local n = (counter * stride + tid) % ids
  counter = counter + 1
  local body = '{"record_ids":["row-' .. n .. '"],"reason":"bench","requested_by":"serve.sh"}'
  return wrk.format("POST", "/v1/deletions", {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
