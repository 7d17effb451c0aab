"""Analytics latency at large event counts.

Loads N synthetic events straight into the store with one SQL statement per table (the bulk
path; HTTP would take hours at 10M) and builds the rollups from them with GROUP BY, then
measures p50/p99 of the analytics endpoints with wrk (4 connections). Rows of the
per-bucket user sets (rollup_bucket_user_keys) are not generated: no read touches them.
"""
import os, subprocess, tempfile, time

from bench import Daemon, free_port, log, wrk

DAY = 86_400_000_000
HOUR = 3_600_000_000
T0 = 1_756_684_800_000_000  # 2025-09-01T00:00:00Z
SPAN_DAYS = 90

SQLITE_YAML = """
server: {{listen: "127.0.0.1:{port}"}}
stages:
  - validate
  - queue: {{embedded: {{path: data/queue.sqlite}}}}
  - persist: {{sqlite: {{path: data/smolhog.sqlite}}}}
  - aggregate
"""

POSTGRES_YAML = """
server: {{listen: "127.0.0.1:{port}"}}
stages:
  - validate
  - queue: {{embedded: {{path: data/queue.sqlite}}}}
  - persist: {{postgres: {{url: "{url}"}}}}
  - aggregate
"""

ENDPOINTS = [
    ("stats", "/analytics/stats"),
    ("trends day", "/analytics/trends?event=event_3&interval=day&from=2025-09-01T00:00:00Z&to=2025-11-30T00:00:00Z"),
    ("trends hour", "/analytics/trends?interval=hour&from=2025-10-01T00:00:00Z&to=2025-10-08T00:00:00Z"),
    ("events page", "/analytics/events?limit=100"),
    ("events page, filtered", "/analytics/events?limit=100&event_name=event_3"),
    ("events page, one user", "/analytics/events?limit=100&user_id=user-4242"),
]


def sqlite_load(path, n, names=20):
    import sqlite3
    db = sqlite3.connect(path)
    span = SPAN_DAYS * DAY
    db.executescript(f"""
        PRAGMA synchronous = OFF;
        BEGIN;
        WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < {n - 1})
        INSERT INTO events (event_id, event_name, user_id, properties, timestamp, session_id, received_at, created_at)
        SELECT printf('%08x-bulk-%d', (x * 2654435761) % 4294967296, x), 'event_' || (x % {names}), 'user-' || ((x * 7919) % 100000),
               '{{"price":19.99,"quantity":2,"currency":"EUR","i":' || x || '}}',
               {T0} + ((x * 104729) % {span}), 's-' || (x % 30000), {T0}, {T0}
        FROM c;
        INSERT INTO rollup_buckets (interval, bucket, event_name, events, users)
          SELECT 'day', (timestamp / {DAY}) * {DAY}, event_name, COUNT(*), COUNT(DISTINCT user_id) FROM events GROUP BY 2, 3;
        INSERT INTO rollup_buckets (interval, bucket, event_name, events, users)
          SELECT 'day', (timestamp / {DAY}) * {DAY}, '', COUNT(*), COUNT(DISTINCT user_id) FROM events GROUP BY 2;
        INSERT INTO rollup_buckets (interval, bucket, event_name, events, users)
          SELECT 'hour', (timestamp / {HOUR}) * {HOUR}, event_name, COUNT(*), COUNT(DISTINCT user_id) FROM events GROUP BY 2, 3;
        INSERT INTO rollup_buckets (interval, bucket, event_name, events, users)
          SELECT 'hour', (timestamp / {HOUR}) * {HOUR}, '', COUNT(*), COUNT(DISTINCT user_id) FROM events GROUP BY 2;
        INSERT INTO rollup_event_totals (event_name, events) SELECT event_name, COUNT(*) FROM events GROUP BY 1;
        INSERT INTO persons (user_id, first_seen, last_seen) SELECT user_id, MIN(timestamp), MAX(timestamp) FROM events GROUP BY 1;
        UPDATE rollup_totals SET events = (SELECT COUNT(*) FROM events), users = (SELECT COUNT(*) FROM persons);
        COMMIT;
    """)
    # The main tier of each index kept in tiers, where the schema has it (version 6 on: per
    # user; 8: the stored event ids, earlier a UNIQUE index; 9: per name); earlier schemas
    # index events itself.
    # Since 011 the ids' tiers hold (hash, id): smolhogd's EventIDHash, as the store registers it.
    db.create_function("smolhog_event_id_hash", 1, event_id_hash, deterministic=True)
    id_columns = ("hash, id", "smolhog_event_id_hash(event_id), id", "1, 2")
    if not db.execute("SELECT 1 FROM pragma_table_info('event_ids') WHERE name = 'hash'").fetchone():
        id_columns = ("event_id", "event_id", "event_id")
    for table, (columns, select, order) in [("events_by_user", ("user_id, timestamp, id",) * 2 + ("user_id, timestamp DESC, id DESC",)),
                                            ("event_ids", id_columns),
                                            ("events_by_name", ("event_name, timestamp, id",) * 2 + ("event_name, timestamp DESC, id DESC",))]:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
            db.executescript(f"BEGIN; INSERT INTO {table} ({columns}) SELECT {select} FROM events ORDER BY {order}; COMMIT;")
    # Schema version 14 on: each name's newest timestamp, where pages of every name start.
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'event_name_latest'").fetchone():
        db.executescript("BEGIN; INSERT INTO event_name_latest SELECT event_name, max(timestamp) FROM events GROUP BY 1; COMMIT;")
    # Schema version 10 on: the stored ids' recent tier is the events after this watermark.
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'event_ids_recent_after'").fetchone():
        db.executescript("BEGIN; UPDATE event_ids_recent_after SET id = (SELECT coalesce(max(id), 0) FROM events); COMMIT;")
    db.execute("ANALYZE")
    db.close()


