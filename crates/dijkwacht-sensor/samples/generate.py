#!/usr/bin/env python3
"""Writes the sample sensor logs, the indicators and the hits expected of them.

Deterministic (seeded): running it again gives the same files. The logs are shaped like
real Suricata 7 EVE and Zeek 6 JSON output; the addresses of the "malicious" side are
documentation ranges and `.example` names. The expected hits are computed here, by a
small evaluator of its own (not the Rust readers), over the observables each event
carries: {indicator id: number of events on which the pattern is true}.

    python3 crates/dijkwacht-sensor/samples/generate.py
"""
import hashlib
import json
import random
import re
import uuid
from datetime import datetime, timedelta, timezone
from ipaddress import ip_address, ip_network
from pathlib import Path

HERE = Path(__file__).parent
rng = random.Random(20260304)
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=timezone.utc)

INTERNAL = [f"10.10.{rng.randrange(1, 8)}.{rng.randrange(2, 250)}" for _ in range(30)]
INTERNAL6 = [f"2001:db8:10:{rng.randrange(1, 9):x}::{rng.randrange(2, 4000):x}" for _ in range(6)]
BENIGN_IPS = ["142.250.74.46", "151.101.1.69", "104.16.132.229", "13.107.42.14", "52.84.150.39",
              "172.217.17.78", "199.232.82.217", "185.199.108.153", "20.190.159.2", "23.215.0.136"]
BENIGN_DOMAINS = ["www.google.com", "fonts.gstatic.com", "update.microsoft.com", "www.nu.nl",
                  "cdn.jsdelivr.net", "github.com", "login.microsoftonline.com", "www.rijksoverheid.nl",
                  "api.weather.example.org", "intranet.dijkwacht-member.example"]
BENIGN_PATHS = ["/", "/index.html", "/news/2026/03/02/water-levels", "/api/v1/status?x=1",
                "/static/app.js", "/favicon.ico", "/search?q=dijk"]
USER_AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0",
               "curl/8.5.0", "Microsoft-CryptoAPI/10.0"]

# The malicious side: what the indicators name.
C2_IP = "203.0.113.66"
C2_DOMAIN = "c2.badcorp.example"
UPDATE_DOMAIN = "update-check.badcorp.example"
BAD_RANGE = "198.51.100.0/24"
BAD_RANGE6 = "2001:db8:bad::/48"
PHISH_SUFFIX = ".phish-login.example"
PAYLOAD_URL_HOST, PAYLOAD_URL_PATH = "malware-cdn.example", "/payload/stage2.bin"
DGA = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))) + ".top"
       for _ in range(3)]
BAD_FILE = {"name": "invoice_2026.pdf.exe", "content": b"not really malware, a sample"}
BAD_CERT_SHA1 = "5c:3a:91:0e:7d:44:12:ab:cd:ef:01:23:45:67:89:ab:cd:ef:00:11"
PAIR_IP, PAIR_PORT = "203.0.113.77", 8443


def hexhash(algorithm, data):
    return hashlib.new(algorithm, data).hexdigest()


