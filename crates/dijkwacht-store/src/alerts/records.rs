//! Alerts as stored: what the matcher decided affects an organisation, with the
//! intelligence it links, the caller's body (title, rule, evidence and steps in Dutch
//! and English) and the member's feedback (its status and the history of changes).
//!
//! An organisation never holds two alerts with one *key* (the matcher's name for "the
//! same finding"), so recording a finding again sends nothing twice. When the finding
//! comes back worse (more severe, or linking more objects) the stored alert is raised
//! in place; the rule for what a raise keeps and takes ([`AlertRecord::raised_by`])
//! lives here so that every backend raises alike.

use std::collections::BTreeMap;
use std::fmt;

use dijkwacht_stix::tlp::TlpLevel;

use super::delivery::NewDelivery;
use super::vocabulary::vocabulary;
use crate::StoreError;

vocabulary!(
    /// How bad an alert is, from least to most (the order of `Ord`).
    Severity, "severity", {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
);

vocabulary!(
    /// Where an alert stands, as its organisation's users say: the feedback that tells
    /// the platform how useful each source's intelligence was.
    AlertStatus, "status of an alert", {
        /// Not yet looked at.
        New => "new",
        /// Seen; being dealt with.
        Acknowledged => "acknowledged",
        /// Dealt with.
        Resolved => "resolved",
        /// True, but it does not concern this organisation.
        NotRelevant => "not-relevant",
        /// The intelligence was wrong.
        FalsePositive => "false-positive",
    }
);

/// Where alert ids come from: an alert's id is the UUID v5 of its organisation and key
/// in this namespace, so every backend gives one finding the same id.
pub const ALERT_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x7c1e_52d9_0b3a_4e86_a4f0_93d2_6b18_c5e7);

/// The id of the alert an organisation holds for a key.
pub fn alert_id(organisation: &str, key: &str) -> String {
    let name = format!("{organisation}\u{1f}{key}");
    uuid::Uuid::new_v5(&ALERT_NAMESPACE, name.as_bytes()).to_string()
}

/// An alert as the matcher makes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub organisation: String,
    /// What makes two alerts one finding for this organisation (the matcher's choice,
    /// such as the rule and the advisory); never empty.
    pub key: String,
    /// What kind of finding it is, as the matcher names it.
    pub kind: String,
    pub severity: Severity,
    pub tlp: TlpLevel,
    /// The users who may see it when it is TLP:RED; ignored otherwise.
    pub recipients: Vec<String>,
    /// The STIX objects it links.
    pub object_ids: Vec<String>,
    /// The fusion sources that stated that intelligence, for their feedback.
    pub sources: Vec<String>,
    /// The caller's content: title, rule, evidence, steps in `nl` and `en`.
    pub body: serde_json::Value,
    /// Unix microseconds.
    pub created_at: i64,
    /// How to tell the organisation, enqueued with the alert only when it is new.
    pub deliveries: Vec<NewDelivery>,
}

