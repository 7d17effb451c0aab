#!/usr/bin/env python3
"""The real PostHog and Segment Python SDKs against a running smolhogd (scripts/sdk-test.sh).

Each scenario drives one SDK configuration through what an app does (set/identify, 25+
captures with nested, null, float and non-ASCII properties, page and screen, alias, group),
flushes, then reads /analytics back and checks the stored events field by field, and that a
batch sent again (same uuids / messageIds, as an SDK's retry sends it) is stored once.

    python3 Tests/SDK/sdk_scenarios.py PORT
Exits 1 with every failed check listed.
"""
import datetime, json, sys, time, urllib.error, urllib.parse, urllib.request, uuid

PORT = int(sys.argv[1])
HOST = f"http://127.0.0.1:{PORT}"
FAILURES = []
TITLE = "Ünïcödé ✓ 🚀🎉 日本語"


def check(condition, what):
    if not condition:
        FAILURES.append(what)
        print(f"  FAIL {what}", flush=True)


def get(path):
    with urllib.request.urlopen(HOST + path, timeout=30) as response:
        return json.loads(response.read())


def events_of(user, expected, deadline_s=60):
    """The stored events of `user`, newest first, once at least `expected` are stored."""
    deadline = time.time() + deadline_s
    while True:
        rows = get(f"/analytics/events?limit=1000&user_id={urllib.parse.quote(user)}")["events"]
        if len(rows) >= expected or time.time() > deadline:
            return rows
        time.sleep(0.05)


def get_or_none(path):
    try:
        return get(path)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def check_person_and_group(label, user, anon, group_key, set_once_expected=None):
    """The person view joins `anon` and `user` with the profile set, and the group keeps its
    properties and `user` as a member (the worker applies them with the events)."""
    person = get_or_none(f"/analytics/persons/{urllib.parse.quote(anon)}")
    check(person is not None, f"{label}: a person for the aliased id {anon}")
    if person:
        check(sorted(person.get("distinct_ids", [])) == sorted([anon, user]), f"{label}: the person has both ids, got {person.get('distinct_ids')}")
        props = person.get("properties", {})
        for key, value in {"email": "ada@example.com", "plan": "pro", "age": 36}.items():
            check(props.get(key) == value, f"{label}: person property {key} = {value!r}, got {props.get(key)!r}")
        check(len(person.get("recent_events", [])) >= 20, f"{label}: the person view lists recent events of its ids")
    group = get_or_none(f"/analytics/groups/company/{urllib.parse.quote(group_key)}")
    check(group is not None, f"{label}: the group company/{group_key}")
    if group:
        check(group.get("properties") == {"name": "Acme Inc", "employees": 42}, f"{label}: group properties, got {group.get('properties')}")
        check(user in group.get("members", []), f"{label}: {user} is a member of the group, got {group.get('members')}")


def by_name(rows):
    found = {}
    for row in rows:
        found.setdefault(row["event_name"], []).append(row)
    return found


def captured_properties(i):
    return {"i": i, "price": 19.99 + i, "is_trial": i % 2 == 0, "coupon": None, "tags": ["a", "b", 0],
            "cart": {"items": [{"sku": f"SKU-{i}", "qty": 2}], "currency": "EUR"}, "title": TITLE}


def check_captures(rows, label, count):
    views = sorted(by_name(rows).get("product_viewed", []), key=lambda r: r["properties"]["i"])
    check(len(views) == count, f"{label}: {count} product_viewed stored, got {len(views)}")
    for row in views:
        i = row["properties"]["i"]
        for key, value in captured_properties(i).items():
            got = row["properties"].get(key)
            same = abs(got - value) < 1e-9 if isinstance(value, float) and isinstance(got, (int, float)) else got == value
            check(same, f"{label}: product_viewed i={i} property {key} = {value!r}, got {got!r}")


