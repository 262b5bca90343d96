#!/usr/bin/env bash
# Fuzzes every decoder with AFL++ and SharpFuzz. The input chooses its own segmentation (DecoderFuzzing.Run).
#   bash fuzz/run.sh [SECONDS_PER_TARGET=120] [TARGET...]
# Crashes (crash-*) and new-coverage inputs (queue-*) are copied into fuzz/corpus/<target>/, which the test suite replays on every run
# (CorpusRegressionTests). Bounded: each target stops after its seconds (afl-fuzz -V).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(fixed length-4 length-varint length-adjusted delimiter line http proxy resp)

command -v afl-fuzz >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null; }
out=fuzz/out
dotnet build fuzz/Synack.Fuzz -c Release -o "$out/bin" -v quiet -nologo >/dev/null
[[ -x "$out/tools/sharpfuzz" ]] || dotnet tool install --tool-path "$out/tools" SharpFuzz.CommandLine >/dev/null
for dll in Synack.dll RespServer.dll; do               # instrument the code under test in place: the library, the RESP sample
  "$out/tools/sharpfuzz" "$out/bin/$dll" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
for t in "${targets[@]}"; do
  rm -rf "$out/findings/$t" && mkdir -p "$out/findings"
  afl-fuzz -V "$secs" -i "fuzz/corpus/$t" -o "$out/findings/$t" -t 10000 -m none -- dotnet "$out/bin/Synack.Fuzz.dll" "$t" >"$out/afl-$t.log" 2>&1 || true
  stats="$out/findings/$t/default/fuzzer_stats"
  execs=$(awk -F: '/^execs_done/ {gsub(/ /, "", $2); print $2}' "$stats" 2>/dev/null || echo 0)
  paths=$(awk -F: '/^corpus_count/ {gsub(/ /, "", $2); print $2}' "$stats" 2>/dev/null || echo 0)
  crashes=0
  for c in "$out/findings/$t"/default/crashes/id:*; do
    [[ -e "$c" ]] || continue
    crashes=$((crashes + 1))
    cp "$c" "fuzz/corpus/$t/crash-$(sha1sum "$c" | cut -c1-12)"
  done
  # Keep what AFL found interesting (new coverage) as seeds and regression inputs, named by content.
  for q in "$out/findings/$t"/default/queue/id:*; do
    # (AFL links its seeds into the queue: a file already kept under its content name is skipped, not copied onto itself)
    [[ -e "$q" ]] || continue
    dest="fuzz/corpus/$t/queue-$(sha1sum "$q" | cut -c1-12)"
    [[ -e "$dest" ]] || cp "$q" "$dest"
  done
  echo "fuzz $t: ${secs}s, ${execs} execs, ${paths} corpus entries, ${crashes} crash(es)"
done
