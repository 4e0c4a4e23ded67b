#!/usr/bin/env bash
# Disk full while a device publishes QoS 1: TwinGuard's data directory on a small tmpfs (needs root for mount),
# filled to the last byte while mosquitto_pub publishes, then freed. Reports how many acknowledged readings are
# missing from the ledger, when /health turned unhealthy and healthy again, and whether `ledger verify` passes.
# Usage: sudo bench/diskfull.sh [size-MiB=16] [protocol=mqttv5|mqttv311]
set -euo pipefail
size=${1:-16}; proto=${2:-mqttv5}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/src/TwinGuard.Server/bin/Release/net10.0/twinguard"
mnt=$(mktemp -d /tmp/twinguard-diskfull.XXXX)
mount -t tmpfs -o size=${size}m tmpfs "$mnt"
# The ledger key stays outside the tmpfs the run fills, and with the run rather than among the site keys in ~/.config/twinguard.
export TWINGUARD_KEY_DIR="$mnt.keys"
mqtt=$((20000 + RANDOM % 20000)); http=$((mqtt + 1))
cleanup() { [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null; wait "${pid:-}" 2>/dev/null || true; umount "$mnt" 2>/dev/null || true; rmdir "$mnt"; rm -rf "$mnt.keys"; }
trap cleanup EXIT
"$bin" serve --config "$root/samples/plant.yaml" --data-dir "$mnt/data" --mqtt-port $mqtt --urls http://127.0.0.1:$http >"$mnt.log" 2>&1 &
pid=$!
until curl -s -o /dev/null http://127.0.0.1:$http/health; do sleep 0.2; done
acked=(); refused=0; seq=0
publish() { # one QoS 1 reading; remembered when acknowledged (mosquitto_pub exits 0 only after a successful PUBACK)
  seq=$((seq + 1))
  if timeout 10 mosquitto_pub -h 127.0.0.1 -p $mqtt -V "$proto" -q 1 -u tank-gateway -P demo-tank-gateway -t plant/tank1 \
      -m "{\"ts\":$(date +%s%3N),\"seq\":$seq,\"values\":{\"level\":1.0}}" 2>/dev/null; then acked+=("$seq"); else refused=$((refused + 1)); fi
}
health() { curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$http/health; }
for _ in $(seq 20); do publish; done
echo "before: ${#acked[@]} acknowledged"
dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null || true   # until ENOSPC
full=$(date +%s%3N)
while :; do publish; [[ $(health) == 503 ]] && break; (( $(date +%s%3N) - full > 20000 )) && break; done
echo "unhealthy after $(( $(date +%s%3N) - full )) ms (status $(health))"
for _ in $(seq 20); do publish; done
echo "while full: ${#acked[@]} acknowledged in total, $refused refused"
rm -f "$mnt/filler"; freed=$(date +%s%3N)
until [[ $(health) == 200 ]]; do sleep 0.05; (( $(date +%s%3N) - freed > 30000 )) && break; done
echo "healthy again $(( $(date +%s%3N) - freed )) ms after space returned (status $(health))"
for _ in $(seq 20); do publish; done
echo "after: ${#acked[@]} acknowledged in total, $refused refused"
curl -s http://127.0.0.1:$http/health; echo
kill "$pid"; wait "$pid" || true; pid=
missing=0
dump=$(cat "$mnt"/data/ledger/segment-* | tr -c "[:print:]" "\n")
for s in "${acked[@]}"; do grep -q "\"seq\":$s," <<<"$dump" || missing=$((missing + 1)); done
echo "acknowledged readings missing from the ledger: $missing of ${#acked[@]}"
"$bin" ledger verify --data-dir "$mnt/data" && echo "ledger verify: ok"
echo "log lines: $(wc -l < "$mnt.log") (errors and alarms below)"; grep -E "crit|fail|ALARM" "$mnt.log" | cut -c1-200 | sort | uniq -c | sort -rn | head -5
rm -f "$mnt.log"
