"""Drives a running `dijkwacht serve` with the OASIS reference TAXII client
(taxii2-client) as users of different organisations, and checks that each sees exactly
what the sharing rules allow. Everything the server returns is validated with the OASIS
reference validator (stix2-validator).

Input (argv[1]): a JSON file {"url": "http://127.0.0.1:PORT", "users": {...},
"tokens": {...}} naming the seeded logins and tokens (see tests/cli/taxii.rs).
Output: a JSON summary on stdout; any failed check ends the script with exit code 1 and
the reason on stderr.
"""
import json
import sys
import time

import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.exceptions import AccessError
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

TLP_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
TLP_AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
TLP_RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

VALIDATION = ValidationOptions(version="2.1", silent=True)
RETURNED = {}  # id@version -> object, everything the server handed out


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


def expect_http_error(status, action, message):
    try:
        action()
    except requests.exceptions.HTTPError as error:
        got = error.response.status_code
        check(got == status, f"{message}: expected HTTP {status}, got {got}")
        body = error.response.json()
        check(body.get("http_status") == str(status), f"{message}: error resource {body}")
        return
    check(False, f"{message}: expected HTTP {status}, but the call succeeded")


def indicator(number, name, markings=None, modified="2026-03-01T10:00:00.000Z", pattern=None):
    value = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{number:08d}-1111-4111-8111-111111111111",
        "created": "2026-03-01T10:00:00.000Z",
        "modified": modified,
        "name": name,
        "pattern": pattern or f"[ipv4-addr:value = '198.51.100.{number % 250}']",
        "pattern_type": "stix",
        "valid_from": "2026-03-01T10:00:00Z",
    }
    if markings:
        value["object_marking_refs"] = markings
    return value


def remember(objects):
    for obj in objects:
        RETURNED[f"{obj['id']}@{obj.get('modified', obj.get('created', ''))}"] = obj
    return objects


def server_for(base, auth):
    return Server(f"{base}/taxii2/", auth=auth)


def root_names(server):
    return sorted(root.url.rstrip("/").rsplit("/", 1)[-1] for root in server.api_roots)


def collection_of(base, root, auth):
    api_root = ApiRoot(f"{base}/taxii2/{root}/", auth=auth)
    collections = api_root.collections
    check(len(collections) == 1, f"{root} has one collection, not {len(collections)}")
    return collections[0]


def all_objects(collection, per_request=0, **filters):
    """Every object of a collection, following `more`/`next`."""
    objects = []
    pages = 0
    for envelope in as_pages(collection.get_objects, per_request=per_request, **filters):
        pages += 1
        objects.extend(remember(envelope.get("objects", [])))
    return objects, pages


