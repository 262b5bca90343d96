#!/usr/bin/env bash
# Soak (issue 14): `synack serve echo` and the RESP sample under mixed clients, directly and through `synack proxy` with
# faults (latency, slicer, reset-peer, black-hole), for SOAK_SECONDS (default 600). Every 10 s it samples each server's
# descriptors, RSS and managed heap (dotnet-counters). The run FAILS when
#   - a client whose path has no destructive fault reports an error or an unechoed byte (refbench loadgen verifies every
#     byte; redis-benchmark must finish), i.e. an acknowledged byte was lost;
#   - a trend grows: the last quarter's median RSS or heap above 1.25x the second quarter's plus 8 MiB;
#   - descriptors do not come back to their idle count once the clients are gone (a leak).
#
#   SOAK_SECONDS=600 bash bench/soak.sh     (needs redis-tools, ../shared/refbench; installs dotnet-counters in bench/out)
# Loopback only; every client is bounded (-d / -n, under `timeout`); every process is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${SOAK_SECONDS:-600}
for tool in redis-benchmark ss dotnet; do command -v "$tool" >/dev/null || { echo "soak: '$tool' is required" >&2; exit 1; }; done
out=bench/out
# shellcheck source=bench/lib.sh
source bench/lib.sh
build_refbench loadgen
loadgen=bench/out/refbench/loadgen
dotnet build src/Synack.Cli -c Release -o "$out/cli" -v quiet -nologo >/dev/null
dotnet build samples/RespServer -c Release -o "$out/resp" -v quiet -nologo >/dev/null
[[ -x "$out/tools/dotnet-counters" ]] || dotnet tool install --tool-path "$out/tools" dotnet-counters >/dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do stop_pid "$p"; done; }
trap cleanup EXIT
start() { "$@" >>"$out/soak-processes.log" 2>&1 & pids+=($!); }
: >"$out/soak-processes.log"

echo_port=$(free_port); start "$out/cli/Synack.Cli" serve echo --listen "127.0.0.1:$echo_port"; echo_pid=$!
resp_port=$(free_port)
start "$out/resp/RespServer" "--Synack:Servers:Resp:Listen:0=127.0.0.1:$resp_port" --Logging:LogLevel:Default=Warning; resp_pid=$!
wait_listening "$echo_port" "$echo_pid" && wait_listening "$resp_port" "$resp_pid" || { echo "soak: a server did not start" >&2; exit 1; }
proxy() { # FAULTS... -> port
  local port; port=$(free_port)
  local args=(); for f in "${@:2}"; do args+=(--fault "$f"); done
  start "$out/cli/Synack.Cli" proxy "127.0.0.1:$port" "127.0.0.1:$1" "${args[@]}"
  wait_listening "$port" "$!" || { echo "soak: a proxy did not start" >&2; exit 1; }
  echo "$port"
}
gentle=$(proxy "$echo_port" latency:ms=2,jitter=1ms slicer:size=7)
resets=$(proxy "$echo_port" reset-peer:bytes=20000,p=0.5)
holes=$(proxy "$echo_port" black-hole:close=3s,p=0.3)
resp_sliced=$(proxy "$resp_port" slicer:size=5 latency:ms=1)

for p in "$echo_pid" "$resp_pid"; do
  start "$out/tools/dotnet-counters" collect -p "$p" --counters System.Runtime --refresh-interval 10 --format csv -o "$out/soak-counters-$p.csv"
done
# Warm-up before the idle count: the first connections load assemblies (each an open descriptor) and make the epoll loops.
timeout 30 "$loadgen" -p "$echo_port" -c 4 -P 1 -s 100 -d 1 -w 0 >/dev/null 2>&1 || true
timeout 30 redis-benchmark -p "$resp_port" -t set,get -n 1000 -c 4 -q >/dev/null 2>&1 || true
sleep 2
idle_fds() { ls "/proc/$1/fd" | wc -l; }
echo_idle=$(idle_fds "$echo_pid"); resp_idle=$(idle_fds "$resp_pid")
ls -l "/proc/$echo_pid/fd" >"$out/soak-echo-fds-idle.txt" 2>/dev/null || true

samples="$out/soak-samples.tsv"
printf 't_s\techo_fds\techo_rss_kib\tresp_fds\tresp_rss_kib\n' >"$samples"
lost=0
start_time=$SECONDS
( while :; do
    printf '%s\t%s\t%s\t%s\t%s\n' $((SECONDS - start_time)) "$(idle_fds "$echo_pid")" "$(rss_kib "$echo_pid")" \
      "$(idle_fds "$resp_pid")" "$(rss_kib "$resp_pid")" >>"$samples"
    sleep 10
  done ) & sampler=$!
pids+=("$sampler")

