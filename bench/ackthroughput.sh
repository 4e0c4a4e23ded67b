#!/usr/bin/env bash
# QoS 1 throughput of one mosquitto_pub -l client (up to in-flight publishes unacknowledged), durable acknowledgements (this
# build) against another build (e.g. one that acknowledges on receipt), alternating in the same run. BEFORE_BIN=BINARY
# adds a third build to each round (e.g. the durable path before a change), its rate and ratio to OTHER printed too.
# Usage: [BEFORE_BIN=...] bench/ackthroughput.sh OTHER_TWINGUARD_BINARY [messages=3000] [rounds=3] [in-flight=20]
set -euo pipefail
other=$1; n=${2:-3000}; rounds=${3:-3}; inflight=${4:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
ours=${TWINGUARD_BIN:-$root/src/TwinGuard.Server/bin/Release/net10.0/twinguard}
work=$(mktemp -d /tmp/twinguard-ackrate.XXXX); pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
sed 's/^  flood_factor: .*/  flood_factor: 100000/' "$root/samples/plant.yaml" > "$work/plant.yaml"
python3 -c '
import sys, time
now = int(time.time() * 1000)
for i in range(1, int(sys.argv[1]) + 1):
    print("{\"ts\":%d,\"seq\":%d,\"values\":{\"level\":1.0}}" % (now, i))' "$n" > "$work/lines"
run() { # binary label -> msgs/s
  local bin=$1 mqtt=$((20000 + RANDOM % 20000)); local http=$((mqtt + 1))
  rm -rf "$work/data"
  "$bin" serve --config "$work/plant.yaml" --data-dir "$work/data" --mqtt-port $mqtt --urls http://127.0.0.1:$http >"$work/serve.log" 2>&1 &
  pid=$!
  until curl -s -o /dev/null http://127.0.0.1:$http/health; do sleep 0.1; done
  local t0=$(date +%s%N)
  mosquitto_pub -l -M "$inflight" -h 127.0.0.1 -p $mqtt -V mqttv311 -q 1 -u tank-gateway -P demo-tank-gateway -t plant/tank1 < "$work/lines"
  local t1=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  python3 -c "print(round($n / (($t1 - $t0) / 1e9)))"
}
for r in $(seq "$rounds"); do
  a=$(run "$ours"); b=$(run "$other"); before=
  if [[ -n "${BEFORE_BIN:-}" ]]; then
    c=$(run "$BEFORE_BIN")
    before=", before $c msgs/s, ratio $(python3 -c "print(round($c / $b, 2))")"
  fi
  echo "round $r: durable $a msgs/s, other $b msgs/s, ratio $(python3 -c "print(round($a / $b, 2))")$before, load $(cut -d' ' -f1 /proc/loadavg)"
done
