//! Matching in the running platform: whenever intelligence arrives or a profile
//! changes, what is new is matched against the profiles and kept as alerts.
//!
//! The matcher keeps two cursors in the store: `intelligence`, the `date_added` of the
//! last object it read, and `profiles`, the last profile revision it matched. A run
//! first matches the profiles that changed against everything stored, then everything
//! stored since the cursor against every profile (a new sighting brings back what it
//! sighted: a sighting nearby raises an alert already made). Each page's alerts are
//! recorded with the cursor in one transaction, so a crash repeats a page at most — and an alert's
//! key makes a repeat change nothing. Every path that stores intelligence (imports,
//! sources, TAXII and REST through `serve`) ends in a run, and `serve` runs one every
//! few seconds besides.

mod assess;
mod profiles;
mod record;

use std::collections::{BTreeMap, BTreeSet};

use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::alerts::{Alerts, MatcherCursor, RecordOutcome};
use dijkwacht_store::{ObjectQuery, Store, StoreError};
use dijkwacht_store_sqlite::SqliteStore;

pub use assess::INTELLIGENCE_TYPES;
use assess::{Assessment, Finding};
pub use profiles::Profiles;
use record::Audience;

/// The cursor over stored intelligence.
const INTELLIGENCE_CURSOR: &str = "intelligence";
/// The cursor over profile revisions.
const PROFILES_CURSOR: &str = "profiles";
/// Objects read per page.
const PAGE: usize = 500;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchReport {
    pub objects_read: usize,
    pub profiles_rematched: usize,
    pub new_alerts: usize,
    pub raised_alerts: usize,
    pub unchanged_alerts: usize,
    /// Matches left out because the organisation may not read the intelligence.
    pub not_readable: usize,
}

/// Matches what changed since the last run; `now` is the time alerts are made at.
pub async fn run(store: &SqliteStore, now: i64) -> Result<MatchReport, StoreError> {
    Matcher::default().run(store, now).await
}

/// A matcher that keeps every profile's index between runs (`serve`'s worker), brought
/// up to date from the profile revisions instead of read whole each time.
#[derive(Debug, Default)]
pub struct Matcher {
    index: Option<Profiles>,
    /// The latest profile revision the index holds.
    revision: i64,
}

impl Matcher {
    /// Matches what changed since the last run.
    pub async fn run(&mut self, store: &SqliteStore, now: i64) -> Result<MatchReport, StoreError> {
        let mut report = MatchReport::default();
        let seen_revision = store.alert_cursor(PROFILES_CURSOR).await?.unwrap_or(0);
        let changed = store.profiles_changed_since(seen_revision).await?;
        let cursor = store.alert_cursor(INTELLIGENCE_CURSOR).await?;
        let news = has_intelligence_after(store, cursor).await?;
        if changed.is_empty() && !news {
            return Ok(report);
        }
        let mut audience = Audience::load(store).await?;
        if let Some(latest) = changed.iter().map(|profile| profile.revision).max() {
            let names: Vec<String> = changed
                .iter()
                .map(|profile| profile.organisation.clone())
                .collect();
            let profiles = Profiles::load(store, Some(&names)).await?;
            report.profiles_rematched = names.len();
            if !profiles.is_empty() {
                scan(
                    store,
                    &profiles,
                    &mut audience,
                    None,
                    false,
                    now,
                    &mut report,
                )
                .await?;
            }
            store.set_alert_cursor(PROFILES_CURSOR, latest).await?;
        }
        if news {
            let profiles = self.up_to_date(store).await?;
            scan(
                store,
                profiles,
                &mut audience,
                cursor,
                true,
                now,
                &mut report,
            )
            .await?;
        }
        Ok(report)
    }

    /// Every profile, read whole the first time and then only where it changed.
    async fn up_to_date(&mut self, store: &SqliteStore) -> Result<&Profiles, StoreError> {
        let changed = store.profiles_changed_since(self.revision).await?;
        let latest = changed.iter().map(|profile| profile.revision).max();
        match &mut self.index {
            None => self.index = Some(Profiles::load(store, None).await?),
            Some(index) => {
                for profile in &changed {
                    index
                        .reload_organisation(store, &profile.organisation)
                        .await?;
                }
            }
        }
        if let Some(latest) = latest {
            self.revision = self.revision.max(latest);
        }
        Ok(self.index.get_or_insert_with(Profiles::default))
    }
}

/// Whether anything the matcher reads — intelligence or sightings of it — was stored
/// after `cursor`.
async fn has_intelligence_after(
    store: &SqliteStore,
    cursor: Option<i64>,
) -> Result<bool, StoreError> {
    let page = store
        .query(ObjectQuery {
            types: INTELLIGENCE_TYPES
                .iter()
                .copied()
                .chain([assess::SIGHTING_TYPE])
                .map(str::to_owned)
                .collect(),
            added_after: cursor,
            limit: 1,
            ..ObjectQuery::default()
        })
        .await?;
    Ok(!page.objects.is_empty())
}