impl NewAlert {
    /// The checks every backend makes before it stores the alert.
    pub fn check(&self) -> Result<(), StoreError> {
        if self.key.trim().is_empty() || self.kind.trim().is_empty() {
            return Err(StoreError::Invalid(format!(
                "an alert for '{}' needs a key and a kind (got key '{}', kind '{}')",
                self.organisation, self.key, self.kind
            )));
        }
        Ok(())
    }
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecord {
    /// [`alert_id`] of its organisation and key.
    pub id: String,
    pub organisation: String,
    pub key: String,
    pub kind: String,
    pub severity: Severity,
    pub tlp: TlpLevel,
    /// The users who may see it when it is TLP:RED; ignored otherwise.
    pub recipients: Vec<String>,
    pub object_ids: Vec<String>,
    pub sources: Vec<String>,
    pub body: serde_json::Value,
    /// Unix microseconds: when it was first recorded, and when it was last raised.
    pub created_at: i64,
    pub updated_at: i64,
    pub status: AlertStatus,
    /// The user who set the status, the note they gave, and when (none while new).
    pub status_by: Option<String>,
    pub status_note: Option<String>,
    pub status_at: Option<i64>,
}

impl AlertRecord {
    /// The alert a new one becomes when its key is not yet held.
    pub fn from_new(alert: &NewAlert) -> AlertRecord {
        AlertRecord {
            id: alert_id(&alert.organisation, &alert.key),
            organisation: alert.organisation.clone(),
            key: alert.key.clone(),
            kind: alert.kind.clone(),
            severity: alert.severity,
            tlp: alert.tlp,
            recipients: distinct_in_order(&alert.recipients, &[]),
            object_ids: distinct_in_order(&alert.object_ids, &[]),
            sources: distinct_in_order(&alert.sources, &[]),
            body: alert.body.clone(),
            created_at: alert.created_at,
            updated_at: alert.created_at,
            status: AlertStatus::New,
            status_by: None,
            status_note: None,
            status_at: None,
        }
    }

    /// What this alert becomes when the same finding comes back as `incoming`, or
    /// `None` when it is no worse (neither more severe nor linking an object this one
    /// lacks): then nothing changes.
    ///
    /// A raised alert takes the higher severity and the body and kind of the more
    /// severe of the two (of `incoming` when they are equal: it has the newer
    /// evidence); it links the objects and names the sources of both; its TLP is the
    /// stricter, and when that is RED only users both allowed remain recipients. Its
    /// status, and `created_at`, stay: a member's feedback is not undone by a raise.
    pub fn raised_by(&self, incoming: &NewAlert) -> Option<AlertRecord> {
        let links_more = incoming
            .object_ids
            .iter()
            .any(|id| !self.object_ids.contains(id));
        if incoming.severity <= self.severity && !links_more {
            return None;
        }
        let incoming_leads = incoming.severity >= self.severity;
        Some(AlertRecord {
            kind: if incoming_leads {
                &incoming.kind
            } else {
                &self.kind
            }
            .clone(),
            body: if incoming_leads {
                &incoming.body
            } else {
                &self.body
            }
            .clone(),
            severity: self.severity.max(incoming.severity),
            tlp: self.tlp.max(incoming.tlp),
            recipients: merged_recipients(
                (self.tlp, &self.recipients),
                (incoming.tlp, &incoming.recipients),
            ),
            object_ids: distinct_in_order(&self.object_ids, &incoming.object_ids),
            sources: distinct_in_order(&self.sources, &incoming.sources),
            updated_at: self.updated_at.max(incoming.created_at),
            ..self.clone()
        })
    }

    /// Where the page of alerts that ends with this one continues.
    pub fn position(&self) -> AlertPosition {
        AlertPosition {
            created_at: self.created_at,
            id: self.id.clone(),
        }
    }

    /// Whether `user` of its organisation may see it: anyone when it is not TLP:RED,
    /// only its recipients when it is.
    pub fn visible_to(&self, user: &str) -> bool {
        self.tlp != TlpLevel::Red || self.recipients.iter().any(|each| each == user)
    }
}

/// `first` then what `second` adds, each value once, in the order first met.
fn distinct_in_order(first: &[String], second: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    first
        .iter()
        .chain(second)
        .filter(|value| seen.insert(value.as_str()))
        .cloned()
        .collect()
}

/// The recipients of a raised alert: those of the stricter TLP; when both are RED, the
/// users in both lists (never more people than either allowed).
fn merged_recipients(
    (existing_tlp, existing): (TlpLevel, &[String]),
    (incoming_tlp, incoming): (TlpLevel, &[String]),
) -> Vec<String> {
    match existing_tlp.cmp(&incoming_tlp) {
        std::cmp::Ordering::Greater => existing.to_vec(),
        std::cmp::Ordering::Less => incoming.to_vec(),
        std::cmp::Ordering::Equal if existing_tlp == TlpLevel::Red => existing
            .iter()
            .filter(|user| incoming.contains(user))
            .cloned()
            .collect(),
        std::cmp::Ordering::Equal => distinct_in_order(existing, incoming),
    }
}

/// What recording did with one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOutcome {
    /// Stored for the first time, with its deliveries.
    New,
    /// Already held and now raised ([`AlertRecord::raised_by`]); only deliveries on
    /// channels it had none on, or pending ones brought forward.
    Raised,
    /// Already held and no worse; nothing changed.
    Unchanged,
}

