#!/usr/bin/env bash
# Alert matching, the two figures of BENCHMARKS.md ("Alerts"): one real CSAF advisory
# (and the worst KEV entry) against 100,000 organisation profiles, and 1,000,000
# indicators against 100,000 profiles' ranges, domains and e-mail domains. Each example
# checks its matches against what its generator planted before it prints a figure.
# Usage: bench/alerts.sh [RUNS_OF_THE_ADVISORY]   (reads ../shared/data for the advisory)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --quiet -p dijkwacht-alerts --example advisory_bench -- "${1:-51}"
cargo run --release --quiet -p dijkwacht-alerts --example network_bench
