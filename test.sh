#!/usr/bin/env bash
# Runs every TwinGuard test. Installs the third-party programs the tests talk to (mosquitto_pub and friends)
# when they are missing and we may install them; then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"

mapfile -t wanted < <(grep -v -E '^\s*(#|$)' .ci/apt-packages.txt)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "test.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test.sh: please install: ${missing[*]} (e.g. sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi

# node-opcua, the OPC UA peer the tests run against (test/opcua-server; package-lock.json pins every version).
if [[ ! -d test/opcua-server/node_modules/node-opcua ]]; then
  echo "test.sh: installing node-opcua into test/opcua-server"
  (cd test/opcua-server && npm ci --no-audit --no-fund)
fi

# twinguard-edge, published once as Native AOT (needs clang and zlib1g-dev, above) for the tests that run it as a process:
# native compilation takes minutes, so the tests use this binary instead of publishing it each.
if [[ -z "${TWINGUARD_EDGE_BIN:-}" ]]; then
  echo "test.sh: publishing twinguard-edge (Native AOT, linux-x64)"
  started=$SECONDS
  dotnet publish src/TwinGuard.Edge -c Release -r linux-x64 -o artifacts/edge/linux-x64 --nologo -v quiet
  echo "test.sh: twinguard-edge published in $((SECONDS - started)) s"
  export TWINGUARD_EDGE_BIN="$PWD/artifacts/edge/linux-x64/twinguard-edge"
fi

# The whole output is kept in artifacts/test-output.log; when a test fails, its name and message are printed again at
# the very end, where a CI summary that shows only the tail of the output still names it.
mkdir -p artifacts
log=artifacts/test-output.log
set +e
dotnet test TwinGuard.slnx -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if ((status != 0)); then
  echo
  echo "test.sh: dotnet test failed (exit $status); the failed tests, as reported above (whole output: $log):"
  grep -E -A 25 '^\s+Failed [A-Za-z]' "$log" | grep -v -E '^\s+Passed ' | head -n 300 || true
  echo
  echo "test.sh: failed tests:"
  failed=$(grep -E '^\s+Failed [A-Za-z]' "$log" | sort -u || true)
  echo "${failed:-  none named (a build or runner error; see $log)}"
fi
exit "$status"
