#!/usr/bin/env bash
# The RESP sample (samples/RespServer, an IInlineHandler) against redis-server, driven by redis-benchmark:
# SET and GET, 50 clients, without pipelining (-P 1) and with 16 commands in flight (-P 16). Each server runs pinned to
# core 0, redis-benchmark to core 1; rounds alternate the servers. Results are printed, not written to the docs.
#
#   ROUNDS=2 bash bench/resp.sh        (needs redis-server and redis-benchmark: apt-get install redis-server redis-tools)
# Loopback only; bounded (each redis-benchmark run has a fixed request count and a 60 s timeout); every server is
# stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-2}
for tool in redis-server redis-benchmark taskset ss dotnet; do
  command -v "$tool" >/dev/null || { echo "resp: '$tool' is required" >&2; exit 1; }
done
dotnet build samples/RespServer -c Release -o bench/out/resp -v quiet -nologo >/dev/null

# shellcheck source=bench/lib.sh
source bench/lib.sh
pid=""
stop_server() { stop_pid "$pid"; pid=""; }
trap stop_server EXIT
run() { # NAME PORT
  local listen="--Synack:Servers:Resp:Listen:0=127.0.0.1:$2 --Synack:Servers:Resp:Listen:1=127.0.0.2:$2 --Logging:LogLevel:Default=Warning"
  case "$1" in
    redis) taskset -c 0 redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 & ;;
    synack) taskset -c 0 bench/out/resp/RespServer $listen >/dev/null 2>&1 & ;;
    synack-sockets) SYNACK_TRANSPORT=sockets taskset -c 0 bench/out/resp/RespServer $listen >/dev/null 2>&1 & ;;
  esac
  pid=$!
  wait_listening "$2" "$pid" || true
  for p in "1 100000" "16 1000000"; do
    read -r pipeline requests <<<"$p"
    timeout 60 taskset -c 1 redis-benchmark -p "$2" -t set,get -n "$requests" -c 50 -P "$pipeline" -r 1000 -q 2>/dev/null \
      | tr '\r' '\n' | grep -E 'requests per second' | sed "s/^/round=$r server=$1 pipeline=$pipeline /"
  done
  stop_server
}
for ((r = 0; r < rounds; r++)); do
  for name in redis synack synack-sockets; do
    run "$name" "$(free_port)"
  done
done
