#!/usr/bin/env bash
# Paired ratios: on a shared VM the machine's speed drifts within minutes, so medians of separate runs can mislead
# (the C server alone has measured 78k and 182k msg/s on (b) ten minutes apart). Here every round runs C and each
# server back to back on the same scenario, in rotated order, and the ratio is taken within the round; the script
# prints the median ratio per server and scenario over all rounds, for throughput, p99 latency and server CPU per
# message. Uses bench/run.sh's build products (run it once first).
#
#   ROUNDS=6 SERVERS="synack synack-epoll" SCENARIOS="b c d" bash bench/pairs.sh
# Loopback only; bounded (ROUNDS x servers x scenarios x about 5 s); every server is stopped by its PID.
# The body is one { } block, so bash parses all of it before running any: an edit to this file during a run (which
# broke one run's summary at stop 21) cannot change what the run does.
{
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
    synack-epoll-framed) echo "env SYNACK_TRANSPORT=epoll SYNACK_HANDLER=framed $out/servers/EchoServers synack $2" ;;
    synack-epoll-framed-batch) echo "env SYNACK_TRANSPORT=epoll SYNACK_HANDLER=framed-batch $out/servers/EchoServers synack $2" ;;
    synack-epoll-pipes) echo "env SYNACK_TRANSPORT=epoll SYNACK_EPOLL_ENGINE=pipes SYNACK_HANDLER=async $out/servers/EchoServers synack $2" ;;
    synack-async) echo "env SYNACK_HANDLER=async $out/servers/EchoServers synack $2" ;;
    synack-inline) echo "env SYNACK_TRANSPORT=sockets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 SYNACK_INLINE=1 $out/servers/EchoServers synack $2" ;;
    plain|kestrel|epoll) echo "$out/servers/EchoServers $1 $2" ;;
    *) echo "pairs: unknown server $1" >&2; exit 2 ;;
  esac
}
# shellcheck source=bench/lib.sh
source bench/lib.sh
pid=""
stop_server() { stop_pid "$pid"; pid=""; }
trap stop_server EXIT
measure() { # NAME SCENARIO -> "msgs_per_s=N p99_us=N srv_cpu=N"
  local port
  port=$(free_port)
  bash -c "exec taskset -c 0 $(server_cmd "$1" "$port")" >/dev/null 2>&1 &
  pid=$!
  wait_listening "$port" "$pid" || true
  # shellcheck disable=SC2086
  timeout 40 taskset -c 1 "$out/refbench/loadgen" -p "$port" ${scenario[$2]} -d 3 -w "${WARMUP:-1}" -S "$pid" | grep -Eo '(msgs_per_s|p99_us|srv_cpu)=[0-9.-]+' | tr '\n' ' '

  stop_server
}
results=$(mktemp)
for ((r = 0; r < rounds; r++)); do
  for id in "${scenarios[@]}"; do
    order=(c "${servers[@]}")
    for ((k = 0; k < ${#order[@]}; k++)); do
      name=${order[$(((k + r) % ${#order[@]}))]}
      echo "round=$r scenario=$id server=$name $(measure "$name" "$id")" | tee -a "$results"
    done
  done
done
python3 - "$results" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=(\S+)", l)) for l in open(sys.argv[1])]
by = {}
for row in rows:
    by.setdefault((row["round"], row["scenario"]), {})[row["server"]] = row
ratios = {"throughput": {}, "p99": {}, "cpu": {}}
for (rnd, scen), servers in by.items():
    c = servers.get("c")
    if not c or not float(c.get("msgs_per_s", 0) or 0):
        continue
    for name, row in servers.items():
        if name == "c" or not float(row.get("msgs_per_s", 0) or 0):
            continue
        ratios["throughput"].setdefault((name, scen), []).append(float(row["msgs_per_s"]) / float(c["msgs_per_s"]))
        if float(c.get("p99_us", 0) or 0) > 0:
            ratios["p99"].setdefault((name, scen), []).append(float(row["p99_us"]) / float(c["p99_us"]))
        if float(c.get("srv_cpu", -1)) > 0 and float(row.get("srv_cpu", -1)) > 0:
            per_msg = lambda r: float(r["srv_cpu"]) / float(r["msgs_per_s"])
            ratios["cpu"].setdefault((name, scen), []).append(per_msg(row) / per_msg(c))
titles = {"throughput": "throughput (higher is better)", "p99": "p99 latency (lower is better)",
          "cpu": "server CPU per message (lower is better)"}
for kind, title in titles.items():
    print(f"median ratio to C within each round, {title}:")
    for (name, scen), values in sorted(ratios[kind].items()):
        print(f"  {name:14} ({scen})  {statistics.median(values):.2f}x   rounds: {' '.join(f'{v:.2f}' for v in values)}")
PY
rm -f "$results"
exit
}
