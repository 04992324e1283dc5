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
seats=10
machine=(--state-dir state --machine-id "$root/keys-example/appliance/machine-id" "$@")
. "$root/crates/seats/examples/serve-site.sh"
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
