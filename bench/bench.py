#!/usr/bin/env python3
"""SmolHog benchmark orchestrator.

Starts what each scenario needs (smolhogd processes, and for `split` a PostgreSQL and a
RabbitMQ from scripts/services), drives them with wrk (a separate process, Lua scripts in
this folder), prints a table and writes every figure to bench/results/latest.json and to
bench/results/<UTC time>-<scenarios>.json.

Scenarios:
  ceiling    wrk's own ceiling: the same POST bodies to a route that does no work (404).
  embedded   end-to-end durable throughput, embedded queue + SQLite, batch sizes 1/10/100.
  posthog    embedded, but the load is gzip PostHog batches to POST /batch/ (posthog source),
             as posthog-python sends them; compare with `embedded` in the same run.
  split      the same with RabbitMQ + PostgreSQL: one `serve --role ingest`, one `worker`.
  split-refused  split, where one event in REFUSE_EVERY (default 1000) has a 300-byte id that
             PostgreSQL cannot hold: the ingest node runs a config of its own (SQLite store,
             longer ids allowed), as a node configured apart from the workers could, and the
             worker dead-letters those events. "End to end" counts stored + dead-lettered.
  latency    p50/p99 at half the measured maximum (paced wrk) for 100-event batches.
  analytics  stats/trends/events latency at 1M and 10M events loaded by a bulk SQL path.
  overload   the shipped pipeline.yaml (not in the default list): latency of paced requests,
             then --overload-duration seconds of unpaced load from --overload-connections
             connections (bodies built once, only their ids changed), far more than the worker stores, while RSS and the backlog are
             sampled; then the time until the backlog is stored, and the same paced latency
             right after. Past server.max_backlog_events the answers are 503 `overloaded`.
  enrich     the ingest path's CPU cost without HTTP, on one core (smolhog-ingest-bench, built in
             release mode next to --binary): decode, validate and the shipped pipeline.yaml's
             enrichment of browser events (user agents from bench/user-agents.txt, Zipf mix,
             URLs with UTM tags), and each enrich step alone, in ns per event.
  drain      the embedded worker alone (not in the default list): a queue filled by
             `serve --role ingest`, then `worker` draining it into a store that starts empty
             or holding --prefill events (bulk-loaded as `analytics` does).

Event ids are random v4 UUIDs, as the PostHog and Segment SDKs send them; IDS=sequential in the
environment sends "<run>-<thread>-<counter>" ids, which sort in the order they are sent.

"End to end" = from the first request until the store holds every accepted event
(polled through /analytics/stats, which reads the rollups).
"""
import argparse, contextlib, json, os, re, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
RESULTS = os.path.join(BENCH, "results")


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """One smolhogd process; its output goes to a file in the work folder."""

    def __init__(self, binary, args, work, name, env=None):
        self.log_path = os.path.join(work, name + ".log")
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen([binary] + args, stdout=self.log_file, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        self.name = name

    def wait_for(self, pattern, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.log_path) as f:
                found = re.search(pattern, f.read())
            if found:
                return found
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: " + open(self.log_path).read()[-2000:])
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: '{pattern}' not seen in {timeout}s")

    def rss_mb(self):
        status = open(f"/proc/{self.process.pid}/status").read()
        value = lambda key: int(re.search(key + r":\s+(\d+) kB", status).group(1)) / 1024
        return round(value("VmRSS"), 1), round(value("VmHWM"), 1)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log_file.close()


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        return json.loads(response.read())


def wrk(port, script, duration, connections, env, threads=2):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", os.path.join(BENCH, script),
               f"http://127.0.0.1:{port}"]
    output = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "CONNECTIONS": str(connections), "THREADS": str(threads), **env}).stdout
    found = re.search(r"RESULT ok=(\d+) bad=(\d+) p50_us=(\d+) p99_us=(\d+) max_us=(\d+)", output)
    if not found:
        raise RuntimeError("wrk printed no result:\n" + output)
    ok, bad, p50, p99, worst = map(int, found.groups())
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return {"ok": ok, "bad": bad, "requests_per_s": rate, "p50_ms": p50 / 1000, "p99_ms": p99 / 1000, "max_ms": worst / 1000}


