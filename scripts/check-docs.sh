#!/usr/bin/env bash
# Checks the documentation against the code and runs its commands.
#
#   scripts/check-docs.sh .build/debug/smolhogd     # everything (needs a built smolhogd)
#   scripts/check-docs.sh --static                  # only the checks that need no binary
#   python3 scripts/check_docs.py --binary B --verbose   # also print what each block printed
#
# 1. Every config field is documented: each case of every `enum CodingKeys` under Sources/
#    (the config types of server:, worker:, the stages and their drivers) must appear in
#    docs/configuration.md as `name` or as a YAML key `name:`, and so must the YAML name of
#    every stage kind and driver (`static let name = "sqlite"`). Fails naming each one missing.
# 2. Every HTTP route is documented: each `router.get("/path")` (post, put, patch, delete) under
#    Sources/ must appear in docs/api.md as `GET /path`, and so must every operation of
#    docs/openapi.json (whose paths OpenAPITests checks against the router).
# 3. Every runnable block runs: in README.md and docs/*.md, a ```sh fence whose line before is
#
#        <!-- check-docs: run -->
#
#    is run with bash (-e -o pipefail), in order, against one fresh embedded deployment:
#    the binary's `serve` with a copy of pipeline.yaml in a temp folder (so its relative data
#    paths live there), on a free port (`--listen 127.0.0.1:0`; the port is read from the log
#    line with `port=`). In each block `localhost:8000` and `127.0.0.1:8000` are replaced with
#    the daemon's address; the block runs in the temp folder (copies of pipeline.yaml and
#    deploy/ are there, as in the repository) with the binary's folder first on PATH, so `smolhogd ...` runs the binary under test, and with
#    SMOLHOG_URL=http://127.0.0.1:PORT. `curl` fails on an HTTP status of 400 or more unless the
#    marker says `<!-- check-docs: run expect-http-errors -->`. A block that exits non-zero
#    fails the check. The daemon is then stopped with SIGTERM and must exit 0.
#    Blocks without the marker (builds, benchmarks, systemd) are not run.
#
# Uses bash and the system's python3 only. Exit status 0 when every check passes.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: scripts/check-docs.sh PATH/TO/smolhogd | --static" >&2
  exit 2
fi
if [ "$1" = --static ]; then
  exec python3 "$(dirname "$0")/check_docs.py" --static
fi
[ -f "$1" ] && [ -x "$1" ] || { echo "check-docs: '$1' is not an executable smolhogd" >&2; exit 2; }
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
exec python3 "$(dirname "$0")/check_docs.py" --binary "$binary"
