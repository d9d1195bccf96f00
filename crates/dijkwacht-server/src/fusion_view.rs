//! What the fusion ledger says of objects, for their readers: how many sources stated
//! an object, since when and until when, which objects share an observable with it,
//! and — for indicators — the score (`dijkwacht_fusion::scoring`) at this moment.
//!
//! The score is computed when read, never stored: a daily-decaying confidence written
//! into objects would make a new version of every indicator every day. Its inputs are
//! the best reliability among the sources stating the indicator — each source's letter
//! as members' feedback on its alerts moves it ([`crate::source_feedback`]), unless
//! `[scoring.feedback]` turns that off —, the number of distinct sources stating it or
//! an object sharing an observable with it, the organisations whose sightings the
//! reader may see, the indicator's own `confidence`, and the latest time any of those
//! saw it. Indicators no source of the fusion center stated (a member's own) have no
//! score here; their `valid_until` still applies everywhere.
//!
//! Readers are shown counts and times, never the names of the operator's sources, and
//! related objects only when the sharing policy lets them read those.

use std::collections::HashMap;

use dijkwacht_fusion::config::Reliability;
use dijkwacht_fusion::scoring::{Score, ScoreInputs, ScoringModel, stated_confidence_of};
use dijkwacht_policy::Filter;
use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_store::fusion::FusionProvenance;
use dijkwacht_store::sightings::SightingSummaryQuery;
use dijkwacht_store::{Store, StoreError, StoredObject};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::source_feedback::FeedbackBySource;

/// The property the REST API adds to an object it serves.
pub const FUSION_PROPERTY: &str = "x_dijkwacht_fusion";

/// The ledger's view of one object at one moment.
#[derive(Debug, Clone)]
pub struct FusionFacts {
    pub provenance: FusionProvenance,
    /// For indicators the fusion center's sources stated.
    pub score: Option<Score>,
    /// The reliability the score used: the best of the stating sources' letters after
    /// members' feedback.
    pub scored_reliability: Option<Reliability>,
}

impl FusionFacts {
    /// Whether a blocklist may carry the indicator: no score (not the fusion center's
    /// to judge) or an actionable one.
    pub fn is_actionable(&self) -> bool {
        self.score.as_ref().is_none_or(Score::is_actionable)
    }
}

/// The facts of each of `objects` the ledger knows, by id, scored at `now` with the
/// sightings `sightings_visibility` lets through and the sources' letters as
/// `feedback` moves them.
pub async fn fusion_facts(
    store: &dyn Store,
    model: &ScoringModel,
    feedback: &FeedbackBySource,
    objects: &[StoredObject],
    sightings_visibility: Option<Filter>,
    now: Timestamp,
) -> Result<HashMap<String, FusionFacts>, StoreError> {
    if objects.is_empty() {
        return Ok(HashMap::new());
    }
    let by_id: HashMap<&str, &StoredObject> = objects
        .iter()
        .map(|object| (object.id.as_str(), object))
        .collect();
    let ids = objects.iter().map(|object| object.id.clone()).collect();
    let mut facts = HashMap::new();
    for provenance in store.fusion_provenance(ids).await? {
        let scored_reliability = scored_reliability(model, feedback, &provenance);
        let score = match (by_id.get(provenance.object_id.as_str()), scored_reliability) {
            (Some(stored), Some(reliability)) if stored.object_type == "indicator" => {
                score_of(
                    store,
                    model,
                    reliability,
                    stored,
                    &provenance,
                    &sightings_visibility,
                    now,
                )
                .await?
            }
            _ => None,
        };
        facts.insert(
            provenance.object_id.clone(),
            FusionFacts {
                provenance,
                score,
                scored_reliability: score.and(scored_reliability),
            },
        );
    }
    Ok(facts)
}

/// The ids of the indicators among `objects` whose score has decayed below their
/// kind's threshold, for blocklists to leave out.
pub async fn decayed_among(
    store: &dyn Store,
    model: &ScoringModel,
    feedback: &FeedbackBySource,
    objects: &[StoredObject],
    sightings_visibility: Option<Filter>,
    now: Timestamp,
) -> Result<Vec<String>, StoreError> {
    let facts = fusion_facts(store, model, feedback, objects, sightings_visibility, now).await?;
    Ok(facts
        .into_iter()
        .filter(|(_, facts)| !facts.is_actionable())
        .map(|(id, _)| id)
        .collect())
}