def ts_eve(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+0000"


def sid():
    return rng.randrange(10**15, 10**16)


class Facts:
    """What one event shows, as the evaluator sees it."""
    def __init__(self):
        self.ips, self.domains, self.urls, self.files, self.certs, self.flows = set(), set(), set(), [], set(), []

    def flow(self, src, sport, dst, dport):
        self.ips.update([src, dst])
        self.flows.append((dst, dport))


def eve_base(moment, event_type, src, sport, dst, dport, proto="TCP", app=None):
    event = {"timestamp": ts_eve(moment), "flow_id": sid(), "in_iface": "eth0", "event_type": event_type,
             "src_ip": src, "src_port": sport, "dest_ip": dst, "dest_port": dport, "proto": proto}
    if app:
        event["app_proto"] = app
    facts = Facts()
    facts.flow(src, sport, dst, dport)
    return event, facts


def eve_flow(moment, src, dst, dport, app=None):
    event, facts = eve_base(moment, "flow", src, rng.randrange(40000, 65000), dst, dport,
                            "UDP" if dport == 53 else "TCP", app)
    end = moment + timedelta(seconds=rng.randrange(1, 120))
    event["flow"] = {"pkts_toserver": rng.randrange(3, 90), "pkts_toclient": rng.randrange(3, 90),
                     "bytes_toserver": rng.randrange(200, 90000), "bytes_toclient": rng.randrange(200, 900000),
                     "start": ts_eve(moment), "end": ts_eve(end), "age": (end - moment).seconds,
                     "state": "closed", "reason": "timeout", "alerted": False}
    event["tcp"] = {"tcp_flags": "1b", "syn": True, "fin": True, "psh": True, "ack": True, "state": "closed"}
    return event, facts


def eve_dns(moment, src, name, answers):
    resolver = "10.10.0.53"
    event, facts = eve_base(moment, "dns", src, rng.randrange(40000, 65000), resolver, 53, "UDP")
    facts.domains.add(name)
    if answers is None:
        event["dns"] = {"version": 2, "type": "query", "id": rng.randrange(65535), "rrname": name,
                        "rrtype": "A", "tx_id": 0, "opcode": 0}
    else:
        event["dns"] = {"version": 2, "type": "answer", "id": rng.randrange(65535), "flags": "8180",
                        "qr": True, "rd": True, "ra": True, "opcode": 0, "rrname": name, "rrtype": "A",
                        "rcode": "NOERROR",
                        "answers": [{"rrname": name, "rrtype": "AAAA" if ":" in a else "A", "ttl": 300, "rdata": a}
                                    for a in answers],
                        "grouped": {"A": [a for a in answers if ":" not in a]}}
        facts.ips.update(answers)
    return event, facts


def eve_http(moment, src, dst, host, path, event_type="http"):
    event, facts = eve_base(moment, event_type, src, rng.randrange(40000, 65000), dst, 80, "TCP", "http")
    event["tx_id"] = 0
    event["http"] = {"hostname": host, "url": path, "http_user_agent": rng.choice(USER_AGENTS),
                     "http_content_type": "text/html", "http_method": "GET", "protocol": "HTTP/1.1",
                     "status": 200, "length": rng.randrange(100, 50000)}
    facts.domains.add(host)
    facts.urls.add(f"http://{host}{path}")
    return event, facts


def eve_tls(moment, src, dst, sni, fingerprint=None):
    event, facts = eve_base(moment, "tls", src, rng.randrange(40000, 65000), dst, 443, "TCP", "tls")
    fingerprint = fingerprint or ":".join(f"{rng.randrange(256):02x}" for _ in range(20))
    event["tls"] = {"subject": f"CN={sni}", "issuerdn": "C=US, O=Let's Encrypt, CN=R11",
                    "serial": ":".join(f"{rng.randrange(256):02X}" for _ in range(8)),
                    "fingerprint": fingerprint, "sni": sni, "version": "TLS 1.3",
                    "notbefore": "2026-01-10T00:00:00", "notafter": "2026-04-10T00:00:00",
                    "ja3": {"hash": hexhash("md5", sni.encode()), "string": "771,4865-4866,0-23-65281,29-23,0"}}
    facts.domains.add(sni)
    facts.certs.add(fingerprint.replace(":", ""))
    return event, facts


def eve_fileinfo(moment, src, dst, host, path, name, content):
    event, facts = eve_base(moment, "fileinfo", dst, 80, src, rng.randrange(40000, 65000), "TCP", "http")
    event["http"] = {"hostname": host, "url": path, "http_method": "GET", "status": 200}
    digests = {a: hexhash(a, content) for a in ("md5", "sha1", "sha256")}
    event["fileinfo"] = {"filename": name, "sid": [], "gaps": False, "state": "CLOSED", **digests,
                         "stored": False, "size": len(content), "tx_id": 0}
    facts.domains.add(host)
    facts.urls.add(f"http://{host}{path}")
    facts.files.append({"name": name, **digests})
    return event, facts


def eve_alert(moment, src, dst, host, path):
    event, facts = eve_http(moment, src, dst, host, path, "alert")
    event["alert"] = {"action": "allowed", "gid": 1, "signature_id": 2013028, "rev": 7,
                      "signature": "ET POLICY curl User-Agent Outbound", "category": "Attempted Information Leak",
                      "severity": 2}
    return event, facts


def benign_event(moment):
    kind = rng.choice(["flow", "flow", "dns", "dns", "http", "tls", "tls", "fileinfo"])
    src, dst = rng.choice(INTERNAL), rng.choice(BENIGN_IPS)
    if kind == "flow":
        return eve_flow(moment, src, dst, rng.choice([443, 443, 80, 22, 993]))
    if kind == "dns":
        return eve_dns(moment, src, rng.choice(BENIGN_DOMAINS), rng.choice([None, [dst]]))
    if kind == "http":
        return eve_http(moment, src, dst, rng.choice(BENIGN_DOMAINS), rng.choice(BENIGN_PATHS))
    if kind == "tls":
        return eve_tls(moment, src, dst, rng.choice(BENIGN_DOMAINS))
    content = rng.randbytes(64)
    return eve_fileinfo(moment, src, dst, rng.choice(BENIGN_DOMAINS), "/files/report.pdf", "report.pdf", content)


def malicious_event(moment):
    src = rng.choice(INTERNAL)
    bad_ip = str(ip_network(BAD_RANGE)[rng.randrange(1, 255)])
    phish = rng.choice(["login", "secure", "mfa.accounts"]) + PHISH_SUFFIX
    choices = [
        lambda: eve_flow(moment, src, C2_IP, 443, "tls"),
        lambda: eve_flow(moment, src, bad_ip, rng.choice([80, 443, 4444])),
        lambda: eve_dns(moment, src, C2_DOMAIN, [C2_IP]),
        lambda: eve_dns(moment, src, UPDATE_DOMAIN, None),
        lambda: eve_dns(moment, src, phish, [bad_ip]),
        lambda: eve_dns(moment, src, rng.choice(DGA), None),
        lambda: eve_http(moment, src, bad_ip, PAYLOAD_URL_HOST, PAYLOAD_URL_PATH),
        lambda: eve_http(moment, src, rng.choice(BENIGN_IPS), "blog.member.example", "/wp-login.php"),
        lambda: eve_tls(moment, src, C2_IP, C2_DOMAIN, BAD_CERT_SHA1),
        lambda: eve_fileinfo(moment, src, bad_ip, PAYLOAD_URL_HOST, "/dl", BAD_FILE["name"], BAD_FILE["content"]),
        lambda: eve_flow(moment, src, PAIR_IP, PAIR_PORT),
        lambda: eve_flow(moment, src, PAIR_IP, 443),
        lambda: eve_alert(moment, src, C2_IP, C2_DOMAIN, "/beacon"),
        lambda: eve_flow(moment, rng.choice(INTERNAL6), "2001:db8:bad:1::" + format(rng.randrange(1, 999), "x"), 443),
    ]
    return rng.choice(choices)()


def write_eve():
    lines, facts = [], []
    moment = START
    for number in range(300):
        moment += timedelta(milliseconds=rng.randrange(5, 4000))
        event, seen = (malicious_event if rng.random() < 0.15 else benign_event)(moment)
        lines.append(json.dumps(event, separators=(",", ":")))
        facts.append(seen)
        if number == 40:
            lines.append(json.dumps({"timestamp": ts_eve(moment), "event_type": "stats",
                                     "stats": {"uptime": 3600, "capture": {"kernel_packets": 129832}}}))
        if number == 120:
            lines.append('{"timestamp":"' + ts_eve(moment) + '","event_type":"dns","src_ip":"10.10.1.')
        if number in (150, 250):
            event, seen = eve_alert(moment, rng.choice(INTERNAL), C2_IP, C2_DOMAIN, "/beacon")
            lines.append(json.dumps(event, separators=(",", ":")))
            facts.append(seen)
        if number == 200:
            lines.append(json.dumps({"timestamp": ts_eve(moment), "event_type": "anomaly", "src_ip": "10.10.1.9",
                                     "dest_ip": "142.250.74.46", "anomaly": {"type": "stream", "event": "PKT_INVALID_ACK"}}))
    (HERE / "eve.json").write_text("\n".join(lines) + "\n")
    return facts


def zeek_id(src, sport, dst, dport):
    return {"id.orig_h": src, "id.orig_p": sport, "id.resp_h": dst, "id.resp_p": dport}


def write_zeek():
    facts, logs = [], {name: [] for name in ("conn", "dns", "http", "ssl", "files")}
    moment = START.timestamp()
    for number in range(40):
        moment += rng.randrange(1, 3000) / 1000
        src = rng.choice(INTERNAL)
        bad = number % 5 == 0
        dst = C2_IP if bad else rng.choice(BENIGN_IPS)
        uid = "C" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789") for _ in range(17))
        sport = rng.randrange(40000, 65000)
        f = Facts(); f.flow(src, sport, dst, 443)
        logs["conn"].append({"ts": moment, "uid": uid, **zeek_id(src, sport, dst, 443), "proto": "tcp",
                             "service": "ssl", "duration": round(rng.random() * 30, 6), "orig_bytes": 517,
                             "resp_bytes": 4523, "conn_state": "SF", "missed_bytes": 0, "history": "ShADadFf",
                             "orig_pkts": 12, "orig_ip_bytes": 1200, "resp_pkts": 10, "resp_ip_bytes": 5000})
        facts.append(f)
        name = C2_DOMAIN if bad else rng.choice(BENIGN_DOMAINS)
        f = Facts(); f.flow(src, 53000 + number, "10.10.0.53", 53); f.domains.add(name); f.ips.add(dst)
        logs["dns"].append({"ts": moment + 0.001, "uid": uid, **zeek_id(src, 53000 + number, "10.10.0.53", 53),
                            "proto": "udp", "trans_id": rng.randrange(65535), "rtt": 0.012, "query": name,
                            "qclass": 1, "qclass_name": "C_INTERNET", "qtype": 1, "qtype_name": "A", "rcode": 0,
                            "rcode_name": "NOERROR", "AA": False, "TC": False, "RD": True, "RA": True, "Z": 0,
                            "answers": [dst], "TTLs": [300.0], "rejected": False})
        facts.append(f)
        if number % 2 == 0:
            host = PAYLOAD_URL_HOST if number % 8 == 0 else rng.choice(BENIGN_DOMAINS)
            path = PAYLOAD_URL_PATH if number % 8 == 0 else rng.choice(BENIGN_PATHS)
            f = Facts(); f.flow(src, sport + 1, dst, 80); f.domains.add(host); f.urls.add(f"http://{host}{path}")
            logs["http"].append({"ts": moment + 0.2, "uid": uid, **zeek_id(src, sport + 1, dst, 80),
                                 "trans_depth": 1, "method": "GET", "host": host, "uri": path, "version": "1.1",
                                 "user_agent": rng.choice(USER_AGENTS), "request_body_len": 0,
                                 "response_body_len": 5120, "status_code": 200, "status_msg": "OK",
                                 "tags": [], "resp_fuids": ["F" + uid[1:]], "resp_mime_types": ["text/html"]})
            facts.append(f)
        if number % 2 == 1:
            sni = ("secure" + PHISH_SUFFIX) if number % 7 == 1 else rng.choice(BENIGN_DOMAINS)
            f = Facts(); f.flow(src, sport, dst, 443); f.domains.add(sni)
            logs["ssl"].append({"ts": moment + 0.05, "uid": uid, **zeek_id(src, sport, dst, 443),
                                "version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256", "curve": "x25519",
                                "server_name": sni, "resumed": False, "established": True,
                                "ssl_history": "CsiI"})
            facts.append(f)
        if number % 4 == 0:
            content = BAD_FILE["content"] if number % 12 == 0 else rng.randbytes(48)
            digests = {a: hexhash(a, content) for a in ("md5", "sha1", "sha256")}
            fname = BAD_FILE["name"] if number % 12 == 0 else "update.cab"
            f = Facts(); f.flow(dst, 80, src, sport + 1); f.files.append({"name": fname, **digests})
            logs["files"].append({"ts": moment + 0.3, "fuid": "F" + uid[1:], "uid": uid,
                                  **zeek_id(dst, 80, src, sport + 1), "source": "HTTP", "depth": 0,
                                  "analyzers": ["MD5", "SHA1", "SHA256"], "mime_type": "application/x-dosexec",
                                  "filename": fname, "duration": 0.01, "is_orig": False, "seen_bytes": len(content),
                                  "total_bytes": len(content), "missing_bytes": 0, "overflow_bytes": 0,
                                  "timedout": False, **digests})
            facts.append(f)
    for name, records in logs.items():
        (HERE / "zeek" / f"{name}.log").write_text("".join(json.dumps(r) + "\n" for r in records))
    return facts


SHA256_BAD = hexhash("sha256", BAD_FILE["content"])
MD5_BAD = hexhash("md5", BAD_FILE["content"])
# (name, pattern, truth over Facts)
INDICATORS = [
    ("C2 address", f"[ipv4-addr:value = '{C2_IP}']", lambda f: C2_IP in f.ips),
    ("Bulletproof hosting range", f"[ipv4-addr:value ISSUBSET '{BAD_RANGE}']",
     lambda f: any(":" not in i and ip_address(i) in ip_network(BAD_RANGE) for i in f.ips)),
    ("IPv6 range of the same operator", f"[ipv6-addr:value ISSUBSET '{BAD_RANGE6}']",
     lambda f: any(":" in i and ip_address(i) in ip_network(BAD_RANGE6) for i in f.ips)),
    ("C2 domain", f"[domain-name:value = '{C2_DOMAIN}']", lambda f: C2_DOMAIN in f.domains),
    ("Fake update domain", f"[domain-name:value = '{UPDATE_DOMAIN}']", lambda f: UPDATE_DOMAIN in f.domains),
    ("Phishing kit subdomains", f"[domain-name:value LIKE '%{PHISH_SUFFIX}']",
     lambda f: any(d.endswith(PHISH_SUFFIX) for d in f.domains)),
    ("Stage 2 payload URL", f"[url:value = 'http://{PAYLOAD_URL_HOST}{PAYLOAD_URL_PATH}']",
     lambda f: f"http://{PAYLOAD_URL_HOST}{PAYLOAD_URL_PATH}" in f.urls),
    ("WordPress login brute force", "[url:value LIKE '%/wp-login.php']",
     lambda f: any(u.endswith("/wp-login.php") for u in f.urls)),
    ("Dropper SHA-256", f"[file:hashes.'SHA-256' = '{SHA256_BAD}']",
     lambda f: any(x["sha256"] == SHA256_BAD for x in f.files)),
    ("Dropper MD5", f"[file:hashes.MD5 = '{MD5_BAD}']", lambda f: any(x["md5"] == MD5_BAD for x in f.files)),
    ("Dropper file name", f"[file:name = '{BAD_FILE['name']}']",
     lambda f: any(x["name"] == BAD_FILE["name"] for x in f.files)),
    ("Metasploit default port", "[network-traffic:dst_port = 4444]", lambda f: any(p == 4444 for _, p in f.flows)),
    ("DGA family", "[domain-name:value MATCHES '^[a-z0-9]{16}\\\\.top$']",
     lambda f: any(re.search(r"^[a-z0-9]{16}\.top$", d) for d in f.domains)),
    ("C2 certificate", f"[x509-certificate:hashes.'SHA-1' = '{BAD_CERT_SHA1.replace(':', '')}']",
     lambda f: BAD_CERT_SHA1.replace(":", "") in f.certs),
    ("C2 by address or name",
     f"[ipv4-addr:value = '{C2_IP}' OR domain-name:value = '{C2_DOMAIN}']",
     lambda f: C2_IP in f.ips or C2_DOMAIN in f.domains),
    ("Second stage on its port",
     f"[network-traffic:dst_ref.value = '{PAIR_IP}' AND network-traffic:dst_port = {PAIR_PORT}]",
     lambda f: (PAIR_IP, PAIR_PORT) in f.flows),
    ("Phishing domains by name", "[domain-name:value IN ('login.phish-login.example', 'secure.phish-login.example')]",
     lambda f: bool({"login.phish-login.example", "secure.phish-login.example"} & f.domains)),
    ("Sinkholed, not seen", "[ipv4-addr:value = '192.0.2.250']", lambda f: "192.0.2.250" in f.ips),
]


def write_indicators(all_facts):
    objects, expected = [], {}
    for number, (name, pattern, truth) in enumerate(INDICATORS):
        identifier = f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        objects.append({"type": "indicator", "spec_version": "2.1", "id": identifier,
                        "created": "2026-03-01T08:00:00.000Z", "modified": "2026-03-01T08:00:00.000Z",
                        "name": name, "indicator_types": ["malicious-activity"], "pattern": pattern,
                        "pattern_type": "stix", "valid_from": "2026-03-01T08:00:00Z"})
        expected[identifier] = sum(1 for f in all_facts if truth(f))
    bundle = {"type": "bundle", "id": f"bundle--{uuid.UUID(int=rng.getrandbits(128), version=4)}", "objects": objects}
    (HERE / "indicators.json").write_text(json.dumps(bundle, indent=2) + "\n")
    (HERE / "expected-hits.json").write_text(json.dumps(expected, indent=2) + "\n")


if __name__ == "__main__":
    (HERE / "zeek").mkdir(exist_ok=True)
    write_indicators(write_eve() + write_zeek())
