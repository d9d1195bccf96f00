"""Writes a medallion (the OASIS reference TAXII 2.1 server) configuration whose one
collection holds the objects of a STIX bundle, for bench/taxii.sh.

    medallion_config.py BUNDLE CONFIG_OUT DATA_OUT COLLECTION_ID USER PASSWORD
"""
import json
import sys
from datetime import datetime, timedelta, timezone


def main():
    bundle, config_out, data_out, collection_id, user, password = sys.argv[1:7]
    with open(bundle, encoding="utf-8") as handle:
        objects = json.load(handle)["objects"]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    stamped, manifest = [], []
    for number, obj in enumerate(objects):
        added = (start + timedelta(microseconds=number)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        version = obj.get("modified", obj.get("created", added))
        meta = {"date_added": added, "media_type": "application/stix+json;version=2.1", "version": version}
        stamped.append(dict(obj, __meta=meta))
        manifest.append(dict(meta, id=obj["id"]))
    data = {
        "/discovery": {
            "title": "bench",
            "api_roots": ["http://127.0.0.1/bench/"],
            "default": "http://127.0.0.1/bench/",
        },
        "bench": {
            "information": {
                "title": "bench",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 104857600,
            },
            "status": [],
            "collections": [{
                "id": collection_id,
                "title": "bench",
                "can_read": True,
                "can_write": True,
                "media_types": ["application/stix+json;version=2.1"],
                "objects": stamped,
                "manifest": manifest,
            }],
        },
    }
    with open(data_out, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    config = {
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": data_out},
        "users": {user: password},
        "taxii": {"max_page_size": 100},
    }
    with open(config_out, "w", encoding="utf-8") as handle:
        json.dump(config, handle)


if __name__ == "__main__":
    main()