def wait_drained(port, expected, timeout=600, refused=None, most_refused=0):
    """Waits until the store holds `expected` events, less those `refused()` counts (asked
    only once at most `most_refused` are missing: it runs psql, which costs the machine)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        stored = get_json(port, "/analytics/stats")["total_events"]
        if stored >= expected or (refused and stored >= expected - most_refused and stored >= expected - refused()):
            return time.time()
        time.sleep(0.02)
    raise RuntimeError(f"store did not reach {expected} events in {timeout}s")


EMBEDDED_YAML = os.environ.get("BENCH_EMBEDDED_YAML") or """
server: {{listen: "127.0.0.1:{port}", max_body_bytes: 10485760}}
stages:
  - validate: {{max_batch: 1000}}
  - enrich: [{{drop: [password, $password]}}]   # as in pipeline.yaml
  - queue: {{embedded: {{path: data/queue.sqlite}}}}
  - persist: {{sqlite: {{path: data/smolhog.sqlite}}}}
  - aggregate
"""

SPLIT_YAML = os.environ.get("BENCH_SPLIT_YAML") or """
server: {{listen: "127.0.0.1:{port}", max_body_bytes: 10485760}}
stages:
  - validate: {{max_batch: 1000}}
  - enrich: [{{drop: [password, $password]}}]   # as in pipeline.yaml
  - queue: {{rabbitmq: {{url: "${{SMOLHOG_TEST_RABBITMQ_URL}}", queue: "bench-{run}"}}}}
  - persist: {{postgres: {{url: "${{SMOLHOG_TEST_POSTGRES_URL}}", pool: 8, batch: 5000}}}}
  - aggregate
"""


POSTHOG_YAML = EMBEDDED_YAML.replace("stages:", "sources: [native, posthog]\nstages:", 1)


def posthog_bodies(work, size, count):
    """`count` gzip PostHog batches of `size` events each, as posthog-python sends them
    (../shared/wire/posthog_gzip.jsonl: {api_key, batch, sent_at}, random v4 uuids, events
    stamped within the last half minute), in ingest.lua's BODIES format; made once per run."""
    import datetime, gzip, uuid
    path = os.path.join(work, f"posthog-{size}x{count}.bodies")
    if os.path.exists(path):
        return path
    names = ["page_view", "signup", "product_viewed", "add_to_cart", "checkout_started", "order_completed", "search", "login",
             "logout", "share", "comment", "like", "video_play", "video_pause", "download", "invite_sent", "settings_changed",
             "plan_upgraded", "feature_used", "error_shown"]
    now = datetime.datetime.now(datetime.timezone.utc)
    with open(path, "wb") as out:
        for n in range(count):
            batch = []
            for i in range(size):
                k = n * size + i
                user = (k * 7919) % 10000
                stamp = now - datetime.timedelta(seconds=(k * 13) % 30, microseconds=(k * 7919) % 1000000)
                batch.append({"event": names[k % len(names)], "distinct_id": f"user-{user}", "uuid": str(uuid.uuid4()),
                              "timestamp": stamp.isoformat(),
                              "properties": {"$current_url": f"https://shop.example.com/products/{k % 500}", "$browser": "Chrome", "$os": "Linux",
                                             "$session_id": f"s-{user % 3000}", "price": 19.99, "quantity": k % 5 + 1, "currency": "EUR",
                                             "is_trial": False, "coupon": None, "tags": ["a", "b", "c"],
                                             "cart": {"items": [{"sku": f"SKU-{k % 100}", "qty": 2}], "total": 39.98}, "title": "Ünïcödé ✓",
                                             "$lib": "posthog-python", "$lib_version": "7.91.1", "$geoip_disable": True}})
            body = gzip.compress(json.dumps({"api_key": "phc_bench", "historical_migration": False, "sent_at": now.isoformat(),
                                             "batch": batch}).encode(), 6)
            out.write(f"{len(body)}\n".encode() + body)
    return path


def dead_letters(services_env):
    """Rows in the PostgreSQL store's dead_letters table."""
    output = subprocess.run(["psql", services_env["SMOLHOG_TEST_POSTGRES_URL"], "-Atc", "SELECT count(*) FROM dead_letters"],
                            capture_output=True, text=True, check=True).stdout
    return int(output.strip())


