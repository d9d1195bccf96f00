#!/usr/bin/env bash
# The fusion benchmark of BENCHMARKS.md ("Fusion center: objects through the pipeline"):
# objects per second through the whole chain — read, map to STIX, personal data,
# warning lists, deduplication, the store's validation and a durable write — for
#   1. the real feeds under ../shared/data (CIRCL OSINT MISP feed, CISA KEV, MITRE
#      ATT&CK ICS and Mobile), each a `source run` into a fresh store;
#   2. a generated feed of INDICATORS values (default 1,000,000) spread over three
#      plain-list sources whose values overlap by 30%.
# Peak memory is the resident set of the `source run` process (GNU time).
#
#   bench/fusion.sh [INDICATORS]
set -euo pipefail
cd "$(dirname "$0")/.."
indicators="${1:-1000000}"
shared="${SHARED_DATA:-../shared/data}"

cargo build --release --quiet -p dijkwacht
binary="$PWD/${CARGO_TARGET_DIR:-target}/release/dijkwacht"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Runs one source into its own fresh store; prints objects, seconds, rate and peak RSS.
run_source() {
    local name="$1" kind="$2" path="$3"
    local data="$work/store-$name"
    "$binary" --data "$data" init > /dev/null
    "$binary" --data "$data" source add "$name" --kind "$kind" --path "$path" > /dev/null
    /usr/bin/time -f "%M" -o "$work/rss-$name" \
        "$binary" --data "$data" source run "$name" > "$work/out-$name" 2> "$work/err-$name" || true
    python3 - "$name" "$work/out-$name" "$work/rss-$name" "$data/sources/$name.json" <<'PY'
import json, sys
name, out, rss, state = sys.argv[1:]
report = json.load(open(state))["last_report"]
seconds = report["elapsed_ms"] / 1000
objects = report["objects"]
stored = report["new_objects"] + report["new_versions"]
peak = int(open(rss).read().split()[-1]) / 1024
print(f"{name:<22} {objects:>9} objects  {stored:>9} stored  {seconds:>7.2f} s  "
      f"{objects / seconds if seconds else 0:>9.0f} objects/s  peak RSS {peak:.0f} MiB")
PY
}

echo "== real feeds"
[ -d "$shared/misp/feed-circl-osint-sample" ] && run_source circl-osint misp-feed "$shared/misp/feed-circl-osint-sample"
[ -f "$shared/cisa-kev/known_exploited_vulnerabilities.json" ] && run_source cisa-kev kev "$shared/cisa-kev/known_exploited_vulnerabilities.json"
[ -f "$shared/stix21/mitre-attack/ics-attack-18.1.json" ] && run_source mitre-ics stix "$shared/stix21/mitre-attack/ics-attack-18.1.json"
[ -f "$shared/stix21/mitre-attack/mobile-attack-17.1.json" ] && run_source mitre-mobile stix "$shared/stix21/mitre-attack/mobile-attack-17.1.json"

echo "== generated: $indicators values over three lists, 30% overlap"
python3 - "$indicators" "$work" <<'PY'
import random, sys
total, work = int(sys.argv[1]), sys.argv[2]
random.seed(7)
def value(n):
    kind = n % 4
    if kind == 0:
        return f"{11 + n % 200}.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    if kind == 1:
        return f"host{n}.example-{n % 997}.top"
    if kind == 2:
        return f"http://dl-{n % 5003}.cdn-delivery.net/{n}/payload.bin"
    return f"{n:064x}"
per_source = total // 3
shared_count = int(per_source * 0.3)
shared_values = [value(n) for n in range(shared_count)]
next_value = shared_count
for source in range(3):
    own = [value(next_value + i) for i in range(per_source - shared_count)]
    next_value += len(own)
    lines = shared_values + own
    random.shuffle(lines)
    with open(f"{work}/list-{source}.txt", "w") as out:
        out.write("# generated for bench/fusion.sh\n")
        out.write("\n".join(lines))
        out.write("\n")
PY
data="$work/store-generated"
"$binary" --data "$data" init > /dev/null
for source in 0 1 2; do
    "$binary" --data "$data" source add "list-$source" --kind list --path "$work/list-$source.txt" > /dev/null
done
start=$(date +%s.%N)
for source in 0 1 2; do
    /usr/bin/time -f "%M" -o "$work/rss-list-$source" \
        "$binary" --data "$data" source run "list-$source" > "$work/out-list-$source" 2>/dev/null || true
done
end=$(date +%s.%N)
python3 - "$data" "$work" "$start" "$end" <<'PY'
import json, sys
data, work, start, end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
objects = stored = 0
seconds = 0.0
peak = 0
for source in range(3):
    report = json.load(open(f"{data}/sources/list-{source}.json"))["last_report"]
    objects += report["objects"]
    stored += report["new_objects"] + report["new_versions"]
    seconds += report["elapsed_ms"] / 1000
    print(f"list-{source}: {report['objects']} objects, {report['new_objects']} new, "
          f"{report['elapsed_ms'] / 1000:.2f} s, {report['objects'] / (report['elapsed_ms'] / 1000):.0f} objects/s")
    peak = max(peak, int(open(f"{work}/rss-list-{source}").read().split()[-1]))
print(f"generated total: {objects} objects, {stored} stored, {seconds:.2f} s in the runs "
      f"({end - start:.2f} s with process starts): {objects / seconds:.0f} objects/s; peak RSS {peak / 1024:.0f} MiB")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
