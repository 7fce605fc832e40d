# Shared helpers for the scripts (sourced, not run).

# Installs what the scripts and tests need when it is missing (Debian; as root, or with sudo).
ensure_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  command -v mvn >/dev/null || missing+=(maven)
  command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
  # The TLS tests and scripts/demo --tls make throw-away certificates with it.
  command -v openssl >/dev/null || missing+=(openssl)
  # The metrics tests parse /metrics with Prometheus' own parser (its Python client), under Debian's python3.
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || missing+=(python3-prometheus-client)
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${missing[*]} ..." >&2
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2
}

# Node.js and npm, for the non-Java clients' checks (ioredis, from the npm registry): ClusterClientsIT and
# scripts/client-compat.
ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing nodejs npm ..." >&2
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q nodejs npm >&2
}

# Valkey (Debian's bookworm-backports), for the command-table differential test against a second server
# family. Installed without starting its service (policy-rc.d), as the tests start their own servers.
# Best effort: without it that test is skipped and says so.
ensure_valkey() {
  command -v valkey-server >/dev/null && return 0
  [ "${SKIP_VALKEY:-0}" = 1 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  local list=/etc/apt/sources.list.d/redis-failover-backports.list
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ "$codename" = bookworm ] || { echo "valkey: only set up for Debian bookworm; its test is skipped" >&2; return 0; }
  echo "installing valkey-server from bookworm-backports ..." >&2
  [ -f "$list" ] || echo "deb http://deb.debian.org/debian bookworm-backports main" | $sudo tee "$list" >/dev/null
  apt_install_no_start -t bookworm-backports valkey-server || echo "valkey-server could not be installed; its test is skipped" >&2
  $sudo pkill -x valkey-server 2>/dev/null || true
  return 0
}

# Debian's prometheus, for promtool (scripts/check-monitoring) and for the tests that scrape proxies with a
# real Prometheus; its own service is not started.
ensure_prometheus() {
  command -v promtool >/dev/null && command -v prometheus >/dev/null && return 0
  echo "installing prometheus (and its promtool) ..." >&2
  apt_install_no_start --no-install-recommends prometheus
}

# apt_install_no_start [apt-get install options] PACKAGE...: installs with apt-get, keeping the packages'
# services from starting (policy-rc.d): the tests start their own servers.
apt_install_no_start() {
  local sudo="" guard="" status=0
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    guard=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$guard" >/dev/null && $sudo chmod +x "$guard"
  fi
  { $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@"; } >&2 || status=$?
  if [ -n "$guard" ]; then $sudo rm -f "$guard"; fi
  return "$status"
}

# A free loopback TCP port.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_ping PORT SECONDS: waits until something answers PING on 127.0.0.1:PORT.
wait_ping() {
  local i
  for i in $(seq $(( $2 * 10 ))); do
    [ "$(timeout 2 redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  echo "nothing answered PING on port $1 within $2 s" >&2
  return 1
}

# start_redis DIR PORT [replicaof-port]: a redis-server without persistence, in the background.
start_redis() {
  local dir=$1 port=$2 master=${3:-}
  mkdir -p "$dir/$port"
  local args=(--bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir/$port" --logfile "$dir/$port/redis.log" --daemonize yes
    --pidfile "$dir/$port/redis.pid")
  [ -n "$master" ] && args+=(--replicaof 127.0.0.1 "$master")
  redis-server "${args[@]}"
  wait_ping "$port" 10
}

stop_redis_in() { # stop_redis_in DIR: kills every redis-server started under DIR
  local pidfile
  for pidfile in "$1"/*/redis.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
}

# wait_replica PORT SECONDS: waits until the replica on PORT has its link to the master up.
wait_replica() {
  local i
  for i in $(seq $(( $2 * 10 ))); do
    redis-cli -p "$1" info replication 2>/dev/null | grep -q 'master_link_status:up' && return 0
    sleep 0.1
  done
  echo "replica on port $1 did not sync within $2 s" >&2
  return 1
}
