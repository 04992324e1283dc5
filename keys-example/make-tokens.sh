#!/usr/bin/env bash
# Remakes the example tokens and signed catalogs with the example key
# (EXAMPLE ONLY, NEVER SHIP). Usage: bash keys-example/make-tokens.sh [path/to/entitle]
set -euo pipefail
cd "$(dirname "$0")"
entitle=${1:-../target/debug/entitle}
key=(--key vendor.secret.pem)
until=(--expires 2031-01-01)

"$entitle" issue "${key[@]}" --product starface --edition compact --seats 3 "${until[@]}" > minimal.txt

for product in starface xphone pcvisit; do
  "$entitle" catalog sign "${key[@]}" "$product/catalog.toml" > "$product/catalog.signed"
done

issue() { "$entitle" issue "${key[@]}" "$@"; }

cat_sf=(--catalog starface/catalog.toml --product starface --edition compact --tenant FIRMA-000123)
{
  echo "# STARFACE Compact for FIRMA-000123: base (3 users included, cap 20) + 4 packs of 5"
  issue "${cat_sf[@]}" --feature office "${until[@]}" --updates-until 2027-12-31
  for _ in 1 2 3 4; do issue "${cat_sf[@]}" --kind addon --seats 5 "${until[@]}"; done
} > starface/tokens.txt

cat_xp=(--catalog xphone/catalog.toml --product xphone "${until[@]}")
{
  echo "# XPhone Connect: one license type per token"
  for sku in server:1 office:100 office-plus:50 teamdesk:8 voicemail:40 fax:20 tapi-line:10 \
             contacts:20 dashboard:5 ip-channel:4 auto-attendant:1 additional-databases:2; do
    issue "${cat_xp[@]}" --edition "${sku%%:*}" --seats "${sku##*:}"
  done
} > xphone/tokens.txt

cat_pc=(--catalog pcvisit/catalog.toml --product pcvisit "${until[@]}")
{
  echo "# pcvisit: bundled RemoteSimple, BYO PROFI for FIRMA-000789, a legacy pay-per-use license"
  issue "${cat_pc[@]}" --edition remotesimple --seats 10
  issue "${cat_pc[@]}" --edition profi --seats 5 --tenant FIRMA-000789
  issue "${cat_pc[@]}" --edition pay-per-use --seats 2 --tenant FIRMA-000789 --not-before 2019-01-01
} > pcvisit/tokens.txt
