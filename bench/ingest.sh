#!/usr/bin/env bash
# The ingest benchmark of BENCHMARKS.md: for each bundle, Dijkwacht's plain JSON parse,
# parse + validate, and end-to-end ingest into SQLite (median of runs, peak RSS), then the
# OASIS stix2-validator on the same bundle in the same run, with both verdicts.
#
#   bench/ingest.sh [RUNS]        (RUNS defaults to 5)
#
# Needs the release binary (built here) and the reference venv that scripts/test.sh makes.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet -p dijkwacht
binary="${CARGO_TARGET_DIR:-target}/release/dijkwacht"
python=".venv-reference/bin/python"
[ -x "$python" ] || { echo "run scripts/test.sh once to make $python" >&2; exit 1; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "dijkwacht $("$binary" --version | cut -d' ' -f2), stix2-validator $("$python" -c 'import importlib.metadata as m; print(m.version("stix2-validator"))')"
echo

"$binary" bench generate --indicators 100000 --output "$work/indicators-100k.json" > /dev/null
"$binary" bench generate --indicators 10000 --output "$work/indicators-10k.json" > /dev/null
bundles=("$work/indicators-100k.json" "$work/indicators-10k.json")
for shared in ../shared/data/stix21/mitre-attack/ics-attack-18.1.json ../shared/data/stix21/mitre-attack/mobile-attack-17.1.json; do
    [ -f "$shared" ] && bundles+=("$shared")
done

for bundle in "${bundles[@]}"; do
    "$binary" bench ingest --runs "$runs" "$bundle"
    ours=$("$binary" validate "$bundle" > /dev/null && echo valid || echo invalid)
    echo "  dijkwacht validate verdict: $ours"
    case "$bundle" in
        *100k*) echo "  (stix2-validator skipped on the 100k bundle: about five minutes; see the 10k bundle)" ;;
        *)
            start=$(date +%s.%N)
            reference=$(.venv-reference/bin/stix2_validator --no-cache --silent "$bundle" && echo valid || echo invalid)
            end=$(date +%s.%N)
            objects=$("$python" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["objects"]))' "$bundle")
            awk -v s="$start" -v e="$end" -v n="$objects" -v v="$reference" \
                'BEGIN { printf "  stix2-validator  %12.0f objects/s  %8.3f s  verdict: %s\n", n/(e-s), e-s, v }'
            ;;
    esac
    echo
done
