#!/usr/bin/env bash
# Remakes the example tokens and signed catalogs with the example key
# (EXAMPLE ONLY, NEVER SHIP). Usage: bash keys-example/make-tokens.sh [path/to/entitle]
set -euo pipefail
cd "$(dirname "$0")"
entitle=${1:-../target/debug/entitle}
key=(--key vendor.secret.pem)
until=(--expires 2031-01-01)

"$entitle" issue "${key[@]}" --product starface --edition compact --seats 3 "${until[@]}" > minimal.txt
"$entitle" key export --public vendor.public.pem --format rust > vendor.public.rs

for product in starface xphone pcvisit; do
  "$entitle" catalog sign "${key[@]}" "$product/catalog.toml" > "$product/catalog.signed"
done

issue() { "$entitle" issue "${key[@]}" "$@"; }

cat_sf=(--catalog starface/catalog.toml --product starface --edition compact --tenant FIRMA-000123)
{
  echo "# STARFACE Compact for FIRMA-000123: base (3 users included, cap 20) + 4 packs of 5"
  issue "${cat_sf[@]}" "${until[@]}" --updates-until 2027-12-31
  for _ in 1 2 3 4; do issue "${cat_sf[@]}" --kind addon --seats 5 "${until[@]}"; done
} > starface/tokens.txt

cat_xp=(--catalog xphone/catalog.toml --product xphone-8 "${until[@]}")
{
  echo "# XPhone Connect: one license type per token"
  for sku in server:1 office:100 office-plus:50 teamdesk:8 voicemail:40 fax:20 tapi-line:10 \
             contacts:20 dashboard:5 ip-channel:4 auto-attendant:1 additional-databases:2; do
    issue "${cat_xp[@]}" --edition "${sku%%:*}" --seats "${sku##*:}"
  done
} > xphone/tokens.txt
{
  echo "# XPhone Connect, the Office Plus edge (users-plus-edge.csv): 0 Office + 2 Office Plus"
  for sku in server:1 office-plus:2; do
    issue "${cat_xp[@]}" --edition "${sku%%:*}" --seats "${sku##*:}"
  done
} > xphone/plus-edge.txt

cat_pc=(--catalog pcvisit/catalog.toml --product pcvisit "${until[@]}")
{
  echo "# pcvisit: the bundled RemoteSimple, then FIRMA-000789's own PROFI (the vendor's switch to BYO),"
  echo "# and a legacy pay-per-use license of 2019 (withdrawn; it counts as Free since 2020-01-01)"
  issue "${cat_pc[@]}" --edition remotesimple --now 2026-11-01
  issue "${cat_pc[@]}" --edition profi --tenant FIRMA-000789 --now 2026-11-15
  issue "${cat_pc[@]}" --edition pay-per-use --tenant FIRMA-000789 --now 2019-01-01
} > pcvisit/tokens.txt

{
  echo "# GoToAssist Corporate for FIRMA-000456: 10 concurrent (shared) seats"
  issue --product gotoassist --edition corporate --model concurrent --seats 10 --tenant FIRMA-000456 "${until[@]}"
  echo "# and 2 named seats, each assigned to one technician"
  issue --product gotoassist --edition corporate --model named --seats 2 --tenant FIRMA-000456 "${until[@]}"
} > gotoassist/tokens.txt

# Partners (EXAMPLE ONLY): vendor -> distributor -> reseller, the reseller
# with `issue` and `activate` granted explicitly (its role's preset has
# neither). Keys are made once; certificates are remade.
mkdir -p partners appliance
for who in distributor reseller; do
  [ -f "partners/$who.secret.pem" ] || "$entitle" keygen --secret "partners/$who.secret.pem" --public "partners/$who.public.pem" > /dev/null
done
"$entitle" partner certify "${key[@]}" --public vendor.public.pem --subject partners/distributor.public.pem \
  --name "Example Distribution GmbH" --role distributor --grant delegate --grant issue --grant activate \
  --product starface --max-seats 100 --not-after 2032-01-01 --depth 1 > partners/distributor.cert
"$entitle" partner certify --key partners/distributor.secret.pem --cert partners/distributor.cert \
  --public vendor.public.pem --subject partners/reseller.public.pem \
  --name "Example Reseller AG" --role reseller --grant issue --grant activate \
  --product starface:compact --max-seats 25 --not-after 2031-06-01 > partners/reseller.cert
printf 'example-appliance-0001\n' > appliance/machine-id
printf 'example-appliance-0002\n' > appliance/new-machine-id
