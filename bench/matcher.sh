#!/usr/bin/env bash
# The pattern-matching benchmark of BENCHMARKS.md: Dijkwacht's matcher and the OASIS
# reference matcher (stix2-matcher) on the same generated corpus, in one run, in
# pattern–observation evaluations per second, and the ratio.
#
#   bench/matcher.sh [RUNS]        (RUNS defaults to 5)
#
# Needs the reference venv that scripts/test.sh makes (or DIJKWACHT_REFERENCE_PYTHON).
# Ours decides every pair of the corpus (1,000 patterns x 11,000 observations); the
# reference, which needs about a second per hundred pairs, the first 100 x 100.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python="${DIJKWACHT_REFERENCE_PYTHON:-.venv-reference/bin/python}"
[ -x "$python" ] || { echo "run scripts/test.sh once to make $python" >&2; exit 1; }
cargo build --release --quiet -p dijkwacht-pattern --example corpus --example match_corpus
examples="${CARGO_TARGET_DIR:-target}/release/examples"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "stix2-matcher $("$python" -c 'import importlib.metadata as m; print(m.version("stix2-matcher"))'), $("$python" --version)"
"$examples/corpus" "$work/corpus.json" 1000 10000 400

ours=$("$examples/match_corpus" "$work/corpus.json" "$runs")
echo "$ours"
reference=$("$python" bench/matcher_reference.py "$work/corpus.json" 100 100 "$(( runs < 3 ? runs : 3 ))")
echo "$reference"
awk -v a="$(echo "$ours" | awk '{print $2}')" -v b="$(echo "$reference" | awk '{print $2}')" \
    'BEGIN { printf "ratio: %.0fx\n", a / b }'
