//! The macro benchmark of bulk matching: a million generated indicators in one
//! `IndicatorIndex`, and generated Suricata EVE lines fed through `read_events` and
//! `IndicatorIndex::candidates_in` on one thread. It reports the build (parse and
//! insert), the index's memory (resident set before and after, and the index's own
//! estimate), and events per second four ways: reading EVE alone, reading and matching
//! the compact form, reading and matching through each line's JSON observation (the
//! same hits, asserted), and matching JSON observations already read. Everything is generated from a fixed seed.
//!
//! `cargo run --release -p dijkwacht-sensor --example bulk_bench -- [indicators] [events] [runs]`

use std::time::{Duration, Instant};

use dijkwacht_pattern::bulk::{Hit, IndicatorIndex, IndicatorKey, Validity};
use dijkwacht_pattern::{Observation, parse};
use dijkwacht_sensor::{EventFormat, read_events};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// splitmix64: small, fast and the same everywhere.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
    fn chance(&mut self, per_million: u64) -> bool {
        self.below(1_000_000) < per_million
    }
    fn hex(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
    fn label(&mut self, length: usize) -> String {
        (0..length)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz"[self.below(26) as usize]))
            .collect()
    }
    /// A public-looking IPv4 address outside 10/8, 127/8 and multicast.
    fn public_ipv4(&mut self) -> String {
        let first = 11 + self.below(212);
        format!(
            "{first}.{}.{}.{}",
            self.below(256),
            self.below(256),
            1 + self.below(254)
        )
    }
    fn ipv6(&mut self) -> String {
        format!(
            "2a0{}:{:x}:{:x}:{:x}::{:x}",
            self.below(10),
            self.below(65536),
            self.below(65536),
            self.below(65536),
            1 + self.below(65535)
        )
    }
    fn domain(&mut self) -> String {
        const TLDS: &[&str] = &[
            "com", "net", "org", "info", "ru", "top", "xyz", "biz", "io", "cn",
        ];
        let tld = TLDS[self.below(TLDS.len() as u64) as usize];
        let length = 5 + self.below(10) as usize;
        if self.chance(300_000) {
            let sub_length = 3 + self.below(6) as usize;
            let sub = self.label(sub_length);
            format!("{sub}.{}.{tld}", self.label(length))
        } else {
            format!("{}.{tld}", self.label(length))
        }
    }
}

/// Values the indicators name, kept to plant hits in events.
#[derive(Default)]
struct Planted {
    ipv4: Vec<String>,
    ipv6: Vec<String>,
    domains: Vec<String>,
    urls: Vec<(String, String)>,
    sha256: Vec<String>,
}

/// One generated pattern; values worth planting are kept (one in 50).
fn indicator(random: &mut Random, planted: &mut Planted) -> String {
    let keep = random.chance(20_000);
    let roll = random.below(1000);
    match roll {
        0..300 => {
            let ip = random.public_ipv4();
            if keep {
                planted.ipv4.push(ip.clone())
            }
            format!("[ipv4-addr:value = '{ip}']")
        }
        300..400 => {
            let ip = random.ipv6();
            if keep {
                planted.ipv6.push(ip.clone())
            }
            format!("[ipv6-addr:value = '{ip}']")
        }
        400..500 => {
            if random.chance(50_000) {
                format!(
                    "[ipv6-addr:value ISSUBSET '2a0{}:{:x}::/32']",
                    random.below(10),
                    random.below(65536)
                )
            } else {
                let length = match random.below(1000) {
                    0..2 => 10 + random.below(6),
                    2..100 => 16 + random.below(8),
                    100..800 => 24,
                    _ => 25 + random.below(6),
                };
                let ip = random.public_ipv4();
                format!("[ipv4-addr:value ISSUBSET '{ip}/{length}']")
            }
        }
        500..730 => {
            let domain = random.domain();
            if keep {
                planted.domains.push(domain.clone())
            }
            format!("[domain-name:value = '{domain}']")
        }
        730..830 => {
            let host = random.domain();
            let path = format!("/{}/{}.php", random.label(6), random.label(8));
            let pattern = format!("[url:value = 'http://{host}{path}']");
            if keep {
                planted.urls.push((host, path))
            }
            pattern
        }
        830..930 => match random.below(3) {
            0 => format!("[file:hashes.MD5 = '{}']", random.hex(32)),
            1 => format!("[file:hashes.'SHA-1' = '{}']", random.hex(40)),
            _ => {
                let hash = random.hex(64);
                if keep {
                    planted.sha256.push(hash.clone())
                }
                format!("[file:hashes.'SHA-256' = '{hash}']")
            }
        },
        930..960 => match random.below(3) {
            0 => format!(
                "[ipv4-addr:value = '{}' AND network-traffic:dst_port = 443]",
                random.public_ipv4()
            ),
            1 => format!(
                "[domain-name:value = '{}' OR url:value = 'http://{}/']",
                random.domain(),
                random.domain()
            ),
            _ => format!(
                "[domain-name:value = '{}'] FOLLOWEDBY [ipv4-addr:value = '{}'] WITHIN 300 SECONDS",
                random.domain(),
                random.public_ipv4()
            ),
        },
        960..995 => format!("[domain-name:value LIKE '%.{}']", random.domain()),
        _ if std::env::var_os("BULK_BENCH_NO_REGEX").is_some() => {
            format!("[domain-name:value = '{}']", random.domain())
        }
        _ => {
            if random.chance(100_000) {
                format!(
                    "[domain-name:value MATCHES '^[a-z]{{{}}}\\\\.{}$']",
                    20 + random.below(12),
                    random.label(3)
                )
            } else {
                format!("[url:value LIKE '%/{}/%.php']", random.label(7))
            }
        }
    }
}

