# Sourced by the test scripts that drive a live smolhogd (api-contract.sh, sdk-test.sh):
# the test virtualenv, and a fresh embedded daemon on a free port. test.sh uses only the
# virtualenv (its python runs scripts/make-test-geoip.py for the GeoIP tests).
#
#   smolhog_venv ROOT            ensures $venv holds scripts/requirements-test.txt (made
#                                again when that file changes)
#   smolhog_start_daemon BINARY  copies ROOT/pipeline.yaml into $work, starts `serve` there on
#                                127.0.0.1:0 and sets $pid and $port (from its Listening line)
#   smolhog_stop_daemon NAME     SIGTERM; fails (with the log's end) unless it exits 0
#   smolhog_begin NAME ARGS...   all of it for a script called with PATH/TO/smolhogd: checks
#                                the argument, sets $root, $binary, $venv, $work (removed with
#                                the daemon killed on exit), and starts the daemon

smolhog_venv() {
  local root=$1 requirements=$1/scripts/requirements-test.txt want
  venv=${SMOLHOG_VENV:-$root/.build/venv}
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ ! -x "$venv/bin/python3" ] || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
    echo "installing scripts/requirements-test.txt into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    echo "$want" >"$venv/.requirements.sha256"
  fi
}

smolhog_start_daemon() {
  local binary=$1
  cp "$root/pipeline.yaml" "$work/pipeline.yaml"
  (cd "$work" && exec "$binary" serve --config pipeline.yaml --listen 127.0.0.1:0) >"$work/daemon.log" 2>&1 &
  pid=$!
  # The port comes from smolhogd's `Listening.` line: `... port=N [smolhogd] Listening.`
  port=""
  for _ in $(seq 600); do
    port=$(sed -n 's/.*[[:space:]]port=\([0-9][0-9]*\)[[:space:]].*Listening\..*/\1/p' "$work/daemon.log" | head -n 1)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "smolhogd did not start listening within 60 s; log:" >&2
  cat "$work/daemon.log" >&2
  return 1
}

smolhog_stop_daemon() {
  local name=$1 exit_status=0
  kill -TERM "$pid"
  wait "$pid" || exit_status=$?
  pid=""
  if [ "$exit_status" -ne 0 ]; then
    echo "$name: smolhogd exited with $exit_status on SIGTERM; the end of its log:" >&2
    tail -n 40 "$work/daemon.log" >&2
    return 1
  fi
}

smolhog_begin() {
  local name=$1
  shift
  if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: scripts/$name.sh PATH/TO/smolhogd" >&2
    exit 2
  fi
  binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  smolhog_venv "$root"
  work=$(mktemp -d "/tmp/smolhog-$name.XXXXXX")
  pid=""
  trap 'if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
  smolhog_start_daemon "$binary"
}
