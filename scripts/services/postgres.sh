#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for tests and development, all state in one folder.
#   scripts/services/postgres.sh start DIR [PORT]   initdb (first time), start, create role+db smolhog,
#                                                    print `export SMOLHOG_TEST_POSTGRES_URL=...`
#   scripts/services/postgres.sh stop DIR           stop it (fast shutdown)
# PORT defaults to $SMOLHOG_POSTGRES_PORT, else the port DIR's server used before (DIR/port), else
# a free port below the ephemeral range, so runs in several folders never clash. Trust
# authentication, loopback only.
# SMOLHOG_POSTGRES_OPTIONS adds server settings, e.g. "-c shared_buffers=1GB" (bench/ uses it).
# As root, the server runs as the `postgres` user (initdb and postgres refuse to run as root).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
READY_TIMEOUT=${SMOLHOG_POSTGRES_READY_TIMEOUT:-30}

usage() {
  echo "usage: $0 start DIR [PORT] | stop DIR" >&2
  exit 2
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port nothing listens on, in 20000-31999 (below Linux's ephemeral range 32768-60999, where
# outgoing connections take their source ports).
free_port() {
  local candidate
  for _ in $(seq 1 200); do
    candidate=$((20000 + RANDOM % 12000))
    port_in_use "$candidate" || {
      echo "$candidate"
      return 0
    }
  done
  echo "no free port found" >&2
  return 1
}

# The port for DIR: asked for, else the one it had (a restart keeps its clients' URL), else free.
choose_port() {
  local dir=$1 asked=$2
  if [ -n "$asked" ]; then
    echo "$asked"
  elif [ -f "$dir/port" ]; then
    cat "$dir/port"
  else
    free_port
  fi
}

# Runs a command as the server's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=$1 port
  mkdir -p "$dir/data" "$dir/run"
  dir=$(cd "$dir" && pwd)
  port=$(choose_port "$dir" "$2")
  echo "$port" >"$dir/port"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir" "$dir/data" "$dir/run"
    chmod 700 "$dir/data"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=trust \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
  fi
  if as_owner "$PGBIN/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
    echo "postgres already running in $dir" >&2
  else
    as_owner "$PGBIN/pg_ctl" start -W -D "$dir/data" -l "$dir/postgres.log" \
      -o "-p $port -k $dir/run -c listen_addresses=127.0.0.1 ${SMOLHOG_POSTGRES_OPTIONS:-}" >/dev/null
  fi
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "postgres did not become ready on port $port within ${READY_TIMEOUT}s; see $dir/postgres.log" >&2
      tail -n 20 "$dir/postgres.log" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  local psql=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres -tA)
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'smolhog'")" ]; then
    "${psql[@]}" -c "CREATE ROLE smolhog LOGIN CREATEDB"
  fi
  if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'smolhog'")" ]; then
    "${psql[@]}" -c "CREATE DATABASE smolhog OWNER smolhog"
  fi
  echo "export SMOLHOG_TEST_POSTGRES_URL=postgres://smolhog@127.0.0.1:$port/smolhog"
}

stop() {
  local dir=$1
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    echo "no postgres data folder in $dir" >&2
    exit 1
  fi
  if as_owner "$PGBIN/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
    as_owner "$PGBIN/pg_ctl" stop -D "$dir/data" -m fast >/dev/null
  fi
}

[ $# -ge 2 ] || usage
case $1 in
  start) start "$2" "${3:-${SMOLHOG_POSTGRES_PORT:-}}" ;;
  stop) stop "$2" ;;
  *) usage ;;
esac
