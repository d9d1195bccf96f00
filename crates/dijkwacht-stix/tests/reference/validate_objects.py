"""Runs the OASIS reference validator (stix2-validator) over a list of cases.

Input (argv[1]): a JSON array of {"case": name, "object": STIX object}.
Output (stdout): a JSON array of {"case", "valid", "errors"} in the same order.
Each object is validated alone, with the validator's default options for STIX 2.1,
so that verdicts compare one to one with Dijkwacht's validate_object.
"""
import json
import sys

from stix2validator import ValidationOptions, validate_instance


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        cases = json.load(handle)
    options = ValidationOptions(version="2.1", silent=True)
    verdicts = []
    for case in cases:
        try:
            result = validate_instance(case["object"], options)
            verdicts.append({
                "case": case["case"],
                "valid": bool(result.is_valid),
                "errors": [str(error) for error in result.errors],
            })
        except Exception as error:  # the validator raises for some malformed input
            verdicts.append({"case": case["case"], "valid": False, "errors": [f"exception: {error}"]})
    json.dump(verdicts, sys.stdout)


if __name__ == "__main__":
    main()
