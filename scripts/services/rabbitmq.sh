#!/usr/bin/env bash
# Starts and stops a throwaway RabbitMQ node for SmolHog's integration tests. Everything the
# node writes (database, logs, Erlang cookie) lives in DIR; the system rabbitmq service is
# neither used nor touched.
#
#   scripts/services/rabbitmq.sh start DIR   # prints: export SMOLHOG_TEST_RABBITMQ_URL=...
#   scripts/services/rabbitmq.sh stop DIR
#
# Overridable: SMOLHOG_RABBITMQ_NODENAME (default smoltest-<hash of DIR>@localhost: two nodes on
# one host need two names), SMOLHOG_RABBITMQ_PORT (AMQP), SMOLHOG_RABBITMQ_DIST_PORT (Erlang
# distribution), SMOLHOG_RABBITMQ_CTL_PORT (rabbitmqctl's own distribution listener takes this
# and the next 10), SMOLHOG_RABBITMQ_START_TIMEOUT (60 s), RABBITMQ_BIN_DIR
# (/usr/lib/rabbitmq/bin: the real scripts; /usr/sbin's wrappers su to the rabbitmq user).
#
# Ports: unless told otherwise, the first start in DIR takes a free block of 13 ports
# (AMQP, distribution, then rabbitmqctl's 11) in 20000-31999, so runs in several folders never
# clash; a later start in the same DIR (a restart) keeps them, so clients' URLs stay valid.
# rabbitmqctl's default CLI ports (35672-35682) would collide with an AMQP port there (the
# node fails with eaddrinuse, or a client reaches the CLI instead of the broker), and the
# block stays below Linux's ephemeral range (32768-60999), where outgoing connections take
# their source ports.
set -euo pipefail

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
command=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
bin=${RABBITMQ_BIN_DIR:-/usr/lib/rabbitmq/bin}
envfile="$dir/node.env"

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The first of 13 consecutive ports nothing listens on, in 20000-31999.
free_port_block() {
    local base port busy
    for _ in $(seq 1 200); do
        base=$((20000 + RANDOM % 11980))
        busy=0
        for ((port = base; port < base + 13; port++)); do
            if port_in_use "$port"; then
                busy=1
                break
            fi
        done
        if ((busy == 0)); then
            echo "$base"
            return 0
        fi
    done
    echo "no block of 13 free ports found" >&2
    return 1
}

write_env() {
    if [[ -f "$envfile" ]] && [[ -z "${SMOLHOG_RABBITMQ_PORT:-}${SMOLHOG_RABBITMQ_NODENAME:-}" ]]; then
        return 0 # a restart: same node, same ports
    fi
    local base
    base=$(free_port_block)
    local node=${SMOLHOG_RABBITMQ_NODENAME:-smoltest-$(printf '%s' "$dir" | cksum | cut -d' ' -f1)@localhost}
    local port=${SMOLHOG_RABBITMQ_PORT:-$base}
    local dist_port=${SMOLHOG_RABBITMQ_DIST_PORT:-$((base + 1))}
    local ctl_port=${SMOLHOG_RABBITMQ_CTL_PORT:-$((base + 2))}
    mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
    echo "[]." >"$dir/enabled_plugins"
    : >"$dir/rabbitmq-env.conf"
    : >"$dir/rabbitmq.conf"
    cat >"$envfile" <<ENV
export HOME="$dir/home"
export RABBITMQ_NODENAME="$node"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$port"
export RABBITMQ_DIST_PORT="$dist_port"
export RABBITMQ_CTL_DIST_PORT_MIN="$ctl_port"
export RABBITMQ_CTL_DIST_PORT_MAX="$((ctl_port + 10))"
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
ENV
}

start() {
    write_env
    # shellcheck source=/dev/null
    source "$envfile"
    for port in "$RABBITMQ_NODE_PORT" "$RABBITMQ_DIST_PORT"; do
        if port_in_use "$port"; then
            echo "port $port is already in use; set SMOLHOG_RABBITMQ_PORT / SMOLHOG_RABBITMQ_DIST_PORT" >&2
            exit 1
        fi
    done
    # Foreground-style node (no -detached), put in the background by the shell.
    nohup "$bin/rabbitmq-server" >"$dir/log/server.out" 2>&1 </dev/null &
    echo $! >"$dir/server.pid"
    local timeout=${SMOLHOG_RABBITMQ_START_TIMEOUT:-60}
    local deadline=$((SECONDS + timeout))
    until "$bin/rabbitmqctl" -n "$RABBITMQ_NODENAME" await_startup --timeout 5 >/dev/null 2>&1; do
        if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
            echo "rabbitmq-server exited; see $dir/log/server.out" >&2
            tail -n 20 "$dir/log/server.out" >&2 || true
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            echo "RabbitMQ node $RABBITMQ_NODENAME did not start within ${timeout}s; see $dir/log" >&2
            exit 1
        fi
        sleep 0.5
    done
    echo "export SMOLHOG_TEST_RABBITMQ_URL=amqp://guest:guest@127.0.0.1:$RABBITMQ_NODE_PORT/"
}

stop() {
    if [[ ! -f "$envfile" ]]; then
        echo "no node was started in $dir" >&2
        exit 1
    fi
    # shellcheck source=/dev/null
    source "$envfile"
    "$bin/rabbitmqctl" -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1 || true
    if [[ -f "$dir/server.pid" ]]; then
        local pid
        pid=$(cat "$dir/server.pid")
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "rabbitmq-server ($pid) did not stop; killing it" >&2
            kill "$pid" 2>/dev/null || true
        fi
        rm -f "$dir/server.pid"
    fi
}

case "$command" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