def posthog_scenario(label, **options):
    from posthog import Posthog
    user, anon = f"ph-{label}-user", f"ph-{label}-anon"
    client = Posthog("phc_test", host=HOST, max_retries=0, **options)
    client.set(distinct_id=user, properties={"email": "ada@example.com", "plan": "pro", "age": 36})
    ids = [str(uuid.uuid4()) for _ in range(25)]
    for i in range(25):
        client.capture("product_viewed", distinct_id=user, properties=captured_properties(i), uuid=ids[i],
                       groups={"company": f"acme-{label}"})
    client.capture("$pageview", distinct_id=user, properties={"$current_url": "https://example.com/docs?utm_source=sdk"})
    client.capture("$screen", distinct_id=user, properties={"$screen_name": "Settings"})
    client.alias(previous_id=anon, distinct_id=user)
    client.group_identify("company", f"acme-{label}", {"name": "Acme Inc", "employees": 42}, distinct_id=user)
    client.flush()
    rows = events_of(user, 28)
    names = by_name(rows)
    check_captures(rows, f"posthog {label}", 25)
    check(len(names.get("$pageview", [])) == 1, f"posthog {label}: one $pageview")
    check(len(names.get("$screen", [])) == 1, f"posthog {label}: one $screen")
    pageview = names.get("$pageview", [{}])[0]
    check(pageview.get("properties", {}).get("$current_url") == "https://example.com/docs?utm_source=sdk",
          f"posthog {label}: $pageview keeps $current_url")
    # The shipped pipeline.yaml's enrichment: the client address, anonymized.
    enriched = pageview.get("properties", {})
    check(enriched.get("$ip") == "127.0.0.0", f"posthog {label}: $ip is the client address anonymized, got {enriched.get('$ip')!r}")
    sets = names.get("$set", [])
    check(len(sets) == 1 and sets[0]["properties"].get("$set", {}).get("email") == "ada@example.com",
          f"posthog {label}: $set stored with its $set properties, got {sets}")
    groups = names.get("$groupidentify", [])
    check(len(groups) == 1 and groups[0]["properties"].get("$group_key") == f"acme-{label}",
          f"posthog {label}: $groupidentify stored, got {groups}")
    alias = get(f"/analytics/events?limit=10&user_id={urllib.parse.quote(anon)}")["events"]
    check(any(r["event_name"] == "$create_alias" and r["properties"].get("alias") == user for r in alias),
          f"posthog {label}: $create_alias stored under the previous id with properties.alias, got {alias}")
    check_person_and_group(f"posthog {label}", user, anon, f"acme-{label}")
    view = next((r for r in rows if r["properties"].get("i") == 0), None)
    check(view is not None and view["event_id"] == ids[0], f"posthog {label}: the SDK's uuid is the event_id")
    # The SDK's retry resends the same uuids: stored once.
    before = len(events_of(user, 28))
    for i in range(25):
        client.capture("product_viewed", distinct_id=user, properties=captured_properties(i), uuid=ids[i])
    client.flush()
    client.capture("marker", distinct_id=user)
    client.flush()
    after = events_of(user, before + 1)
    check(len(after) == before + 1, f"posthog {label}: a resent batch is stored once ({before} + marker, got {len(after)})")
    client.shutdown()


