# Shared by bench/run.sh, pairs.sh, clients.sh and idle.sh: a free port, waiting for a listener, stopping by PID.
# Sourced, not run. Every function touches only loopback ports and processes this script started.

# Below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 by default), so that a port picked here
# is never the local port of some client connection (loadgen's included): checking only listeners let a bind fail with
# "address already in use" now and then.
free_port() {
  local p low
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do
    p=$((10000 + RANDOM % (low - 10000)))
    [[ -z $(ss -Htan "sport = :$p") ]] && { echo "$p"; return; }
  done
}

# Waits up to 15 s for a listener on PORT; false if PID (when given) exits first or the time runs out.
wait_listening() { # PORT [PID]
  for _ in $(seq 300); do
    [[ -n $(ss -Htln "sport = :$1") ]] && return 0
    [[ -n "${2:-}" ]] && ! kill -0 "$2" 2>/dev/null && return 1
    sleep 0.05
  done
  return 1
}

# SIGTERM, up to 5 s to exit, then SIGKILL; reaps it. Only for a PID this script started.
stop_pid() { # PID
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# A process's resident set, in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# The managed heap after a full GC of a .NET EchoServers process: SIGHUP makes it print "HEAP <bytes>" to its log.
managed_heap() { # PID LOG
  local n
  n=$(grep -c '^HEAP ' "$2" || true)
  kill -HUP "$1"
  for _ in $(seq 200); do
    [[ $(grep -c '^HEAP ' "$2" || true) -gt $n ]] && break
    sleep 0.05
  done
  grep '^HEAP ' "$2" | tail -1 | awk '{print $2}'
}

# A copy of ../shared/refbench in bench/out/refbench, built there (make targets as arguments; none: its default), so that
# no build writes into ../shared. From the repository root.
build_refbench() { # [TARGET...]
  mkdir -p bench/out && rm -rf bench/out/refbench && cp -r ../shared/refbench bench/out/refbench && chmod -R u+w bench/out/refbench
  make -s -C bench/out/refbench "$@" >/dev/null
}
