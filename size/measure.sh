#!/usr/bin/env bash
# Code size of entitle-verify (docs/performance.md, "Code size"): builds the
# five programs size-optimised (opt-level z, LTO, panic=abort, stripped)
# and prints what each adds to the baseline, in bytes and KB.
set -euo pipefail
cd "$(dirname "$0")"
cargo build -q --release --bins
dir=target/release
base=$(stat -c %s "$dir/baseline")
printf '%-10s %10s %10s\n' program bytes added
for bin in baseline ed25519 verify exact stack; do
  size=$(stat -c %s "$dir/$bin")
  printf '%-10s %10d %9.1fK\n' "$bin" "$size" "$(echo "($size - $base) / 1024" | bc -l)"
done
