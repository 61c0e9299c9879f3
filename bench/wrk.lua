-- wrk.lua: the one wrk script of bench/run.  It sets the request from the
-- environment and prints one machine-readable line when the run ends.
--   BENCH_METHOD     GET (default), POST, ...
--   BENCH_BODY_FILE  file whose bytes are sent as the body
--   BENCH_HEADERS    extra headers, one "Name: value" per line
-- The summary line: BENCH requests duration_us bytes connect read write
-- status timeout p50_us p90_us p99_us max_us

local method = os.getenv("BENCH_METHOD")
if method and method ~= "" then
  wrk.method = method
end

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end

local headers = os.getenv("BENCH_HEADERS")
if headers then
  for line in headers:gmatch("[^\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then
      wrk.headers[name] = value
    end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