fn eve_line(
    random: &mut Random,
    planted: &Planted,
    benign_ipv4: &[String],
    hit: bool,
    second: u64,
) -> String {
    let pick = |random: &mut Random, values: &Vec<String>, fallback: String| {
        if hit && !values.is_empty() {
            values[random.below(values.len() as u64) as usize].clone()
        } else {
            fallback
        }
    };
    let src = format!(
        "10.{}.{}.{}",
        random.below(256),
        random.below(256),
        1 + random.below(254)
    );
    let timestamp = format!(
        "2026-03-02T{:02}:{:02}:{:02}.{:06}+0000",
        second / 3600 % 24,
        second / 60 % 60,
        second % 60,
        random.below(1_000_000)
    );
    let flow_id = random.next() >> 12;
    let sport = 32768 + random.below(32768);
    let kind = random.below(100);
    let benign_ip = benign_ipv4[random.below(benign_ipv4.len() as u64) as usize].clone();
    let dest = if kind < 10 {
        {
            let fallback = random_ipv6_benign(random);
            pick(random, &planted.ipv6, fallback)
        }
    } else {
        {
            let fallback = benign_ip;
            pick(random, &planted.ipv4, fallback)
        }
    };
    let head = format!(r#"{{"timestamp":"{timestamp}","flow_id":{flow_id},"in_iface":"eth0","#);
    match kind {
        0..35 => format!(
            r#"{head}"event_type":"flow","src_ip":"{src}","src_port":{sport},"dest_ip":"{dest}","dest_port":443,"proto":"TCP","app_proto":"tls","flow":{{"pkts_toserver":12,"pkts_toclient":10,"bytes_toserver":1830,"bytes_toclient":6840,"start":"{timestamp}","end":"{timestamp}","age":0,"state":"closed","reason":"timeout","alerted":false}},"tcp":{{"tcp_flags":"1b","tcp_flags_ts":"1b","tcp_flags_tc":"1b","syn":true,"fin":true,"psh":true,"ack":true,"state":"closed"}}}}"#
        ),
        35..60 => {
            let name = {
                let fallback = format!("{}.example.nl", random.label(10));
                pick(random, &planted.domains, fallback)
            };
            format!(
                r#"{head}"event_type":"dns","src_ip":"{src}","src_port":{sport},"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{{"version":2,"type":"answer","id":{},"flags":"8180","qr":true,"rd":true,"ra":true,"opcode":0,"rrname":"{name}","rrtype":"A","rcode":"NOERROR","answers":[{{"rrname":"{name}","rrtype":"A","ttl":300,"rdata":"{dest}"}}],"grouped":{{"A":["{dest}"]}}}}}}"#,
                random.below(65536)
            )
        }
        60..75 => {
            let (host, path) = if hit && !planted.urls.is_empty() {
                planted.urls[random.below(planted.urls.len() as u64) as usize].clone()
            } else {
                (
                    format!("www.{}.example.de", random.label(8)),
                    format!("/{}/index.html", random.label(5)),
                )
            };
            format!(
                r#"{head}"event_type":"http","src_ip":"{src}","src_port":{sport},"dest_ip":"{dest}","dest_port":80,"proto":"TCP","tx_id":0,"http":{{"hostname":"{host}","url":"{path}","http_user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/122.0","http_content_type":"text/html","http_method":"GET","protocol":"HTTP/1.1","status":200,"length":{}}}}}"#,
                random.below(90_000)
            )
        }
        75..92 => {
            let sni = {
                let fallback = format!("cdn{}.{}.example.fr", random.below(99), random.label(7));
                pick(random, &planted.domains, fallback)
            };
            format!(
                r#"{head}"event_type":"tls","src_ip":"{src}","src_port":{sport},"dest_ip":"{dest}","dest_port":443,"proto":"TCP","tls":{{"subject":"CN={sni}","issuerdn":"C=US, O=Let's Encrypt, CN=R11","serial":"04:A1:9C:3B","fingerprint":"{}","sni":"{sni}","version":"TLS 1.3","notbefore":"2026-01-10T00:00:00","notafter":"2026-04-10T00:00:00","ja3":{{"hash":"{}","string":"771,4865-4866-4867,0-23-65281-10-11,29-23-24,0"}}}}}}"#,
                colon_hex(random, 20),
                random.hex(32)
            )
        }
        92..98 => {
            let sha256 = {
                let fallback = random.hex(64);
                pick(random, &planted.sha256, fallback)
            };
            format!(
                r#"{head}"event_type":"fileinfo","src_ip":"{dest}","src_port":80,"dest_ip":"{src}","dest_port":{sport},"proto":"TCP","http":{{"hostname":"files.{}.example.be","url":"/download/setup.exe","http_method":"GET","status":200}},"app_proto":"http","fileinfo":{{"filename":"/download/setup.exe","sid":[],"gaps":false,"state":"CLOSED","md5":"{}","sha1":"{}","sha256":"{sha256}","stored":false,"size":{},"tx_id":0}}}}"#,
                random.label(6),
                random.hex(32),
                random.hex(40),
                random.below(5_000_000)
            )
        }
        _ => format!(
            r#"{head}"event_type":"alert","src_ip":"{src}","src_port":{sport},"dest_ip":"{dest}","dest_port":80,"proto":"TCP","alert":{{"action":"allowed","gid":1,"signature_id":2013028,"rev":7,"signature":"ET POLICY curl User-Agent Outbound","category":"Attempted Information Leak","severity":2}},"http":{{"hostname":"api.{}.example.at","url":"/v1/ping","http_user_agent":"curl/8.5.0","http_method":"GET","status":200}}}}"#,
            random.label(6)
        ),
    }
}

/// Public addresses that no indicator names or covers, for the traffic that hits nothing.
fn benign_ipv4_pool(index: &IndicatorIndex, random: &mut Random, size: usize) -> Vec<String> {
    let mut pool = Vec::with_capacity(size);
    let mut hits = Vec::new();
    while pool.len() < size {
        let address = random.public_ipv4();
        let mut object = serde_json::Map::new();
        object.insert("type".to_owned(), "ipv4-addr".into());
        object.insert("value".to_owned(), address.as_str().into());
        let observation = Observation {
            id: None,
            first_observed: 0,
            last_observed: 0,
            number_observed: 1,
            objects: [("0".to_owned(), object)].into_iter().collect(),
        };
        hits.clear();
        index.candidates(&observation, &mut hits);
        if hits.is_empty() {
            pool.push(address);
        }
    }
    pool
}

fn random_ipv6_benign(random: &mut Random) -> String {
    format!(
        "2001:db8:{:x}::{:x}",
        random.below(65536),
        1 + random.below(65535)
    )
}

fn colon_hex(random: &mut Random, bytes: usize) -> String {
    (0..bytes)
        .map(|_| random.hex(2))
        .collect::<Vec<_>>()
        .join(":")
}

fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| {
                    line.split_whitespace()
                        .nth(1)
                        .and_then(|kib| kib.parse().ok())
                })
        })
        .unwrap_or(0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn rate(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

fn main() {
    let mut arguments = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let indicator_count = arguments.next().flatten().unwrap_or(1_000_000);
    let event_count = arguments.next().flatten().unwrap_or(1_000_000);
    let runs = arguments.next().flatten().unwrap_or(5).max(1);
    let mut random = Random(0xD1CE_5EED);

    // Indicators: generate, parse, insert; each parsed pattern is dropped at once.
    let rss_start = memory_kib("VmRSS:");
    let mut planted = Planted::default();
    let texts: Vec<String> = (0..indicator_count)
        .map(|_| indicator(&mut random, &mut planted))
        .collect();
    let rss_texts = memory_kib("VmRSS:");
    let mut index = IndicatorIndex::new();
    let validity = Validity {
        valid_from: 0,
        valid_until: Some(1_900_000_000_000_000),
    };
    let mut parse_time = Duration::ZERO;
    let build_start = Instant::now();
    for (number, text) in texts.iter().enumerate() {
        let parse_start = Instant::now();
        let Ok(pattern) = parse(text) else {
            eprintln!("generated pattern does not parse: {text}");
            return;
        };
        parse_time += parse_start.elapsed();
        let key = IndicatorKey::from(format!(
            "indicator--{:08x}-0000-4000-8000-{:012x}",
            number, number
        ));
        if let Err(error) = index.insert(key, &pattern, validity) {
            eprintln!("{error}");
            return;
        }
    }
    index.prepare();
    let build_time = build_start.elapsed();
    drop(texts);
    let rss_built = memory_kib("VmRSS:");
    let stats = index.stats();
    println!(
        "indicators: {indicator_count}; build {:.2} s (parse {:.2} s, insert {:.2} s)",
        build_time.as_secs_f64(),
        parse_time.as_secs_f64(),
        (build_time - parse_time).as_secs_f64()
    );
    println!(
        "index: heap estimate {} MiB; RSS {} MiB at start, {} MiB with pattern texts, {} MiB after build (texts freed); peak {} MiB",
        stats.heap_bytes >> 20,
        rss_start >> 10,
        rss_texts >> 10,
        rss_built >> 10,
        memory_kib("VmHWM:") >> 10
    );
    println!("stats: {stats:?}");

    let benign_ipv4 = benign_ipv4_pool(&index, &mut random, 50_000);
    // Events: one in 200 planted with an indicator's value (0.5 %), the rest benign.
    let mut log = String::with_capacity(event_count * 520);
    for number in 0..event_count {
        let hit = random.chance(5_000);
        log.push_str(&eve_line(
            &mut random,
            &planted,
            &benign_ipv4,
            hit,
            number as u64 / 2000,
        ));
        log.push('\n');
    }
    println!(
        "events: {event_count} EVE lines, {} MiB, {:.0} bytes a line",
        log.len() >> 20,
        log.len() as f64 / event_count as f64
    );

    let mut read_rates = Vec::new();
    let mut read_match_rates = Vec::new();
    let mut read_json_match_rates = Vec::new();
    let mut hits_seen = (0usize, 0usize, 0usize);
    for _ in 0..runs {
        let start = Instant::now();
        let mut events = 0usize;
        let report = read_events(log.as_bytes(), EventFormat::SuricataEve, |_| events += 1);
        read_rates.push(rate(events, start.elapsed()));
        if let Ok(report) = report {
            assert_eq!(report.problem_count(), 0)
        }

        let start = Instant::now();
        let mut hits: Vec<Hit> = Vec::new();
        let (mut events, mut events_hit, mut exact) = (0usize, 0usize, 0usize);
        let _ = read_events(log.as_bytes(), EventFormat::SuricataEve, |event| {
            hits.clear();
            index.candidates_in(&event, &mut hits);
            events += 1;
            events_hit += usize::from(!hits.is_empty());
            exact += hits.iter().filter(|hit| hit.exact).count();
        });
        read_match_rates.push(rate(events, start.elapsed()));
        hits_seen = (events, events_hit, exact);

        // The same through the JSON observation of every line (the path before the
        // compact form), which must find the same.
        let start = Instant::now();
        let (mut events, mut events_hit, mut exact) = (0usize, 0usize, 0usize);
        let _ = read_events(log.as_bytes(), EventFormat::SuricataEve, |event| {
            hits.clear();
            index.candidates(event.observation(), &mut hits);
            events += 1;
            events_hit += usize::from(!hits.is_empty());
            exact += hits.iter().filter(|hit| hit.exact).count();
        });
        read_json_match_rates.push(rate(events, start.elapsed()));
        assert_eq!(hits_seen, (events, events_hit, exact));
    }

    // Matching alone, over observations read beforehand (a slice of the log, repeated).
    let mut observations: Vec<Observation> = Vec::new();
    let sample_lines = event_count.min(100_000);
    let slice_end = log
        .match_indices('\n')
        .nth(sample_lines.saturating_sub(1))
        .map_or(log.len(), |(i, _)| i + 1);
    let _ = read_events(
        &log.as_bytes()[..slice_end],
        EventFormat::SuricataEve,
        |event| observations.push(event.into_observation()),
    );
    let mut match_rates = Vec::new();
    for _ in 0..runs {
        let mut hits = Vec::new();
        let mut matched = 0usize;
        let start = Instant::now();
        while matched < event_count {
            for observation in &observations {
                hits.clear();
                index.candidates(observation, &mut hits);
            }
            matched += observations.len();
        }
        match_rates.push(rate(matched, start.elapsed()));
    }
    let (events, events_hit, exact) = hits_seen;
    println!(
        "hits: {events_hit} of {events} events ({:.2} %), {exact} exact hits",
        100.0 * events_hit as f64 / events as f64
    );
    println!(
        "read EVE only:          {:>10.0} events/s (median of {runs})",
        median(read_rates)
    );
    println!(
        "read EVE + match:       {:>10.0} events/s (median of {runs})",
        median(read_match_rates)
    );
    println!(
        "read EVE + JSON + match:{:>10.0} events/s (median of {runs})",
        median(read_json_match_rates)
    );
    println!(
        "match only (pre-read):  {:>10.0} events/s (median of {runs})",
        median(match_rates)
    );
    println!("peak RSS: {} MiB", memory_kib("VmHWM:") >> 10);
}
