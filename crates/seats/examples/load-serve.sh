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
machine=(--state-dir state --machine-id "$root/keys-example/appliance/machine-id")
. "$root/crates/seats/examples/serve-site.sh"
grep '^entitle: seats in' serve.log
ENTITLE_LOAD_SERVER="$url" ENTITLE_ADMIN_CREDENTIAL="$(cat state/admin.credential)" \
  ENTITLE_LOAD_SERVER_PID="$server" \
  "$root/target/release/examples/load" "$agents" "$seats" "$seconds" "$threads" "$rate"
