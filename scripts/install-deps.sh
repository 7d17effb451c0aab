#!/usr/bin/env bash
# Installs the Debian packages SmolHog needs, idempotently: nothing is fetched when all are
# present. `runtime` = build and run smolhogd; `test` = also the servers the tests start
# (PostgreSQL, RabbitMQ), python3-venv for the API contract check's virtualenv, and the load
# generator the benchmarks use.
set -euo pipefail
mode=${1:-runtime}
packages=(libsqlite3-dev librabbitmq-dev libmaxminddb-dev zlib1g-dev pkg-config curl ca-certificates)
if [ "$mode" = test ] || [ "$mode" = bench ]; then
  packages+=(postgresql postgresql-contrib rabbitmq-server procps wrk python3 python3-venv)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# Debian's postinst scripts may try to start system services; the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
