#!/usr/bin/env bash
# Checks the HTTP API against its contract, property-based: starts a fresh embedded smolhogd
# (a copy of pipeline.yaml in a temp folder, on a free port) and runs schemathesis against the
# document it serves at /openapi.json. Every request schemathesis generates (valid and invalid
# bodies, parameters and headers) must get an answer that is not a 5xx, with a status code,
# a content type, headers and a body the document describes; a method a path does not serve
# must answer 405 with a true Allow header. The daemon must then exit 0 on SIGTERM.
#
#   scripts/api-contract.sh .build/debug/smolhogd
#
# schemathesis (scripts/requirements-test.txt, pinned) lives in a virtualenv in
# ${SMOLHOG_VENV:-.build/venv}, made again when the requirements change. Environment:
#   SMOLHOG_CONTRACT_SECONDS    schemathesis's time budget (default 50): the boundary cases of
#                               every parameter and field first, then random requests until
#                               the budget is spent
#   SMOLHOG_CONTRACT_SEED       replay a run with this seed (schemathesis prints the seed)
# schemathesis leaves out the document's own path (OpenAPITests checks GET /openapi.json).
# Exit status 0 when every check passes; schemathesis prints each failure with a curl command
# that reproduces it.
set -euo pipefail
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: scripts/api-contract.sh PATH/TO/smolhogd" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
venv=${SMOLHOG_VENV:-$root/.build/venv}
requirements=$root/scripts/requirements-test.txt

want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/schemathesis" ] || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  echo "api-contract: installing scripts/requirements-test.txt into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" >"$venv/.requirements.sha256"
fi

work=$(mktemp -d /tmp/smolhog-contract.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cp "$root/pipeline.yaml" "$work/pipeline.yaml"
(cd "$work" && exec "$binary" serve --config pipeline.yaml --listen 127.0.0.1:0) >"$work/daemon.log" 2>&1 &
pid=$!

# The port comes from smolhogd's `Listening.` line: `... port=N [smolhogd] Listening.`
port=""
for _ in $(seq 600); do
  port=$(sed -n 's/.*[[:space:]]port=\([0-9][0-9]*\)[[:space:]].*Listening\..*/\1/p' "$work/daemon.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "api-contract: smolhogd did not start listening within 60 s; log:" >&2
  cat "$work/daemon.log" >&2
  exit 1
fi

echo "api-contract: schemathesis against http://127.0.0.1:$port/openapi.json"
budget=${SMOLHOG_CONTRACT_SECONDS:-50}
# Past the budget, schemathesis still loads the document and prints its report: allow 100 s.
deadline=$((budget + 100))
seed=()
[ -n "${SMOLHOG_CONTRACT_SEED:-}" ] && seed=(--seed "$SMOLHOG_CONTRACT_SEED")
set +e
(cd "$work" && timeout "$deadline" "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,unsupported_method,allow_header_conformance \
  --phases examples,coverage,fuzzing \
  --max-time "$budget" "${seed[@]}" \
  --request-timeout 10 --workers 2 --generation-database none --no-color)
status=$?
set -e
[ "$status" -eq 124 ] && echo "api-contract: schemathesis did not finish within $deadline s" >&2

kill -TERM "$pid"
exit_status=0
wait "$pid" || exit_status=$?
pid=""
if [ "$exit_status" -ne 0 ]; then
  echo "api-contract: smolhogd exited with $exit_status on SIGTERM; the end of its log:" >&2
  tail -n 40 "$work/daemon.log" >&2
  [ "$status" -eq 0 ] && status=1
fi
if [ "$status" -ne 0 ]; then
  echo "api-contract: failed (exit $status); the end of smolhogd's log:" >&2
  tail -n 20 "$work/daemon.log" >&2
fi
exit "$status"
