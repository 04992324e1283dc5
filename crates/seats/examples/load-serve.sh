#!/usr/bin/env bash
# The seat server's load figures, measured on a real `entitle serve`: a
# concurrent licence of SEATS seats issued with the example vendor key and
# activated on the example machine, the server started on loopback (its
# store SQLite in the state directory, or the PostgreSQL database that
# ENTITLE_DATABASE names), then the load example against it, which also
# reads the server's peak memory. docs/performance.md, "Seat server".
#
#   bash crates/seats/examples/load-serve.sh [AGENTS] [SEATS] [SECONDS] [THREADS] [RATE]
#
# RATE 0 (the default) sends as fast as the server answers; RATE N sends N
# requests per second on a schedule (load.rs says how latency is counted).
set -euo pipefail
agents=${1:-1000} seats=${2:-50} seconds=${3:-60} threads=${4:-8} rate=${5:-0}
root=$(cd "$(dirname "$0")/../../.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p entitle-cli -p entitle-seats --bins --example load
entitle="$root/target/release/entitle"
keys="$root/keys-example"
work=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
cp "$keys/vendor.secret.pem" vendor.secret.pem && chmod 600 vendor.secret.pem
"$entitle" issue --key vendor.secret.pem --product gotoassist --edition corporate \
  --model concurrent --seats "$seats" --tenant LOAD --perpetual > licence.txt
machine=(--state-dir state --machine-id "$keys/appliance/machine-id")
"$entitle" activate request "${machine[@]}" --license @licence.txt > request.txt
"$entitle" activate respond --key vendor.secret.pem --ledger vendor.ledger \
  --license @licence.txt @request.txt > response.txt
"$entitle" activate accept --public "$keys/vendor.public.pem" "${machine[@]}" \
  --license @licence.txt @response.txt > /dev/null
"$entitle" serve --public "$keys/vendor.public.pem" "${machine[@]}" --tenant LOAD \
  --listen 127.0.0.1:0 @licence.txt > serve.log 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "serving on" serve.log && break; sleep 0.1; done
url=$(sed -n 's/^entitle: serving on //p' serve.log)
grep '^entitle: seats in' serve.log
ENTITLE_LOAD_SERVER="$url" ENTITLE_ADMIN_CREDENTIAL="$(cat state/admin.credential)" \
  ENTITLE_LOAD_SERVER_PID="$server" \
  "$root/target/release/examples/load" "$agents" "$seats" "$seconds" "$threads" "$rate"
