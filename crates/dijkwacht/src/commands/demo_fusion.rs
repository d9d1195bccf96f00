//! The demo's fusion center: sample feeds written for the demo (a MISP feed, a CSV
//! blocklist, a KEV catalogue, a plain list of addresses; `demo/feeds/`) are published
//! on 127.0.0.1 and pulled through the whole pipeline — fetch, map, personal data out,
//! warning lists, dedup within and across sources, route to the plenum — as the fusion
//! center organisation, which then prints what fusion made of them: indicators held
//! once for several sources, their scores now, objects linked by an observable. With `--samples`, the
//! real public feeds under that folder (a CIRCL OSINT MISP feed, CISA's KEV catalogue,
//! MITRE ATT&CK and the OASIS examples) are run as sources too, read from disk.

use std::collections::BTreeMap;
use std::path::Path;

use dijkwacht_fusion::config::{FusionConfig, Reliability, SourceConfig, SourceKind};
use dijkwacht_fusion::scoring::ScoringModel;
use dijkwacht_server::fusion_view::fusion_facts;
use dijkwacht_server::source_feedback::FeedbackBySource;
use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_store::{ObjectQuery, Store, VersionSelection};
use dijkwacht_store_sqlite::SqliteStore;

use crate::fusion::fetch::FetchLimits;
use crate::fusion::{feed_host, run_source, save_config};

/// The organisation the demo's fusion center stores as.
const FUSION_ORGANISATION: &str = "fusion-center";

/// The community its output goes to: every member, through the plenum.
const ROUTE: &str = "plenum";

const FEEDS: [(&str, &[u8]); 8] = [
    (
        "misp/manifest.json",
        include_bytes!("../../demo/feeds/misp/manifest.json"),
    ),
    (
        "misp/7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f.json",
        include_bytes!("../../demo/feeds/misp/7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f.json"),
    ),
    (
        "misp/8d2f3e4a-5b6c-4d7e-9f8a-0b1c2d3e4f5a.json",
        include_bytes!("../../demo/feeds/misp/8d2f3e4a-5b6c-4d7e-9f8a-0b1c2d3e4f5a.json"),
    ),
    (
        "blocklist.csv",
        include_bytes!("../../demo/feeds/blocklist.csv"),
    ),
    ("kev.json", include_bytes!("../../demo/feeds/kev.json")),
    (
        "c2-addresses.txt",
        include_bytes!("../../demo/feeds/c2-addresses.txt"),
    ),
    (
        "csaf/index.txt",
        include_bytes!("../../demo/feeds/csaf/index.txt"),
    ),
    (
        "csaf/dwa-2026-0007.json",
        include_bytes!("../../demo/feeds/csaf/dwa-2026-0007.json"),
    ),
];

fn source(name: &str, kind: SourceKind, reliability: Reliability, tlp: &str) -> SourceConfig {
    SourceConfig {
        name: name.to_owned(),
        kind,
        url: None,
        path: None,
        every: None,
        reliability,
        communities: vec![ROUTE.to_owned()],
        tlp: Some(tlp.to_owned()),
        auth: None,
        list: BTreeMap::new(),
        enabled: true,
        routes: Vec::new(),
    }
}

/// The demo's own feeds, at `base`.
fn demo_sources(base: &str) -> Vec<SourceConfig> {
    let mut misp = source("demo-osint", SourceKind::MispFeed, Reliability::B, "green");
    misp.url = Some(format!("{base}misp/"));
    let mut blocklist = source("demo-blocklist", SourceKind::Csv, Reliability::C, "green");
    blocklist.url = Some(format!("{base}blocklist.csv"));
    for (key, value) in [
        ("has_header", toml::Value::Boolean(true)),
        ("value_column", toml::Value::String("dst_ip".to_owned())),
        (
            "first_seen_column",
            toml::Value::String("first_seen_utc".to_owned()),
        ),
        (
            "description_column",
            toml::Value::String("malware".to_owned()),
        ),
        ("valid_days", toml::Value::Integer(30)),
    ] {
        blocklist.list.insert(key.to_owned(), value);
    }
    let mut kev = source("demo-kev", SourceKind::Kev, Reliability::A, "clear");
    kev.url = Some(format!("{base}kev.json"));
    let mut c2 = source("demo-c2-list", SourceKind::List, Reliability::D, "green");
    c2.url = Some(format!("{base}c2-addresses.txt"));
    c2.list
        .insert("valid_days".to_owned(), toml::Value::Integer(30));
    let mut csaf = source("demo-csaf", SourceKind::Csaf, Reliability::A, "clear");
    csaf.url = Some(format!("{base}csaf/"));
    vec![misp, blocklist, kev, c2, csaf]
}

/// The real public feeds found under `samples` (such as ../shared/data), read from disk.
fn sample_sources(samples: &Path) -> Vec<SourceConfig> {
    let known = [
        (
            "circl-osint",
            SourceKind::MispFeed,
            Reliability::B,
            "misp/feed-circl-osint-sample",
        ),
        (
            "cisa-kev",
            SourceKind::Kev,
            Reliability::A,
            "cisa-kev/known_exploited_vulnerabilities.json",
        ),
        (
            "mitre-ics",
            SourceKind::Stix,
            Reliability::A,
            "stix21/mitre-attack/ics-attack-18.1.json",
        ),
        (
            "mitre-mobile",
            SourceKind::Stix,
            Reliability::A,
            "stix21/mitre-attack/mobile-attack-17.1.json",
        ),
        (
            "oasis-examples",
            SourceKind::Stix,
            Reliability::B,
            "stix21/cti-documentation",
        ),
        (
            "oasis-schema-examples",
            SourceKind::Stix,
            Reliability::B,
            "stix21/cti-stix2-json-schemas/examples",
        ),
        ("tlp-markings", SourceKind::Stix, Reliability::A, "tlp"),
        (
            "cisa-csaf",
            SourceKind::Csaf,
            Reliability::A,
            "csaf/cisa-csaf",
        ),
    ];
    known
        .into_iter()
        .filter(|(_, _, _, part)| samples.join(part).exists())
        .map(|(name, kind, reliability, part)| {
            let mut config = source(name, kind, reliability, "clear");
            config.path = Some(samples.join(part).display().to_string());
            config
        })
        .collect()
}

