#!/usr/bin/env bash
# TLS echo on the epoll transport against TLS echo on the runtime's sockets (issue 12: "report the ratio"), paired by
# round: the same EchoServers binary with SYNACK_TLS=1 (TLS 1.3, one throwaway P-256 certificate, so both sides negotiate
# the same suite), the async and the inline handler, pinned to core 0; `synack bench --tls --threads 1` pinned to core 1,
# 50 connections, 32 B, (b) -P 1 and (c) -P 16, 3 s after 1 s of warm-up. Prints msg/s per run and the epoll/sockets
# ratio per round; nothing is written to the docs.
#
#   ROUNDS=3 bash bench/tls.sh
# Loopback only; each bench run is bounded (-d, under `timeout`); servers are stopped by their PID.
# One { } block, so bash parses all of it before running any: an edit during a run cannot change it (as pairs.sh).
{
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
out=bench/out
dotnet build bench/EchoServers -c Release -o "$out/servers" -v quiet -nologo >/dev/null
dotnet build src/Synack.Cli -c Release -o "$out/cli" -v quiet -nologo >/dev/null
# shellcheck source=bench/lib.sh
source bench/lib.sh
pid=""
trap 'stop_pid "$pid"' EXIT

rate() { # TRANSPORT HANDLER PIPELINE -> msg/s
  local port json
  port=$(free_port); json=$(mktemp)
  SYNACK_TLS=1 SYNACK_TRANSPORT=$1 SYNACK_HANDLER=$2 taskset -c 0 "$out/servers/EchoServers" synack "$port" >/dev/null 2>&1 &
  pid=$!
  wait_listening "$port" "$pid" || { echo 0; return; }
  timeout 40 taskset -c 1 "$out/cli/Synack.Cli" bench "127.0.0.1:$port" --tls --threads 1 -c 50 -P "$3" -s 32 -d 3s -w 1s \
    --json "$json" >/dev/null 2>&1 || true
  stop_pid "$pid"; pid=""
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("messagesPerSecond", 0))' "$json" 2>/dev/null || echo 0
  rm -f "$json"
}
for ((r = 1; r <= rounds; r++)); do
  for handler in async inline; do
    for p in 1 16; do
      e=$(rate epoll "$handler" "$p"); s=$(rate sockets "$handler" "$p")
      awk -v r="$r" -v h="$handler" -v p="$p" -v e="$e" -v s="$s" \
        'BEGIN { printf "round=%d handler=%s P=%d epoll=%.0f sockets=%.0f ratio=%.2f\n", r, h, p, e, s, (s > 0 ? e / s : 0) }'
    done
  done
done
exit
}
