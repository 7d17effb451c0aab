-- wrk script: GET the path in $GET_PATH; prints percentiles for the orchestrator.
function init(args)
  path = os.getenv("GET_PATH") or "/analytics/stats"
end
function request()
  return wrk.format("GET", path)
end
function done(summary, latency, requests)
  io.write(string.format("RESULT ok=%d bad=%d p50_us=%d p99_us=%d max_us=%d\n", summary.requests - summary.errors.status,
    summary.errors.status, latency:percentile(50), latency:percentile(99), latency.max))
end
