#!/usr/bin/env bash
# The two protocol samples against the real servers of their protocols, side by side in one run:
#   HTTP: samples/HttpServer against nginx (one worker, access_log off), the same small file, wrk -t1 -c50 -d5s --latency:
#         requests/s and p99;
#   RESP: samples/RespServer against redis-server, redis-benchmark -t set,get,incr -c 50 at -P 1 and -P 16: requests/s and p99;
#   idle: each server's RSS growth with 10,000 idle connections (bench/idle_clients.py), per connection.
# Every server runs pinned to core 0 (taskset -c 0), every client to core 1; each server starts fresh for its turn and
# is stopped by its PID. Prints markdown tables; writes nothing to the docs.
#
#   ROUNDS=1 bash bench/protocols.sh      (QUICK=1 for a smoke run; ONLY=http|resp; IDLE_CONNS=10000; needs nginx, wrk, redis-server, redis-benchmark, redis-cli, python3, taskset, ss)
# Loopback only; bounded: wrk runs 5 s, redis-benchmark a fixed request count, every client under `timeout`, the idle
# client holds for at most 60 s. The open-files limit is raised to the hard limit (10,000 idle connections need it).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-1}
idle_conns=${IDLE_CONNS:-10000}
# QUICK=1: a smoke run (wrk 1 s, a tenth of the requests), to check the script works, not to measure.
if [[ ${QUICK:-0} == 1 ]]; then wrk_seconds=1s scale=10; else wrk_seconds=5s scale=1; fi
for tool in nginx wrk redis-server redis-benchmark redis-cli python3 taskset ss dotnet; do
  command -v "$tool" >/dev/null || { echo "protocols: '$tool' is required" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)"
[[ $(ulimit -n) -gt $((idle_conns + 200)) ]] || { echo "protocols: the open-files hard limit ($(ulimit -Hn)) is below $idle_conns idle connections" >&2; exit 1; }
dotnet build samples/HttpServer -c Release -o bench/out/http -v quiet -nologo >/dev/null
dotnet build samples/RespServer -c Release -o bench/out/resp -v quiet -nologo >/dev/null

# shellcheck source=bench/lib.sh
source bench/lib.sh
tmp=$(mktemp -d)
chmod 755 "$tmp" # nginx's worker (nobody, when run as root) must read the file
pid="" idle_pid=""
cleanup() { stop_pid "$idle_pid"; stop_pid "$pid"; [[ -n ${KEEP_TMP:-} ]] || rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/www"
printf 'a small static file, the same for both servers\n' >"$tmp/www/small.txt"
chmod 644 "$tmp/www/small.txt"
quiet="--Logging:LogLevel:Default=Warning"
throughput=() idle=()

# All RSS of a server: nginx's master and its one worker, or the one process.
server_rss() { # PID
  local total kids
  total=$(rss_kib "$1")
  for kid in $(ps -o pid= --ppid "$1"); do total=$((total + $(rss_kib "$kid"))); done
  echo "$total"
}

# Sockets a server holds (nginx: its worker's), from /proc: the accepted connections, plus its listener.
server_sockets() { # PID
  local total=0 p
  for p in "$1" $(ps -o pid= --ppid "$1"); do
    total=$((total + $(find "/proc/$p/fd" -lname 'socket:*' 2>/dev/null | wc -l)))
  done
  echo "$total"
}

start() { # NAME PORT
  case "$1" in
    nginx)
      # worker_connections well above the idle count: below 1/16 free, nginx closes idle connections to reuse them.
      cat >"$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
worker_rlimit_nofile $(ulimit -n);
events { worker_connections $((idle_conns + idle_conns / 8 + 100)); }
http {
  access_log off;
  server { listen 127.0.0.1:$2; root $tmp/www; location / { } }
}
CONF
      taskset -c 0 nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" >/dev/null 2>&1 & ;;
    synack-http)
      taskset -c 0 bench/out/http/HttpServer "--Synack:Servers:Http:Listen:0=127.0.0.1:$2" "--Synack:Servers:Http:MaxConnections=$((idle_conns * 2))" \
        "--Http:Root=$tmp/www" "$quiet" >/dev/null 2>&1 & ;;
    redis)
      taskset -c 0 redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no --maxclients $((idle_conns + 100)) >/dev/null 2>&1 & ;;
    synack-resp)
      taskset -c 0 bench/out/resp/RespServer "--Synack:Servers:Resp:Listen:0=127.0.0.1:$2" "--Synack:Servers:Resp:Listen:1=127.0.0.2:$2" \
        "--Synack:Servers:Resp:MaxConnections=$((idle_conns * 2))" "$quiet" >/dev/null 2>&1 & ;;
  esac
  pid=$!
  wait_listening "$2" "$pid" || { echo "protocols: $1 did not start listening on $2" >&2; exit 1; }
}

