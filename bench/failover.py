#!/usr/bin/env python3
"""Failover campaign (issue #19, docs/cluster.md): kill -9 a silo N times while devices publish, and measure.

Three silos (`serve --cluster`, Redis membership and grain state, one shared ledger directory) run on this machine.
Three devices publish QoS 1 without pause (MQTT 3.1.1, one message in flight, each to its own silo; a device whose
silo dies reconnects to another and sends its unacknowledged message again, as a device behind a TCP load balancer
would). Each round kills -9 the silo holding tank1's twin (asked with `twinguard cluster status --json`), then
tank1's device sends out-of-range levels until a survivor has stored an out_of_range finding of tank1 read after the
kill: that time is the round's "kill to first finding of the re-activated twin". A new silo (empty data directory)
then joins, so that every round kills one of three.

After the last round the publishers stop, the silos stop, `twinguard ledger verify` checks the shared ledger, and the
ledger's reading batches are matched against what the devices had acknowledged: an acknowledged (device, seq) missing
from the ledger is lost; one present twice is duplicated (a resend after a lost PUBACK: at least once).

Usage: bench/failover.py [kills=20]    (TWINGUARD_BIN overrides the executable)
"""
import json, os, shutil, signal, socket, sqlite3, statistics, struct, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("TWINGUARD_BIN", os.path.join(ROOT, "src/TwinGuard.Server/bin/Release/net10.0/twinguard"))
KILLS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
WORK = tempfile.mkdtemp(prefix="twinguard-failover-")
LEDGER = os.path.join(WORK, "ledger")
CLUSTER_ID = "failover%d" % os.getpid()
procs = []


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def now_ms():
    return int(time.time() * 1000)


# --- a minimal MQTT 3.1.1 QoS 1 publisher (MQTT 3.1.1 §3.1 CONNECT, §3.3 PUBLISH, §3.4 PUBACK) ---
def varint(n):
    out = bytearray()
    while True:
        b = n % 128; n //= 128
        out.append(b | (0x80 if n else 0))
        if not n: return bytes(out)


def utf8(s):
    b = s.encode(); return struct.pack(">H", len(b)) + b


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk: raise ConnectionError("closed")
        buf += chunk
    return buf


def read_packet(sock):
    head = read_exact(sock, 1)[0]; mult, length = 1, 0
    while True:
        b = read_exact(sock, 1)[0]; length += (b & 0x7F) * mult; mult *= 128
        if not b & 0x80: break
    return head, read_exact(sock, length)


class Device(threading.Thread):
    def __init__(self, user, topic, asset, silo_index):
        super().__init__(daemon=True)
        self.user, self.topic, self.asset, self.silo_index = user, topic, asset, silo_index
        self.acked, self.sent, self.reconnects, self.stop, self.probe = [], 0, 0, False, False
        self.sock, self.pid = None, 0

    def payload(self, seq):
        ts = now_ms()
        if self.asset == "tank1":
            level = 9.5 if self.probe else 1.0
            return '{"ts":%d,"seq":%d,"values":{"level":%s,"fluid_temp":24.5}}' % (ts, seq, level)
        if self.asset == "pump1":
            return '{"ts":%d,"seq":%d,"values":{"speed":1500,"flow":75,"pressure":2.5,"motor_current":4.9,"motor_voltage":230,"motor_temp":60,"vibration":0.3}}' % (ts, seq)
        return '{"ts":%d,"seq":%d,"values":{"belt_speed":1.2,"motor_current":6,"motor_temp":50}}' % (ts, seq)

    def connect(self):
        while not self.stop:
            live = [s for s in silos if s.alive()]
            if live:
                silo = live[self.silo_index % len(live)]
                try:
                    sock = socket.create_connection(("127.0.0.1", silo.mqtt), timeout=10)
                    body = utf8("MQTT") + bytes([4, 0xC2]) + struct.pack(">H", 30) + utf8(self.user + "-bench") + utf8(self.user) + utf8("demo-" + self.user)
                    sock.sendall(b"\x10" + varint(len(body)) + body)
                    head, data = read_packet(sock)
                    if head >> 4 == 2 and data[1] == 0:
                        self.sock = sock; return
                    sock.close()
                except OSError:
                    pass
            self.silo_index += 1; self.reconnects += 1
            time.sleep(0.2)

    def run(self):
        seq, pending = 0, None
        while not self.stop:
            if self.sock is None:
                self.connect()
                if self.sock is None: return
            if pending is None:
                seq += 1; pending = (seq, self.payload(seq)); dup = 0
            else:
                dup = 0x08  # a resend [MQTT-3.3.1-1]
            self.pid = self.pid % 65535 + 1
            body = utf8(self.topic) + struct.pack(">H", self.pid) + pending[1].encode()
            try:
                self.sock.sendall(bytes([0x32 | dup]) + varint(len(body)) + body)
                self.sent += 1
                while True:
                    head, data = read_packet(self.sock)
                    if head >> 4 == 4 and struct.unpack(">H", data[:2])[0] == self.pid: break
                self.acked.append(pending[0]); pending = None
            except (OSError, ConnectionError):
                try: self.sock.close()
                except OSError: pass
                self.sock = None; self.silo_index += 1; self.reconnects += 1


