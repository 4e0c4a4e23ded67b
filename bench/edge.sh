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
# A throwaway run keeps its ledger key with its throwaway data, not among the site keys in ~/.config/twinguard.
export TWINGUARD_KEY_DIR="$work/keys"
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

# Start-up: process start to the first accepted reading (the agent logs it), for the three ways a device logs in: a
# human password (PBKDF2 at the plant model's iteration count, once per connection), a client certificate (a TLS
# handshake on the mqtts listener, the device declared with `certificate:` and no password), and a generated secret
# (`twinguard device-secret`: one salted SHA-256, `secret_hash:`). Each on a fresh data directory, alternating, $runs
# times; the last password run is the agent measured below.
runs=${TWINGUARD_EDGE_STARTUP_RUNS:-3}
pki=$work/pki; "$serve" certs --config "$root/samples/plant.yaml" --out "$pki" >"$work/certs.txt" 2>&1
subject=$(grep -o 'tank-gateway: certificate: { subject: "[^"]*" }' "$work/certs.txt" | sed 's/.*subject: "\([^"]*\)".*/\1/')
# The sample plant with tank-gateway proving itself by certificate alone (its password line removed), and the site CA
# that issues device certificates (`tls:`, as a plant with certificate devices declares it).
python3 - "$root/samples/plant.yaml" "$work/plant-cert.yaml" "$subject" "$pki" <<'PY'
import sys
source, target, subject, pki = sys.argv[1:]
text = open(source).read()
block = text.index("  - id: tank-gateway\n")
line = text.index("    password_hash:", block)
end = text.index("\n", line) + 1
text = text[:line] + '    certificate: { subject: "%s" }\n' % subject + text[end:]
devices = text.index("\ndevices:\n") + 1
tls = "tls:\n  certificate: %s/server.crt\n  key: %s/server.key\n  client_ca: %s/ca.crt\n\n" % (pki, pki, pki)
open(target, "w").write(text[:devices] + tls + text[devices:])
PY
# The sample plant with tank-gateway logging in by a generated secret instead of its human password.
"$serve" device-secret --json >"$work/secret.json"
secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$work/secret.json")
python3 - "$root/samples/plant.yaml" "$work/plant-secret.yaml" "$work/secret.json" <<'PY'
import json, sys
source, target, made = sys.argv[1:]
text = open(source).read()
block = text.index("  - id: tank-gateway\n")
line = text.index("    password_hash:", block)
end = text.index("\n", line) + 1
open(target, "w").write(text[:line] + '    secret_hash: "%s"\n' % json.load(open(made))["secret_hash"] + text[end:])
PY
startup() { # kind n -> starts an edge, publishes one reading as tank-gateway until it is taken, prints the start-up line
  port=$((20000 + RANDOM % 20000)); local kind=$1 n=$2 tls=$((20000 + RANDOM % 20000)) log=$work/edge-$1-$2.log
  local config=$root/samples/plant.yaml login=(-p "$port" -u tank-gateway -P demo-tank-gateway) extra=()
  if [ "$kind" = certificate ]; then
    config=$work/plant-cert.yaml; login=(-p "$tls" --cafile "$pki/ca.crt" --cert "$pki/devices/tank-gateway.crt" --key "$pki/devices/tank-gateway.key")
    extra=(--listen-tls 127.0.0.1:$tls --device-cert "$pki/server.crt" --device-key "$pki/server.key")
  elif [ "$kind" = secret ]; then
    config=$work/plant-secret.yaml; login=(-p "$port" -u tank-gateway -P "$secret")
  fi
  "$edge" run --edge-id edge1 --config "$config" --data-dir "$work/edge-$kind-$n" --listen 127.0.0.1:$port "${extra[@]}" 2>"$log" &
  epid=$!; pids+=($epid)
  local now=$(date +%s%3N)
  until mosquitto_pub -h 127.0.0.1 "${login[@]}" -q 1 -t plant/tank1 -m "{\"ts\":$now,\"seq\":1,\"values\":{\"level\":1.0}}" 2>/dev/null; do
    kill -0 "$epid" 2>/dev/null || { echo "edge ($kind device) exited: $(cat "$log")" >&2; exit 1; }
  done
  until grep -q "first reading accepted" "$log"; do sleep 0.05; done
  # CPU time the agent used up to here (10 ms ticks): what a loaded machine's wall time hides.
  local used=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$epid/stat")
  echo "edge start-up, $kind device, run $n: $(grep -o 'ready [0-9]* ms' "$log"), $(grep -o 'first reading accepted [0-9]* ms' "$log"), agent CPU $used ms; load $(cut -d' ' -f1 /proc/loadavg)"
  [ "$n" = "$runs" ] && echo "edge start-up phases, $kind device: $(grep -o 'after the process started (.*)' "$log" | head -1)"
  elog=$log
  return 0
}
for n in $(seq 1 "$runs"); do
  startup certificate "$n"; kill "$epid"; wait "$epid" 2>/dev/null || true
  startup secret "$n"; kill "$epid"; wait "$epid" 2>/dev/null || true
  startup password "$n"; [ "$n" = "$runs" ] || { kill "$epid"; wait "$epid" 2>/dev/null || true; }
done
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
grep -o "accepted [0-9]* readings.*" "$elog" | tail -1 || true
echo "edge bench: $("$edge" bench --config "$root/samples/plant.yaml" --seconds 5)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