def event_id_hash(event_id):
    """EventIDHash.of (Sources/Stages/Persist/SQLite/EventIDHash.swift): FNV-1a over the UTF-8
    bytes, MurmurHash3's finalizer, as a signed 64-bit integer."""
    mask = (1 << 64) - 1
    h = 0xcbf29ce484222325
    for byte in event_id.encode():
        h = ((h ^ byte) * 0x100000001b3) & mask
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & mask
    h ^= h >> 33
    h = (h * 0xc4ceb9fe1a85ec53) & mask
    h ^= h >> 33
    return h - (1 << 64) if h >= 1 << 63 else h


def postgres_load(url, n, names=20):
    span = SPAN_DAYS * DAY
    ts = lambda expr: f"to_timestamp(({expr})::double precision / 1000000)"
    script = f"""
        SET synchronous_commit = off;
        BEGIN;
        INSERT INTO events (event_id, event_name, user_id, properties, timestamp, session_id, received_at)
        SELECT lpad(to_hex((x::bigint * 2654435761) % 4294967296), 8, '0') || '-bulk-' || x, 'event_' || (x % {names}), 'user-' || ((x::bigint * 7919) % 100000),
               jsonb_build_object('price', 19.99, 'quantity', 2, 'currency', 'EUR', 'i', x),
               {ts(f"{T0}::bigint + ((x::bigint * 104729) % {span})")}, 's-' || (x % 30000), {ts(T0)}
        FROM generate_series(0, {n - 1}) AS x;
        COMMIT;
        ANALYZE events;
    """
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", script], check=True)
    rollups = os.path.join(os.path.dirname(os.path.abspath(__file__)), "postgres_rollups.sql")
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-f", rollups], check=True)


def measure(binary, folder, config_text, duration, label, n, env, names):
    port = free_port()
    config = os.path.join(folder, "pipeline.yaml")
    open(config, "w").write(config_text.format(port=port, url=env.get("SMOLHOG_TEST_POSTGRES_URL", "")))
    daemon = Daemon(binary, ["serve", "--config", config], folder, "serve-analytics", env)
    rows = []
    try:
        daemon.wait_for(r"Listening")
        for name, path in ENDPOINTS:
            result = wrk(port, "get.lua", duration, 4, {"GET_PATH": path}, threads=1)
            rows.append({"store": label, "events": n, "event_names": names, "endpoint": name, "path": path, "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
                         "requests_per_s": result["requests_per_s"], "non_200": result["bad"]})
            log(f"  {label} {n}: {name} p50 {result['p50_ms']} ms p99 {result['p99_ms']} ms")
    finally:
        daemon.stop()
    return rows


def run(binary, work, counts, env, duration, stores=("sqlite", "postgres"), names=20):
    rows = []
    for n in (counts if "sqlite" in stores else []):
        folder = tempfile.mkdtemp(dir=work, prefix=f"analytics-sqlite-{n}-")
        port = free_port()
        config = os.path.join(folder, "pipeline.yaml")
        open(config, "w").write(SQLITE_YAML.format(port=port))
        schema = Daemon(binary, ["serve", "--config", config], folder, "schema")
        schema.wait_for(r"Listening")
        schema.stop()
        started = time.time()
        sqlite_load(os.path.join(folder, "data/smolhog.sqlite"), n, names)
        log(f"  sqlite: loaded {n} events in {time.time() - started:.0f} s")
        rows += measure(binary, folder, SQLITE_YAML, duration, "sqlite", n, {}, names)
        subprocess.run(["rm", "-rf", folder])
    if "postgres" in stores and env.get("SMOLHOG_TEST_POSTGRES_URL"):
        for n in counts:
            folder = tempfile.mkdtemp(dir=work, prefix=f"analytics-pg-{n}-")
            url = fresh_database(env["SMOLHOG_TEST_POSTGRES_URL"], f"bench_{n}")
            config = os.path.join(folder, "pipeline.yaml")
            open(config, "w").write(POSTGRES_YAML.format(port=0, url=url))
            subprocess.run([binary, "migrate", "--config", config], check=True, capture_output=True)
            started = time.time()
            postgres_load(url, n, names)
            log(f"  postgres: loaded {n} events in {time.time() - started:.0f} s")
            rows += measure(binary, folder, POSTGRES_YAML.replace("{url}", url), duration, "postgres", n, {}, names)
    return rows


def fresh_database(url, name):
    subprocess.run(["psql", url, "-q", "-c", f"DROP DATABASE IF EXISTS {name}"], check=True)
    subprocess.run(["psql", url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    return url.rsplit("/", 1)[0] + "/" + name
