#!/usr/bin/env bash
# Fuzzing campaign: every parser of untrusted input (test/TwinGuard.Fuzz) under afl++ with SharpFuzz instrumentation.
# Usage: bench/fuzz.sh [max-seconds-per-target=3600] [target...]   (default: every target; `--list` of the harness names
# them). Each target runs until FUZZ_EXECS executions (default 1,000,000, afl's -E) or the seconds, whichever first.
# Needs Debian's afl++ (apt-get install afl++) and the SharpFuzz command (dotnet tool install -g SharpFuzz.CommandLine
# --version 2.3.0).
#
# - One afl-fuzz at a time, under `nice -n 19` (a shared machine); the harness runs the inputs in a persistent loop in
#   a child of the fork server (SharpFuzz's out-of-process mode), so a timeout or a dying input costs one restart of
#   the child, not the campaign.
# - FUZZ_WORK=DIR keeps the instrumented build and afl's output there (default: a new /tmp directory); with
#   FUZZ_RESUME=1 a target whose output is in DIR continues where it stopped (afl's `-i -`, executions carried over),
#   so a campaign can be run in slices.
# - Every crash or hang afl saves is copied into test/TwinGuard.Fuzz/regressions/TARGET (replayed in CI by
#   TwinGuard.Fuzz.Tests) and replayed once here, printing the exception.
# - The corpus is minimised: test/TwinGuard.Fuzz/corpus/TARGET keeps its hand-written seeds (files not named afl-*) and
#   afl-cmin's choice among the seeds, the earlier afl-* inputs and afl's new queue, so CI's replay stays short.
# - It prints, per target: executions, executions per second (average over the run), edges found (afl's instrumented branches), corpus size
#   before/after, crashes and hangs, seconds; and appends the table to FUZZ_RESULTS if set.
set -euo pipefail
seconds=${1:-3600}; shift || true
execs=${FUZZ_EXECS:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
sharpfuzz=${SHARPFUZZ:-$(command -v sharpfuzz || echo "$HOME/.dotnet/tools/sharpfuzz")}
dotnet=$(command -v dotnet) # afl-cmin wants a path
command -v afl-fuzz >/dev/null || { echo "fuzz.sh: afl-fuzz not found (apt-get install afl++)" >&2; exit 1; }
[[ -x $sharpfuzz ]] || { echo "fuzz.sh: sharpfuzz not found (dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0)" >&2; exit 1; }
work=${FUZZ_WORK:-$(mktemp -d /tmp/twinguard-fuzz.XXXX)}
if [[ ! -f $work/bin/.instrumented ]]; then # FUZZ_WORK=DIR of an earlier run reuses its instrumented build
  rm -rf "$work/bin"
  nice -n 19 dotnet build "$root/test/TwinGuard.Fuzz" -c Release -o "$work/bin" >/dev/null
  # Instrument the product's assemblies, not the harness or the framework: afl sees the branches of our parsers.
  for dll in TwinGuard.Twins TwinGuard.Ingest TwinGuard.Intel TwinGuard.Ledger TwinGuard.Simulator; do "$sharpfuzz" "$work/bin/$dll.dll" >/dev/null; done
  touch "$work/bin/.instrumented"
fi
harness=("$dotnet" "$work/bin/TwinGuard.Fuzz.dll")
targets=("$@"); [[ ${#targets[@]} -gt 0 ]] || mapfile -t targets < <("${harness[@]}" --list)
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_ALLOW_TMP=1
export AFL_FORKSRV_INIT_TMOUT=120000 # the first child is a .NET start on a loaded machine
header=$(printf '%-16s %10s %8s %6s %9s %6s %6s %6s' target executions execs/s edges corpus crashes hangs seconds)
echo "$header"; [[ -z ${FUZZ_RESULTS:-} ]] || echo "$header" >>"$FUZZ_RESULTS"
mkdir -p "$work/out"
for t in "${targets[@]}"; do
  out="$work/out/$t"; corpus="$root/test/TwinGuard.Fuzz/corpus/$t"
  input=("-i" "$corpus")
  if [[ ${FUZZ_RESUME:-} == 1 && -f $out/default/fuzzer_stats ]]; then input=("-i" "-"); else rm -rf "$out"; fi
  # -t 2000 without '+': afl's automatic timeout (5x the seeds' time, 20 ms for the fast targets) is shorter than a GC
  # pause on a loaded machine. -m none: the runtime maps a lot.
  nice -n 19 afl-fuzz "${input[@]}" -o "$out" -t 2000 -m none -E "$execs" -V "$seconds" -- "${harness[@]}" "$t" \
    >"$work/$t.log" 2>&1 || echo "fuzz.sh: afl-fuzz $t ended with an error (see $work/$t.log)" >&2
  stats="$out/default/fuzzer_stats"
  get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats" 2>/dev/null || true; }
  rate() { awk -v e="$(get execs_done)" -v s="$(get run_time)" 'BEGIN { if (s > 0) printf "%d", e / s; else print "-" }'; }

  # Findings. Crashes are replayed through the harness (one process for all), which names each one's cause
  # (exception type and innermost TwinGuard frame); the smallest input of each cause goes into regressions/ (CI
  # replays it) and the cause is printed. Hangs are kept as they are (a replay would hang too).
  crashes=("$out"/default/crashes/id:*); hangs=("$out"/default/hangs/id:*)
  keep() { mkdir -p "$root/test/TwinGuard.Fuzz/regressions/$t"; cp "$1" "$root/test/TwinGuard.Fuzz/regressions/$t/$2-$(sha256sum "$1" | cut -c1-16)"; }
  if [[ -f ${crashes[0]} ]]; then
    # shellcheck disable=SC2012 # afl's file names have no newlines; smallest first
    mapfile -t found < <(ls -S -r "${crashes[@]}")
    { timeout 600 "${harness[@]}" "$t" "${found[@]}" 2>"$work/$t.replay.err" || true; } | sort -t$'\t' -k2,3 -u -s >"$work/$t.causes"
    while IFS=$'\t' read -r f type frame; do
      keep "$f" crash; echo "fuzz.sh: $t: $type $frame (e.g. $f)" >&2
    done <"$work/$t.causes"
  fi
  for f in "${hangs[@]}"; do [[ -f $f ]] || continue; keep "$f" hang; done

  # Corpus: hand-written seeds stay; afl-cmin picks the afl-* inputs among the old ones and afl's queue.
  before=$(find "$corpus" -type f | wc -l)
  pool="$work/pool/$t"; rm -rf "$pool" "$work/cmin/$t"; mkdir -p "$pool" "$work/cmin"
  cp "$corpus"/* "$pool"/
  for f in "$out"/default/queue/id:*; do [[ -f $f ]] && cp "$f" "$pool/afl-$(sha256sum "$f" | cut -c1-16)"; done
  if nice -n 19 afl-cmin -i "$pool" -o "$work/cmin/$t" -t 5000 -m none -- "${harness[@]}" "$t" >"$work/$t.cmin.log" 2>&1; then
    find "$corpus" -maxdepth 1 -type f -name 'afl-*' -delete
    for f in "$work/cmin/$t"/*; do
      name=$(basename "$f"); [[ -f $corpus/$name ]] || cp "$f" "$corpus/afl-$(sha256sum "$f" | cut -c1-16)"
    done
  else
    echo "fuzz.sh: afl-cmin $t failed (see $work/$t.cmin.log); corpus left as it was" >&2
  fi
  after=$(find "$corpus" -type f | wc -l)

  line=$(printf '%-16s %10s %8s %6s %9s %6s %6s %6s' "$t" "$(get execs_done)" "$(rate)" "$(get edges_found)" \
    "$before->$after" "$(get saved_crashes)" "$(get saved_hangs)" "$(get run_time)")
  echo "$line"; [[ -z ${FUZZ_RESULTS:-} ]] || echo "$line" >>"$FUZZ_RESULTS"
done
echo "fuzz.sh: load $(cut -d' ' -f1-3 /proc/loadavg); afl output in $work/out"
