#!/usr/bin/env bash
# The contribution table of docs/detection.md ("What each piece adds"): detect's defaults, then each piece of the
# pipeline switched off alone (evaluate --without PIECE), then the pieces that are off by default switched on alone
# (--alarm-rate, --online), on the NAB development corpus and on SKAB, through the evaluators (= detect).
# Usage: bench/ablation.sh [NAB_DIR] [SKAB_DIR]   (TWINGUARD_BIN: the built twinguard; default the Release build)
# Prints one line per row: variant | NAB standard / low FP / low FN (found, false) | SKAB F1 / FAR % / MAR %.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TWINGUARD_BIN:-$root/src/TwinGuard.Server/bin/Release/net10.0/twinguard}
nab=${1:-$root/../shared/datasets/nab-dev}
skab=${2:-$root/../shared/datasets/skab}
out=${ABLATION_OUT:-$(mktemp -d /tmp/twinguard-ablation.XXXX)}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); results in $out" >&2

row() { # name, then the evaluate options
  local name=$1; shift
  "$bin" evaluate nab --data "$nab" --json "$@" > "$out/nab-$name.json"
  if [[ " $* " == *" --online "* ]]; then
    skabline="n/a (evaluate skab has no --online)"
  else
    "$bin" evaluate skab --data "$skab" --detector pca --json "$@" > "$out/skab-$name.json"
    skabline=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["detectors"][0]; print("%.3f / %.2f / %.2f" % (d["f1"], d["far_percent"], d["mar_percent"]))' "$out/skab-$name.json")
  fi
  nabline=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["detectors"][0]; print("%.2f / %.2f / %.2f (%d, %d)" % (d["standard"], d["low_fp"], d["low_fn"], d["windows_detected"], d["false_alarms"]))' "$out/nab-$name.json")
  echo "$name | $nabline | $skabline"
}

row defaults
for piece in column-behaviour onset-alarms companion range-watch recurring-onsets episode-end short-history; do
  row "without-$piece" --without "$piece"
done
row alarm-rate-1 --alarm-rate 1
row alarm-rate-0.1 --alarm-rate 0.1
row online --online

# Per category and per half (NAB standard profile, normalised within the group): a piece's effect should not come
# from one or two files.
python3 - "$out" <<'PY'
import glob, json, os, sys
rows = sorted(glob.glob(os.path.join(sys.argv[1], 'nab-*.json')), key=lambda p: (not p.endswith('defaults.json'), p))
groups = [g['name'] for g in json.load(open(rows[0]))['detectors'][0]['groups']]
print('NAB standard by group | ' + ' | '.join(groups))
for p in rows:
    d = json.load(open(p))['detectors'][0]
    # A group without windows (artificialNoAnomaly) has no normalised score: its false alarms are what it says.
    print(os.path.basename(p)[4:-5] + ' | ' + ' | '.join(
        '%.2f' % g['standard'] if g['windows_scored'] else '%d false' % g['false_alarms'] for g in d['groups']))
PY
