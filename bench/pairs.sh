#!/usr/bin/env bash
# Paired ratios: on a shared VM the machine's speed drifts within minutes, so medians of separate runs can mislead
# (the C server alone has measured 78k and 182k msg/s on (b) ten minutes apart). Here every round runs C and each
# server back to back on the same scenario, in rotated order, and the ratio is taken within the round; the script
# prints the median ratio per server and scenario over all rounds. Uses bench/run.sh's build products (run it once first).
#
#   ROUNDS=6 SERVERS="synack synack-epoll" SCENARIOS="b c d" bash bench/pairs.sh
# Loopback only; bounded (ROUNDS x servers x scenarios x about 5 s); every server is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(pwd)/bench/out"
[[ -x "$out/refbench/loadgen" && -x "$out/servers/EchoServers" ]] || { echo "pairs: run bench/run.sh first (it builds the servers)" >&2; exit 1; }
read -r -a servers <<<"${SERVERS:-synack synack-epoll}"
read -r -a scenarios <<<"${SCENARIOS:-b c d}"
rounds=${ROUNDS:-6}
declare -A scenario=( [a]="-c 1 -P 1 -s 32" [b]="-c 50 -P 1 -s 32" [c]="-c 50 -P 16 -s 32" [d]="-c 1 -P 4 -s 65536" )
server_cmd() {
  case "$1" in
    c) echo "$out/refbench/echo_epoll $2" ;;
    synack) echo "env SYNACK_TRANSPORT=sockets $out/servers/EchoServers synack $2" ;;
    synack-epoll) echo "env SYNACK_TRANSPORT=epoll $out/servers/EchoServers synack $2" ;;
    synack-epoll-async) echo "env SYNACK_TRANSPORT=epoll SYNACK_HANDLER=async $out/servers/EchoServers synack $2" ;;
    synack-inline) echo "env SYNACK_TRANSPORT=sockets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 SYNACK_INLINE=1 $out/servers/EchoServers synack $2" ;;
    plain|kestrel|epoll) echo "$out/servers/EchoServers $1 $2" ;;
    *) echo "pairs: unknown server $1" >&2; exit 2 ;;
  esac
}
pid=""
stop_server() { [[ -n "$pid" ]] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; pid=""; }
trap stop_server EXIT
measure() { # NAME SCENARIO -> msgs_per_s
  local low port
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do port=$((10000 + RANDOM % (low - 10000))); [[ -z $(ss -Htan "sport = :$port") ]] && break; done
  bash -c "exec taskset -c 0 $(server_cmd "$1" "$port")" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 300); do [[ -n $(ss -Htln "sport = :$port") ]] && break; sleep 0.05; done
  # shellcheck disable=SC2086
  timeout 40 taskset -c 1 "$out/refbench/loadgen" -p "$port" ${scenario[$2]} -d 3 -w 1 -S "$pid" | grep -Eo 'msgs_per_s=[0-9]+' | cut -d= -f2
  stop_server
}
results=$(mktemp)
for ((r = 0; r < rounds; r++)); do
  for id in "${scenarios[@]}"; do
    order=(c "${servers[@]}")
    for ((k = 0; k < ${#order[@]}; k++)); do
      name=${order[$(((k + r) % ${#order[@]}))]}
      echo "round=$r scenario=$id server=$name msgs_per_s=$(measure "$name" "$id")" | tee -a "$results"
    done
  done
done
python3 - "$results" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=(\S+)", l)) for l in open(sys.argv[1])]
by = {}
for row in rows:
    by.setdefault((row["round"], row["scenario"]), {})[row["server"]] = float(row["msgs_per_s"] or 0)
ratios = {}
for (rnd, scen), servers in by.items():
    for name, value in servers.items():
        if name != "c" and servers.get("c"):
            ratios.setdefault((name, scen), []).append(value / servers["c"])
print("median ratio to C within each round (throughput; higher is better):")
for (name, scen), values in sorted(ratios.items()):
    print(f"  {name:14} ({scen})  {statistics.median(values):.2f}x   rounds: {' '.join(f'{v:.2f}' for v in values)}")
PY
rm -f "$results"
