# Hosts as Linux network namespaces on one bridge, for the fault harnesses (scripts/faults, scripts/faults-cluster).
# Sourced; the caller sets HOSTS (every namespace but the bridge's, the observer's included) and ip[HOST] (its
# address, inside a /24 with no route out), and `run` (the scenario's directory) before starting processes.

in_ns() { local ns=$1; shift; ip netns exec "rf-$ns" "$@"; }

network_up() {
  ip netns add rf-net
  ip -n rf-net link set lo up
  ip -n rf-net link add rfbr type bridge
  ip -n rf-net link set rfbr up
  local h
  for h in "${HOSTS[@]}"; do
    ip netns add "rf-$h"
    ip link add "v-$h" netns rf-net type veth peer name eth0 netns "rf-$h"
    ip -n rf-net link set "v-$h" master rfbr up
    ip -n "rf-$h" addr add "${ip[$h]}/24" dev eth0
    ip -n "rf-$h" link set eth0 up
    ip -n "rf-$h" link set lo up
  done
}

network_down() {
  local ns
  for ns in $(ip netns list | awk '/^rf-/ { print $1 }'); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}

heal() { # every silent drop removed (the observer's host never has any)
  local h
  for h in "${HOSTS[@]}"; do in_ns "$h" iptables -F; done
}

declare -A pid
started=()
start_bg() { # start_bg NAME NS LOG CMD...: runs CMD inside the namespace, in the background
  local name=$1 ns=$2 log=$3; shift 3
  ip netns exec "rf-$ns" "$@" > "$log" 2>&1 &
  pid[$name]=$!
  started+=("$name")
}

kill9() { # kill9 NAME...: kill -9 of started processes, reaped quietly
  local name
  for name in "$@"; do kill -9 "${pid[$name]}" 2>/dev/null || true; done
  for name in "$@"; do wait "${pid[$name]}" 2>/dev/null || true; done
}

stop_all() {
  local name
  for name in "${started[@]}"; do kill -CONT "${pid[$name]}" 2>/dev/null || true; kill -9 "${pid[$name]}" 2>/dev/null || true; done
  for name in "${started[@]}"; do wait "${pid[$name]}" 2>/dev/null || true; done
  started=()
  heal 2>/dev/null || true
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 100 ms
  local seconds=$1 what=$2 i; shift 2
  for i in $(seq $(( seconds * 10 ))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timed out after ${seconds}s waiting for $what" >&2
  return 1
}

cut_host_from() { # cut_host_from HOST ADDRESS...: silently drops HOST's traffic with those addresses
  local h=$1 a; shift
  for a in "$@"; do
    in_ns "$h" iptables -A INPUT -s "$a" -j DROP
    in_ns "$h" iptables -A OUTPUT -d "$a" -j DROP
  done
}

proxy_ready() { in_ns obs curl -sf -m 1 "http://${ip[$1]}:7380/ready" >/dev/null; }

# The packages a harness needs beyond the tests' (scripts/lib.sh ensure_packages).
ensure_harness_packages() {
  local missing=()
  command -v iptables >/dev/null || missing+=(iptables)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v curl >/dev/null || missing+=(curl)
  /usr/bin/python3 -c 'import redis' 2>/dev/null || missing+=(python3-redis)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} ..." >&2
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
  fi
}