# --- silos ---
class Silo:
    def __init__(self, n):
        self.dir = os.path.join(WORK, "silo%d" % n); os.makedirs(self.dir)
        self.mqtt, self.http, sp, gp = free_port(), free_port(), free_port(), free_port()
        self.cluster = os.path.join(self.dir, "cluster.yaml")
        with open(self.cluster, "w") as f:
            f.write('cluster: { id: %s, service: %s }\nmembership: { redis: "127.0.0.1:%d" }\n'
                    'silo: { address: 127.0.0.1, port: %d, gateway_port: %d }\npersistence: { snapshot_every: 1s }\n'
                    'ledger: { directory: "%s" }\n' % (CLUSTER_ID, CLUSTER_ID, redis_port, sp, gp, LEDGER))
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        self.proc = subprocess.Popen([BIN, "serve", "--config", plant, "--playbooks", playbooks, "--cluster", self.cluster,
                                      "--data-dir", os.path.join(self.dir, "data"), "--mqtt-port", str(self.mqtt),
                                      "--urls", "http://127.0.0.1:%d" % self.http], stdout=self.log, stderr=subprocess.STDOUT)
        procs.append(self.proc)

    def alive(self):
        return self.proc.poll() is None

    def wait_healthy(self, deadline=180):
        end = time.time() + deadline
        while time.time() < end:
            if not self.alive(): raise RuntimeError("silo exited: see " + self.log.name)
            try:
                socket.create_connection(("127.0.0.1", self.mqtt), timeout=1).close(); return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("silo not up in %ds" % deadline)

    def tank_finding_since(self, since_ms):
        db = os.path.join(self.dir, "data", "twinguard.db")
        if not os.path.exists(db): return False
        try:
            con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=1)
            try:
                row = con.execute("SELECT max(last_ms) FROM findings WHERE asset='tank1' AND reason='out_of_range'").fetchone()
            finally:
                con.close()
            return row[0] is not None and row[0] >= since_ms
        except sqlite3.Error:
            return False


def tank_host():
    out = subprocess.run([BIN, "cluster", "status", "--cluster", silos[0].cluster if silos[0].alive() else next(s for s in silos if s.alive()).cluster, "--json"],
                         capture_output=True, text=True, timeout=120)
    status = json.loads(out.stdout)
    entries = status["silos"] if isinstance(status, dict) else status
    for e in entries:
        if e.get("status") == "Active" and "tank1" in (e.get("twinIds") or []):
            port = int(e["address"].split(":")[1].split("@")[0]) if ":" in e["address"] else None
            for s in silos:
                if s.alive() and port is not None and ("port: %d," % port) in open(s.cluster).read():
                    return s
    return None


def read_ledger():
    seen = {}
    for name in sorted(os.listdir(LEDGER)):
        if not name.startswith("segment-"): continue
        data = open(os.path.join(LEDGER, name), "rb").read()
        off = 32
        while off + 24 <= len(data):
            kind, length = struct.unpack_from(">HI", data, off + 2)  # big-endian (docs/ledger-format.md)
            if kind == 0: break
            if kind == 1:
                entry = json.loads(data[off + 24: off + 24 + length])
                for m in entry["messages"]:
                    key = (m["device"], m["seq"]); seen[key] = seen.get(key, 0) + 1
            off += 32 + length
    return seen


