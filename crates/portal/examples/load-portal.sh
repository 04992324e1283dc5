#!/usr/bin/env bash
# The portal's load figures (docs/performance.md, "Portal"), measured on a
# real `entitle portal serve`: USERS customer companies with a user each,
# ACTIVATIONS licences issued with the example vendor key spread over them,
# the portal on loopback (SQLite in its state directory, or the PostgreSQL
# database ENTITLE_PORTAL_DATABASE names), then the portal_load example.
#
#   bash crates/portal/examples/load-portal.sh [USERS] [ACTIVATIONS]
set -euo pipefail
users=${1:-100} activations=${2:-1000}
root=$(cd "$(dirname "$0")/../../.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p entitle-cli -p entitle-portal --bins --example portal_load
entitle="$root/target/release/entitle"
work=$(mktemp -d)
trap 'kill "${portal:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export ENTITLE_SIGNING_KEY="$(cat "$root/keys-example/vendor.secret.pem")"
export ENTITLE_PORTAL_PASSWORD="a load test password"
if [ -n "${ENTITLE_PORTAL_DATABASE:-}" ]; then
  echo "--- PostgreSQL"
else
  echo "--- SQLite"
fi
for ((i = 0; i < users; i++)); do
  "$entitle" portal company --state-dir portal --id "C$i" --name "Company $i" --view customer > /dev/null
  "$entitle" portal user --state-dir portal --email "u$i@c$i.example" --name "User $i" --company "C$i" > /dev/null
done
for ((j = 0; j < activations; j++)); do
  "$entitle" issue --product thinprint --edition premium --seats 5 --tenant "C$((j % users))" --perpetual 2> /dev/null
done > licences.txt
"$entitle" portal import --state-dir portal --public "$root/keys-example/vendor.public.pem" @licences.txt > /dev/null
${PORTAL_ENV:-} "$entitle" portal serve --state-dir portal --public "$root/keys-example/vendor.public.pem" --listen 127.0.0.1:0 > portal.log 2>&1 &
portal=$!
for _ in $(seq 100); do grep -q "portal on" portal.log && break; sleep 0.1; done
url=$(sed -n 's/^entitle: portal on //p' portal.log)
ENTITLE_LOAD_PORTAL="$url" "$root/target/release/examples/portal_load" "$users" "$activations" "$ENTITLE_PORTAL_PASSWORD"
echo "peak memory of the portal: $(grep VmHWM /proc/$portal/status | awk '{print $2, $3}')"