/// One alert after recording, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedAlert {
    /// The alert as stored now.
    pub alert: AlertRecord,
    pub outcome: RecordOutcome,
    /// The ids of the deliveries enqueued for it (only for a new alert).
    pub deliveries: Vec<i64>,
}

/// The matcher's position (in the objects' `date_added`), saved with the alerts it
/// produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherCursor {
    pub name: String,
    pub value: i64,
}

/// A user's verdict on an alert, and one row of its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub status: AlertStatus,
    /// The user who set it.
    pub by: Option<String>,
    pub note: Option<String>,
    /// Unix microseconds.
    pub at: i64,
}

/// A place in the order of alerts, newest first: by `created_at`, then id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlertPosition {
    pub created_at: i64,
    pub id: String,
}

impl fmt::Display for AlertPosition {
    /// `<created_at>:<id>`, the form a paging link carries.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}", self.created_at, self.id)
    }
}

impl AlertPosition {
    /// Reads a position as `Display` writes it.
    pub fn parse(text: &str) -> Result<AlertPosition, StoreError> {
        text.split_once(':')
            .and_then(|(created_at, id)| {
                let created_at = created_at.parse().ok()?;
                (!id.is_empty()).then(|| AlertPosition {
                    created_at,
                    id: id.to_owned(),
                })
            })
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "'{text}' is not an alert position; use the one the previous page gave"
                ))
            })
    }
}

/// The most alerts one page holds unless the caller says otherwise.
pub const DEFAULT_ALERT_PAGE: usize = 100;

/// Which alerts to list, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertQuery {
    /// One organisation's alerts; every organisation's when `None` (administrators).
    pub organisation: Option<String>,
    /// When set, TLP:RED alerts are listed only if they name this user as a recipient.
    pub reader: Option<String>,
    /// Only these statuses; all when empty.
    pub statuses: Vec<AlertStatus>,
    pub min_severity: Option<Severity>,
    /// Only alerts created at or after this time (Unix microseconds).
    pub since: Option<i64>,
    /// The page after (older than) this position.
    pub before: Option<AlertPosition>,
    /// The page before (newer than) this position, the closest to it first in the
    /// query and newest first in the answer. Not together with `before`.
    pub after: Option<AlertPosition>,
    pub limit: usize,
}

impl Default for AlertQuery {
    fn default() -> Self {
        AlertQuery {
            organisation: None,
            reader: None,
            statuses: Vec::new(),
            min_severity: None,
            since: None,
            before: None,
            after: None,
            limit: DEFAULT_ALERT_PAGE,
        }
    }
}

impl AlertQuery {
    /// The checks every backend makes before it runs the query.
    pub fn check(&self) -> Result<(), StoreError> {
        if self.before.is_some() && self.after.is_some() {
            return Err(StoreError::Invalid(
                "an alert query pages either before or after a position, not both".to_owned(),
            ));
        }
        Ok(())
    }
}

/// One page of alerts, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertPage {
    pub alerts: Vec<AlertRecord>,
    /// Whether more alerts lie beyond this page in the direction asked (older for
    /// `before` or no position, newer for `after`).
    pub more: bool,
}

