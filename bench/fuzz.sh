#!/usr/bin/env bash
# Fuzzing campaign: every parser of untrusted input (test/TwinGuard.Fuzz) under afl++ with SharpFuzz instrumentation.
# Usage: bench/fuzz.sh [seconds-per-target=300] [target...]   (default: every target; `--list` of the harness names them)
# Needs Debian's afl++ (apt-get install afl++) and the SharpFuzz command (dotnet tool install -g SharpFuzz.CommandLine
# --version 2.3.0). For each target it keeps the inputs afl found interesting in test/TwinGuard.Fuzz/corpus/TARGET
# (the smallest 40 new ones, named by content hash) and copies every crash or hang into
# test/TwinGuard.Fuzz/regressions/TARGET, which TwinGuard.Fuzz.Tests replays in CI; it prints executions, paths,
# crashes and hangs per target from afl's fuzzer_stats.
set -euo pipefail
seconds=${1:-300}; shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
sharpfuzz=${SHARPFUZZ:-$(command -v sharpfuzz || echo "$HOME/.dotnet/tools/sharpfuzz")}
command -v afl-fuzz >/dev/null || { echo "fuzz.sh: afl-fuzz not found (apt-get install afl++)" >&2; exit 1; }
[[ -x $sharpfuzz ]] || { echo "fuzz.sh: sharpfuzz not found (dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0)" >&2; exit 1; }
work=${FUZZ_WORK:-$(mktemp -d /tmp/twinguard-fuzz.XXXX)}
if [[ ! -f $work/bin/.instrumented ]]; then # FUZZ_WORK=DIR of an earlier run reuses its instrumented build
  dotnet build "$root/test/TwinGuard.Fuzz" -c Release -o "$work/bin" >/dev/null
  # Instrument the product's assemblies, not the harness or the framework: afl sees the branches of our parsers.
  for dll in TwinGuard.Twins TwinGuard.Ingest TwinGuard.Intel TwinGuard.Ledger; do "$sharpfuzz" "$work/bin/$dll.dll" >/dev/null; done
  touch "$work/bin/.instrumented"
fi
targets=("$@"); [[ ${#targets[@]} -gt 0 ]] || mapfile -t targets < <(dotnet "$work/bin/TwinGuard.Fuzz.dll" --list)
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=120000
printf '%-16s %12s %9s %8s %6s %6s %s\n' target executions execs/s paths crashes hangs seconds
for t in "${targets[@]}"; do
  out="$work/out/$t"; rm -rf "$out"; mkdir -p "$work/out"
  # -t: a .NET process on a loaded machine needs seconds for its first input; -m none: the runtime maps a lot.
  afl-fuzz -i "$root/test/TwinGuard.Fuzz/corpus/$t" -o "$out" -t 10000+ -m none -V "$seconds" -- dotnet "$work/bin/TwinGuard.Fuzz.dll" "$t" \
    >"$work/$t.log" 2>&1 || echo "fuzz.sh: afl-fuzz $t ended with an error (see $work/$t.log)" >&2
  stats="$out/default/fuzzer_stats"
  get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats" 2>/dev/null || true; }
  printf '%-16s %12s %9s %8s %6s %6s %s\n' "$t" "$(get execs_done)" "$(get execs_per_sec)" "$(get corpus_count)" "$(get saved_crashes)" "$(get saved_hangs)" "$(get run_time)"
  mkdir -p "$root/test/TwinGuard.Fuzz/regressions/$t"
  for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
    [[ -f $f ]] || continue
    cp "$f" "$root/test/TwinGuard.Fuzz/regressions/$t/$(basename "$(dirname "$f")")-$(sha256sum "$f" | cut -c1-16)"
  done
  rmdir "$root/test/TwinGuard.Fuzz/regressions/$t" 2>/dev/null || true
  # (grep finds nothing when afl kept no new input: not an error of the campaign)
  { ls -S -r "$out"/default/queue/id:* 2>/dev/null | grep -v ',orig:' || true; } | head -40 | while read -r f; do
    cp "$f" "$root/test/TwinGuard.Fuzz/corpus/$t/afl-$(sha256sum "$f" | cut -c1-16)"
  done
done
echo "fuzz.sh: load $(cut -d' ' -f1-3 /proc/loadavg); afl output in $work/out"
