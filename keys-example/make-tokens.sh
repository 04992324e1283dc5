#!/usr/bin/env bash
# Remakes the example tokens with the example key (EXAMPLE ONLY, NEVER SHIP).
# Usage: bash keys-example/make-tokens.sh [path/to/entitle]
set -euo pipefail
cd "$(dirname "$0")"
entitle=${1:-../target/debug/entitle}
key=(--key vendor.secret.pem)

"$entitle" issue "${key[@]}" --product starface --edition compact --seats 3 \
  --expires 2031-01-01 > minimal.txt

mkdir -p starface
{
  echo "# STARFACE Compact for FIRMA-000123: base (3 users included, cap 20) + 4 packs of 5"
  "$entitle" issue "${key[@]}" --product starface --edition compact --seats 3 --cap 20 \
    --tenant FIRMA-000123 --feature office --feature voicemail --feature fax \
    --expires 2031-01-01 --updates-until 2027-12-31
  for _ in 1 2 3 4; do
    "$entitle" issue "${key[@]}" --product starface --edition compact --kind addon --seats 5 \
      --tenant FIRMA-000123 --expires 2031-01-01
  done
} > starface/tokens.txt
