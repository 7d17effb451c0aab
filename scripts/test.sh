#!/usr/bin/env bash
# Runs every test: installs what is missing (apt), checks formatting, builds once, starts a
# real PostgreSQL and RabbitMQ on loopback in a temporary folder (once for the whole run),
# runs the suite against them, and stops them whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
scripts/install-deps.sh test

echo "== swift format lint --strict"
swift format lint --strict -r Sources Tests Examples Plugins Fuzz $(ls -d bench 2>/dev/null) Package.swift
python3 scripts/check-public-docs.py

echo "== build (debug, with tests)"
swift build --build-tests
echo "== docs: config fields, routes, runnable blocks"
scripts/check-docs.sh .build/debug/smolhogd

# The test virtualenv (scripts/requirements-test.txt): the GeoIP tests write their databases
# with its mmdb-writer, through this python.
# shellcheck source=lib/daemon.sh
. scripts/lib/daemon.sh
smolhog_venv "$PWD"
export SMOLHOG_TEST_PYTHON="$venv/bin/python3"

work=$(mktemp -d /tmp/smolhog-test.XXXXXX)
chmod 755 "$work"
# Daemons the tests start inherit this; a test process that crashes never stops its own.
export SMOLHOG_TEST_RUN="$work"
stop_leftover_daemons() {
  local pid
  for pid in $(pgrep -x smolhogd || true); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "SMOLHOG_TEST_RUN=$work"; then
      echo "stopping smolhogd $pid, left running by a test" >&2
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}
cleanup() {
  stop_leftover_daemons
  [ -x scripts/services/rabbitmq.sh ] && scripts/services/rabbitmq.sh stop "$work/rabbitmq" >/dev/null 2>&1 || true
  [ -x scripts/services/postgres.sh ] && scripts/services/postgres.sh stop "$work/postgres" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -x scripts/services/postgres.sh ]; then
  echo "== start PostgreSQL"
  eval "$(scripts/services/postgres.sh start "$work/postgres")"
  export SMOLHOG_TEST_POSTGRES_DIR="$work/postgres"
  [ -n "${SMOLHOG_TEST_POSTGRES_URL:-}" ] || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
if [ -x scripts/services/rabbitmq.sh ]; then
  echo "== start RabbitMQ"
  eval "$(scripts/services/rabbitmq.sh start "$work/rabbitmq")"
  export SMOLHOG_TEST_RABBITMQ_DIR="$work/rabbitmq"
  [ -n "${SMOLHOG_TEST_RABBITMQ_URL:-}" ] || { echo "RabbitMQ did not start" >&2; exit 1; }
fi

echo "== swift test"
set +e
swift test --skip-build --skip DisruptiveServiceTests 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
stop_leftover_daemons
# Restarts of the shared servers run alone, so no other test sees the outage.
echo "== swift test: service restarts under load"
SMOLHOG_DISRUPTIVE=1 swift test --skip-build --filter DisruptiveServiceTests 2>&1 | tee -a "$work/test.log"
disruptive=${PIPESTATUS[0]}
# A team's own package (Examples/plan-lookup) depends on this one and builds its own daemon;
# it shares the build folder, so only its own targets compile.
echo "== Examples/plan-lookup: build and test"
swift build --package-path Examples/plan-lookup --scratch-path "$PWD/.build" --build-tests 2>&1 | tee -a "$work/test.log"
example=${PIPESTATUS[0]}
if [ "$example" -eq 0 ]; then
  swift test --package-path Examples/plan-lookup --scratch-path "$PWD/.build" --skip-build 2>&1 | tee -a "$work/test.log"
  example=${PIPESTATUS[0]}
fi
echo "== fuzz: every decoder of untrusted bytes, 20 s each"
scripts/fuzz.sh 2>&1 | tee -a "$work/test.log"
fuzz=${PIPESTATUS[0]}
echo "== API contract: schemathesis against a live smolhogd"
scripts/api-contract.sh .build/debug/smolhogd 2>&1 | tee -a "$work/test.log"
contract=${PIPESTATUS[0]}
echo "== SDKs: posthog and segment-analytics-python against a live smolhogd"
scripts/sdk-test.sh .build/debug/smolhogd 2>&1 | tee -a "$work/test.log"
sdk=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] && status=$fuzz
[ "$status" -eq 0 ] && status=$sdk
[ "$status" -eq 0 ] && status=$disruptive
[ "$status" -eq 0 ] && status=$example
[ "$status" -eq 0 ] && status=$contract
echo "== tests finished in $(( $(date +%s) - started )) s (exit $status)"
exit "$status"
