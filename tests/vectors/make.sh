#!/usr/bin/env bash
# How tests/vectors/ was made, ONCE, with the example keys (EXAMPLE ONLY).
# Never run it over the committed files: they are a promise that what was
# signed then still decides the same now. To add vectors, write new files.
# Usage: bash tests/vectors/make.sh path/to/entitle OUTDIR
set -euo pipefail
entitle=$1
out=$2
ex="$(cd "$(dirname "$0")/../../keys-example" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$ex/vendor.secret.pem" "$ex/vendor.public.pem" .
chmod 600 vendor.secret.pem
t0=2027-01-01
now=2027-01-15
"$entitle" keygen --secret reseller.key --public reseller.pub > /dev/null
"$entitle" partner certify --key vendor.secret.pem --now $t0 --subject reseller.pub \
  --name "Vector Reseller" --role reseller --grant issue --grant activate --grant revoke \
  --product starface:compact --max-seats 10 --not-after 2029-01-01 > reseller.cert
base=$("$entitle" issue --key vendor.secret.pem --now $t0 --product starface --edition compact \
  --seats 3 --cap 20 --tenant FIRMA-000123 --feature office --expires 2028-01-01)
pack=$("$entitle" issue --key vendor.secret.pem --now $t0 --product starface --edition compact \
  --kind addon --seats 5 --cap 20 --tenant FIRMA-000123 --expires 2028-01-01)
revoked=$("$entitle" issue --key vendor.secret.pem --now $t0 --product starface --edition compact \
  --kind addon --seats 5 --cap 20 --tenant FIRMA-000123 --expires 2028-01-01)
resold=$("$entitle" issue --key reseller.key --now $t0 --product starface --edition compact \
  --kind addon --seats 4 --cap 20 --tenant FIRMA-000123 --expires 2028-01-01)
over=$("$entitle" issue --key reseller.key --now $t0 --product starface --edition compact \
  --kind addon --seats 7 --cap 20 --tenant FIRMA-000123 --expires 2028-01-01)
printf '%s\n' "$base" > base.txt
printf '%s\n' "$revoked" > revoked.txt
serial() { "$entitle" inspect --json "$1" | sed -E 's/.*"serial":"([0-9a-f]+)".*/\1/'; }
list=$("$entitle" revoke --key vendor.secret.pem --now $t0 --sequence 1 --serial "$(serial "$revoked")")
renewal=$("$entitle" renew --key vendor.secret.pem --now $t0 --license @base.txt --expires 2029-01-01)
request=$("$entitle" activate request --state-dir app --machine-id "$ex/appliance/machine-id" \
  --license @base.txt --now $now)
printf '%s\n' "$request" > request.txt
response=$("$entitle" activate respond --key vendor.secret.pem --now $now --license @base.txt @request.txt)
printf '%s\n' "$response" > response.txt
"$entitle" activate accept --public vendor.public.pem --state-dir app \
  --machine-id "$ex/appliance/machine-id" --license @base.txt --now $now @response.txt > /dev/null
receipt=$("$entitle" activate deactivate --state-dir app --machine-id "$ex/appliance/machine-id" \
  --license @base.txt --now $now)
mkdir -p "$out"
{
  echo "# Decided with: entitle verify --json --public keys-example/vendor.public.pem --now 2027-06-01 @tests/vectors/material.txt"
  echo "$base"; echo "$pack"; echo "$revoked"; echo "$resold"; echo "$over"
  head -n 1 reseller.cert
  echo "$list"; echo "$renewal"
} > "$out/material.txt"
{
  echo "$request"; echo "$response"; echo "$receipt"
} > "$out/activation.txt"
"$entitle" catalog sign --key vendor.secret.pem "$ex/starface/catalog.toml" > "$out/catalog.signed"

# Added later, in a file of its own (renewal-v2.txt): a renewal in format 2,
# bound to the first token of material.txt.
#   entitle renew --key keys-example/vendor.secret.pem --now 2027-01-01 \
#     --license "$(grep -v '^#' tests/vectors/material.txt | head -1)" --expires 2030-01-01