def main():
    global redis_port, plant, playbooks, silos
    redis_port = free_port()
    procs.append(subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", WORK],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    plant = os.path.join(WORK, "plant.yaml")
    with open(os.path.join(ROOT, "samples/plant.yaml")) as src, open(plant, "w") as dst:
        for line in src:
            dst.write("  flood_factor: 100000\n" if line.startswith("  flood_factor:") else line)
    playbooks = os.path.join(WORK, "playbooks.yaml")
    with open(playbooks, "w") as f: f.write("poll_interval: 1s\nplaybooks: []\n")
    silos = [Silo(i) for i in range(3)]
    for s in silos: s.wait_healthy()
    devices = [Device("loop-plc", "plant/pump1", "pump1", 0), Device("tank-gateway", "plant/tank1", "tank1", 1), Device("conveyor-plc", "plant/conveyor1", "conveyor1", 2)]
    for d in devices: d.start()
    tank = devices[1]
    time.sleep(5)  # let the twins activate and learn a first state
    rounds = []
    for k in range(KILLS):
        host = None
        for _ in range(10):
            host = tank_host()
            if host: break
            time.sleep(1)
        if host is None:
            print("round %d: tank1's twin is on no active silo; skipped" % (k + 1), flush=True); continue
        killed_at_ms = now_ms(); t0 = time.monotonic()
        os.kill(host.proc.pid, signal.SIGKILL); host.proc.wait()
        tank.probe = True
        first = None
        while time.monotonic() - t0 < 120:
            if any(s.alive() and s.tank_finding_since(killed_at_ms) for s in silos):
                first = time.monotonic() - t0; break
            time.sleep(0.05)
        tank.probe = False
        load = open("/proc/loadavg").read().split()[0]
        rounds.append(first)
        print("round %d: killed %s; first out_of_range finding of tank1 after %s s; load %s" %
              (k + 1, os.path.basename(host.dir), "%.2f" % first if first is not None else "none in 120", load), flush=True)
        silos.append(Silo(len(silos))); silos[-1].wait_healthy()
        time.sleep(2)
    for d in devices: d.stop = True
    for d in devices: d.join(timeout=30)
    for s in silos:
        if s.alive(): s.proc.send_signal(signal.SIGTERM)
    for s in silos:
        try: s.proc.wait(timeout=90)
        except subprocess.TimeoutExpired: s.proc.kill()
    verify = subprocess.run([BIN, "ledger", "verify", "--data-dir", WORK], capture_output=True, text=True, timeout=600)
    seen = read_ledger()
    acked = [(d.user, seq) for d in devices for seq in d.acked]
    lost = [a for a in acked if a not in seen]
    dup = [a for a in acked if seen.get(a, 0) > 1]
    done = sorted(r for r in rounds if r is not None)
    def rank(p): return done[min(len(done) - 1, max(0, -(-len(done) * p // 100) - 1))]  # nearest rank
    print("kills %d, measured %d; kill -> first finding of the re-activated twin: median %.2f s, p90 %.2f s, p99 %.2f s, min %.2f s" %
          (len(rounds), len(done), statistics.median(done), rank(90), rank(99), done[0]) if done else "no round measured")
    print("devices: %d messages acknowledged (%s), %d reconnects; acknowledged but not in the ledger: %d; in the ledger twice or more: %d" %
          (len(acked), ", ".join("%s %d" % (d.user, len(d.acked)) for d in devices), sum(d.reconnects for d in devices), len(lost), len(dup)))
    print("ledger verify: exit %d: %s" % (verify.returncode, (verify.stdout + verify.stderr).strip().splitlines()[-1] if (verify.stdout + verify.stderr).strip() else ""))
    print("load average at the end: %s" % open("/proc/loadavg").read().strip())


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in procs:
            if p.poll() is None: p.kill()
        shutil.rmtree(WORK, ignore_errors=True)