/// Reads the intelligence added after `after` page by page and records the alerts of
/// `profiles`; with `advance`, moves the intelligence cursor with each page.
async fn scan(
    store: &SqliteStore,
    profiles: &Profiles,
    audience: &mut Audience,
    after: Option<i64>,
    advance: bool,
    now: i64,
    report: &mut MatchReport,
) -> Result<(), StoreError> {
    let mut after = after;
    // What is new includes sightings, which bring back what they sighted; a rematch
    // reads all intelligence anyway. Profiles without products need no advisories read,
    // profiles without ranges or domains no indicators: a profile that gains them later
    // is rematched against everything stored.
    let mut types: Vec<String> = INTELLIGENCE_TYPES
        .iter()
        .filter(|kind| {
            let advisory = matches!(**kind, "report" | "vulnerability");
            if advisory {
                !profiles.products.is_empty()
            } else {
                !profiles.networks.is_empty()
            }
        })
        .map(|kind| (*kind).to_owned())
        .collect();
    if advance {
        types.push(assess::SIGHTING_TYPE.to_owned());
    }
    if types.is_empty() {
        // Nothing to match: only move the cursor past what is stored.
        types = INTELLIGENCE_TYPES
            .iter()
            .map(|kind| (*kind).to_owned())
            .collect();
        if !advance {
            return Ok(());
        }
    }
    loop {
        let page = store
            .query(ObjectQuery {
                types: types.clone(),
                added_after: after,
                limit: PAGE,
                ..ObjectQuery::default()
            })
            .await?;
        let Some(last) = page.objects.last().map(|object| object.date_added) else {
            return Ok(());
        };
        report.objects_read += page.objects.len();
        let findings = if profiles.is_empty() {
            Vec::new()
        } else {
            let objects = assess::with_sighted(store, page.objects).await?;
            assess::findings(store, profiles, &objects).await?
        };
        let alerts = alerts_of(store, audience, findings, now, report).await?;
        let cursor = advance.then(|| MatcherCursor {
            name: INTELLIGENCE_CURSOR.to_owned(),
            value: last,
        });
        if !alerts.is_empty() || cursor.is_some() {
            for recorded in store.record_alerts(alerts, cursor).await? {
                match recorded.outcome {
                    RecordOutcome::New => report.new_alerts += 1,
                    RecordOutcome::Raised => report.raised_alerts += 1,
                    RecordOutcome::Unchanged => report.unchanged_alerts += 1,
                }
            }
        }
        if !page.more {
            return Ok(());
        }
        after = Some(last);
    }
}

/// The alerts of a page's findings, for the organisations that may read them.
async fn alerts_of(
    store: &SqliteStore,
    audience: &mut Audience,
    findings: Vec<Finding>,
    now: i64,
    report: &mut MatchReport,
) -> Result<Vec<dijkwacht_store::alerts::NewAlert>, StoreError> {
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for finding in &findings {
        for organisation in finding.assessments.keys() {
            let ids = wanted.entry(organisation.clone()).or_default();
            ids.insert(finding.subject.clone());
            ids.extend(finding.exploited.iter().map(|(id, _, _)| id.clone()));
        }
    }
    let mut readable: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (organisation, ids) in wanted {
        let may_read =
            record::readable(store, audience, &organisation, ids.into_iter().collect()).await?;
        readable.insert(organisation, may_read);
    }
    let subjects: Vec<String> = findings
        .iter()
        .map(|finding| finding.subject.clone())
        .collect();
    let mut sources_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for provenance in store.fusion_provenance(subjects).await? {
        sources_of.insert(
            provenance.object_id,
            provenance
                .statements
                .into_iter()
                .map(|statement| statement.source)
                .collect(),
        );
    }
    let mut alerts = Vec::new();
    for finding in findings {
        let sources = sources_of.remove(&finding.subject).unwrap_or_default();
        // Asked once per finding, so that the questions per organisation below are
        // asked only when there is something to find.
        let sighted = record::sighted_at_all(store, &finding.subject).await?;
        let mitigated = record::pointed_at(store, &finding.context.object_ids).await?;
        for (organisation, assessment) in finding.assessments {
            let may_read = readable
                .get(&organisation)
                .is_some_and(|ids| ids.contains(&finding.subject));
            // TLP:RED reaches only its named users: their organisation's alert is theirs.
            let recipients = if may_read {
                Vec::new()
            } else if finding.context.tlp == TlpLevel::Red {
                record::named_readers(store, audience, &organisation, &finding.subject).await?
            } else {
                Vec::new()
            };
            if !may_read && recipients.is_empty() {
                report.not_readable += 1;
                continue;
            }
            let mut context = finding.context.clone();
            if sighted {
                context.sighted_nearby =
                    record::sighted_nearby(store, audience, &organisation, &finding.subject)
                        .await?;
            }
            if mitigated {
                context.courses_of_action = record::courses_of_action(
                    store,
                    audience,
                    &organisation,
                    &finding.context.object_ids,
                )
                .await?;
            }
            let drafts = match assessment {
                Assessment::Advisory { matches, mut facts } => {
                    if facts.kev.is_none() {
                        facts.kev = finding
                            .exploited
                            .iter()
                            .filter(|(id, _, _)| {
                                readable
                                    .get(&organisation)
                                    .is_some_and(|ids| ids.contains(id))
                            })
                            .find(|(_, _, cves)| cves.iter().any(|cve| facts.cves.contains(cve)))
                            .map(|(_, kev, _)| kev.clone());
                    }
                    dijkwacht_alerts::alert::advisory_alert(&matches, &facts, &context)
                        .into_iter()
                        .collect()
                }
                Assessment::Indicator { matches, facts } => {
                    dijkwacht_alerts::alert::indicator_alerts(&matches, &facts, &context)
                }
            };
            for draft in drafts {
                alerts.push(
                    record::new_alert(
                        store,
                        audience,
                        draft,
                        sources.clone(),
                        recipients.clone(),
                        now,
                    )
                    .await?,
                );
            }
        }
    }
    Ok(alerts)
}
