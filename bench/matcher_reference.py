"""Times the OASIS reference matcher (stix2-matcher, STIX 2.1 mode) on the corpus that
bench/matcher.sh writes, the way an application calls it: each pattern compiled once
(stix2matcher.matcher.Pattern), then Pattern.match([observation]) for each observation.
A full corpus would take hours, so the first PATTERNS patterns meet the first
OBSERVATIONS observations. Prints the median of RUNS runs in evaluations per second.

Usage: matcher_reference.py CORPUS.json [PATTERNS OBSERVATIONS RUNS]
"""
import json
import statistics
import sys
import time

from stix2matcher.matcher import Pattern


def main():
    path = sys.argv[1]
    patterns_wanted, observations_wanted, runs = (int(x) for x in (sys.argv[2:5] + ["100", "100", "3"][len(sys.argv[2:5]):]))
    with open(path, encoding="utf-8") as handle:
        corpus = json.load(handle)
    texts = [entry["pattern"] for entry in corpus["patterns"][:patterns_wanted]]
    observations = corpus["observations"][:observations_wanted]
    compiled = [Pattern(text, stix_version="2.1") for text in texts]
    rates, matched, raised = [], 0, 0
    for _ in range(runs):
        matched = raised = 0
        started = time.perf_counter()
        for pattern in compiled:
            for observation in observations:
                try:
                    matched += bool(pattern.match([observation]))
                except Exception:  # the reference raises for some values
                    raised += 1
        rates.append(len(compiled) * len(observations) / (time.perf_counter() - started))
    print(f"stix2-matcher {statistics.median(rates):>11.0f} evaluations/s  (median of {runs} runs; "
          f"{len(compiled)} patterns x {len(observations)} observations, {matched} match, {raised} raise)")


if __name__ == "__main__":
    main()
