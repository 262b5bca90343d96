#!/usr/bin/env bash
# Memory per idle connection for one Synack echo variant, alone (bench/run.sh's idle step without the rest of the run):
# 10,000 connections each echo once and go idle (refbench loadgen -I); the server's managed heap after a full GC
# (SIGHUP makes EchoServers print "HEAP <bytes>") and its RSS, before and after, divided by the connections.
#
#   bash bench/idle.sh inline|async|pipes      (inline handler | async echo, direct engine | async echo, pipes engine)
# Loopback only; bounded (loadgen -I 3 under a 120 s timeout); the server is stopped by its PID. Uses bench/run.sh's builds.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(pwd)/bench/out"
[[ -x "$out/refbench/loadgen" && -x "$out/servers/EchoServers" ]] || { echo "idle: run bench/run.sh first (it builds the servers)" >&2; exit 1; }
conns=${CONNS:-10000}
[[ $(ulimit -n) -gt $((conns + 100)) ]] || { echo "idle: raise the open-files limit above $conns" >&2; exit 1; }
case "${1:-}" in
  inline) envs=(SYNACK_TRANSPORT=epoll) ;;
  async) envs=(SYNACK_TRANSPORT=epoll SYNACK_HANDLER=async) ;;
  pipes) envs=(SYNACK_TRANSPORT=epoll SYNACK_HANDLER=async SYNACK_EPOLL_ENGINE=pipes) ;;
  *) echo "usage: bash bench/idle.sh inline|async|pipes" >&2; exit 2 ;;
esac
log=$(mktemp); fifo=$(mktemp -u); mkfifo "$fifo"
# shellcheck source=bench/lib.sh
source bench/lib.sh
port=$(free_port)
env "${envs[@]}" taskset -c 0 "$out/servers/EchoServers" synack "$port" >"$log" 2>&1 &
pid=$!
trap 'stop_pid "$pid"; rm -f "$fifo" "$log"' EXIT
wait_listening "$port" "$pid" || { echo "idle: the server did not start" >&2; exit 1; }
sleep 1
heap_before=$(managed_heap "$pid" "$log"); rss_before=$(rss_kib "$pid"); heap_after=""; rss_after=""
timeout 120 taskset -c 1 "$out/refbench/loadgen" -p "$port" -c "$conns" -s 32 -I 3 -l idle >"$fifo" &
while read -r line; do
  case "$line" in ECHOED*) sleep 1.5; heap_after=$(managed_heap "$pid" "$log"); rss_after=$(rss_kib "$pid"); echo "$line" ;; RESULT*) echo "$line" ;; esac
done <"$fifo"
[[ -n "$heap_after" ]] || { echo "idle: the connections were never all echoed" >&2; exit 1; }
echo "server=$1 conns=$conns managed_per_conn=$(( (heap_after - heap_before) / conns )) B rss_per_conn=$(( (rss_after - rss_before) * 1024 / conns )) B"
