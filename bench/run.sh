#!/usr/bin/env bash
# The benchmark command: installs wrk and the servers, builds smolhogd in release mode, runs
# every scenario and prints the table (figures also in bench/results/latest.json).
# Arguments go to bench.py, e.g. `bench/run.sh --scenarios embedded --duration 5`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
swift build -c release --product smolhogd
exec python3 bench/bench.py "$@"