check() { # NAME RESULT-LINE: a path without destructive faults must lose nothing
  if [[ $2 != *" errors=0"* || $2 != *" unechoed=0"* ]]; then echo "LOST $1: $2"; return 1; fi
}
round=0
while ((SECONDS - start_time < secs)); do
  round=$((round + 1))
  timeout 60 "$loadgen" -p "$echo_port" -c 20 -P 4 -s 512 -d 8 -w 0 >"$out/soak-direct.log" 2>&1 &
  a=$!
  timeout 60 "$loadgen" -p "$gentle" -c 10 -P 2 -s 300 -d 8 -w 0 >"$out/soak-gentle.log" 2>&1 &
  b=$!
  timeout 60 "$loadgen" -p "$resets" -c 10 -P 2 -s 4000 -d 8 -w 0 >/dev/null 2>&1 &   # churn: resets expected
  e=$!
  timeout 60 "$loadgen" -p "$holes" -c 5 -P 1 -s 100 -d 3 -w 0 >/dev/null 2>&1 &      # churn: stalls expected
  f=$!
  timeout 60 redis-benchmark -p "$resp_port" -t set,get,incr,lpush,lpop -n 50000 -c 20 -P 4 -r 10000 -q >"$out/soak-resp.log" 2>&1 &
  c=$!
  timeout 60 redis-benchmark -p "$resp_sliced" -t set,get -n 1000 -c 5 -q >"$out/soak-resp-sliced.log" 2>&1 &
  d=$!
  wait "$a" || true; wait "$b" || true
  check direct "$(grep RESULT "$out/soak-direct.log" || echo missing)" || lost=1
  check through-latency-and-slicer "$(grep RESULT "$out/soak-gentle.log" || echo missing)" || lost=1
  wait "$c" || { echo "LOST resp: redis-benchmark failed"; lost=1; }
  wait "$d" || { echo "LOST resp through the slicer: redis-benchmark failed"; lost=1; }
  wait "$e" "$f" || true # the churn clients
done
kill "$sampler" 2>/dev/null || true
# Black-holed connections close 3 s after their client left, and the servers see those FINs then: wait up to 60 s for
# the descriptors to come back to the idle count (+2 for one being torn down as we look).
for _ in $(seq 60); do
  echo_after=$(idle_fds "$echo_pid"); resp_after=$(idle_fds "$resp_pid")
  ((echo_after <= echo_idle + 2 && resp_after <= resp_idle + 2)) && break
  sleep 1
done
ls -l "/proc/$echo_pid/fd" >"$out/soak-echo-fds.txt" 2>/dev/null || true

verdict=0
((lost == 0)) || verdict=1
# Descriptors: back to the idle count (+2 for a connection being torn down as we look).
((echo_after <= echo_idle + 2)) || { echo "LEAK echo: $echo_idle descriptors idle before, $echo_after after"; verdict=1; }
((resp_after <= resp_idle + 2)) || { echo "LEAK resp: $resp_idle descriptors idle before, $resp_after after"; verdict=1; }
trend() { # COLUMN NAME FILE [SKIP_HEADER]: the last quarter's median against the second quarter's
  awk -F'\t' -v col="$1" -v name="$2" 'NR > 1 && $col != "" { v[n++] = $col }
    function median(a, lo, hi,   m, i, j, t, b) { m = 0; for (i = lo; i < hi; i++) b[m++] = a[i]
      for (i = 0; i < m; i++) for (j = i + 1; j < m; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
      return b[int(m / 2)] }
    END { if (n < 8) { printf "%s: %d samples, too few to judge a trend\n", name, n; exit 0 }
      q = int(n / 4); early = median(v, q, 2 * q); late = median(v, 3 * q, n)
      grows = late > early * 1.25 + 8192
      printf "%s: second-quarter median %d, last-quarter median %d -> %s\n", name, early, late, grows ? "GROWS" : "flat"
      exit grows }' "$3"
}
trend 3 "echo RSS KiB" "$samples" || verdict=1
trend 5 "resp RSS KiB" "$samples" || verdict=1
for p in "$echo_pid" "$resp_pid"; do
  heap="$out/soak-heap-$p.tsv"
  # dotnet-counters CSV: Timestamp,Provider,Counter Name,Counter Type,Mean/Increment; the GC's heap after the last collection.
  { echo "t"; grep -iE 'last_collection\.heap\.size|gc-heap-size|GC Heap Size' "$out/soak-counters-$p.csv" 2>/dev/null |
      awk -F',' '{ sum[$1] += $NF } END { for (t in sum) print t "\t" int(sum[t] / 1024) }' | sort | cut -f2 | awk '{print "x\t" $1}' || true; } >"$heap"
  trend 2 "managed heap KiB of pid $p" "$heap" || verdict=1
done
echo "soak: ${secs}s, $round rounds; descriptors echo $echo_idle -> $echo_after, resp $resp_idle -> $resp_after; samples in $samples"
((verdict == 0)) && echo "soak: PASS" || echo "soak: FAIL"
exit "$verdict"