/// What members said of the alerts one source's intelligence raised: the counts of
/// alerts naming the source, by their current status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFeedback {
    pub source: String,
    pub alerts: u64,
    pub new: u64,
    pub acknowledged: u64,
    pub resolved: u64,
    pub not_relevant: u64,
    pub false_positive: u64,
}

impl SourceFeedback {
    /// Adds up (source, status, alerts) rows into one feedback per source, by name.
    pub fn tally(
        rows: impl IntoIterator<Item = (String, AlertStatus, u64)>,
    ) -> Vec<SourceFeedback> {
        let mut by_source: BTreeMap<String, SourceFeedback> = BTreeMap::new();
        for (source, status, alerts) in rows {
            let feedback = by_source
                .entry(source.clone())
                .or_insert_with(|| SourceFeedback {
                    source,
                    ..SourceFeedback::default()
                });
            feedback.alerts += alerts;
            *match status {
                AlertStatus::New => &mut feedback.new,
                AlertStatus::Acknowledged => &mut feedback.acknowledged,
                AlertStatus::Resolved => &mut feedback.resolved,
                AlertStatus::NotRelevant => &mut feedback.not_relevant,
                AlertStatus::FalsePositive => &mut feedback.false_positive,
            } += alerts;
        }
        by_source.into_values().collect()
    }
}

/// How many alerts have one status and one severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertCount {
    pub status: AlertStatus,
    pub severity: Severity,
    pub alerts: u64,
}

/// Alert counts by status and severity (only the combinations that occur).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertCounts {
    pub cells: Vec<AlertCount>,
}

impl AlertCounts {
    pub fn total(&self) -> u64 {
        self.cells.iter().map(|cell| cell.alerts).sum()
    }

    pub fn with_status(&self, status: AlertStatus) -> u64 {
        self.cells
            .iter()
            .filter(|cell| cell.status == status)
            .map(|cell| cell.alerts)
            .sum()
    }

