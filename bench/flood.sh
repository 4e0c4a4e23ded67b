#!/usr/bin/env bash
# Flood experiment of issue #18: one authenticated device (conveyor-plc) floods QoS 0 as fast as one mosquitto_pub
# client can send, while three others (loop-plc, tank-gateway, vibration-node) publish QoS 1 at 4 Hz each and time
# every publish->PUBACK. Phases: BASE seconds without the flood, FLOOD seconds of flood, AFTER seconds of quiet.
# Reports the others' PUBACK p50/p99 without and during the flood, SQLite growth during the flood, RSS at the start,
# after the flood and AFTER seconds later, refusals counted / stored whole / folded into summaries / not stored, and
# whether the flooder was disconnected and quarantined (the sample playbook contain-flooding-device).
# The first WARMUP seconds (default 10) after the site answers are not counted: they hold the JIT, the twins'
# activation and the first grain calls, which made single samples of hundreds of ms dominate a 4 Hz client's p99.
# CONTAIN=0 measures a flood that lasts: the plant copy says `flood_cut_off: off` (the broker holds the flooder but never
# closes its connection) and the playbooks copy drops contain-flooding-device, so the flood runs its full FLOOD seconds
# and the others' "flood" phase has FLOOD x 12 samples (60 s: 720) instead of the one or two seconds before containment.
# The default (CONTAIN=1) is the shipped behaviour: it reports how long the flood lasted before the flooder was cut off.
# The CPU time serve and the whole machine spent during the flood are printed (from /proc), to tell the broker's cost
# from the flooding client's.
# PAYLOAD=malformed floods payloads that are not JSON (refused one by one as `malformed`, never reaching a flood bucket)
# instead of valid readings.
# PIN=1 stands in for a flooder on another host: the flooder runs alone on the last CPU (taskset), serve and the three
# well-behaved clients on the others, in every phase (the unflooded baseline too, so the ratio compares like with like).
# Unpinned, the flooding client itself takes one of this machine's two cores from serve and the other clients, which a
# flooder on another host would not; the goal is about serve's behaviour.
# At the end, once the broker reads nothing more (DRAIN seconds at most, default 300), it prints the refusal accounting:
# rows stored whole + refusals folded into the stored summaries + counted but not stored = counted.
# Usage: [WARMUP=10] [FLOODER=mosquitto|socket] [CONTAIN=1|0] [PAYLOAD=valid|malformed] [PIN=0|1] [DRAIN=300] [COUNTERS=FILE.csv] bench/flood.sh [BASE=20] [FLOOD=30] [AFTER=60] [PLAYBOOKS=samples/playbooks.yaml]
set -euo pipefail
base=${1:-20}; flood=${2:-30}; after=${3:-60}; playbooks=${4:-}; warmup=${WARMUP:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TWINGUARD_BIN:-$root/src/TwinGuard.Server/bin/Release/net10.0/twinguard}
playbooks=${playbooks:-$root/samples/playbooks.yaml}
work=$(mktemp -d /tmp/twinguard-flood.XXXX); pid=; others=; flooder=; counters=
# A throwaway run keeps its ledger key with its throwaway data, not among the site keys in ~/.config/twinguard.
export TWINGUARD_KEY_DIR="$work/keys"
cleanup() {
  for p in $flooder $others $counters $pid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cp "$root/samples/plant.yaml" "$work/plant.yaml"
contain=${CONTAIN:-1}
if [[ $contain == 0 ]]; then
  sed -i 's/^  flood_factor:/  flood_cut_off: off\n  flood_factor:/' "$work/plant.yaml"
  # The playbooks without contain-flooding-device: its list item runs up to the next "  - id:" (or the end).
  awk '/^  - id: / { skip = ($3 == "contain-flooding-device") } !skip' "$playbooks" >"$work/playbooks.yaml"
  playbooks=$work/playbooks.yaml
fi
data=$work/data; mqtt=$((20000 + RANDOM % 20000)); http=$((mqtt + 1))
mkdir -p "$data"; chmod 700 "$data"
token=$("$bin" keys create --role viewer --data-dir "$data" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
cut_off_note=
# PIN=1: the flooder on the last CPU, everything else (serve, the three clients) on the rest.
pin_rest=; pin_flooder=
if [[ ${PIN:-0} == 1 ]]; then
  last=$(($(nproc) - 1)); (( last > 0 )) || { echo "PIN=1 needs at least 2 CPUs" >&2; exit 1; }
  pin_rest="taskset -c 0-$((last - 1))"; pin_flooder="taskset -c $last"
fi
start_serve() {
  $pin_rest "$bin" serve --config "$work/plant.yaml" --data-dir "$data" --mqtt-port $mqtt --urls http://127.0.0.1:$http --playbooks "$playbooks" >"$work/serve.log" 2>&1 &
  pid=$!
  until curl -s -o /dev/null http://127.0.0.1:$http/health; do sleep 0.2; kill -0 $pid 2>/dev/null || return 1; done
}
if ! start_serve; then
  # A build from before flood_cut_off refuses the key: measured without it, and said so in the report.
  grep -q flood_cut_off "$work/serve.log" || { cat "$work/serve.log" >&2; exit 1; }
  sed -i '/flood_cut_off/d' "$work/plant.yaml"; cut_off_note=" (this build has no flood_cut_off: its broker still cuts the flooder off)"
  start_serve || { cat "$work/serve.log" >&2; exit 1; }
fi
# COUNTERS=FILE: dotnet-counters records serve's runtime counters (GC pauses and heap, thread pool queue, lock
# contention) once a second into FILE (csv), to line its stalls up with the slowest PUBACKs printed at the end.
counters=
if [[ -n ${COUNTERS:-} ]]; then
  "$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")" collect -p $pid --refresh-interval 1 --format csv -o "$COUNTERS" --counters System.Runtime >/dev/null 2>&1 & counters=$!
fi
rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' /proc/$pid/status; }
# What the RSS holds: anonymous memory (heaps, malloc) and file pages mapped in (code, SQLite's shared memory).
rss_kinds() { awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } /^RssShmem/ { s = $2 } END { printf "anon %.0f, file %.0f, shmem %.0f", a / 1024, f / 1024, s / 1024 }' /proc/$pid/status; }
dbsize() { du -cb "$data"/twinguard.db* 2>/dev/null | tail -1 | cut -f1; }
cpu_of() { awk '{ print $14 + $15 }' /proc/$1/stat; }   # utime + stime, in clock ticks
cpu_all() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }   # user + nice + system + irq + softirq
metric() { curl -s -H "Authorization: Bearer $token" http://127.0.0.1:$http/metrics | awk -v m="$1" '$1 ~ "^"m"({|$)" { s += $2 } END { printf "%d", s }'; }

# The MQTT 3.1.1 wire both Python clients below speak (the well-behaved devices and the socket flooder).
cat >"$work/mqttwire.py" <<'EOF'
import socket, struct, sys
def rl(n):
    b = bytearray()
    while True:
        d, n = n % 128, n // 128
        b.append(d | (0x80 if n else 0))
        if not n: return bytes(b)
def s(x): x = x.encode(); return struct.pack(">H", len(x)) + x
def read_packet(sock):
    head = sock.recv(1)
    if not head: raise EOFError
    n, mult = 0, 1
    while True:
        d = sock.recv(1)[0]; n += (d & 127) * mult; mult *= 128
        if d < 128: break
    body = b""
    while len(body) < n: body += sock.recv(n - len(body))
    return head[0], body
def connect(port, client_id, user):
    """CONNECT as user (password demo-user, clean session, keep-alive 60 s); exits unless the CONNACK accepts."""
    sock = socket.create_connection(("127.0.0.1", int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    var = s("MQTT") + bytes([4, 0xC2]) + struct.pack(">H", 60)
    payload = s(client_id) + s(user) + s("demo-" + user)
    sock.sendall(bytes([0x10]) + rl(len(var) + len(payload)) + var + payload)
    kind, body = read_packet(sock)
    if kind != 0x20 or body[1] != 0: sys.exit(f"{user}: CONNACK {body.hex()}")
    return sock
EOF

# The three well-behaved devices: a minimal MQTT 3.1.1 client each (CONNECT, then QoS 1 PUBLISH at 4 Hz, timing the
# PUBACK of each), writing "phase latency_ms" lines; SIGUSR1 switches the phase label base -> flood -> after.
cat >"$work/qos1.py" <<'EOF'
import json, signal, struct, sys, time
from mqttwire import rl, s, read_packet, connect
port, device, topic, signal_id, value, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6]
phases = ["warmup", "base", "flood", "after"]; phase = [0]
signal.signal(signal.SIGUSR1, lambda *_: phase.__setitem__(0, min(phase[0] + 1, 3)))
open(out + ".ready", "w").close()  # the bench signals phases only once every client can take them
sock = connect(port, device + "-flood-bench", device)
f = open(out, "w", buffering=1); seq = 0; next_at = time.monotonic()
while True:
    seq += 1; pid = seq % 65535 + 1
    ts = int(time.time() * 1000)
    body = json.dumps({"ts": ts, "seq": seq, "value": value} if signal_id == "-" else {"ts": ts, "seq": seq, "values": {signal_id: value}}).encode()
    var = s(topic) + struct.pack(">H", pid)
    t0 = time.perf_counter()
    sock.sendall(bytes([0x32]) + rl(len(var) + len(body)) + var + body)
    while True:
        kind, ack = read_packet(sock)
        if kind == 0x40 and struct.unpack(">H", ack[:2])[0] == pid: break
    f.write("%s %.3f %.3f\n" % (phases[phase[0]], (time.perf_counter() - t0) * 1000, time.time()))
    next_at += 0.25
    time.sleep(max(0, next_at - time.monotonic()))
EOF
$pin_rest python3 "$work/qos1.py" $mqtt loop-plc plant/pump1 speed 1500 "$work/lat-loop-plc" & others="$!"
$pin_rest python3 "$work/qos1.py" $mqtt tank-gateway plant/tank1 level 1.2 "$work/lat-tank-gateway" & others="$others $!"
$pin_rest python3 "$work/qos1.py" $mqtt vibration-node plant/pump1/vibration - 0.3 "$work/lat-vibration-node" & others="$others $!"

# At a load of 100 a client took over WARMUP seconds to reach its handler, and the first SIGUSR1 killed it.
for dev in loop-plc tank-gateway vibration-node; do
  for _ in $(seq 600); do [[ -e $work/lat-$dev.ready ]] && break; sleep 0.1; done
done
sleep "$warmup"
for p in $others; do kill -USR1 "$p"; done
sleep "$base"
rss_base=$(rss); rss_base_kinds=$(rss_kinds); db_before=$(dbsize); stored_before=$(sqlite3 "$data/twinguard.db" 'select count(*) from refusals' 2>/dev/null || echo 0)
for p in $others; do kill -USR1 "$p"; done
# The flooder: valid readings of its own asset with increasing seq, as fast as one QoS 0 client sends them.
# FLOODER=mosquitto (default): mosquitto_pub -l, which queues in its own memory whatever the socket does not take (it
# keeps reading its input and growing while the broker holds the connection). FLOODER=socket: a client that writes
# PUBLISH packets back to back on one connection and blocks when TCP is full, like most MQTT client libraries.
if [[ ${FLOODER:-mosquitto} == socket ]]; then
cat >"$work/flooder.py" <<'EOF'
import signal, socket, struct, sys, time
from mqttwire import rl, s, connect
sock = connect(sys.argv[1], "conveyor-plc-flooder", "conveyor-plc"); valid = sys.argv[2] != "malformed"
# At the end (timeout's SIGTERM) the connection is reset, not closed: what the kernel still holds unsent is dropped, as
# when a flooding host goes away, instead of being read by the broker at the held rate for minutes after the flood.
sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
signal.signal(signal.SIGTERM, lambda *_: (sock.close(), sys.exit(0)))
now = int(time.time() * 1000); i = 0; topic = s("plant/conveyor1")
try:
    while True:
        chunk = bytearray()
        for _ in range(100):
            i += 1
            payload = b"{\"ts\":%d,\"seq\":%d,\"values\":{\"belt_speed\":1.0}}" % (now + i // 1000, i) if valid else b"not json %d" % i
            chunk += bytes([0x30]) + rl(len(topic) + len(payload)) + topic + payload
        sock.sendall(chunk)
except (BrokenPipeError, ConnectionResetError):
    pass
EOF
timeout "$flood" $pin_flooder python3 "$work/flooder.py" $mqtt "${PAYLOAD:-valid}" >"$work/flooder.log" 2>&1 & flooder=$!
else
$pin_flooder python3 -c '
import sys, time
out = sys.stdout; now = int(time.time() * 1000); i = 0; valid = sys.argv[1] != "malformed"
try:
    while True:
        i += 1
        out.write("{\"ts\":%d,\"seq\":%d,\"values\":{\"belt_speed\":1.0}}\n" % (now + i // 1000, i) if valid else "not json %d\n" % i)
except BrokenPipeError:
    pass' "${PAYLOAD:-valid}" | timeout "$flood" $pin_flooder mosquitto_pub -l -q 0 -h 127.0.0.1 -p $mqtt -V mqttv311 -u conveyor-plc -P demo-conveyor-plc -t plant/conveyor1 \
    >"$work/flooder.log" 2>&1 & flooder=$!
fi
t0=$(date +%s.%N); echo "flood started at $t0 (Unix s)"; serve_cpu0=$(cpu_of $pid); all_cpu0=$(cpu_all)
wait "$flooder" && flood_rc=0 || flood_rc=$?; flooder=
t1=$(date +%s.%N); serve_cpu1=$(cpu_of $pid); all_cpu1=$(cpu_all)
flood_ran=$(python3 -c "print(round($t1 - $t0, 1))")
for p in $others; do kill -USR1 "$p"; done
sleep 1
rss_flood=$(rss); db_after=$(dbsize)
counted=$(metric twinguard_refusals_total); summarised=$(metric twinguard_refusals_summarised_total)
not_stored=$(metric twinguard_refusals_not_stored_total); messages=$(metric twinguard_messages_total)
sleep "$after"
rss_after=$(rss); rss_after_kinds=$(rss_kinds)
for p in $others; do kill "$p" 2>/dev/null || true; done; others=
# The accounting: every refusal counted must be stored whole, folded into a summary, or counted as not stored. Read
# when nothing comes in any more: the flooder's last packets wait in the kernel's socket buffers after it exits, and
# the broker goes on reading them at the held rate (DRAIN, default 300 s, bounds the wait), so counters read earlier
# than the rows miss what arrived in between. Then serve stops (its open summary windows are written at the stop) and
# the rows are counted.
drained=0; last=-1
for _ in $(seq $(( ${DRAIN:-300} / 3 ))); do
  now_messages=$(metric twinguard_messages_total)
  [[ $now_messages == "$last" ]] && { drained=1; break; }
  last=$now_messages; sleep 3   # longer than the longest hold (1 s): a held flooder is not taken for a drained one
done
quiet_after=$(python3 -c "print(round($(date +%s.%N) - $t1))")   # seconds from the flooder's exit
counted_end=$(metric twinguard_refusals_total); summarised_end=$(metric twinguard_refusals_summarised_total)
not_stored_end=$(metric twinguard_refusals_not_stored_total)
curl -s -H "Authorization: Bearer $token" http://127.0.0.1:$http/metrics | awk '/^twinguard_refusals_total\{/ && $2 > 0 { print }' >"$work/counted-by-reason"
[[ -n $counters ]] && { kill "$counters" 2>/dev/null || true; wait "$counters" 2>/dev/null || true; counters=; }
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
stored=$(sqlite3 "$data/twinguard.db" 'select count(*) from refusals' 2>/dev/null || echo '?')
summaries=$(sqlite3 "$data/twinguard.db" "select count(*) from refusals where detail like 'flood summary:%'" 2>/dev/null || echo '?')
# A summary's detail starts "flood summary: N more ...": N refusals it stands for.
folded_rows=$(sqlite3 "$data/twinguard.db" "select coalesce(sum(cast(substr(detail, 16) as integer)), 0) from refusals where detail like 'flood summary:%'" 2>/dev/null || echo '?')
stored_by_reason=$(sqlite3 "$data/twinguard.db" "select reason || ' ' || count(*) || ' rows (' || sum(detail like 'flood summary:%') || ' summaries)' from refusals group by reason" 2>/dev/null | paste -sd';' || true)
quarantined=$("$bin" quarantine list --json --data-dir "$data" | grep -c '"conveyor-plc"' || true)

python3 - "$work" "$flood" "$flood_ran" "$flood_rc" "$t0" <<'EOF'
import glob, os, sys
work, asked, ran, rc, started = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
def pct(v, p):
    v = sorted(v); return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float("nan")
print("device           phase   n     p50 ms   p99 ms   max ms")
pooled = {}; slow = []
for f in sorted(f for f in glob.glob(os.path.join(work, "lat-*")) if not f.endswith(".ready")) + ["(all three)"]:
    rows = [l.split() for l in open(f)] if f != "(all three)" else None
    if rows is not None:
        slow.extend((float(x), float(at), os.path.basename(f)[4:]) for p, x, at in rows if p == "flood")
    for phase in ("base", "flood", "after"):
        v = [float(x) for p, x, _ in rows if p == phase] if rows is not None else pooled.get(phase, [])
        if rows is not None:
            pooled.setdefault(phase, []).extend(v)
        print("%-16s %-6s %4d %9.1f %8.1f %8.1f" % (os.path.basename(f)[4:] if rows is not None else f, phase, len(v), pct(v, 50), pct(v, 99), max(v) if v else float("nan")))
b, fl = pct(pooled.get("base", []), 99), pct(pooled.get("flood", []), 99)
print("others' PUBACK p99 during the flood / without it (all three pooled): %.2fx (goal: at most 2x)" % (fl / b))
print("flood ran %s s of %.0f asked; flooder exit %d (%s)" % (ran, asked, rc, "timeout: never cut off" if rc == 124 else "its connection was closed"))
# When the slowest PUBACKs of the flood phase were sent, in seconds from the flood's start: a stall at the start (JIT,
# first refusals) reads differently from one every window or one at random.
print("slowest during the flood (ms at s from its start): " + ", ".join("%.0f at %.1f (%s)" % (x, at - started, d) for x, at, d in sorted(slow, reverse=True)[:6]))
EOF
echo "RSS MiB: before the flood $rss_base, at its end $rss_flood, ${after} s after $rss_after (before: $rss_base_kinds; after: $rss_after_kinds)"
echo "SQLite (twinguard.db + wal): $db_before -> $db_after bytes during the flood ($(python3 -c "print(round(($db_after - $db_before) / 1048576 / max($flood_ran, 1) * 60, 2))") MiB per minute of flood)"
echo "refusals 1 s after the flood: counted $counted (messages $messages), folded into summaries $summarised, counted but not stored $not_stored; rows stored at the end $stored (of which $summaries flood summaries; $stored_before before the flood)"
echo "refusals once nothing came in ($([[ $drained == 1 ]] && echo "${quiet_after} s after the flooder exited" || echo "NOT drained after ${DRAIN:-300} s: the flooder's backlog was still being read")): counted $counted_end, folded into summaries $summarised_end, counted but not stored $not_stored_end; stored by reason: $stored_by_reason; counted by reason: $(sed 's/twinguard_refusals_total{reason=//' "$work/counted-by-reason" | paste -sd' ')"
whole=$((stored - summaries))
[[ $drained == 1 ]] || echo "(the accounting below is not exact: refusals went on coming in between reading the counters and stopping serve)"
echo "accounting: stored whole $whole + folded in the $summaries stored summaries $folded_rows + counted but not stored $not_stored_end = $((whole + folded_rows + not_stored_end)) of $counted_end counted ($([[ $((whole + folded_rows + not_stored_end)) == "$counted_end" ]] && echo "every refusal accounted for" || echo "MISMATCH"))"
tick=$(getconf CLK_TCK)
echo "CPU during the flood (cores busy on average): serve $(python3 -c "print(round(($serve_cpu1 - $serve_cpu0) / $tick / max($flood_ran, 0.1), 2))"), whole machine $(python3 -c "print(round(($all_cpu1 - $all_cpu0) / $tick / max($flood_ran, 0.1), 2))") of $(nproc)"
echo "flood payload: ${PAYLOAD:-valid}; containment: $([[ $contain == 0 ]] && echo "off (flood_cut_off: off, no contain-flooding-device)$cut_off_note" || echo "shipped (broker cut-off, contain-flooding-device)")"
echo "flooder quarantined at the end: $([[ $quarantined -gt 0 ]] && echo yes || echo no)"
grep -E "flooding|contain-flooding|disconnect" "$work/serve.log" | head -5 || true
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