/// The best letter among the sources stating an object, each as members' feedback
/// moves it; `None` when no statement carries a letter.
fn scored_reliability(
    model: &ScoringModel,
    feedback: &FeedbackBySource,
    provenance: &FusionProvenance,
) -> Option<Reliability> {
    provenance
        .statements
        .iter()
        .filter_map(|statement| {
            let stated = Reliability::from_letter(&statement.reliability.to_string())?;
            Some(
                feedback
                    .effective(model, &statement.source, stated)
                    .effective,
            )
        })
        .min()
}

async fn score_of(
    store: &dyn Store,
    model: &ScoringModel,
    reliability: Reliability,
    stored: &StoredObject,
    provenance: &FusionProvenance,
    sightings_visibility: &Option<Filter>,
    now: Timestamp,
) -> Result<Option<Score>, StoreError> {
    let Ok(indicator) = serde_json::from_str::<Value>(&stored.json) else {
        return Ok(None);
    };
    let (organisations, sighted_last) = if provenance.sighted {
        let summary = store
            .sighting_summary(SightingSummaryQuery {
                sighting_of: stored.id.clone(),
                visibility: sightings_visibility.clone(),
                reported_by: None,
            })
            .await?;
        (summary.organisations, summary.last_seen)
    } else {
        (0, None)
    };
    let last_seen = [
        provenance.last_seen(),
        provenance.corroborated_last_seen,
        sighted_last,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or_else(|| now.unix_micros());
    let valid_until = indicator
        .get("valid_until")
        .and_then(Value::as_str)
        .and_then(|text| Timestamp::parse(text).ok());
    let inputs = ScoreInputs {
        reliability,
        sources: u32::try_from(provenance.corroborating_sources.len().max(1)).unwrap_or(u32::MAX),
        sighting_organisations: organisations,
        stated_confidence: stated_confidence_of(&indicator),
        last_seen: Timestamp::from_unix_micros(last_seen),
        valid_until,
    };
    let kind = model.kind_of_indicator(&indicator);
    Ok(Some(model.score(kind, &inputs, now)))
}

/// [`FUSION_PROPERTY`] as a reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FusionView {
    /// How many of the fusion center's sources stated this object.
    pub sources: usize,
    /// How many distinct sources stated it or an object sharing an observable with it.
    pub corroborating_sources: usize,
    /// The best Admiralty reliability (A–F) among the sources stating it.
    pub reliability: Option<String>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Objects sharing an observable with it that you may read (at most 100).
    pub related: Vec<String>,
    /// For indicators: the score now.
    pub score: Option<ScoreView>,
}

/// An indicator's score at the moment of reading.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreView {
    /// The reliability (A–F) the score used: the best of its sources' letters as
    /// members' feedback on their alerts moves them; differs from the fusion view's
    /// `reliability` when that feedback lowered or raised the letter.
    pub reliability: String,
    /// The score after decay, 0–100: what to take as the indicator's confidence now.
    pub confidence: u8,
    /// Before decay: reliability, corroboration and sightings.
    pub base: u8,
    /// The kind of observable whose decay applies (`ip-address`, `domain`, …).
    pub kind: String,
    /// Below this, the indicator leaves blocklists.
    pub threshold: u8,
    /// Whether its `valid_until` has passed.
    pub expired: bool,
    /// Whether blocklists carry it now.
    pub actionable: bool,
    /// When its score falls below the threshold.
    pub decays_below_threshold_at: Option<String>,
}

fn time_text(micros: Option<i64>) -> Option<String> {
    micros.map(|micros| Timestamp::from_unix_micros(micros).to_taxii_string())
}

impl FusionFacts {
    /// The view of these facts for a reader who may read `visible_related`.
    pub fn view(&self, visible_related: Vec<String>) -> FusionView {
        let provenance = &self.provenance;
        FusionView {
            sources: provenance.statements.len(),
            corroborating_sources: provenance.corroborating_sources.len(),
            reliability: provenance
                .best_reliability()
                .map(|letter| letter.to_string()),
            first_seen: time_text(provenance.first_seen()),
            last_seen: time_text(provenance.last_seen()),
            related: visible_related,
            score: self.score.as_ref().map(|score| ScoreView {
                reliability: self
                    .scored_reliability
                    .map(|letter| letter.letter().to_string())
                    .unwrap_or_default(),
                confidence: score.after_decay,
                base: score.base,
                kind: score.kind.name().to_owned(),
                threshold: score.threshold,
                expired: score.expired,
                actionable: score.is_actionable(),
                decays_below_threshold_at: score
                    .decays_below_threshold_at
                    .map(|instant| instant.to_taxii_string()),
            }),
        }
    }
}
