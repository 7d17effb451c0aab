#!/usr/bin/env bash
# Runs SmolHog with the embedded default (pipeline.yaml: SQLite queue and store under ./data):
# installs the system packages, builds smolhogd (release; the first build takes ~15 min on
# 2 cores, SMOLHOG_BUILD=debug for a ~6 min build) and serves on 127.0.0.1:8000.
# Extra arguments go to `smolhogd serve` (e.g. --listen 0.0.0.0:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh runtime
configuration=${SMOLHOG_BUILD:-release}
swift build -c "$configuration" --product smolhogd
exec "$(swift build -c "$configuration" --show-bin-path)/smolhogd" serve --config "${SMOLHOG_CONFIG:-pipeline.yaml}" "$@"