    pub fn with_severity(&self, severity: Severity) -> u64 {
        self.cells
            .iter()
            .filter(|cell| cell.severity == severity)
            .map(|cell| cell.alerts)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(
        severity: Severity,
        tlp: TlpLevel,
        objects: &[&str],
        recipients: &[&str],
    ) -> NewAlert {
        let strings = |values: &[&str]| values.iter().map(|each| (*each).to_owned()).collect();
        NewAlert {
            organisation: "waterbedrijf".to_owned(),
            key: "cve:CVE-2024-3094".to_owned(),
            kind: "vulnerable-product".to_owned(),
            severity,
            tlp,
            recipients: strings(recipients),
            object_ids: strings(objects),
            sources: vec![format!("source-{}", severity.as_str())],
            body: serde_json::json!({ "title": severity.as_str() }),
            created_at: 1_000,
            deliveries: Vec::new(),
        }
    }

    #[test]
    fn vocabularies_read_back_their_names_and_list_them_on_a_mistake() {
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Ok(*severity));
        }
        for status in AlertStatus::ALL {
            assert_eq!(AlertStatus::parse(&status.to_string()), Ok(*status));
        }
        assert!(Severity::Low < Severity::Medium && Severity::High < Severity::Critical);
        let error = AlertStatus::parse("done").expect_err("not a status");
        assert_eq!(
            error.to_string(),
            "'done' is not a status of an alert; use one of: new, acknowledged, resolved, \
             not-relevant, false-positive"
        );
        assert_eq!(
            serde_json::to_string(&AlertStatus::FalsePositive).expect("serialises"),
            "\"false-positive\""
        );
    }

    #[test]
    fn one_finding_has_one_id() {
        assert_eq!(alert_id("a", "k"), alert_id("a", "k"));
        assert_ne!(alert_id("a", "k"), alert_id("b", "k"));
        assert_ne!(alert_id("a", "bk"), alert_id("ab", "k"));
    }

    #[test]
    fn a_finding_no_worse_changes_nothing() {
        let held = AlertRecord::from_new(&finding(Severity::High, TlpLevel::Green, &["x"], &[]));
        let again = finding(Severity::Medium, TlpLevel::Red, &["x"], &[]);
        assert_eq!(held.raised_by(&again), None);
        assert_eq!(
            held.raised_by(&finding(Severity::High, TlpLevel::Green, &["x"], &[])),
            None
        );
    }

    #[test]
    fn a_more_severe_finding_raises_and_takes_its_body() {
        let held = AlertRecord::from_new(&finding(Severity::Medium, TlpLevel::Green, &["x"], &[]));
        let mut worse = finding(Severity::Critical, TlpLevel::Amber, &["x", "y"], &[]);
        worse.created_at = 5_000;
        let raised = held.raised_by(&worse).expect("raised");
        assert_eq!(raised.severity, Severity::Critical);
        assert_eq!(raised.tlp, TlpLevel::Amber);
        assert_eq!(raised.body, worse.body);
        assert_eq!(raised.object_ids, ["x", "y"]);
        assert_eq!(raised.sources, ["source-medium", "source-critical"]);
        assert_eq!((raised.created_at, raised.updated_at), (1_000, 5_000));
        assert_eq!(raised.status, AlertStatus::New);
    }

    #[test]
    fn more_objects_at_a_lower_severity_raise_but_keep_the_worse_body() {
        let held = AlertRecord::from_new(&finding(Severity::High, TlpLevel::Green, &["x"], &[]));
        let raised = held
            .raised_by(&finding(Severity::Low, TlpLevel::Green, &["y"], &[]))
            .expect("links more");
        assert_eq!(raised.severity, Severity::High);
        assert_eq!(raised.body, held.body);
        assert_eq!(raised.object_ids, ["x", "y"]);
    }

    #[test]
    fn red_recipients_only_narrow() {
        let held = AlertRecord::from_new(&finding(
            Severity::Low,
            TlpLevel::Red,
            &["x"],
            &["ann@example.nl", "bob@example.nl"],
        ));
        let raised = held
            .raised_by(&finding(
                Severity::High,
                TlpLevel::Red,
                &["x"],
                &["bob@example.nl", "eve@example.nl"],
            ))
            .expect("raised");
        assert_eq!(raised.recipients, ["bob@example.nl"]);
        assert!(raised.visible_to("bob@example.nl") && !raised.visible_to("ann@example.nl"));
        let green = AlertRecord::from_new(&finding(Severity::Low, TlpLevel::Green, &["x"], &[]));
        let red = green
            .raised_by(&finding(
                Severity::High,
                TlpLevel::Red,
                &["x"],
                &["eve@example.nl"],
            ))
            .expect("raised");
        assert_eq!(
            (red.tlp, red.recipients.as_slice()),
            (TlpLevel::Red, &["eve@example.nl".to_owned()][..])
        );
    }

    #[test]
    fn positions_read_back_and_bad_ones_are_invalid() {
        let position = AlertPosition {
            created_at: 17,
            id: alert_id("a", "k"),
        };
        assert_eq!(
            AlertPosition::parse(&position.to_string()).ok(),
            Some(position)
        );
        for bad in ["", "17", "x:y", "17:"] {
            assert!(
                matches!(AlertPosition::parse(bad), Err(StoreError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn feedback_adds_up_per_source() {
        let tallied = SourceFeedback::tally([
            ("b".to_owned(), AlertStatus::FalsePositive, 2),
            ("a".to_owned(), AlertStatus::New, 1),
            ("b".to_owned(), AlertStatus::Resolved, 3),
        ]);
        assert_eq!(tallied.len(), 2);
        assert_eq!(
            (
                tallied[0].source.as_str(),
                tallied[0].alerts,
                tallied[0].new
            ),
            ("a", 1, 1)
        );
        assert_eq!(
            (
                tallied[1].alerts,
                tallied[1].resolved,
                tallied[1].false_positive
            ),
            (5, 3, 2)
        );
    }
}
