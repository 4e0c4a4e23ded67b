#!/usr/bin/env bash
# QoS 1 throughput of one mosquitto_pub -l client (up to in-flight publishes unacknowledged), durable acknowledgements (this
# build) against another build (e.g. one that acknowledges on receipt), alternating in the same run. BEFORE_BIN=BINARY
# adds a third build to each round (e.g. the durable path before a change), its rate and ratio to OTHER printed too.
# WARMUP=N (default 0) publishes N readings, acknowledged, on a connection of their own before the timed run: the twin's
# activation (its first batch goes through a grain call, which a durable acknowledgement waits for and an
# acknowledge-on-receipt build does not) and the first JIT compilations are then not in a run that lasts under a second.
# Usage: [BEFORE_BIN=...] [WARMUP=N] bench/ackthroughput.sh OTHER_TWINGUARD_BINARY [messages=3000] [rounds=3] [in-flight=20]
set -euo pipefail
other=$1; n=${2:-3000}; rounds=${3:-3}; inflight=${4:-20}; warmup=${WARMUP:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
ours=${TWINGUARD_BIN:-$root/src/TwinGuard.Server/bin/Release/net10.0/twinguard}
work=$(mktemp -d /tmp/twinguard-ackrate.XXXX); pid=
# A throwaway run keeps its ledger key with its throwaway data, not among the site keys in ~/.config/twinguard.
export TWINGUARD_KEY_DIR="$work/keys"
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
sed 's/^  flood_factor: .*/  flood_factor: 100000/' "$root/samples/plant.yaml" > "$work/plant.yaml"
# Readings stamped when the site answers, for each run: stamped once for all rounds, the later rounds' readings were
# older than the plant's max_past_skew (30 s) and every one was refused as stale (a finding per message, no sequence
# numbers to keep), which is not the path this measures.
lines() {
  python3 -c '
import sys, time
now = int(time.time() * 1000)
for i in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    print("{\"ts\":%d,\"seq\":%d,\"values\":{\"level\":1.0}}" % (now, i))' "$1" "$2"
}
run() { # binary label -> msgs/s
  local bin=$1 mqtt=$((20000 + RANDOM % 20000)); local http=$((mqtt + 1))
  rm -rf "$work/data"
  "$bin" serve --config "$work/plant.yaml" --data-dir "$work/data" --mqtt-port $mqtt --urls http://127.0.0.1:$http >"$work/serve.log" 2>&1 &
  pid=$!
  until curl -s -o /dev/null http://127.0.0.1:$http/health; do sleep 0.1; done
  if (( warmup > 0 )); then
    lines 1 "$warmup" | mosquitto_pub -l -h 127.0.0.1 -p $mqtt -V mqttv311 -q 1 -u tank-gateway -P demo-tank-gateway -t plant/tank1
  fi
  lines $((warmup + 1)) $((warmup + n)) > "$work/lines"
  local t0=$(date +%s%N)
  mosquitto_pub -l -M "$inflight" -h 127.0.0.1 -p $mqtt -V mqttv311 -q 1 -u tank-gateway -P demo-tank-gateway -t plant/tank1 < "$work/lines"
  local t1=$(date +%s%N)
  local accepted; accepted=$(curl -s -H "Authorization: Bearer $(cat "$work/data/first-admin.key")" http://127.0.0.1:$http/metrics | awk -v w="$warmup" '/^twinguard_readings_accepted_total/ {print $2 - w}')
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  echo "${accepted:-?}" >> "$work/accepted"
  python3 -c "print(round($n / (($t1 - $t0) / 1e9)))"
}
for r in $(seq "$rounds"); do
  a=$(run "$ours"); b=$(run "$other"); before=
  if [[ -n "${BEFORE_BIN:-}" ]]; then
    c=$(run "$BEFORE_BIN")
    before=", before $c msgs/s, ratio $(python3 -c "print(round($c / $b, 2))")"
  fi
  echo "round $r: durable $a msgs/s, other $b msgs/s, ratio $(python3 -c "print(round($a / $b, 2))")$before, load $(cut -d' ' -f1 /proc/loadavg), readings accepted $(tail -n $([[ -n "${BEFORE_BIN:-}" ]] && echo 3 || echo 2) "$work/accepted" | paste -sd/) of $n"
done