def ids(objects):
    return sorted({obj["id"] for obj in objects})


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    base = config["url"]
    users = {name: tuple(credentials) for name, credentials in config["users"].items()}
    summary = {}

    # Discovery: anonymous callers see the public tier only; members see their own
    # organisation and the communities they reach (their own and the ancestors).
    check(root_names(server_for(base, None)) == ["public"], "anonymous discovery")
    check(
        root_names(server_for(base, users["water_analyst"]))
        == ["own", "plenum", "public", "water"],
        "the water analyst's roots",
    )
    check(
        root_names(server_for(base, users["haven_analyst"]))
        == ["haven", "own", "plenum", "public"],
        "the haven analyst's roots",
    )
    check(
        root_names(server_for(base, users["zuivel_analyst"])) == ["own", "plenum", "public"],
        "the zuivel analyst's roots",
    )
    expect_http_error(
        401,
        lambda: server_for(base, ("water-analyst@waterbedrijf.example", "wrong")).refresh(),
        "a wrong password",
    )

    # The water analyst publishes into the water community.
    water = collection_of(base, "water", users["water_analyst"])
    check(water.can_read and water.can_write, "the water analyst may write to water")
    envelope = {
        "objects": [
            indicator(1, "green beacon", [TLP_GREEN]),
            indicator(2, "amber loader", [TLP_AMBER]),
            indicator(3, "unmarked scanner"),
            indicator(4, "red implant", [TLP_RED]),
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000005-1111-4111-8111-111111111111",
             "created": "2026-03-01T10:00:00.000Z", "modified": "2026-03-01T10:00:00.000Z"},
        ]
    }
    status = water.add_objects(envelope, wait_for_completion=True, poll_interval=1, timeout=30)
    check(status.status == "complete", f"the submission completes: {status.status}")
    check(status.total_count == 5, f"total_count {status.total_count}")
    check(status.success_count == 3, f"success_count {status.success_count}")
    check(status.failure_count == 2, f"failure_count {status.failure_count}")
    failed = {failure["id"]: failure["message"] for failure in status.failures}
    check("red" in failed[indicator(4, "")["id"]].lower(), f"RED without recipients is refused: {failed}")
    check("pattern" in failed[envelope["objects"][4]["id"]], f"the missing pattern is named: {failed}")
    polled = ApiRoot(f"{base}/taxii2/water/", auth=users["water_analyst"]).get_status(status.id)
    check(polled.status == "complete" and polled.success_count == 3, "the status can be polled")
    expect_http_error(
        404,
        lambda: ApiRoot(f"{base}/taxii2/plenum/", auth=users["zuivel_analyst"]).get_status(status.id),
        "another organisation's status",
    )

    # A newer version of the green indicator; a private object; a public one.
    newer = indicator(1, "green beacon v2", [TLP_GREEN], modified="2026-03-02T10:00:00.000Z")
    check(water.add_objects({"objects": [newer]}).success_count == 1, "the new version is stored")
    own = collection_of(base, "own", users["water_analyst"])
    check(own.add_objects({"objects": [indicator(6, "internal only")]}).success_count == 1, "own object")
    public = collection_of(base, "public", users["admin"])
    check(public.can_write, "the platform admin writes to the public tier")
    check(
        public.add_objects({"objects": [indicator(7, "public scanner", pattern="[domain-name:value = 'scan.example']")]}).success_count == 1,
        "the public object is stored",
    )
    check(not collection_of(base, "public", users["water_analyst"]).can_write, "members do not write to public")

    water_ids = sorted(indicator(number, "")["id"] for number in (1, 2, 3))
    # The water analyst pages through water one object at a time.
    objects, pages = all_objects(water, per_request=1)
    check(ids(objects) == water_ids, f"the water analyst sees water's objects: {ids(objects)}")
    check(pages == 3, f"one object per page gives three pages, not {pages}")
    check(
        [obj["name"] for obj in objects if obj["id"] == water_ids[0]] == ["green beacon v2"],
        "the latest version by default",
    )
    # added_after: everything after the first object's date_added.
    first_page = water.get_objects(limit=1)
    manifest = water.get_manifest()
    check(len(manifest["objects"]) == 3, f"the manifest lists three objects: {manifest}")
    first_added = min(record["date_added"] for record in manifest["objects"])
    later = water.get_objects(added_after=first_added)
    check(len(later.get("objects", [])) == 2, f"added_after leaves two objects: {later}")
    check(first_page["more"] is True and "next" in first_page, "a partial page says more and next")

    versions = water.object_versions(water_ids[0])
    check(versions["versions"] == ["2026-03-01T10:00:00.000Z", "2026-03-02T10:00:00.000Z"], f"versions: {versions}")
    first_version = water.get_object(water_ids[0], version="first")
    check(remember(first_version["objects"])[0]["name"] == "green beacon", "match[version]=first")
    every_version = water.get_object(water_ids[0], version="all")
    check(len(remember(every_version["objects"])) == 2, "match[version]=all")

    # A member of the same organisation reads water and its organisation's own objects
    # but may not write.
    water_member = collection_of(base, "water", users["water_member"])
    check(water_member.can_read and not water_member.can_write, "a member role reads only")
    check(ids(all_objects(water_member)[0]) == water_ids, "the water member sees water")
    own_of_member = collection_of(base, "own", users["water_member"])
    check(
        ids(all_objects(own_of_member)[0]) == sorted(water_ids + [indicator(6, "")["id"]]),
        "the own collection holds everything the organisation owns, shared or not",
    )
    try:
        water_member.add_objects({"objects": [indicator(8, "x")]})
        check(False, "a member role added objects")
    except AccessError:
        pass

    # The haven analyst does not reach water: its root and objects do not exist for them.
    expect_http_error(404, lambda: ApiRoot(f"{base}/taxii2/water/", auth=users["haven_analyst"]).refresh(), "water for haven")
    expect_http_error(
        404,
        lambda: Collection(f"{base}/taxii2/water/collections/{water.id}/", auth=users["haven_analyst"]).get_object(water_ids[0]),
        "a water object for haven",
    )
    haven_public = collection_of(base, "public", users["haven_analyst"])
    check(ids(all_objects(haven_public)[0]) == [indicator(7, "")["id"]], "haven sees the public object")
    haven_own = collection_of(base, "own", users["haven_analyst"])
    check(all_objects(haven_own)[0] == [], "haven owns nothing")
    check(all_objects(collection_of(base, "plenum", users["zuivel_analyst"]))[0] == [], "nothing was shared into the plenum")

    # Anonymous: the public object only.
    anonymous_public = collection_of(base, "public", None)
    check(ids(all_objects(anonymous_public)[0]) == [indicator(7, "")["id"]], "anonymous sees the public object")

    # Tokens: a read-only token and a token limited to the water community.
    read_only = collection_of(base, "haven", BearerAuth(config["tokens"]["haven_read_only"]))
    check(read_only.can_read and not read_only.can_write, "a read-only token cannot write")
    limited = collection_of(base, "water", BearerAuth(config["tokens"]["water_limited_writer"]))
    check(limited.can_write, "a writing token limited to water writes to water")
    check(ids(all_objects(limited)[0]) == water_ids, "the limited token reads water")
    limited_roots = root_names(server_for(base, BearerAuth(config["tokens"]["water_limited_writer"])))
    check(limited_roots == ["own", "public", "water"], f"the limited token's roots: {limited_roots}")
    limited_own = collection_of(base, "own", BearerAuth(config["tokens"]["water_limited_writer"]))
    check(not limited_own.can_write, "a token limited to water writes only into water")
    expect_http_error(401, lambda: server_for(base, BearerAuth("dwt_notatoken")).refresh(), "a malformed token")

    # Deleting: only the owning organisation's analysts; what one may not read is 404.
    # (The client refuses to send DELETE to a collection without can_write, so these
    # two go out as plain HTTP requests.)
    def raw_delete(collection_url, object_id, auth):
        response = requests.delete(
            f"{collection_url}objects/{object_id}/",
            auth=auth,
            headers={"Accept": "application/taxii+json;version=2.1"},
        )
        return response.status_code, response.json()

    status_code, body = raw_delete(water_member.url, water_ids[1], users["water_member"])
    check(status_code == 403 and body["http_status"] == "403", f"a member role deletes: {status_code} {body}")
    status_code, body = raw_delete(haven_public.url, water_ids[1], users["haven_analyst"])
    check(status_code == 404 and body["http_status"] == "404", f"deleting what is not in the collection: {status_code}")
    water.delete_object(water_ids[1])
    expect_http_error(404, lambda: water.get_object(water_ids[1]), "a deleted object")
    remaining, _ = all_objects(water)
    check(ids(remaining) == [water_ids[0], water_ids[2]], f"after the delete: {ids(remaining)}")

    # Everything the server handed out is valid STIX 2.1.
    invalid = {}
    for key, obj in RETURNED.items():
        result = validate_instance(obj, VALIDATION)
        if not result.is_valid:
            invalid[key] = [str(error) for error in result.errors]
    check(not invalid, f"the reference validator rejects returned objects: {invalid}")
    summary["objects_validated"] = len(RETURNED)
    summary["checks"] = "passed"
    json.dump(summary, sys.stdout)


if __name__ == "__main__":
    main()
