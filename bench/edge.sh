#!/usr/bin/env bash
# twinguard-edge figures (issue #25): binary size, start-up time to the first accepted reading, RSS idle and with
# 4 devices x 4 Hz, readings/s per core; `twinguard serve` measured in the same run under the same devices, for ratios.
# Usage: bench/edge.sh [seconds-under-load=30]
set -euo pipefail
secs=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
edge=${TWINGUARD_EDGE_BIN:-$root/artifacts/edge/linux-x64/twinguard-edge}
serve=${TWINGUARD_BIN:-$root/src/TwinGuard.Server/bin/Release/net10.0/twinguard}
work=$(mktemp -d /tmp/twinguard-edgebench.XXXX); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
devices() { # port -> starts 4 devices at 4 Hz each for $secs seconds (python paces, mosquitto_pub -l publishes)
  local port=$1
  for spec in "loop-plc plant/pump1 speed=1500,flow=40,pressure=2.3,motor_current=3.2,motor_voltage=230,motor_temp=50,vibration=0.2" \
              "tank-gateway plant/tank1 level=1.0,fluid_temp=40" "conveyor-plc plant/conveyor1 belt_speed=1.2,motor_current=5,motor_temp=45" \
              "vibration-node plant/pump1/vibration value=0.2"; do
    set -- $spec
    python3 -u -c '
import sys, time, random
names = [kv.split("=") for kv in sys.argv[1].split(",")]
for seq in range(1, int(sys.argv[2]) * 4 + 1):
    now = int(time.time() * 1000)
    vals = {k: float(v) * (1 + random.uniform(-0.002, 0.002)) for k, v in names}
    if "value" in vals: print("{\"ts\":%d,\"seq\":%d,\"value\":%.5f}" % (now, seq, vals["value"]))
    else: print("{\"ts\":%d,\"seq\":%d,\"values\":{%s}}" % (now, seq, ",".join("\"%s\":%.5f" % kv for kv in vals.items())))
    time.sleep(0.25)' "$3" "$secs" | mosquitto_pub -l -h 127.0.0.1 -p "$port" -q 1 -u "$1" -P "demo-$1" -t "$2" &
    pids+=($!)
  done
}
echo "binary: $(stat -c %s "$edge") bytes ($(du -h "$edge" | cut -f1))"

# Start-up: process start to the first accepted reading (the agent logs it).
port=$((20000 + RANDOM % 20000))
"$edge" run --edge-id edge1 --config "$root/samples/plant.yaml" --data-dir "$work/edge" --listen 127.0.0.1:$port 2>"$work/edge.log" &
epid=$!; pids+=($epid)
now=$(date +%s%3N)
until mosquitto_pub -h 127.0.0.1 -p $port -q 1 -u tank-gateway -P demo-tank-gateway -t plant/tank1 -m "{\"ts\":$now,\"seq\":1,\"values\":{\"level\":1.0}}" 2>/dev/null; do :; done
until grep -q "first reading accepted" "$work/edge.log"; do sleep 0.05; done
echo "edge start-up: $(grep -o 'ready [0-9]* ms' "$work/edge.log"), $(grep -o 'first reading accepted [0-9]* ms' "$work/edge.log")"
echo "edge start-up phases: $(grep -o 'after the process started (.*)' "$work/edge.log" | head -1)"
sleep 5
echo "edge RSS idle: $(rss $epid) MB"

# The site process for comparison, idle.
mqtt=$((port + 1)); http=$((port + 2))
"$serve" serve --config "$root/samples/plant.yaml" --data-dir "$work/site" --mqtt-port $mqtt --urls http://127.0.0.1:$http >"$work/serve.log" 2>&1 &
spid=$!; pids+=($spid)
until curl -s -o /dev/null http://127.0.0.1:$http/health; do sleep 0.1; done
sleep 5
echo "serve RSS idle: $(rss $spid) MB"

# 4 devices x 4 Hz on each, at the same time.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
e0=$(cpu $epid); s0=$(cpu $spid)
devices $port; devices $mqtt
sleep "$secs"
e1=$(cpu $epid); s1=$(cpu $spid); hz=$(getconf CLK_TCK)
echo "edge  RSS at 4 devices x 4 Hz: $(rss $epid) MB, CPU $(python3 -c "print(round(100 * ($e1 - $e0) / $hz / $secs, 1))") % of a core"
echo "serve RSS at 4 devices x 4 Hz: $(rss $spid) MB, CPU $(python3 -c "print(round(100 * ($s1 - $s0) / $hz / $secs, 1))") % of a core"
grep -o "accepted [0-9]* readings.*" "$work/edge.log" | tail -1 || true
echo "edge bench: $("$edge" bench --config "$root/samples/plant.yaml" --seconds 5)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
