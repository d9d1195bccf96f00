#!/usr/bin/env bash
# The TAXII 2.1 serving benchmark of BENCHMARKS.md: Dijkwacht and medallion (the OASIS
# reference TAXII server) serve the same indicators in one collection, and wrk
# asks both for pages of 100 objects with HTTP Basic auth over two connections, alternating runs; the median
# requests/s of each and their ratio are printed. Dijkwacht checks an argon2id password
# hash (cached after the first success) and the sharing policy on every request;
# medallion compares a plaintext password.
#
#   bench/taxii.sh [RUNS] [SECONDS] [INDICATORS]   (defaults: 3 runs of 30 s, 1000)
#
# medallion's memory backend scans the whole collection for every page; at 10,000
# indicators one page took it minutes, so the default collection is small.
#
# Needs wrk (Debian: apt-get install wrk) and the reference venv that scripts/test.sh
# makes, with medallion installed in it (pip install medallion==3.0.0).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
seconds="${2:-30}"
indicators="${3:-1000}"
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk > /dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
python=".venv-reference/bin/python"
[ -x "$python" ] || { echo "run scripts/test.sh once to make $python" >&2; exit 1; }
[ -x .venv-reference/bin/medallion ] || .venv-reference/bin/pip install --quiet medallion==3.0.0
cargo build --release --quiet -p dijkwacht
binary="${CARGO_TARGET_DIR:-target}/release/dijkwacht"
data="$work/data"
user=bench@bench.example
password="bench password for taxii"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "dijkwacht $("$binary" --version | cut -d' ' -f2), medallion $("$python" -c 'import importlib.metadata as m; print(m.version("medallion"))'), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"

"$binary" --data "$data" init > /dev/null
"$binary" --data "$data" org add bench --sector other > /dev/null
"$binary" --data "$data" community add bench --kind theme --default-tlp green > /dev/null
"$binary" --data "$data" community join bench bench > /dev/null
echo "$password" | "$binary" --data "$data" user add "$user" --org bench --role analyst --password-stdin > /dev/null
"$binary" bench generate --indicators "$indicators" --output "$work/bundle.json" > /dev/null
"$binary" --data "$data" import "$work/bundle.json" --as bench --community bench > /dev/null

"$binary" --data "$data" serve --listen 127.0.0.1:18421 --rate-limit-per-minute 0 > /dev/null 2>&1 &
pids+=($!)
collection=$(uuidgen 2>/dev/null || "$python" -c 'import uuid; print(uuid.uuid4())')
"$python" bench/medallion_config.py "$work/bundle.json" "$work/medallion.json" "$work/medallion-data.json" "$collection" "$user" "$password"
.venv-reference/bin/medallion --host 127.0.0.1 --port 18422 "$work/medallion.json" > /dev/null 2>&1 &
pids+=($!)
sleep 3
for attempt in $(seq 1 60); do
    curl -sf -o /dev/null http://127.0.0.1:18421/healthz && break
    sleep 1
done

auth="Authorization: Basic $(printf '%s:%s' "$user" "$password" | base64 -w0)"
accept="Accept: application/taxii+json;version=2.1"
ours_collection=$(curl -sf -H "$auth" -H "$accept" http://127.0.0.1:18421/taxii2/bench/collections/ | "$python" -c 'import json,sys; print(json.load(sys.stdin)["collections"][0]["id"])')
ours="http://127.0.0.1:18421/taxii2/bench/collections/$ours_collection/objects/?limit=100"
theirs="http://127.0.0.1:18422/bench/collections/$collection/objects/?limit=100"
for url in "$ours" "$theirs"; do
    count=$(curl -sf -H "$auth" -H "$accept" "$url" | "$python" -c 'import json,sys; print(len(json.load(sys.stdin)["objects"]))')
    [ "$count" = 100 ] || { echo "$url gave $count objects, not 100" >&2; exit 1; }
done

# Two connections (the machine has two cores); a long timeout, since a medallion page
# takes seconds.
rate() { wrk -t2 -c2 -d"${seconds}s" --timeout 120s -H "$auth" -H "$accept" "$1" | awk '/Requests\/sec/ {print $2}'; }
declare -a ours_rates theirs_rates
for run in $(seq 1 "$runs"); do
    ours_rates+=("$(rate "$ours")")
    theirs_rates+=("$(rate "$theirs")")
    echo "run $run: dijkwacht ${ours_rates[-1]} req/s, medallion ${theirs_rates[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ours_median=$(median "${ours_rates[@]}")
theirs_median=$(median "${theirs_rates[@]}")
echo "pages of 100 objects from $indicators indicators, Basic auth, 2 connections, median of $runs runs of ${seconds}s:"
awk -v o="$ours_median" -v t="$theirs_median" 'BEGIN { printf "  dijkwacht %10.2f req/s (%10.0f objects/s)\n  medallion %10.2f req/s (%10.0f objects/s)\n  ratio     %10.0fx\n", o, o*100, t, t*100, o/t }'
