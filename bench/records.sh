#!/usr/bin/env bash
# Records store write rate (docs/cluster.md): `twinguard bench records` against SQLite and a PostgreSQL started here
# (Debian's postgresql, initdb into a temporary directory, a free loopback port, password authentication), in the same
# run, alternating which goes first. The figures are rows/s of record batches (one transaction each) and the load.
# Usage: bench/records.sh [--json] [--quick]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TWINGUARD_BIN:-$root/src/TwinGuard.Server/bin/Release/net10.0/twinguard}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/twinguard-benchrecords.XXXX)
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { as_pg "$pgbin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s' "$password" > "$work/pw"
[[ $(id -u) == 0 ]] && chown -R postgres:postgres "$work"
as_pg "$pgbin/initdb" -D "$work/data" -U twinguard --auth=scram-sha-256 --pwfile="$work/pw" -E UTF8 >/dev/null
# Durable commits (fsync on), as a records store would run.
as_pg "$pgbin/pg_ctl" -D "$work/data" -o "-p $port -k $work -c listen_addresses=127.0.0.1" -l "$work/log" -w start >/dev/null
uptime >&2
TWINGUARD_BENCH_POSTGRES="Host=127.0.0.1;Port=$port;Database=postgres;Username=twinguard;Password=$password" "$bin" bench records "$@"
uptime >&2
