#!/usr/bin/env python3
"""Turns bench/run.sh's raw RESULT lines into one table of medians and ratios to C, printed and written into
docs/benchmarks.md between the GENERATED markers (the rest of that file is prose kept by hand)."""
import datetime
import platform
import re
import statistics
import subprocess
import sys

results_path, doc_path, reps, secs, idle_conns = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ALL_SERVERS = ["c", "synack", "synack-epoll", "synack-epoll-async", "synack-epoll-framed", "synack-inline", "synack-inline-socket", "plain", "kestrel", "epoll"]
LABEL = {
    "c": "C echo_epoll",
    "synack": "Synack (sockets transport)",
    "synack-epoll": "Synack, epoll transport (inline handler)",
    "synack-epoll-async": "Synack, epoll transport, async handler",
    "synack-epoll-framed": "Synack, epoll transport, async FrameReader/FrameWriter (32 B frames)",
    "synack-inline": "Synack, sockets + inline scheduling",
    "synack-inline-socket": "Synack + inline socket completions only",
    "plain": "plain .NET Socket",
    "kestrel": "Kestrel ConnectionHandler",
    "epoll": "managed direct epoll (P/Invoke)",
}

runs = {}   # (server, scenario) -> list of dicts
idle = {}   # server -> RSS bytes per connection
heap_idle = {}  # server -> managed heap bytes per connection
failures = []
for line in open(results_path):
    fields = dict(re.findall(r"(\w+)=([^\s|]+)", line))
    server, scenario = fields.get("server"), fields.get("scenario")
    if scenario == "idle":
        before, after, conns = int(fields["rss_before_kib"]), int(fields["rss_after_kib"]), int(fields["conns"])
        if after == 0 or "echoed" not in fields or int(fields.get("echoed", 0)) != conns:
            failures.append(f"{server}/idle: {line.strip()}")
        heap = (int(fields.get("heap_after", 0)) - int(fields.get("heap_before", 0))) / conns
        idle[server] = (after - before) * 1024 / conns
        heap_idle[server] = heap if server != "c" else None
        continue
    if "msgs_per_s" not in fields:
        failures.append(f"{server}/{scenario}: no RESULT line")
        continue
    if fields.get("errors") != "0" or fields.get("unechoed") != "0":
        failures.append(f"{server}/{scenario}: errors={fields.get('errors')} unechoed={fields.get('unechoed')}")
    runs.setdefault((server, scenario), []).append(fields)


def median(server, scenario, key):
    values = [float(r[key]) for r in runs.get((server, scenario), [])]
    return statistics.median(values) if values else None


def cpu_per_msg(server, scenario):
    values = [float(r["srv_cpu"]) / 100 / float(r["msgs_per_s"]) * 1e6
              for r in runs.get((server, scenario), []) if float(r["msgs_per_s"]) > 0]
    return statistics.median(values) if values else None


SERVERS = [s for s in ALL_SERVERS if any(k[0] == s for k in runs) or s in idle]
if "c" not in SERVERS:
    SERVERS.insert(0, "c")  # the ratio column needs it; shows as "—" when C was not measured
rows = {}
for s in SERVERS:
    rows[s] = {
        "a_p99": median(s, "a", "p99_us"),
        "b": median(s, "b", "msgs_per_s"),
        "c": median(s, "c", "msgs_per_s"),
        "d": median(s, "d", "mib_per_s"),
        "cpu": cpu_per_msg(s, "b"),
        "idle": idle.get(s),
        "heap": heap_idle.get(s),
    }


def fmt(value, unit=""):
    if value is None:
        return "—"
    if value >= 10000:
        return f"{value:,.0f}{unit}"
    return f"{value:,.1f}{unit}"


def ratio(s, key):
    c, v = rows["c"][key], rows[s][key]
    return f"{v / c:.2f}×" if c and v is not None else "—"


cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
lines = [
    f"Measured {now} on {cpu_model}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, "
    f"Linux {platform.release()}, .NET SDK {dotnet}; {reps} repetition(s) of {secs} s (+1 s warm-up) per scenario, "
    f"server on core 0, loadgen on core 1; medians. Idle: {int(idle_conns):,} connections, server RSS growth after one echo each.",
    "",
    "| server | (a) p99 µs | (b) msg/s | (c) msg/s | (d) MiB/s | server CPU µs/msg (b) | idle RSS B/conn | idle managed B/conn |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
]
for s in SERVERS:
    r = rows[s]
    lines.append(f"| {LABEL[s]} | {fmt(r['a_p99'])} | {fmt(r['b'])} | {fmt(r['c'])} | {fmt(r['d'])} | {fmt(r['cpu'])} | {fmt(r['idle'])} | {fmt(r['heap'])} |")
lines += [
    "",
    "Ratios to C in the same run (throughput: higher is better; p99, CPU and memory: lower is better):",
    "",
    "| server | (a) p99 | (b) | (c) | (d) | CPU/msg (b) | idle memory |",
    "|---|---:|---:|---:|---:|---:|---:|",
]
for s in SERVERS[1:]:
    lines.append(f"| {LABEL[s]} | {ratio(s, 'a_p99')} | {ratio(s, 'b')} | {ratio(s, 'c')} | {ratio(s, 'd')} | {ratio(s, 'cpu')} | {ratio(s, 'idle')} |")
if failures:
    lines += ["", "Runs with errors (their figures are still in the medians; investigate before trusting them):", ""]
    lines += [f"- {f}" for f in failures]

table = "\n".join(lines)
print(table)
if doc_path == "-":
    sys.exit(0)

begin, end = "<!-- GENERATED:BEGIN (bench/run.sh) -->", "<!-- GENERATED:END -->"
try:
    doc = open(doc_path).read()
except FileNotFoundError:
    doc = f"# Benchmarks\n\n{begin}\n{end}\n"
if begin not in doc or end not in doc:
    doc = doc.rstrip() + f"\n\n{begin}\n{end}\n"
head, rest = doc.split(begin, 1)
tail = rest.split(end, 1)[1]
open(doc_path, "w").write(f"{head}{begin}\n{table}\n{end}{tail}")
print(f"\nwritten to {doc_path}")
