//! The demo's alerts: each demo organisation gets an asset profile written for the demo
//! (`demo/profiles/`: products it runs, its ranges and domains), the matcher runs over
//! everything the fusion center stored, and the demo prints, per organisation, the
//! alerts it got and the steps of its most urgent one — what a member without IT staff
//! would read. The profiles name products of the shipped sample feeds (the demo KEV
//! catalogue and CSAF advisory, the demo indicators' addresses) and, for
//! `--samples`, of CISA's real KEV catalogue and CSAF advisories.

use dijkwacht_store::alerts::{AlertQuery, AlertRecord, Alerts, ProfileEntry};
use dijkwacht_store_sqlite::SqliteStore;

use crate::alerts::matcher;
use crate::commands::alerts::now_micros;
use crate::commands::assets::profile_from_csv;

/// Each demo organisation's profile.
const PROFILES: [(&str, &str); 9] = [
    (
        "waterschap-zeeduin",
        include_str!("../../demo/profiles/waterschap-zeeduin.csv"),
    ),
    (
        "rijnmond-warmtenet",
        include_str!("../../demo/profiles/rijnmond-warmtenet.csv"),
    ),
    ("kadewerk", include_str!("../../demo/profiles/kadewerk.csv")),
    (
        "botlek-polymeren",
        include_str!("../../demo/profiles/botlek-polymeren.csv"),
    ),
    (
        "van-der-graaf",
        include_str!("../../demo/profiles/van-der-graaf.csv"),
    ),
    (
        "duinrand-diagnostics",
        include_str!("../../demo/profiles/duinrand-diagnostics.csv"),
    ),
    (
        "kempen-optiek",
        include_str!("../../demo/profiles/kempen-optiek.csv"),
    ),
    (
        "polderzuivel",
        include_str!("../../demo/profiles/polderzuivel.csv"),
    ),
    (
        "westland-kiemkracht",
        include_str!("../../demo/profiles/westland-kiemkracht.csv"),
    ),
];

/// Stores the profiles, matches, and prints what each organisation was told.
pub async fn run(store: &SqliteStore) -> anyhow::Result<()> {
    let now = now_micros();
    let mut entries = 0;
    for (organisation, csv) in PROFILES {
        let profile = profile_from_csv(csv.as_bytes())?.map_err(|problems| {
            anyhow::anyhow!(
                "the demo profile of {organisation}: {}",
                problems.join("; ")
            )
        })?;
        entries += profile.entries.len();
        let records = profile
            .entries
            .iter()
            .map(|entry| ProfileEntry::new(entry.kind.as_str(), entry.value.clone()))
            .collect();
        store.add_assets(organisation, records, now).await?;
    }
    let report = matcher::run(store, now).await?;
    println!(
        "  alerts:        {} organisation profile(s) with {entries} entries matched against {} object(s): {} alert(s)",
        PROFILES.len(),
        report.objects_read,
        report.new_alerts
    );
    for (organisation, _) in PROFILES {
        let page = store
            .alerts(AlertQuery {
                organisation: Some(organisation.to_owned()),
                limit: 500,
                ..AlertQuery::default()
            })
            .await?;
        let mut alerts = page.alerts;
        if alerts.is_empty() {
            println!("    {organisation:<21} no alerts");
            continue;
        }
        alerts.sort_by_key(|alert| std::cmp::Reverse((alert.severity, alert.created_at)));
        let counts = severity_counts(&alerts);
        println!("    {organisation:<21} {} alert(s): {counts}", alerts.len());
        if let Some(most_urgent) = alerts.first() {
            print_alert(most_urgent);
        }
    }
    println!(
        "    (dijkwacht alerts list --org ORG, alerts show ID --language nl|en, GET /api/v1/alerts)"
    );
    Ok(())
}

fn severity_counts(alerts: &[AlertRecord]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for alert in alerts {
        let name = alert.severity.as_str().to_owned();
        match counts.iter_mut().find(|(known, _)| *known == name) {
            Some((_, count)) => *count += 1,
            None => counts.push((name, 1)),
        }
    }
    counts
        .iter()
        .map(|(name, count)| format!("{count} {name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The alert's Dutch title, why, and its first steps.
fn print_alert(alert: &AlertRecord) {
    let text = |path: &[&str]| crate::alerts::body_text(&alert.body, path).to_owned();
    println!(
        "      [{}] {}",
        alert.severity.as_str(),
        text(&["title", "nl"])
    );
    println!("        {}", text(&["severity_reason", "nl"]));
    let steps = alert.body["steps"].as_array().cloned().unwrap_or_default();
    for (number, step) in steps.iter().take(3).enumerate() {
        let words = step["nl"].as_str().unwrap_or_default();
        println!("        {}. {}", number + 1, shortened(words, 150));
    }
    if steps.len() > 3 {
        println!(
            "        … {} more step(s) (alerts show {})",
            steps.len() - 3,
            alert.id
        );
    }
}

fn shortened(text: &str, at_most: usize) -> String {
    if text.chars().count() <= at_most {
        return text.to_owned();
    }
    let cut: String = text.chars().take(at_most).collect();
    format!("{cut}…")
}
