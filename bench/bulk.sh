#!/usr/bin/env bash
# The bulk matching benchmark of BENCHMARKS.md ("Bulk matching of sensor events"): one
# million generated indicators in one IndicatorIndex, one million generated Suricata EVE
# lines read and matched on one thread; each run of the example repeats its measurements
# RUNS times and prints medians.
#
#   bench/bulk.sh [INDICATORS] [EVENTS] [RUNS]      (defaults: 1000000 1000000 5)
#
# BULK_BENCH_NO_REGEX=1 replaces the LIKE/MATCHES indicators by plain domains, to see
# what the regular expressions cost.
set -euo pipefail
cd "$(dirname "$0")/.."
indicators="${1:-1000000}"
events="${2:-1000000}"
runs="${3:-5}"

cargo build --release --quiet -p dijkwacht-sensor --example bulk_bench
binary="${CARGO_TARGET_DIR:-target}/release/examples/bulk_bench"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$binary" "$indicators" "$events" "$runs"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
