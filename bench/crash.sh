#!/usr/bin/env bash
# Crash campaign: N random kill -9 of `twinguard serve` while a device publishes QoS 1 readings at a fixed rate.
# After each kill the site restarts on the same data directory, and the campaign checks that
#   - every reading the broker acknowledged (a PUBACK seen by mosquitto_pub -d) is in the ledger,
#   - `twinguard ledger verify` passes and the newest checkpoint signs every entry (checkpoint at start),
#   - the quarantine made before the campaign is still in force and the approvals are unchanged,
#   - the site database and sequences.db pass SQLite's integrity check.
# One kill in four (DOUBLE_KILLS=0 turns it off) also kills the restarting process 0.2-2 s into its start, before it
# answers /health (recovery interrupted by a second crash), and then starts it again.
# Usage: bench/crash.sh [kills=10] [rate=100 msgs/s] [protocol=mqttv311]
# Needs mosquitto-clients, curl, python3 and a Release build (dotnet build src/TwinGuard.Server -c Release).
set -euo pipefail
kills=${1:-10}; rate=${2:-100}; proto=${3:-mqttv311}; double_every=${DOUBLE_KILLS:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TWINGUARD_BIN:-$root/src/TwinGuard.Server/bin/Release/net10.0/twinguard}
work=$(mktemp -d /tmp/twinguard-crash.XXXX); data=$work/data
# A throwaway run keeps its ledger key with its throwaway data, not among the site keys in ~/.config/twinguard.
export TWINGUARD_KEY_DIR="$work/keys"
mqtt=$((20000 + RANDOM % 20000)); http=$((mqtt + 1))
# The sample plant, allowing one device this rate (the flood guard would refuse it otherwise; refused readings are
# acknowledged too, as refusals, and are kept in the site database, not the ledger).
sed 's/^  flood_factor: .*/  flood_factor: 100000/' "$root/samples/plant.yaml" > "$work/plant.yaml"
pid=
cleanup() { [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
launch() {
  "$bin" serve --config "$work/plant.yaml" --data-dir "$data" --mqtt-port $mqtt --urls http://127.0.0.1:$http >>"$work/serve.log" 2>&1 &
  pid=$!
}
start() {
  launch
  local t0=$(date +%s%3N)
  until curl -s -o /dev/null http://127.0.0.1:$http/health; do sleep 0.1; done
  restart_ms=$(( $(date +%s%3N) - t0 ))
}
# QoS 1 readings at argv[1] msgs/s, sequence numbers from argv[2] + 1.
cat > "$work/generate.py" <<'PY'
import sys, time, json
rate, base = float(sys.argv[1]), int(sys.argv[2]); t0 = time.monotonic(); i = 0
try:
    while True:
        i += 1
        wait = t0 + i / rate - time.monotonic()
        if wait > 0: time.sleep(wait)
        print(json.dumps({"ts": int(time.time() * 1000), "seq": base + i, "values": {"level": 1.0}}, separators=(",", ":")), flush=True)
except (BrokenPipeError, KeyboardInterrupt):
    pass
PY
start
"$bin" quarantine add --data-dir "$data" --kind source --target vibration-node --who crash-bench --why "must hold across crashes" >/dev/null
approvals_before=$("$bin" approvals list --all --json --data-dir "$data" | python3 -c 'import sys,json; print(len(json.load(sys.stdin)))')
total_acked=0; total_missing=0; total_sent=0; verify_failures=0; quarantine_lost=0; approvals_changed=0; unsigned_after_restart=0
double_kills=0; integrity_failures=0; restarts=()
for k in $(seq "$kills"); do
  base=$((k * 10000000))
  # Its own process group, so that the client (which would reconnect forever) is stopped with its generator.
  setsid bash -c "python3 -u '$work/generate.py' $rate $base 2>/dev/null | stdbuf -oL mosquitto_pub -d -l -h 127.0.0.1 -p $mqtt -V $proto -q 1 \
      -u tank-gateway -P demo-tank-gateway -t plant/tank1 >'$work/client.log' 2>&1" &
  client=$!
  sleep "$(python3 -c 'import random; print(round(random.uniform(1.0, 3.0), 3))')"
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=
  sleep 0.5; kill -- -"$client" 2>/dev/null || true; wait "$client" 2>/dev/null || true
  # mosquitto_pub numbers its publishes 1, 2, ... in order (its message id), and the payload's seq is base + that number.
  sent=$(grep -c "sending PUBLISH" "$work/client.log" || true)
  grep -o "received PUBACK (Mid: [0-9]*, RC:0)" "$work/client.log" | grep -o "Mid: [0-9]*" | cut -d' ' -f2 | sort -n > "$work/acked" || true
  acked=$(wc -l < "$work/acked")
  left=$("$bin" ledger verify --data-dir "$data" --json 2>/dev/null | python3 -c 'import sys,json; print(json.load(sys.stdin).get("treeSize", 0))' || echo 0)
  second=no
  if [[ $double_every -gt 0 && $((RANDOM % double_every)) -eq 0 ]]; then
    launch
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.2, 2.0), 3))')"
    if ! curl -s -o /dev/null http://127.0.0.1:$http/health; then second=yes; double_kills=$((double_kills + 1)); fi
    kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=
  fi
  start
  restarts+=("$restart_ms")
  cat "$data"/ledger/segment-*.tgl | tr -c '[:print:]' '\n' | grep -o "\"seq\":$((k))[0-9]\{7\}," | tr -dc '0-9\n' | sort -n > "$work/kept" || true
  missing=$(awk -v b=$base 'NR==FNR { kept[$1] = 1; next } !((b + $1) in kept)' "$work/kept" "$work/acked" | wc -l)
  verify=$("$bin" ledger verify --data-dir "$data" --json 2>/dev/null || true)
  ok=$(python3 -c 'import sys,json; d=json.loads(sys.argv[1] or "{}"); print(1 if d.get("ok") else 0)' "$verify" 2>/dev/null || echo 0)
  # Within 2 s of the restart the newest checkpoint must sign everything the crashed run left.
  signed=0
  for _ in $(seq 20); do
    v=$("$bin" ledger verify --data-dir "$data" --json 2>/dev/null || true)
    if python3 -c 'import sys,json; d=json.loads(sys.argv[1]); sys.exit(0 if d.get("signedSize", -1) >= int(sys.argv[2]) else 1)' "$v" "$left" 2>/dev/null; then signed=1; break; fi
    sleep 0.1
  done
  quarantined=$("$bin" quarantine list --json --data-dir "$data" | grep -c '"vibration-node"' || true)
  approvals=$("$bin" approvals list --all --json --data-dir "$data" | python3 -c 'import sys,json; print(len(json.load(sys.stdin)))')
  integrity=$(python3 -c '
import sqlite3, sys
for f in sys.argv[1:]:
    r = sqlite3.connect("file:" + f + "?mode=ro", uri=True, timeout=10).execute("PRAGMA integrity_check").fetchone()[0]
    if r != "ok": print(f, r); sys.exit(0)
print("ok")' "$data/twinguard.db" "$data/sequences.db" 2>&1 | head -1)
  [[ $integrity == ok ]] || integrity_failures=$((integrity_failures + 1))
  printf 'kill %3d: sent %5d, acknowledged %5d, missing %d, verify %s, checkpoint covers restart %s, quarantine %s, approvals %s, sqlite %s, killed again in restart %s, restart %d ms\n' \
    "$k" "$sent" "$acked" "$missing" "$([[ $ok == 1 ]] && echo ok || echo FAILED)" "$([[ $signed == 1 ]] && echo yes || echo NO)" \
    "$([[ $quarantined -gt 0 ]] && echo held || echo LOST)" "$([[ $approvals == "$approvals_before" ]] && echo same || echo CHANGED)" "$integrity" "$second" "$restart_ms"
  total_sent=$((total_sent + sent)); total_acked=$((total_acked + acked)); total_missing=$((total_missing + missing))
  [[ $ok == 1 ]] || verify_failures=$((verify_failures + 1))
  [[ $signed == 1 ]] || unsigned_after_restart=$((unsigned_after_restart + 1))
  [[ $quarantined -gt 0 ]] || quarantine_lost=$((quarantine_lost + 1))
  [[ $approvals == "$approvals_before" ]] || approvals_changed=$((approvals_changed + 1))
done
echo "crash campaign: $kills kills at $rate msgs/s ($proto): sent $total_sent, acknowledged $total_acked, acknowledged but missing from the ledger $total_missing; ledger verify failed $verify_failures times; checkpoint not covering the crashed run $unsigned_after_restart times; quarantine lost $quarantine_lost times; approvals changed $approvals_changed times; SQLite integrity failed $integrity_failures times; killed again during restart $double_kills times; restart to /health median $(printf '%s\n' "${restarts[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') ms, max $(printf '%s\n' "${restarts[@]}" | sort -n | tail -1) ms; load $(cut -d' ' -f1-3 /proc/loadavg)"
