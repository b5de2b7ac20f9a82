#!/usr/bin/env bash
# Build cost of `layers` (issue 13): the time of a clean
# `cargo build --release --example digits` (a fresh CARGO_TARGET_DIR under /tmp, the
# registry already fetched), then of the rebuild after editing one layer's source
# (a comment line appended to layers-core/src/builtin/dense.rs, which holds Dense's `call`).
# Everything happens in a scratch copy of the repository under /tmp, never in place.
#
# Usage: benches/compare/build_cost.sh [--keep]
# cargo runs under `nice -n 15` (the machine is shared); set NICE= to run it at normal
# priority on a quiet machine. Prints the load average before and after each build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
keep=${1:-}
nice_cmd=${NICE-nice -n 15}

scratch="$(mktemp -d /tmp/layers-build-cost.XXXXXX)"
cleanup() { if [ "$keep" != "--keep" ]; then rm -rf "$scratch"; fi; }
trap cleanup EXIT
tar -C "$root" --exclude=./target --exclude=./.git -cf - . | tar -C "$scratch" -xf -
export CARGO_TARGET_DIR="$scratch/target"
cd "$scratch"
$nice_cmd cargo fetch --quiet

load() { cut -d' ' -f1-3 /proc/loadavg; }
timed_build() {
    local what=$1
    local before start end
    before=$(load)
    start=$(date +%s.%N)
    $nice_cmd cargo build --release --example digits --quiet
    end=$(date +%s.%N)
    printf '%-52s %7.1f s   (load before: %s, after: %s)\n' "$what" \
        "$(echo "$end - $start" | bc)" "$before" "$(load)"
}

echo "build cost of $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') on $(nproc) cores, rustc $(rustc --version | cut -d' ' -f2)"
timed_build "clean: cargo build --release --example digits"
echo "// build-cost probe: an edit of Dense's source" >> layers-core/src/builtin/dense.rs
timed_build "after editing layers-core/src/builtin/dense.rs"