/// Publishes the sample feeds, writes the demo's `dijkwacht.toml` and runs every
/// source once, printing what each did.
pub async fn run(
    data_root: &Path,
    store: &SqliteStore,
    samples: Option<&Path>,
) -> anyhow::Result<()> {
    let files = FEEDS
        .iter()
        .map(|(path, bytes)| ((*path).to_owned(), *bytes))
        .collect();
    let address = feed_host::publish(files).await?;
    let mut sources = demo_sources(&format!("http://{address}/"));
    if let Some(samples) = samples {
        sources.extend(sample_sources(samples));
    }
    let mut config = FusionConfig {
        organisation: Some(FUSION_ORGANISATION.to_owned()),
        sources,
        ..FusionConfig::default()
    };
    // MISP's own warning lists (public resolvers, top domains, cloud ranges) beside
    // the built-in ones, when the samples carry them.
    if let Some(lists) = samples
        .map(|samples| samples.join("misp/warninglists"))
        .filter(|lists| lists.is_dir())
    {
        config
            .warning_lists
            .folders
            .push(lists.display().to_string());
    }
    save_config(data_root, &config)?;
    println!(
        "  fusion center: {} source(s), sample feeds published on 127.0.0.1:{}",
        config.sources.len(),
        address.port()
    );
    for source in &config.sources {
        let report = run_source(
            data_root,
            store,
            &config,
            source,
            FetchLimits::default(),
            None,
        )
        .await?;
        println!(
            "    {:<22} {:<9} reliability {}: {} object(s), {} new, {} merged, {} held already from another source, {} dropped by warning list, {} personal data removed, {} problem(s){}",
            source.name,
            source.kind,
            source.reliability.letter(),
            report.objects,
            report.new_objects,
            report.merged,
            report.corroborated,
            report.dropped_by_warning_list,
            report.personal_data_removed,
            report.problem_count,
            report
                .error
                .as_deref()
                .map(|error| format!("; stopped: {error}"))
                .unwrap_or_default()
        );
    }
    println!(
        "    (dijkwacht --data {} source status)",
        data_root.display()
    );
    print_fused(store, &config.scoring_model()?).await
}

/// What fusion made of the feeds: indicators held once for several sources, objects
/// linked by a shared observable, and how many indicators blocklists carry now.
async fn print_fused(store: &SqliteStore, model: &ScoringModel) -> anyhow::Result<()> {
    let mut query = ObjectQuery {
        types: vec!["indicator".to_owned(), "vulnerability".to_owned()],
        versions: VersionSelection::Last,
        limit: 1_000,
        ..ObjectQuery::default()
    };
    let now = Timestamp::now();
    let feedback = FeedbackBySource::read(store, model).await?;
    let mut rows = Vec::new();
    let (mut scored, mut actionable, mut correlated) = (0usize, 0usize, 0usize);
    loop {
        let page = store.query(query.clone()).await?;
        let facts = fusion_facts(store, model, &feedback, &page.objects, None, now).await?;
        for stored in &page.objects {
            let Some(facts) = facts.get(&stored.id) else {
                continue;
            };
            let provenance = &facts.provenance;
            if !provenance.related.is_empty() {
                correlated += 1;
            }
            if let Some(score) = &facts.score {
                scored += 1;
                if score.is_actionable() {
                    actionable += 1;
                }
            }
            if provenance.corroborating_sources.len() > 1 {
                rows.push((stored.clone(), facts.clone()));
            }
        }
        match (page.more, page.objects.last()) {
            (true, Some(last)) => query.added_after = Some(last.date_added),
            _ => break,
        }
    }
    println!(
        "  fused: {scored} scored indicator(s), {actionable} on blocklists now (the rest decayed or expired); {correlated} object(s) linked to others by a shared observable"
    );
    rows.sort_by_key(|(_, facts)| {
        std::cmp::Reverse((
            facts.provenance.corroborating_sources.len(),
            facts.score.map_or(0, |score| score.after_decay),
        ))
    });
    for (stored, facts) in rows.iter().take(6) {
        let provenance = &facts.provenance;
        let object: serde_json::Value = serde_json::from_str(&stored.json)?;
        let what = object
            .get("pattern")
            .or_else(|| object.get("name"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or(&stored.id);
        let score = facts.score.map_or_else(
            || "not scored".to_owned(),
            |score| {
                format!(
                    "score {} of {} ({})",
                    score.after_decay,
                    score.base,
                    if score.is_actionable() {
                        "on blocklists"
                    } else {
                        "decayed"
                    }
                )
            },
        );
        println!(
            "    {what}\n      stated by {} source(s), corroborated by {}, best reliability {}, {}, {} related; {}",
            provenance.statements.len(),
            provenance.corroborating_sources.len(),
            provenance.best_reliability().unwrap_or('F'),
            score,
            provenance.related.len(),
            stored.tlp.map_or("TLP unset", |tlp| tlp.label()),
        );
    }
    Ok(())
}