def segment_scenario(label, gzip):
    import segment.analytics as analytics
    analytics.write_key = "seg_test_write_key"
    analytics.host = HOST
    analytics.gzip = gzip
    analytics.max_retries = 0
    analytics.sync_mode = False
    user, anon = f"seg-{label}-user", f"seg-{label}-anon"
    analytics.identify(user, {"email": "ada@example.com", "plan": "pro", "age": 36})
    ids = [f"seg-{label}-{i}-{uuid.uuid4()}" for i in range(25)]
    for i in range(25):
        analytics.track(user, "product_viewed", captured_properties(i), context={"ip": "203.0.113.9"}, message_id=ids[i])
    analytics.page(user, "Docs", "Getting Started", {"url": "https://example.com/docs", "path": "/docs"})
    analytics.screen(user, "App", "Settings", {"theme": "dark"})
    analytics.alias(anon, user)
    analytics.group(user, f"acme-{label}", {"name": "Acme Inc", "employees": 42})
    analytics.flush()
    rows = events_of(user, 30)
    names = by_name(rows)
    check_captures(rows, f"segment {label}", 25)
    view = next((r for r in rows if r["properties"].get("i") == 3), {})
    check(view.get("event_id") == ids[3], f"segment {label}: messageId is the event_id")
    # context stays in properties; the shipped `ip` step anonymizes the address it forwards.
    check(view.get("properties", {}).get("context", {}).get("ip") == "203.0.113.0",
          f"segment {label}: context kept in properties, its ip anonymized, got {view.get('properties', {}).get('context')}")
    check(view.get("properties", {}).get("$ip") == "203.0.113.0", f"segment {label}: $ip from context.ip, anonymized")
    check(len(names.get("$identify", [])) == 1, f"segment {label}: identify stored as $identify, got {list(names)}")
    pages = names.get("$pageview", [])
    check(len(pages) == 1 and pages[0]["properties"].get("name") == "Getting Started", f"segment {label}: page stored, got {pages}")
    check(len(names.get("$screen", [])) == 1, f"segment {label}: screen stored")
    check(len(names.get("$groupidentify", [])) == 1, f"segment {label}: group stored as $groupidentify")
    # Segment's group has no type: stored as the documented default type "group".
    group = get_or_none(f"/analytics/groups/group/{urllib.parse.quote(f'acme-{label}')}")
    check(group is not None and user in group.get("members", []) and group.get("properties", {}).get("employees") == 42,
          f"segment {label}: the group keeps its traits and member, got {group}")
    person = get_or_none(f"/analytics/persons/{urllib.parse.quote(anon)}")
    check(person is not None and sorted(person.get("distinct_ids", [])) == sorted([anon, user])
          and person.get("properties", {}).get("email") == "ada@example.com",
          f"segment {label}: alias joins {anon} to {user} with the identify traits, got {person}")
    before = len(rows)
    for i in range(25):
        analytics.track(user, "product_viewed", captured_properties(i), message_id=ids[i])
    analytics.track(user, "marker")
    analytics.flush()
    after = events_of(user, before + 1)
    check(len(after) == before + 1, f"segment {label}: a resent batch is stored once ({before} + marker, got {len(after)})")


def main():
    scenarios = [
        ("posthog plain", lambda: posthog_scenario("plain")),
        ("posthog gzip", lambda: posthog_scenario("gzip", gzip=True)),
        ("posthog v1", lambda: posthog_scenario("v1", capture_mode="v1")),
        ("segment plain", lambda: segment_scenario("plain", False)),
        ("segment gzip", lambda: segment_scenario("gzip", True)),
    ]
    for name, run in scenarios:
        print(f"sdk: {name}", flush=True)
        try:
            run()
        except Exception as error:  # a failed SDK call is a failed check, with its error
            FAILURES.append(f"{name}: {type(error).__name__}: {error}")
            print(f"  FAIL {name}: {error!r}", flush=True)
    stats = get("/analytics/stats")
    stored = sum(len(get(f"/analytics/events?limit=1000&user_id={urllib.parse.quote(u)}")["events"])
                 for u in [f"ph-{l}-{k}" for l in ("plain", "gzip", "v1") for k in ("user", "anon")]
                 + [f"seg-{l}-{k}" for l in ("plain", "gzip") for k in ("user", "anon")])
    check(stats["total_events"] == stored, f"the rollups count each stored event once: {stats['total_events']} against {stored} listed")
    if FAILURES:
        print(f"sdk: {len(FAILURES)} checks failed", flush=True)
        sys.exit(1)
    print("sdk: every check passed", flush=True)


if __name__ == "__main__":
    main()
