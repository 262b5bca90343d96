#!/usr/bin/env bash
# Load generators side by side (issue 13): refbench's C `loadgen` and `synack bench` (the epoll inline client) drive the
# same C echo_epoll, server pinned to core 0 and the client to core 1, back to back in rotated order within each round;
# the script prints each scenario's median ratio synack/loadgen for throughput and p99 over the rounds.
#
#   ROUNDS=5 SCENARIOS="a b c" bash bench/clients.sh
# Loopback only; bounded (ROUNDS x scenarios x 2 x about 5 s, each client under `timeout`); the server is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(pwd)/bench/out"
mkdir -p "$out"
rm -rf "$out/refbench" && cp -r ../shared/refbench "$out/refbench" && chmod -R u+w "$out/refbench"
make -s -C "$out/refbench" loadgen echo_epoll >/dev/null
dotnet build src/Synack.Cli -c Release -o "$out/cli" -v quiet -nologo >/dev/null
read -r -a scenarios <<<"${SCENARIOS:-a b c}"
rounds=${ROUNDS:-3}
declare -A loadgen_args=( [a]="-c 1 -P 1 -s 32" [b]="-c 50 -P 1 -s 32" [c]="-c 50 -P 16 -s 32" [d]="-c 1 -P 4 -s 65536" )
declare -A bench_args=( [a]="-c 1 -P 1 -s 32" [b]="-c 50 -P 1 -s 32" [c]="-c 50 -P 16 -s 32" [d]="-c 1 -P 4 -s 65536" )
pid=""
stop_server() { [[ -n "$pid" ]] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }; pid=""; }
trap stop_server EXIT
start_server() {
  local low
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do port=$((10000 + RANDOM % (low - 10000))); [[ -z $(ss -Htan "sport = :$port") ]] && break; done
  taskset -c 0 "$out/refbench/echo_epoll" "$port" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 300); do [[ -n $(ss -Htln "sport = :$port") ]] && break; sleep 0.05; done
}
measure() { # CLIENT SCENARIO -> "msgs_per_s=N p99_us=N"
  start_server
  if [[ $1 == loadgen ]]; then
    # shellcheck disable=SC2086
    timeout 40 taskset -c 1 "$out/refbench/loadgen" -p "$port" ${loadgen_args[$2]} -d 3 -w 1 | grep -Eo '(msgs_per_s|p99_us)=[0-9.-]+' | tr '\n' ' '
  else
    local json
    json=$(mktemp)
    # shellcheck disable=SC2086
    timeout 40 taskset -c 1 dotnet "$out/cli/Synack.Cli.dll" bench "127.0.0.1:$port" ${bench_args[$2]} -d 3s -w 1s --json "$json" >/dev/null 2>&1 || true
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(f"msgs_per_s={r[\"messagesPerSecond\"]:.0f} p99_us={r[\"p99Microseconds\"]:.1f} errors={r[\"errorCount\"]}", end=" ")' "$json" 2>/dev/null || echo -n "msgs_per_s=0 p99_us=0"
    rm -f "$json"
  fi
  stop_server
}
results=$(mktemp)
for ((r = 0; r < rounds; r++)); do
  for id in "${scenarios[@]}"; do
    order=(loadgen synack)
    for ((k = 0; k < 2; k++)); do
      name=${order[$(((k + r) % 2))]}
      echo "round=$r scenario=$id client=$name $(measure "$name" "$id")" | tee -a "$results"
    done
  done
done
python3 - "$results" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=(\S+)", l)) for l in open(sys.argv[1])]
by = {}
for row in rows:
    by.setdefault((row["round"], row["scenario"]), {})[row["client"]] = row
ratios = {}
for (rnd, scen), clients in by.items():
    c, s = clients.get("loadgen"), clients.get("synack")
    if not c or not s or not float(c["msgs_per_s"]) or not float(s["msgs_per_s"]):
        continue
    ratios.setdefault(("throughput", scen), []).append(float(s["msgs_per_s"]) / float(c["msgs_per_s"]))
    if float(c["p99_us"]) > 0:
        ratios.setdefault(("p99", scen), []).append(float(s["p99_us"]) / float(c["p99_us"]))
print("median ratio synack bench / refbench loadgen within each round (throughput: higher is better; p99: lower is better):")
for (kind, scen), values in sorted(ratios.items()):
    print(f"  {kind:10} ({scen})  {statistics.median(values):.2f}x   rounds: {' '.join(f'{v:.2f}' for v in values)}")
PY
rm -f "$results"
