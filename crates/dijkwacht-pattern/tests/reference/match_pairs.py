"""Runs the OASIS reference matcher (stix2-matcher 3.0.0, STIX 2.1 mode) over a corpus.

Usage: match_pairs.py CORPUS.json SHARD SHARDS
Input: {"observations": [bundle, ...],            one observed-data and its SCOs each
        "patterns": [{"pattern", "independent", "start_stop",
                      "leaves": [{"pattern", "types"}, ...]}, ...],
        "cases": [{"pattern", "observations": [index, ...]}, ...]}
Output (stdout), one JSON object per line, for the patterns and cases whose index
modulo SHARDS is SHARD:
  {"pattern": i, "verdicts": "01a...", "reasons": {"a": "Invalid CIDR subnet"}}
      the verdict of pattern i against each single observation: 1 match, 0 no match,
      a letter for an exception (named in "reasons")
  {"case": k, "verdict": "1", "reason": null}
      the verdict of case k against its observations together

The verdict for one observation is what stix2matcher.matcher.match(pattern, [bundle],
stix_version="2.1") gives (a match when it returns SDOs, or the exception it raises).
Calling it ten million times would take hours, so the work is shared, using only the
reference's own code:
- An observation that holds none of a pattern's object types can neither match it nor
  make it raise, so each walk below runs over the observations that hold one of them
  (one MatchListener per set of types, kept).
- A pattern without AND, FOLLOWEDBY or REPEATS between observation expressions
  ("independent") binds each observation on its own, so one walk of its parse tree over
  all those observations at once yields, through MatchListener.matched(), exactly the
  observations that match it alone.
- Otherwise each bracketed expression ("leaf") is walked over all observations the same
  way. Matching one observation alone depends only on which leaves it matches, on its
  number_observed and, under START/STOP, on its time window (WITHIN and FOLLOWEDBY can
  not fail within one observation); so the pattern is matched alone against one
  observation of each such class, and that verdict holds for the class. An observation
  that matches no leaf can not match.
- A leaf whose walk raises is redone one observation at a time (over observations
  holding its object types), so that the exception is charged to the observations that
  cause it: the pattern alone raises on exactly those.
"""
import json
import sys

from stix2matcher.matcher import MatcherException, MatchListener, Pattern

STIX = "2.1"


def fresh_stack(listener):
    listener._MatchListener__compute_stack = []  # reuse a listener for another walk
    return listener


def walk(compiled, listener):
    compiled._Pattern__pattern.walk(fresh_stack(listener))


def matches_alone(compiled, listener):
    """Pattern.match() on a prepared single-observation listener."""
    walk(compiled, listener)
    first_binding = next(listener.matched(), [])
    return bool(listener.get_sdos_from_binding(first_binding))


def matched_observations(compiled, shared):
    """The observations bound to some single-observation binding of an independent
    pattern; `shared` is a listener over several observations and their indexes."""
    listener, indexes = shared
    walk(compiled, listener)
    found = set()
    for binding in listener.matched():
        found.update(indexes[index] for index in binding if index is not None)
    return found


def reason_of(error):
    if isinstance(error, MatcherException):
        return str(error).split(":")[0]
    return type(error).__name__


class Corpus:
    def __init__(self, data):
        self.bundles = data["observations"]
        self.types = []
        self.observed = []
        for bundle in self.bundles:
            self.types.append({o["type"] for o in bundle["objects"] if o["type"] != "observed-data"})
            sdo = bundle["objects"][0]
            self.observed.append((sdo["number_observed"], sdo["first_observed"], sdo["last_observed"]))
        self.shared = {}
        self.alone = {}

    def listener_for(self, types):
        """A listener over every observation holding one of `types`, and their indexes."""
        key = frozenset(types)
        if key not in self.shared:
            indexes = [i for i, present in enumerate(self.types) if present & key]
            everything = {"type": "bundle", "id": "bundle--corpus", "objects": []}
            for index in indexes:
                everything["objects"].extend(self.bundles[index]["objects"])
            self.shared[key] = (MatchListener([everything], stix_version=STIX), indexes)
        return self.shared[key]

    def listener_alone(self, index):
        if index not in self.alone:
            self.alone[index] = MatchListener(
                [json.loads(json.dumps(self.bundles[index]))], stix_version=STIX)
        return self.alone[index]

    def leaf_results(self, leaf):
        """(observations matching the leaf alone, {observation: reason} where it raises)"""
        compiled = Pattern(leaf["pattern"], stix_version=STIX)
        try:
            return matched_observations(compiled, self.listener_for(leaf["types"])), {}
        except Exception:
            pass
        types = set(leaf["types"])
        matched, raised = set(), {}
        for index, present in enumerate(self.types):
            if present & types:
                try:
                    if matches_alone(compiled, self.listener_alone(index)):
                        matched.add(index)
                except Exception as error:
                    raised[index] = reason_of(error)
        return matched, raised

    def verdicts(self, entry):
        compiled = Pattern(entry["pattern"], stix_version=STIX)
        count = len(self.bundles)
        if entry["independent"]:
            try:
                matched = matched_observations(compiled, self.listener_for(entry["types"]))
                return "".join("1" if i in matched else "0" for i in range(count)), {}
            except Exception:
                pass
        leaves = [self.leaf_results(leaf) for leaf in entry["leaves"]]
        codes, verdicts, classes = {}, ["0"] * count, {}

        def code(reason):
            return codes.setdefault(reason, "abcdefghijklmnopqrstuvwxyz"[len(codes) % 26])

        for index in range(count):
            raised = [errors[index] for _, errors in leaves if index in errors]
            if raised:
                verdicts[index] = code(raised[0])
                continue
            vector = tuple(index in matched for matched, _ in leaves)
            if not any(vector):
                continue
            number, first, last = self.observed[index]
            key = (vector, number, (first, last) if entry["start_stop"] else None)
            if key not in classes:
                try:
                    classes[key] = "1" if matches_alone(compiled, self.listener_alone(index)) else "0"
                except Exception as error:
                    classes[key] = code(reason_of(error))
            verdicts[index] = classes[key]
        return "".join(verdicts), {letter: reason for reason, letter in codes.items()}

    def case_verdict(self, case):
        bundles = [json.loads(json.dumps(self.bundles[i])) for i in case["observations"]]
        try:
            compiled = Pattern(case["pattern"], stix_version=STIX)
            listener = MatchListener(bundles, stix_version=STIX)
            return ("1" if matches_alone(compiled, listener) else "0"), None
        except Exception as error:
            return "E", reason_of(error)


def main():
    path, shard, shards = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    corpus = Corpus(data)
    out = sys.stdout
    for index, entry in enumerate(data["patterns"]):
        if index % shards == shard:
            verdicts, reasons = corpus.verdicts(entry)
            out.write(json.dumps({"pattern": index, "verdicts": verdicts, "reasons": reasons}) + "\n")
    for index, case in enumerate(data["cases"]):
        if index % shards == shard:
            verdict, reason = corpus.case_verdict(case)
            out.write(json.dumps({"case": index, "verdict": verdict, "reason": reason}) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