# RSS before and with IDLE_CONNS idle connections (fresh server, after one warm-up request, before any load).
measure_idle() { # NAME PORT
  local before after n
  sleep 1
  before=$(server_rss "$pid")
  timeout 120 taskset -c 1 python3 bench/idle_clients.py "$2" "$idle_conns" 60 >"$tmp/idle.log" 2>&1 &
  idle_pid=$!
  for _ in $(seq 600); do grep -q '^CONNECTED\|^FAILED' "$tmp/idle.log" && break; sleep 0.1; done
  grep -q '^CONNECTED' "$tmp/idle.log" || { echo "protocols: $1: idle connections failed: $(cat "$tmp/idle.log")" >&2; exit 1; }
  # Until the server has accepted them all: a client's connect completes before the server accepts (and, with a full
  # accept queue, before the server even holds the connection), so count the server's descriptors, not the client's.
  for _ in $(seq 300); do
    n=$(server_sockets "$pid")
    [[ $n -ge $idle_conns ]] && break
    sleep 0.1
  done
  sleep 1
  after=$(server_rss "$pid")
  n=$(server_sockets "$pid")
  stop_pid "$idle_pid"; idle_pid=""
  idle+=("| $r | $1 | $n | $before | $after | $(( (after - before) * 1024 / (n > 0 ? n : 1) )) |")
}

run_http() { # NAME PORT
  local out rps p99 errors
  start "$1" "$2"
  curl -sf -o /dev/null "http://127.0.0.1:$2/small.txt" || { echo "protocols: $1 does not serve small.txt" >&2; exit 1; }
  measure_idle "$1" "$2"
  out=$(timeout 30 taskset -c 1 wrk -t1 -c50 "-d$wrk_seconds" --latency "http://127.0.0.1:$2/small.txt")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr '\n' ' ' || true)
  throughput+=("| $r | wrk -c50 -d${wrk_seconds} GET small.txt | $1 | $rps | $p99 | ${errors:-none} |")
  stop_pid "$pid"; pid=""
}

run_resp() { # NAME PORT
  local pipeline requests tests line
  start "$1" "$2"
  timeout 10 redis-cli -p "$2" PING >/dev/null
  measure_idle "$1" "$2"
  tests=set,get,incr
  # A server without INCR answers it with an error, fast: that would be no measurement at all.
  [[ $(timeout 10 redis-cli -p "$2" INCR protocols:probe 2>&1) =~ ^[0-9]+$ ]] || tests=set,get
  for p in "1 $((100000 / scale))" "16 $((1000000 / scale))"; do
    read -r pipeline requests <<<"$p"
    while IFS=, read -r test rps _ _ _ _ p99 _; do
      throughput+=("| $r | redis-benchmark ${test//\"/} -P $pipeline | $1 | ${rps//\"/} | ${p99//\"/} ms | |")
    done < <(timeout 120 taskset -c 1 redis-benchmark -p "$2" -t "$tests" -n "$requests" -c 50 -P "$pipeline" -r 1000 --csv 2>/dev/null | tail -n +2)
  done
  [[ $tests == set,get ]] && throughput+=("| $r | redis-benchmark INCR | $1 | not run | | INCR unsupported |")
  stop_pid "$pid"; pid=""
}

for ((r = 0; r < rounds; r++)); do
  if [[ ${ONLY:-http} == http ]]; then
    for name in nginx synack-http; do run_http "$name" "$(free_port)"; done
  fi
  if [[ ${ONLY:-resp} == resp ]]; then
    for name in redis synack-resp; do run_resp "$name" "$(free_port)"; done
  fi
done

echo
echo "| round | workload | server | requests/s | p99 | errors |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${throughput[@]}"
echo
echo "| round | server | sockets held | RSS before (KiB) | RSS with them (KiB) | bytes per held socket |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${idle[@]}"
