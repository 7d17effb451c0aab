#!/usr/bin/env bash
# The real PostHog and Segment SDKs (posthog, segment-analytics-python from PyPI, pinned in
# scripts/requirements-test.txt) against a fresh embedded smolhogd running the shipped
# pipeline.yaml: Tests/SDK/sdk_scenarios.py drives each SDK (plain, gzip, PostHog's v1
# capture) and checks what was stored field by field, and that a resent batch is stored
# once. The daemon must then exit 0 on SIGTERM.
#
#   scripts/sdk-test.sh .build/debug/smolhogd
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/daemon.sh
. "$root/scripts/lib/daemon.sh"
smolhog_begin sdk-test "$@"

echo "sdk-test: PostHog and Segment SDKs against http://127.0.0.1:$port"
status=0
timeout 600 "$venv/bin/python3" "$root/Tests/SDK/sdk_scenarios.py" "$port" || status=$?
smolhog_stop_daemon sdk-test || status=1
if [ "$status" -ne 0 ]; then
  echo "sdk-test: failed (exit $status); the end of smolhogd's log:" >&2
  tail -n 30 "$work/daemon.log" >&2
fi
exit "$status"