def throughput(binary, work, scenario, sizes, duration, connections, services_env):
    """Runs wrk per batch size against a fresh deployment; returns one row per size."""
    rows = []
    refuse_every = int(os.environ.get("REFUSE_EVERY", "1000")) if scenario == "split-refused" else 0
    for size in sizes:
        folder = tempfile.mkdtemp(dir=work, prefix=f"{scenario}-{size}-")
        port = free_port()
        run = f"{scenario.replace('-', '')}{size}x{int(time.time())}"
        config = os.path.join(folder, "pipeline.yaml")
        template = {"embedded": EMBEDDED_YAML, "posthog": POSTHOG_YAML}.get(scenario, SPLIT_YAML)
        open(config, "w").write(template.format(port=port, run=run))
        daemons = []
        reader_port = port
        try:
            if scenario.startswith("split"):
                subprocess.run([binary, "migrate", "--config", config], check=True, env={**os.environ, **services_env}, capture_output=True)
                ingest_config = config
                if refuse_every:
                    # The load goes to an ingest node whose own config lets 300-byte ids through;
                    # a second node with the workers' config serves the reads.
                    ingest_config = os.path.join(folder, "ingest.yaml")
                    open(ingest_config, "w").write(template.format(port=port, run=run).replace(
                        "validate: {max_batch: 1000}", "validate: {max_batch: 1000, max_id_length: 1000}").replace(
                        'persist: {postgres: {url: "${SMOLHOG_TEST_POSTGRES_URL}", pool: 8, batch: 5000}}', "persist: {sqlite: {path: data/ingest.sqlite}}"))
                    reader_port = free_port()
                    reader = Daemon(binary, ["serve", "--role", "ingest", "--config", config, "--listen", f"127.0.0.1:{reader_port}"], folder, "reader",
                                    services_env)
                    reader.wait_for(r"Listening")
                    daemons.append(reader)
                ingest = Daemon(binary, ["serve", "--role", "ingest", "--config", ingest_config], folder, "ingest", services_env)
                worker = Daemon(binary, ["worker", "--config", config], folder, "worker", services_env)
                daemons += [ingest, worker]
                worker.wait_for(r"Worker consuming")
            else:
                ingest = Daemon(binary, ["serve", "--config", config], folder, "serve")
                daemons = [ingest]
            ingest.wait_for(r"Listening")
            time.sleep(1)  # let start-up allocations settle before the idle reading
            idle = {d.name: d.rss_mb()[0] for d in daemons}
            # The PostgreSQL database outlives one deployment (batch sizes run in turn).
            baseline = get_json(reader_port, "/analytics/stats")["total_events"]
            letters = dead_letters(services_env) if refuse_every else 0
            extra = {}
            if scenario == "posthog":
                # Enough distinct bodies for 100,000 events/s over the run.
                bodies = posthog_bodies(work, size, max(200, 100_000 * duration // size))
                extra = {"BODIES": bodies, "BODIES_ENCODING": "gzip", "INGEST_PATH": "/batch/"}
            started = time.time()
            result = wrk(port, "ingest.lua", duration, connections, {"BATCH": str(size), "RUN_ID": run, "REFUSE_EVERY": str(refuse_every), **extra})
            sent_done = time.time()
            accepted = result["ok"] * size
            if refuse_every:
                drained = wait_drained(reader_port, baseline + accepted, refused=lambda: dead_letters(services_env) - letters,
                                       most_refused=accepted // refuse_every + 100)
            else:
                drained = wait_drained(port, baseline + accepted)
            peak = {d.name: d.rss_mb()[1] for d in daemons}
            time.sleep(25)  # the worker's idle release (10 s) and a heap trim (every 10 s) after it
            after = {d.name: d.rss_mb()[0] for d in daemons}
            rows.append({
                "scenario": scenario, "batch": size, "connections": connections, "duration_s": duration,
                "accepted_events": accepted, "non_200": result["bad"],
                **({"dead_lettered_events": dead_letters(services_env) - letters} if refuse_every else {}),
                "ingest_events_per_s": round(accepted / (sent_done - started)),
                "end_to_end_events_per_s": round(accepted / (drained - started)),
                "drain_lag_s": round(drained - sent_done, 2),
                "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
                "rss_idle_mb": idle, "rss_peak_mb": peak, "rss_idle_after_load_mb": after,
            })
            log(f"  {scenario} batch={size}: {rows[-1]['end_to_end_events_per_s']} events/s end to end, p99 {result['p99_ms']} ms")
        finally:
            for daemon in daemons:
                daemon.stop()
    return rows


def paced_latency(binary, work, max_rate, size, duration, connections):
    """p50/p99 at half of `max_rate` events/s (requests paced per connection by wrk's delay())."""
    folder = tempfile.mkdtemp(dir=work, prefix="latency-")
    port = free_port()
    config = os.path.join(folder, "pipeline.yaml")
    open(config, "w").write(EMBEDDED_YAML.format(port=port, run="latency"))
    daemon = Daemon(binary, ["serve", "--config", config], folder, "serve")
    try:
        daemon.wait_for(r"Listening")
        target_requests = max(1, (max_rate / 2) / size)
        result = wrk(port, "ingest.lua", duration, connections, {"BATCH": str(size), "RUN_ID": "lat", "RATE": str(target_requests)})
        return {"scenario": "embedded", "batch": size, "target_events_per_s": round(max_rate / 2),
                "achieved_events_per_s": round(result["requests_per_s"] * size), "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"]}
    finally:
        daemon.stop()


def ceiling(binary, work, duration, connections):
    folder = tempfile.mkdtemp(dir=work, prefix="ceiling-")
    port = free_port()
    config = os.path.join(folder, "pipeline.yaml")
    open(config, "w").write(EMBEDDED_YAML.format(port=port, run="ceiling"))
    daemon = Daemon(binary, ["serve", "--config", config], folder, "serve")
    try:
        daemon.wait_for(r"Listening")
        result = wrk(port, "ingest.lua", duration, connections, {"BATCH": "100", "RUN_ID": "ceil", "INGEST_PATH": "/nowhere"})
        total = result["ok"] + result["bad"]
        return {"requests_per_s": result["requests_per_s"], "events_per_s": round(result["requests_per_s"] * 100), "requests": total}
    finally:
        daemon.stop()


def backlog_events(port):
    """smolhog_queue_backlog_events from /metrics (0 when absent)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        found = re.search(rb"^smolhog_queue_backlog_events\S* (\d+)", response.read(), re.M)
    return int(found.group(1)) if found else 0


def overload(binary, work, duration, connections):
    """The shipped pipeline.yaml under far more load than it stores (see the docstring)."""
    import threading
    folder = tempfile.mkdtemp(dir=work, prefix="overload-")
    port = free_port()
    config = os.path.join(folder, "pipeline.yaml")
    shipped = open(os.path.join(ROOT, "pipeline.yaml")).read()
    open(config, "w").write(re.sub(r'listen: "[^"]*"', f'listen: "127.0.0.1:{port}"', shipped, count=1))
    bound = int((re.search(r"max_backlog_events:\s*(\d+)", shipped) or [None, 500000])[1])
    daemon = Daemon(binary, ["serve", "--config", config], folder, "serve")
    paced = {"BATCH": "100", "RATE": "20"}
    try:
        daemon.wait_for(r"Listening")
        time.sleep(1)
        idle_rss = daemon.rss_mb()[0]
        before = wrk(port, "ingest.lua", 10, 4, {**paced, "RUN_ID": "before"})
        accepted = before["ok"] * 100
        wait_drained(port, accepted)
        samples = {"rss_mb": 0.0, "backlog": 0}
        done = threading.Event()
        def sample():
            while not done.is_set():
                samples["rss_mb"] = max(samples["rss_mb"], daemon.rss_mb()[0])
                try:
                    samples["backlog"] = max(samples["backlog"], backlog_events(port))
                except OSError:
                    pass
                time.sleep(0.25)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        load = wrk(port, "ingest.lua", duration, connections, {"BATCH": "100", "RUN_ID": "load", "FAST": "1"})
        load_done = time.time()
        accepted += load["ok"] * 100
        drained = wait_drained(port, accepted, timeout=1800)
        done.set()
        sampler.join()
        after = wrk(port, "ingest.lua", 10, 4, {**paced, "RUN_ID": "after"})
        row = {"max_backlog_events": bound, "connections": connections, "duration_s": duration,
               "requests_per_s": round(load["requests_per_s"]), "answered_200": load["ok"], "answered_other": load["bad"],
               "backlog_peak_events": samples["backlog"], "rss_idle_mb": idle_rss,
               "rss_peak_mb": samples["rss_mb"], "drain_after_load_s": round(drained - load_done, 1),
               "paced_before_p50_ms": before["p50_ms"], "paced_before_p99_ms": before["p99_ms"],
               "paced_after_p50_ms": after["p50_ms"], "paced_after_p99_ms": after["p99_ms"]}
        log(f"  overload: {row}")
        return row
    finally:
        daemon.stop()


def drain(binary, work, duration, connections, prefills):
    """Fills the embedded queue through the ingest role, then times the worker alone draining it."""
    import analytics
    rows = []
    for prefill in prefills:
        folder = tempfile.mkdtemp(dir=work, prefix=f"drain-{prefill}-")
        port = free_port()
        config = os.path.join(folder, "pipeline.yaml")
        store = os.path.join(folder, "data/smolhog.sqlite")
        open(config, "w").write(EMBEDDED_YAML.format(port=port, run="drain"))
        subprocess.run([binary, "migrate", "--config", config], check=True, capture_output=True)
        if prefill:
            analytics.sqlite_load(store, prefill)
        ingest = Daemon(binary, ["serve", "--role", "ingest", "--config", config], folder, "ingest")
        try:
            ingest.wait_for(r"Listening")
            result = wrk(port, "ingest.lua", duration, connections, {"BATCH": "100", "RUN_ID": f"drain{prefill}"})
        finally:
            ingest.stop()
        queued = result["ok"] * 100
        def stored():
            with contextlib.closing(sqlite3.connect(store)) as db:
                return db.execute("SELECT events FROM rollup_totals").fetchone()[0]
        baseline = stored()
        worker = Daemon(binary, ["worker", "--config", config], folder, "worker")
        try:
            worker.wait_for(r"Worker consuming")
            started, cpu_before = time.time(), cpu_seconds(worker.process.pid)
            deadline = started + 600
            while stored() < baseline + queued:
                if time.time() > deadline:
                    raise RuntimeError(f"the worker did not store {queued} events in 600 s")
                time.sleep(0.05)
            elapsed, cpu = time.time() - started, cpu_seconds(worker.process.pid) - cpu_before
            rows.append({"store_before": baseline, "events": queued, "events_per_s": round(queued / elapsed),
                         "worker_cpu_us_per_event": round(cpu * 1e6 / queued, 1), "worker_rss_peak_mb": worker.rss_mb()[1]})
            log(f"  drain into {baseline} stored: {rows[-1]['events_per_s']} events/s")
        finally:
            worker.stop()
    return rows


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default="ceiling,embedded,latency,split,analytics")
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rows", default="1000000,10000000", help="event counts for the analytics scenario")
    parser.add_argument("--names", type=int, default=20, help="distinct event names in the analytics scenario's events")
    parser.add_argument("--stores", default="sqlite,postgres", help="stores for the analytics scenario")
    parser.add_argument("--prefill", default="0,4000000", help="events stored before the drain scenario, one run each")
    parser.add_argument("--overload-duration", type=int, default=60)
    parser.add_argument("--overload-connections", type=int, default=64)
    parser.add_argument("--binary", default=None)
    args = parser.parse_args()
    scenarios = args.scenarios.split(",")
    sizes = [int(s) for s in args.sizes.split(",")]
    binary = args.binary or os.path.join(subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, capture_output=True,
                                                        text=True, check=True).stdout.strip(), "smolhogd")
    os.makedirs(RESULTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="smolhog-bench-")
    os.chmod(work, 0o755)
    results = {"machine": machine(), "command": " ".join(sys.argv)}
    services = None
    try:
        if "ceiling" in scenarios:
            results["ceiling"] = ceiling(binary, work, args.duration, args.connections)
        if "embedded" in scenarios:
            results["embedded"] = throughput(binary, work, "embedded", sizes, args.duration, args.connections, {})
        if "posthog" in scenarios:
            results["posthog"] = throughput(binary, work, "posthog", sizes, args.duration, args.connections, {})
        if "latency" in scenarios:
            best = max((r["end_to_end_events_per_s"] for r in results.get("embedded", []) if r["batch"] == 100), default=50000)
            results["latency"] = paced_latency(binary, work, best, 100, args.duration, args.connections)
        stores = args.stores.split(",")
        if "split" in scenarios or "split-refused" in scenarios or ("analytics" in scenarios and "postgres" in stores):
            services = Services(work)
        # In the order given: each split run adds to the same PostgreSQL database, so a later
        # run writes into larger tables; compare two scenarios in both orders.
        for scenario in [s for s in scenarios if s in ("split", "split-refused")]:
            results[scenario] = throughput(binary, work, scenario, sizes, args.duration, args.connections, services.env)
        if "overload" in scenarios:
            results["overload"] = overload(binary, work, args.overload_duration, args.overload_connections)
        if "enrich" in scenarios:
            results["enrich"] = enrich(binary, args.duration)
        if "drain" in scenarios:
            results["drain"] = drain(binary, work, args.duration, args.connections, [int(n) for n in args.prefill.split(",")])
        if "analytics" in scenarios:
            import analytics
            results["analytics"] = analytics.run(binary, work, [int(r) for r in args.rows.split(",")], services.env if services else {}, args.duration, stores,
                                                 args.names)
    finally:
        if services:
            services.stop()
        # latest.json is the newest run; each run also keeps its own file, so a later run of
        # other scenarios does not replace the figures of a table run.
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        for name in ("latest.json", f"{stamp}-{args.scenarios.replace(',', '-')}.json"):
            with open(os.path.join(RESULTS, name), "w") as f:
                json.dump(results, f, indent=2)
        shutil.rmtree(work, ignore_errors=True)
    print(render(results))


class Services:
    """PostgreSQL and RabbitMQ from scripts/services, once for the whole run."""

    def __init__(self, work):
        self.folder = os.path.join(work, "services")
        self.env = {}
        self.started = False
        given = {k: os.environ[k] for k in ("SMOLHOG_TEST_POSTGRES_URL", "SMOLHOG_TEST_RABBITMQ_URL") if os.environ.get(k)}
        if len(given) == 2:
            self.env = given  # servers already running (e.g. from scripts/services); leave them be
            return
        self.started = True
        for name in ("postgres", "rabbitmq"):
            output = subprocess.run([os.path.join(ROOT, "scripts/services", name + ".sh"), "start", os.path.join(self.folder, name)],
                                    capture_output=True, text=True, check=True).stdout
            for key, value in re.findall(r"export (\w+)=(\S+)", output):
                self.env[key] = value.strip("'\"")

    def stop(self):
        if not self.started:
            return
        for name in ("rabbitmq", "postgres"):
            subprocess.run([os.path.join(ROOT, "scripts/services", name + ".sh"), "stop", os.path.join(self.folder, name)], capture_output=True)


def machine():
    cpu = re.search(r"model name\s+:\s+(.*)", open("/proc/cpuinfo").read())
    memory = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1)) // 1024 // 1024
    return {"cpus": os.cpu_count(), "cpu": cpu.group(1) if cpu else "?", "memory_gb": memory, "kernel": os.uname().release}


def enrich(binary, duration):
    """smolhog-ingest-bench (beside `binary`, or built in release mode) over the shipped pipeline.yaml."""
    tool = os.path.join(os.path.dirname(binary), "smolhog-ingest-bench")
    if not os.path.exists(tool):
        subprocess.run(["swift", "build", "-c", "release", "--product", "smolhog-ingest-bench"], cwd=ROOT, check=True)
        tool = os.path.join(ROOT, ".build", "release", "smolhog-ingest-bench")
    output = subprocess.run([tool, "--config", os.path.join(ROOT, "pipeline.yaml"), "--user-agents", os.path.join(BENCH, "user-agents.txt"),
                             "--seconds", str(max(1, duration // 3))], capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def render(results):
    lines = [f"machine: {results['machine']['cpus']} cores, {results['machine']['cpu']}, {results['machine']['memory_gb']} GB",
             f"command: {results['command']}", ""]
    if "ceiling" in results:
        c = results["ceiling"]
        lines.append(f"load generator ceiling (wrk, 100-event bodies to a no-op route): {c['requests_per_s']:.0f} req/s = {c['events_per_s']} events/s\n")
    for scenario in ("embedded", "posthog", "split", "split-refused"):
        if scenario in results:
            lines.append(f"| {scenario} | batch | end-to-end events/s | ingest events/s | drain lag s | p50 ms | p99 ms | RSS idle MB | RSS peak MB | RSS idle after load MB |")
            lines.append("|---|---|---|---|---|---|---|---|---|---|")
            for r in results[scenario]:
                lines.append(f"| | {r['batch']} | {r['end_to_end_events_per_s']} | {r['ingest_events_per_s']} | {r['drain_lag_s']} | {r['p50_ms']} | "
                             f"{r['p99_ms']} | {r['rss_idle_mb']} | {r['rss_peak_mb']} | {r['rss_idle_after_load_mb']} |")
            lines.append("")
    if "latency" in results:
        l = results["latency"]
        lines.append(f"latency at half the max (embedded, 100-event batches, target {l['target_events_per_s']} events/s, achieved "
                     f"{l['achieved_events_per_s']}): p50 {l['p50_ms']} ms, p99 {l['p99_ms']} ms\n")
    if "overload" in results:
        o = results["overload"]
        lines.append(f"overload ({o['connections']} connections for {o['duration_s']} s, 100-event batches, max_backlog_events "
                     f"{o['max_backlog_events']}): {o['requests_per_s']} requests/s, {o['answered_200']} answered 200 and "
                     f"{o['answered_other']} otherwise; backlog peak {o['backlog_peak_events']} events; RSS idle {o['rss_idle_mb']} MB, "
                     f"peak {o['rss_peak_mb']} MB; stored {o['drain_after_load_s']} s after the load; paced p50/p99 before "
                     f"{o['paced_before_p50_ms']}/{o['paced_before_p99_ms']} ms, right after {o['paced_after_p50_ms']}/"
                     f"{o['paced_after_p99_ms']} ms\n")
    if "enrich" in results:
        e = results["enrich"]
        lines.append(f"ingest path on one core ({e['batch']}-event browser batches, {e['user_agents']} user agents): decode "
                     f"{e['decode_ns_per_event']:.0f} ns/event, + validate {e['decode_validate_ns_per_event']:.0f}, + the shipped enrichment "
                     f"({e['default_steps']} steps) {e['ingest_ns_per_event']:.0f} = {e['ingest_events_per_s_one_core']:.0f} events/s; with "
                     f"drop, user_agent, url and ip {e['browser_ingest_ns_per_event']:.0f} = {e['browser_ingest_events_per_s_one_core']:.0f} events/s")
        lines.append("| enrich step alone | ns/event |")
        lines.append("|---|---|")
        for step in e["steps"]:
            lines.append(f"| `{step['step']}` | {step['ns_per_event']:.0f} |")
        lines.append("")
    if "drain" in results:
        lines.append("| worker alone, draining | events stored before | events drained | events/s | worker CPU µs/event | worker RSS peak MB |")
        lines.append("|---|---|---|---|---|---|")
        for r in results["drain"]:
            lines.append(f"| | {r['store_before']} | {r['events']} | {r['events_per_s']} | {r['worker_cpu_us_per_event']} | {r['worker_rss_peak_mb']} |")
        lines.append("")
    if "analytics" in results:
        lines.append("| store | events | event names | endpoint | p50 ms | p99 ms |")
        lines.append("|---|---|---|---|---|---|")
        for r in results["analytics"]:
            lines.append(f"| {r['store']} | {r['events']} | {r.get('event_names', 20)} | {r['endpoint']} | {r['p50_ms']} | {r['p99_ms']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
