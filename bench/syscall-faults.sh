#!/usr/bin/env bash
# The epoll engines' real syscall path under injected kernel answers (issue 14): the EchoServers server on the epoll
# transport (inline handler, then async handler on the direct engine) runs under strace --inject, which turns chosen
# recvfrom/sendto/epoll_wait calls into EINTR or a spurious EAGAIN; refbench's loadgen, not traced, verifies every echoed
# byte. A run passes when loadgen finished in time with errors=0 and unechoed=0. The deterministic twin of this script
# is SyscallFaultTests (call-numbered faults through the SocketCalls seam).
#
#   bash bench/syscall-faults.sh        (needs strace and ../shared/refbench; about 1 minute)
#
# Not injected: a spurious EAGAIN from recvfrom. The engines are edge-triggered and trust a recv()'s EAGAIN, as Go's
# netpoller and tokio do; the kernel returns it only for an empty queue, and bytes that arrive later raise a new edge.
# An injected one leaves queued bytes with no edge to come, which no kernel does. Nor an EAGAIN from epoll_wait: Synack's
# loops retry any errno but EBADF/EFAULT/EINVAL, but the runtime's own SocketAsyncEngine (the listener's accepts) fails
# fast on it ("Exception thrown from SocketAsyncEngine event loop ... EWOULDBLOCK"), and strace cannot inject into one
# thread's calls only. Each server's output is kept in bench/out/syscall-faults-HANDLER-SET.log.
# Loopback only; every loadgen run is bounded (-d plus a 120 s timeout); servers are stopped by their PID.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v strace >/dev/null || { echo "syscall-faults: strace is required (apt-get install strace)" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source bench/lib.sh
build_refbench loadgen
dotnet build bench/EchoServers -c Release -o bench/out/servers -v quiet -nologo >/dev/null
loadgen=bench/out/refbench/loadgen

pid=""
trap 'stop_pid "$pid"' EXIT

# Each set: strace arguments. Counting is per thread; first+step spreads the faults over every kind of call.
faults=(
  "eintr:-e inject=recvfrom:error=EINTR:when=2+3 -e inject=sendto:error=EINTR:when=3+4 -e inject=epoll_wait,epoll_pwait:error=EINTR:when=2+5"
  "eagain:-e inject=sendto:error=EAGAIN:when=2+3"
)
failed=0
for handler in inline async; do
  for set in "${faults[@]}"; do
    name=${set%%:*}
    port=$(free_port)
    # shellcheck disable=SC2086  # the fault set is a list of arguments
    env SYNACK_TRANSPORT=epoll SYNACK_HANDLER="$handler" strace -f -qq -o /dev/null \
      -e trace=recvfrom,sendto,epoll_wait,epoll_pwait ${set#*:} bench/out/servers/EchoServers synack "$port" >"bench/out/syscall-faults-$handler-$name.log" 2>&1 &
    pid=$!
    wait_listening "$port" "$pid" || { echo "syscall-faults: the $handler server did not start" >&2; exit 1; }
    for scenario in "-c 20 -P 1 -s 100" "-c 8 -P 8 -s 3000" "-c 1 -P 2 -s 200000"; do
      # shellcheck disable=SC2086
      result=$(timeout 120 "$loadgen" -p "$port" $scenario -d 3 -w 0 2>&1 | grep RESULT || echo "RESULT timed-out")
      verdict=PASS
      [[ $result =~ msgs_per_s=([0-9.]+) && ${BASH_REMATCH[1]%.*} -gt 0 && $result == *" errors=0"* && $result == *" unechoed=0"* ]] || { verdict=FAIL; failed=1; }
      echo "$verdict handler=$handler faults=$name loadgen='$scenario' $result"
    done
    stop_pid "$pid"
    pid=""
  done
done
exit "$failed"
