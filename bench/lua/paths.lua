-- wrk script for bench/run: GET requests drawn at random from a file of request paths.
-- Usage: wrk -s paths.lua URL -- PATHS_FILE [SEED]
-- Each thread reads the file once, formats every request up front (so that wrk spends no Lua
-- per request beyond a random index) and seeds its own generator. done() prints one line,
-- "BENCH-JSON {...}", with the counts and the latency percentiles in microseconds.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

local requests = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("GET", line)
    end
  end
  if #requests == 0 then
    error("no request paths in " .. args[1])
  end
  math.randomseed((tonumber(args[2]) or 0) * 1000 + id)
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
