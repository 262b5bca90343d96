#!/usr/bin/env bash
# Load generators side by side (issue 13): `synack bench` (the epoll inline client) against the tool people use for
# each server, both driving the same server, server pinned to core 0 and the client to core 1, back to back in
# rotated order within each round; the script prints each scenario's median ratio synack/other for throughput and p99.
#   echo:  refbench's C loadgen vs synack bench against C echo_epoll, scenarios a b c (d)
#   redis: redis-benchmark vs synack bench --protocol resp (PING as ping_mbulk), -c 50 -P 1 and -P 16, against redis-server
#   nginx: wrk -t1 -c50 vs synack bench --protocol http, against nginx (one worker, access_log off, a small file)
#
#   ROUNDS=5 TARGETS="echo redis nginx" SCENARIOS="a b c" bash bench/clients.sh
#   WARMUP=8 (seconds of warm-up for every client, default 1; the async client needs several under tiered compilation)
#   CLIENT=async TARGETS=echo SCENARIOS="b c" bash bench/clients.sh   (the synack side is an async SynackClient echo client on
#                                             epoll, `EchoServers async-client`, instead of synack bench: issue 12's client row)
# Loopback only; bounded (ROUNDS x scenarios x 2 x about 5 s, each client under `timeout`); servers are stopped by PID.
# One { } block, so bash parses all of it before running any: an edit during a run cannot change it (as pairs.sh).
{
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(pwd)/bench/out"
mkdir -p "$out"
# shellcheck source=bench/lib.sh
source bench/lib.sh
build_refbench loadgen echo_epoll
dotnet build src/Synack.Cli -c Release -o "$out/cli" -v quiet -nologo >/dev/null
client=${CLIENT:-bench}
[[ $client == bench ]] || dotnet build bench/EchoServers -c Release -o "$out/servers" -v quiet -nologo >/dev/null
rounds=${ROUNDS:-3}
declare -A loadgen_args=( [a]="-c 1 -P 1 -s 32" [b]="-c 50 -P 1 -s 32" [c]="-c 50 -P 16 -s 32" [d]="-c 1 -P 4 -s 65536" )
declare -A bench_args=( [a]="-c 1 -P 1 -s 32" [b]="-c 50 -P 1 -s 32" [c]="-c 50 -P 16 -s 32" [d]="-c 1 -P 4 -s 65536" \
  [resp1]="--protocol resp -c 50 -P 1" [resp16]="--protocol resp -c 50 -P 16" [http]="--protocol http --path /index.html -c 50 -P 1" )
read -r -a targets <<<"${TARGETS:-echo}"
pid=""
stop_server() { stop_pid "$pid"; pid=""; }
trap stop_server EXIT
start_server() { # SCENARIO
  port=$(free_port)
  case "$1" in
    resp*) taskset -c 0 redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null 2>&1 & ;;
    http)
      ngx="$out/nginx" && mkdir -p "$ngx/www" && printf '<h1>hello</h1>\n' >"$ngx/www/index.html"
      cat >"$ngx/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $ngx/nginx.pid; error_log $ngx/error.log;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000; client_body_temp_path $ngx/body; proxy_temp_path $ngx/proxy;
  fastcgi_temp_path $ngx/fastcgi; uwsgi_temp_path $ngx/uwsgi; scgi_temp_path $ngx/scgi;
  server { listen 127.0.0.1:$port; root $ngx/www; } }
CONF
      taskset -c 0 nginx -c "$ngx/nginx.conf" -p "$ngx" >/dev/null 2>&1 & ;;
    *) taskset -c 0 "$out/refbench/echo_epoll" "$port" >/dev/null 2>&1 & ;;
  esac
  pid=$!
  wait_listening "$port" "$pid" || true
}
other_client() { # SCENARIO -> "msgs_per_s=N p99_us=N"
  case "$1" in
    resp1|resp16)
      local p=${1#resp}
      # about 3 s of work at the last measured rate; redis-benchmark counts requests, not time
      timeout 40 taskset -c 1 redis-benchmark -p "$port" -t ping_mbulk -c 50 -P "$p" -n $((p == 1 ? 400000 : 4000000)) --precision 3 2>/dev/null \
        | tr '\r' '\n' | python3 -c '
import re, sys
text = sys.stdin.read()
rate = re.findall(r"throughput summary: ([0-9.]+) requests per second", text)
p99 = re.search(r"latency summary.*?\n.*?\n\s*[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+([0-9.]+)", text, re.S)
print(f"msgs_per_s={float(rate[-1]) if rate else 0:.0f} p99_us={float(p99.group(1)) * 1000 if p99 else 0:.1f}", end=" ")' ;;
    http)
      timeout 40 taskset -c 1 wrk -t1 -c50 -d3s --latency "http://127.0.0.1:$port/index.html" 2>/dev/null | python3 -c '
