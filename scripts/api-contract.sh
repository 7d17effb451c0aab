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
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/daemon.sh
. "$root/scripts/lib/daemon.sh"
smolhog_begin api-contract "$@"

echo "api-contract: schemathesis against http://127.0.0.1:$port/openapi.json"
budget=${SMOLHOG_CONTRACT_SECONDS:-50}
# Past the budget, schemathesis still loads the document and prints its report: allow 100 s.
deadline=$((budget + 100))
# One worker: with two, schemathesis's generator threads race in CPython 3.11's ast module
# ("SystemError: AST constructor recursion depth mismatch") while building the PostHog bodies,
# and the run fails with a runtime error that is not a finding.
seed=()
[ -n "${SMOLHOG_CONTRACT_SEED:-}" ] && seed=(--seed "$SMOLHOG_CONTRACT_SEED")
set +e
(cd "$work" && timeout "$deadline" "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,unsupported_method,allow_header_conformance \
  --phases examples,coverage,fuzzing \
  --max-time "$budget" "${seed[@]}" \
  --request-timeout 10 --workers 1 --generation-database none --no-color)
status=$?
set -e
[ "$status" -eq 124 ] && echo "api-contract: schemathesis did not finish within $deadline s" >&2

if ! smolhog_stop_daemon api-contract; then
  [ "$status" -eq 0 ] && status=1
fi
if [ "$status" -ne 0 ]; then
  echo "api-contract: failed (exit $status); the end of smolhogd's log:" >&2
  tail -n 20 "$work/daemon.log" >&2
fi
exit "$status"
