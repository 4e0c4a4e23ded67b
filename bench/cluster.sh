#!/usr/bin/env bash
# Cluster throughput (docs/cluster.md): readings/s through 1, 2 and 3 silos (`serve --cluster`, Redis membership and
# grain state, started here), and through the largest cluster with twin persistence on and off, alternating in the same
# run. Three devices (three twins) publish QoS 1 in parallel, device i to silo i mod N's broker; a run's figure is all
# messages over the wall time until the last publisher has every acknowledgement (acknowledged = in the ledger).
# All silos and the publishers share this machine's cores: the figures say how the cluster behaves, not how it scales
# on separate machines.
# Usage: [MODE=persistence] bench/cluster.sh [messages per device=2000] [rounds=2] [in-flight=20]
# MODE=persistence: one silo with persistence off and on, alternating which goes first.
set -euo pipefail
n=${1:-2000}; rounds=${2:-2}; inflight=${3:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TWINGUARD_BIN:-$root/src/TwinGuard.Server/bin/Release/net10.0/twinguard}
work=$(mktemp -d /tmp/twinguard-benchcluster.XXXX); pids=(); redis=
# A throwaway run keeps its ledger key with its throwaway data, not among the site keys in ~/.config/twinguard.
export TWINGUARD_KEY_DIR="$work/keys"
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [[ -n "$redis" ]] && kill "$redis" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

sed 's/^  flood_factor: .*/  flood_factor: 100000/' "$root/samples/plant.yaml" > "$work/plant.yaml"
printf 'poll_interval: 1s\nplaybooks: []\n' > "$work/playbooks.yaml"
python3 - "$n" "$work" <<'PY'
import sys, time
n, work = int(sys.argv[1]), sys.argv[2]
now = int(time.time() * 1000)
streams = {
    "pump1": '{"ts":%d,"seq":%d,"values":{"speed":1500,"flow":75,"pressure":2.5,"motor_current":4.9,"motor_voltage":230,"motor_temp":60,"vibration":0.3}}',
    "tank1": '{"ts":%d,"seq":%d,"values":{"level":1.0,"fluid_temp":24.5}}',
    "conveyor1": '{"ts":%d,"seq":%d,"values":{"belt_speed":1.2,"motor_current":6,"motor_temp":50}}',
}
for asset, line in streams.items():
    with open(f"{work}/{asset}.lines", "w") as f:
        for i in range(1, n + 1):
            f.write(line % (now, i) + "\n")
PY
devices=("loop-plc plant/pump1 pump1" "tank-gateway plant/tank1 tank1" "conveyor-plc plant/conveyor1 conveyor1")

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null 2>&1 &
redis=$!
until redis-cli -p "$rport" ping 2>/dev/null | grep -q PONG; do sleep 0.1; done

run() { # silos persistence -> msgs/s
  local silos=$1 persist=$2 id="bench$RANDOM" mqtt=() http=()
  pids=()
  for i in $(seq 0 $((silos - 1))); do
    local dir="$work/$id-$i" sp gp
    mkdir -p "$dir"; sp=$(free_port); gp=$(free_port); mqtt[$i]=$(free_port); http[$i]=$(free_port)
    # A service id of its own: no run restores the twins' state (their sequence numbers) of an earlier run.
    printf 'cluster: { id: %s, service: %s }\nmembership: { redis: "127.0.0.1:%s" }\nsilo: { address: 127.0.0.1, port: %s, gateway_port: %s }\npersistence: { enabled: %s, snapshot_every: 10s }\n' \
      "$id" "$id" "$rport" "$sp" "$gp" "$persist" > "$dir/cluster.yaml"
    "$bin" serve --config "$work/plant.yaml" --playbooks "$work/playbooks.yaml" --cluster "$dir/cluster.yaml" --data-dir "$dir/data" \
      --mqtt-port "${mqtt[$i]}" --urls "http://127.0.0.1:${http[$i]}" >"$dir/serve.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 0 $((silos - 1))); do until curl -s -o /dev/null "http://127.0.0.1:${http[$i]}/health"; do sleep 0.2; done; done
  local t0 t1 pubs=()
  t0=$(date +%s%N)
  for d in 0 1 2; do
    read -r user topic asset <<<"${devices[$d]}"
    mosquitto_pub -l -M "$inflight" -h 127.0.0.1 -p "${mqtt[$((d % silos))]}" -V mqttv311 -q 1 -u "$user" -P "demo-$user" -t "$topic" < "$work/$asset.lines" &
    pubs+=($!)
  done
  for p in "${pubs[@]}"; do wait "$p"; done
  t1=$(date +%s%N)
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
  rm -rf "$work/$id-"*
  python3 -c "print(round(3 * $n / (($t1 - $t0) / 1e9)))"
}

echo "messages per device $n, in flight $inflight, $(nproc) cores"
ratio() { python3 -c "print(round($1 / $2, 2))"; }
if [[ ${MODE:-silos} == persistence ]]; then
  # One silo (no placement chance), persistence off and on in alternating order.
  for r in $(seq "$rounds"); do
    if ((r % 2)); then off=$(run 1 false); on=$(run 1 true); else on=$(run 1 true); off=$(run 1 false); fi
    echo "round $r: 1 silo persistence off $off msgs/s, on $on (on/off $(ratio "$on" "$off")); load $(cut -d' ' -f1 /proc/loadavg)"
  done
  exit 0
fi
for r in $(seq "$rounds"); do
  one=$(run 1 true); two=$(run 2 true); three=$(run 3 true); off=$(run 3 false); on=$(run 3 true)
  echo "round $r: 1 silo $one msgs/s, 2 silos $two ($(ratio "$two" "$one")x), 3 silos $three ($(ratio "$three" "$one")x); 3 silos persistence off $off, on $on (on/off $(ratio "$on" "$off")); load $(cut -d' ' -f1 /proc/loadavg)"
done
