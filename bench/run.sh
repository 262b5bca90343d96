#!/usr/bin/env bash
# Side-by-side echo benchmark: C echo_epoll (../shared/refbench) vs Synack (runtime sockets, epoll transport, inline
# scheduling) vs a plain .NET Socket loop vs Kestrel vs a bare managed epoll loop (the runtime's ceiling, no Synack).
#
#   bash bench/run.sh [--quick]        (--quick: 1 repetition, 2 s per scenario, 2,000 idle connections)
#   SERVERS="synack plain" SCENARIOS="b c" IDLE=0 bash bench/run.sh --quick    (a subset, for measuring one lever)
#
# Every server runs pinned to core 0, the refbench loadgen to core 1. Scenarios (loadgen args):
#   a  -c 1  -P 1  -s 32      round-trip latency (p99)
#   b  -c 50 -P 1  -s 32      request/response throughput
#   c  -c 50 -P 16 -s 32      pipelined small messages
#   d  -c 1  -P 4  -s 65536   bulk throughput
#   idle  loadgen -I: 10,000 idle connections; per connection, after one echo each: server RSS growth and (for .NET)
#         managed-heap growth after a full GC
# Three repetitions, server order rotated each time; the table holds medians and ratios to C from this one run and is
# written to docs/benchmarks.md between the GENERATED markers. Loopback only; bounded (about 9 minutes); every process
# this script starts is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/out"
mkdir -p "$out"

reps=3; secs=3; warm=1; idle_conns=10000; hold=3
if [[ "${1:-}" == "--quick" ]]; then reps=1; secs=2; idle_conns=2000; hold=2; fi

for tool in gcc make taskset ss python3 dotnet; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is required" >&2; exit 1; }
done
[[ $(nproc) -ge 2 ]] || { echo "bench: needs 2 cores (server on core 0, loadgen on core 1)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[[ $(ulimit -n) -gt $((idle_conns + 100)) ]] || { echo "bench: raise the open-files limit above $idle_conns" >&2; exit 1; }

# --- build: refbench from a copy (../shared is read-only), the .NET echo servers in Release ---
# shellcheck source=bench/lib.sh
source bench/lib.sh
build_refbench
dotnet build bench/EchoServers -c Release -o "$out/servers" -v quiet -nologo >/dev/null
loadgen="$out/refbench/loadgen"

read -r -a servers <<<"${SERVERS:-c synack synack-epoll synack-inline plain kestrel epoll}"
read -r -a scenarios <<<"${SCENARIOS:-a b c d}"
server_cmd() { # NAME PORT
  case "$1" in
    c) echo "$out/refbench/echo_epoll $2" ;;
    synack) echo "env SYNACK_TRANSPORT=sockets $out/servers/EchoServers synack $2" ;;
    synack-inline) echo "env SYNACK_TRANSPORT=sockets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 SYNACK_INLINE=1 $out/servers/EchoServers synack $2" ;;
    synack-epoll) echo "env SYNACK_TRANSPORT=epoll $out/servers/EchoServers synack $2" ;;
    synack-epoll-async) echo "env SYNACK_TRANSPORT=epoll SYNACK_HANDLER=async $out/servers/EchoServers synack $2" ;;
    synack-epoll-framed) echo "env SYNACK_TRANSPORT=epoll SYNACK_HANDLER=framed $out/servers/EchoServers synack $2" ;;
    synack-epoll-framed-batch) echo "env SYNACK_TRANSPORT=epoll SYNACK_HANDLER=framed-batch $out/servers/EchoServers synack $2" ;;
    synack-epoll-pipes) echo "env SYNACK_TRANSPORT=epoll SYNACK_EPOLL_ENGINE=pipes SYNACK_HANDLER=async $out/servers/EchoServers synack $2" ;;
    synack-inline-socket) echo "env SYNACK_TRANSPORT=sockets DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 $out/servers/EchoServers synack $2" ;;
    plain) echo "$out/servers/EchoServers plain $2" ;;
    kestrel) echo "$out/servers/EchoServers kestrel $2" ;;
    epoll) echo "$out/servers/EchoServers epoll $2" ;;
  esac
}

pid=""
stop_server() { stop_pid "$pid"; pid=""; }
trap stop_server EXIT

start_server() { # NAME -> sets pid, port
  port=$(free_port)
  # exec so that $! is the server itself (taskset execs too): its PID is what loadgen -S and kill use.
  bash -c "exec taskset -c 0 $(server_cmd "$1" "$port")" >"$out/server-$1.log" 2>&1 &
  pid=$!
  wait_listening "$port" "$pid" && return 0
  echo "bench: server $1 did not start; see $out/server-$1.log" >&2
  exit 1
}

# Managed heap after a full GC, from the .NET servers (bench/lib.sh's managed_heap); 0 for C.
heap_bytes() { # NAME
  [[ "$1" == c ]] && { echo 0; return; }
  managed_heap "$pid" "$out/server-$1.log"
}

results="$out/results.txt"
: >"$results"
declare -A scenario=( [a]="-c 1 -P 1 -s 32" [b]="-c 50 -P 1 -s 32" [c]="-c 50 -P 16 -s 32" [d]="-c 1 -P 4 -s 65536" )
started=$(date +%s)
for ((rep = 0; rep < reps; rep++)); do
  for ((i = 0; i < ${#servers[@]}; i++)); do
    name=${servers[$(((i + rep) % ${#servers[@]}))]}
    for id in "${scenarios[@]}"; do
      start_server "$name"
      # shellcheck disable=SC2086
      line=$(timeout $((secs + warm + 30)) taskset -c 1 "$loadgen" -p "$port" ${scenario[$id]} -d "$secs" -w "$warm" -S "$pid" -l "$name/$id" | grep '^RESULT' || true)
      stop_server
      echo "rep=$rep server=$name scenario=$id $line" | tee -a "$results"
    done
  done
done

# --- memory per idle connection: RSS growth after each connection has echoed once and gone idle ---
for name in "${servers[@]}"; do
  [[ "${IDLE:-1}" == 1 ]] || break
  start_server "$name"
  sleep 1
  before=$(rss_kib "$pid"); heap_before=$(heap_bytes "$name")
  fifo="$out/idle.fifo"; rm -f "$fifo"; mkfifo "$fifo"
  timeout $((hold * 2 + 60)) taskset -c 1 "$loadgen" -p "$port" -c "$idle_conns" -s 32 -I "$hold" -l "$name/idle" >"$fifo" &
  lg=$!
  after=""
  while read -r l; do
    case "$l" in
      ECHOED*) sleep "$(awk "BEGIN {print $hold / 2}")"; after=$(rss_kib "$pid"); heap_after=$(heap_bytes "$name"); echoed="$l" ;;
      RESULT*) result="$l" ;;
    esac
  done <"$fifo"
  wait "$lg" || true
  rm -f "$fifo"
  stop_server
  echo "server=$name scenario=idle conns=$idle_conns rss_before_kib=$before rss_after_kib=${after:-0} heap_before=$heap_before heap_after=${heap_after:-0} $echoed | $result" | tee -a "$results"
done
echo "bench: measured in $(( $(date +%s) - started )) s"

# Only a full run (all servers and scenarios, 3 repetitions) replaces the table in docs/benchmarks.md.
doc=docs/benchmarks.md
[[ -z "${SERVERS:-}${SCENARIOS:-}" && "${IDLE:-1}" == 1 && $reps == 3 ]] || doc=-
python3 bench/report.py "$results" "$doc" "$reps" "$secs" "$idle_conns"
