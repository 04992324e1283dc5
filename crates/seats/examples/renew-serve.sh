#!/usr/bin/env bash
# How long a renewal (a signed lease) takes on a real `entitle serve`, on
# plain files or on a TPM: docs/performance.md, "Seat server". Issues and
# activates a concurrent licence with the example vendor key, starts the
# server on loopback, claims one lease and renews it 30 times.
#
#   bash crates/seats/examples/renew-serve.sh                  # plain files
#   bash crates/seats/examples/renew-serve.sh --tpm swtpm:host=127.0.0.1,port=2321
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
features=()
[ $# -eq 0 ] || features=(--features tpm)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p entitle-cli "${features[@]}"
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
  --model concurrent --seats 10 --tenant RENEW --perpetual > licence.txt
machine=(--state-dir state --machine-id "$keys/appliance/machine-id" "$@")
"$entitle" activate request "${machine[@]}" --license @licence.txt > request.txt
"$entitle" activate respond --key vendor.secret.pem --ledger vendor.ledger \
  --license @licence.txt @request.txt > response.txt
"$entitle" activate accept --public "$keys/vendor.public.pem" "${machine[@]}" \
  --license @licence.txt @response.txt > /dev/null
"$entitle" serve --public "$keys/vendor.public.pem" "${machine[@]}" \
  --listen 127.0.0.1:0 @licence.txt > serve.log 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "serving on" serve.log && break; sleep 0.1; done
url=$(sed -n 's/^entitle: serving on //p' serve.log)
ENTITLE_ADMIN_CREDENTIAL="$(cat state/admin.credential)" "$entitle" seats grant \
  --server "$url" --agent a1 --name A --email a@example.com --credential-out agent 2> /dev/null
python3 - "$url" "$(cat agent)" <<'PY'
import json, sys, time, urllib.request
url, credential = sys.argv[1:]
auth = {"Authorization": "Bearer " + credential}
def post(path):
    request = urllib.request.Request(url + path, method="POST", headers=auth)
    return json.load(urllib.request.urlopen(request))
lease = post("/v1/leases")["id"]
took = []
for _ in range(30):
    began = time.perf_counter()
    assert post(f"/v1/leases/{lease}/renew")["signed"].startswith("entl1.")
    took.append(time.perf_counter() - began)
took.sort()
print(f"renewal (a signed lease): p50 {took[15] * 1e3:.2f} ms, max {took[-1] * 1e3:.2f} ms, of 30")
PY
