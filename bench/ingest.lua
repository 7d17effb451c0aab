-- wrk script: POST /events with BATCH realistic events per request (~600 bytes, ~10
-- properties each, timestamped within the last 30 s), unique random event ids, optional
-- pacing (RATE requests/s in total), and a count of 200 answers vs others printed at the end
-- for the orchestrator.
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  thread:set("thread_total", tonumber(os.getenv("THREADS") or "2"))
  table.insert(threads, thread)
end

local names = {"page_view", "signup", "product_viewed", "add_to_cart", "checkout_started", "order_completed",
  "search", "login", "logout", "share", "comment", "like", "video_play", "video_pause", "download",
  "invite_sent", "settings_changed", "plan_upgraded", "feature_used", "error_shown"}

function init(args)
  batch = tonumber(os.getenv("BATCH") or "100")
  run = os.getenv("RUN_ID") or "run"
  path = os.getenv("INGEST_PATH") or "/events"
  local rate = tonumber(os.getenv("RATE") or "0")
  local connections = tonumber(os.getenv("CONNECTIONS") or "16")
  pause = 0
  if rate > 0 then pause = math.floor(1000 * connections / rate) end
  counter = 0
  ok = 0
  bad = 0
  prefix = run .. "-" .. tid
  -- Random v4 UUIDs by default, as the PostHog and Segment SDKs send them (../shared/wire);
  -- IDS=sequential sends "<run>-<thread>-<counter>", ids that sort in the order they are sent.
  uuids = os.getenv("IDS") ~= "sequential"
  -- REFUSE_EVERY=N: every Nth event's id is 300 bytes, more than PostgreSQL's VARCHAR(255).
  refuse_every = tonumber(os.getenv("REFUSE_EVERY") or "0")
  long_suffix = string.rep("x", 300)
  math.randomseed(os.time() * 1000 + tid)
  headers = {["Content-Type"] = "application/json"}
  fast = os.getenv("FAST") == "1"
  -- BODIES=FILE: ready-made bodies (bench.py's posthog scenario: gzip PostHog batches),
  -- each as "<length>\n<bytes>"; thread t sends bodies t, t + threads, … in turn.
  bodies = nil
  local file = os.getenv("BODIES")
  if file then
    bodies = {}
    local handle = assert(io.open(file, "rb"))
    local index = 0
    while true do
      local line = handle:read("l")
      if not line then break end
      local body = handle:read(tonumber(line))
      if index % thread_total == tid - 1 then table.insert(bodies, body) end
      index = index + 1
    end
    handle:close()
    headers["Content-Encoding"] = os.getenv("BODIES_ENCODING")
    next_body = 0
  end
end

local template = '{"event_id":"%s","event_name":"%s","user_id":"user-%d","session_id":"s-%d",' ..
  '"timestamp":"%s.%06d+00:00","properties":{"$current_url":"https://shop.example.com/products/%d",' ..
  '"$browser":"Chrome","$os":"Linux","price":19.99,"quantity":%d,"currency":"EUR","is_trial":false,"coupon":null,' ..
  '"tags":["a","b","c"],"cart":{"items":[{"sku":"SKU-%d","qty":2}],"total":39.98},"title":"\\u00dcn\\u00efc\\u00f6d\\u00e9 \\u2713"}}'

-- The capture-time stamps of the last half minute, formatted once a second rather than per
-- event: the generator's CPU is taken from the machine under test.
local stamps_at, stamps = nil, {}

-- FAST=1: the batch is built once with "@@" in each id and only the ids change per request
-- (a request then costs the generator a string substitution, not 100 formatted events), for
-- offering far more load than the server takes (the overload scenario).
local fast_body = nil

function request()
  if bodies then
    -- Past the last body they repeat (stored once): the file holds more than a run sends.
    next_body = next_body % #bodies + 1
    counter = counter + 1
    return wrk.format("POST", path, headers, bodies[next_body])
  end
  if fast then
    counter = counter + 1
    if fast_body == nil then fast_body = '{"events":[' .. table.concat(build_events(true), ",") .. ']}' end
    return wrk.format("POST", path, headers, (fast_body:gsub("@@", prefix .. "-" .. counter)))
  end
  return wrk.format("POST", path, headers, '{"events":[' .. table.concat(build_events(false), ",") .. ']}')
end

function build_events(placeholder)
  local parts = {}
  local now = os.time()
  if now ~= stamps_at then
    for back = 0, 29 do stamps[back] = os.date("!%Y-%m-%dT%H:%M:%S", now - back) end
    stamps_at = now
  end
  for i = 1, batch do
    counter = counter + 1
    local user = (counter * 7919 + tid * 104729) % 10000
    -- Stamped at capture time, as SDKs do: up to half a minute before the send.
    local stamp = stamps[(counter * 13) % 30]
    local id
    if placeholder then
      id = "@@-" .. i
    elseif uuids then
      -- The thread and the counter in the last group keep them unique.
      id = string.format("%08x-%04x-4%03x-%04x-%04x%08x", math.random(0, 0xffffffff), math.random(0, 0xffff),
        math.random(0, 0xfff), 0x8000 + math.random(0, 0x3fff), tid, counter)
    else
      id = prefix .. "-" .. counter
    end
    if refuse_every > 0 and counter % refuse_every == 0 then id = id .. long_suffix end
    parts[i] = string.format(template, id, names[(counter % #names) + 1], user, user % 3000,
      stamp, (counter * 7919) % 1000000, counter % 500, counter % 5 + 1, counter % 100)
  end
  return parts
end

function delay()
  return pause
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("bad")
  end
  io.write(string.format("RESULT ok=%d bad=%d p50_us=%d p99_us=%d max_us=%d\n", total_ok, total_bad,
    latency:percentile(50), latency:percentile(99), latency.max))
end