import re, sys
text = sys.stdin.read()
rate = re.search(r"Requests/sec:\s+([0-9.]+)", text)
p99 = re.search(r"99%\s+([0-9.]+)(us|ms|s)", text)
scale = {"us": 1, "ms": 1000, "s": 1e6}
print(f"msgs_per_s={float(rate.group(1)) if rate else 0:.0f} p99_us={float(p99.group(1)) * scale[p99.group(2)] if p99 else 0:.1f}", end=" ")' ;;
    *)
      # shellcheck disable=SC2086
      timeout 40 taskset -c 1 "$out/refbench/loadgen" -p "$port" ${loadgen_args[$1]} -d 3 -w "${WARMUP:-1}" | grep -Eo '(msgs_per_s|p99_us)=[0-9.-]+' | tr '\n' ' ' ;;
  esac
}
measure() { # CLIENT SCENARIO -> "msgs_per_s=N p99_us=N"
  start_server "$2"
  if [[ $1 == other ]]; then
    other_client "$2"
  elif [[ $client == async ]]; then
    local c p sz
    read -r _ c _ p _ sz <<<"${loadgen_args[$2]}"
    timeout 40 taskset -c 1 "$out/servers/EchoServers" async-client "$port" "$c" "$p" "$sz" 3 2>/dev/null | grep RESULT | sed 's/^RESULT //' | tr '\n' ' ' || echo -n "msgs_per_s=0 p99_us=0"
  else
    local json
    json=$(mktemp)
    # shellcheck disable=SC2086
    timeout 40 taskset -c 1 dotnet "$out/cli/Synack.Cli.dll" bench "127.0.0.1:$port" ${bench_args[$2]} -d 3s -w "${WARMUP:-1}s" --json "$json" >/dev/null 2>&1 || true
    python3 - "$json" <<'PY' 2>/dev/null || echo -n "msgs_per_s=0 p99_us=0"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"msgs_per_s={r['messagesPerSecond']:.0f} p99_us={r['p99Microseconds']:.1f} errors={r['errorCount']}", end=" ")
PY
    rm -f "$json"
  fi
  stop_server
}
ids=()
for t in "${targets[@]}"; do
  case "$t" in
    echo) read -r -a more <<<"${SCENARIOS:-a b c}"; ids+=("${more[@]}") ;;
    redis) command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null || { echo "clients: redis needs redis-server and redis-tools" >&2; exit 2; }; ids+=(resp1 resp16) ;;
    nginx) command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "clients: nginx needs nginx and wrk" >&2; exit 2; }; ids+=(http) ;;
    *) echo "clients: unknown target $t" >&2; exit 2 ;;
  esac
done
results=$(mktemp)
for ((r = 0; r < rounds; r++)); do
  for id in "${ids[@]}"; do
    order=(other synack)
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
    c, s = clients.get("other"), clients.get("synack")
    if not c or not s or not float(c["msgs_per_s"]) or not float(s["msgs_per_s"]):
        continue
    ratios.setdefault(("throughput", scen), []).append(float(s["msgs_per_s"]) / float(c["msgs_per_s"]))
    if float(c["p99_us"]) > 0:
        ratios.setdefault(("p99", scen), []).append(float(s["p99_us"]) / float(c["p99_us"]))
print("median ratio synack bench / the other tool (loadgen, redis-benchmark, wrk) within each round (throughput: higher is better; p99: lower is better):")
for (kind, scen), values in sorted(ratios.items()):
    print(f"  {kind:10} ({scen})  {statistics.median(values):.2f}x   rounds: {' '.join(f'{v:.2f}' for v in values)}")
PY
rm -f "$results"
exit
}
