//! What members' feedback on alerts makes of each fusion source's reliability, for
//! whoever scores or reports: the store counts each source's alerts by status
//! (`Alerts::feedback_by_source`), and `dijkwacht_fusion::scoring::feedback` turns a
//! source's letter and counts into the letter scoring uses. The counts are read once
//! per request or export ([`FeedbackBySource::read`]) and asked per statement, so a
//! page of a thousand indicators costs one more query, not a thousand.
//!
//! The letter a statement carries is the source's letter when it stated the object;
//! the letter an operator sees reported per source (REST statistics, `/metrics`) is the
//! one `dijkwacht.toml` gives now, which the binary hands in as [`SourceRatings`]
//! because the server does not read the configuration. Nothing here is stored: an
//! effective letter, like a score, is computed when read.

use std::collections::{BTreeMap, HashMap};

use dijkwacht_fusion::config::Reliability;
use dijkwacht_fusion::scoring::{EffectiveReliability, FeedbackCounts, ScoringModel};
use dijkwacht_store::StoreError;
use dijkwacht_store::alerts::{Alerts, SourceFeedback};

/// The operator's Admiralty letter for each configured source, as it stands now.
pub trait SourceRatings: Send + Sync + std::fmt::Debug {
    /// Each configured source's letter, by name; empty when the configuration cannot
    /// be read.
    fn ratings(&self) -> BTreeMap<String, Reliability>;
}

/// The store's tally of one source, as the feedback rule counts it.
pub fn feedback_counts(feedback: &SourceFeedback) -> FeedbackCounts {
    FeedbackCounts {
        new: feedback.new,
        acknowledged: feedback.acknowledged,
        resolved: feedback.resolved,
        not_relevant: feedback.not_relevant,
        false_positive: feedback.false_positive,
    }
}

/// Members' feedback per source, read at one moment.
#[derive(Debug, Clone, Default)]
pub struct FeedbackBySource {
    counts: HashMap<String, FeedbackCounts>,
}

impl FeedbackBySource {
    /// No feedback at all: every source keeps its letter (short of too few alerts).
    pub fn none() -> FeedbackBySource {
        FeedbackBySource::default()
    }

    /// From the store's tally.
    pub fn from_tally(tally: &[SourceFeedback]) -> FeedbackBySource {
        FeedbackBySource {
            counts: tally
                .iter()
                .map(|feedback| (feedback.source.clone(), feedback_counts(feedback)))
                .collect(),
        }
    }

    /// Reads the tally once; nothing when `model` does not weigh feedback, which then
    /// changes no letter anyway.
    pub async fn read(
        alerts: &dyn Alerts,
        model: &ScoringModel,
    ) -> Result<FeedbackBySource, StoreError> {
        if !model.weighs_feedback() {
            return Ok(FeedbackBySource::none());
        }
        Ok(FeedbackBySource::from_tally(
            &alerts.feedback_by_source().await?,
        ))
    }

    /// The counts of `source`; zeros when no alert names it.
    pub fn counts(&self, source: &str) -> FeedbackCounts {
        self.counts.get(source).copied().unwrap_or_default()
    }

    /// The letter `model` scores `source` with when it is rated `stated`.
    pub fn effective(
        &self,
        model: &ScoringModel,
        source: &str,
        stated: Reliability,
    ) -> EffectiveReliability {
        model.effective_reliability(stated, &self.counts(source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_without_alerts_keeps_its_letter_and_one_with_false_positives_loses_it() {
        let tally = [SourceFeedback {
            source: "list-a".to_owned(),
            alerts: 12,
            new: 2,
            false_positive: 7,
            resolved: 3,
            ..SourceFeedback::default()
        }];
        let feedback = FeedbackBySource::from_tally(&tally);
        let model = ScoringModel::default();
        let lowered = feedback.effective(&model, "list-a", Reliability::C);
        assert_eq!(lowered.effective, Reliability::E, "{lowered}");
        assert_eq!(lowered.counts.new, 2);
        let untouched = feedback.effective(&model, "list-b", Reliability::C);
        assert_eq!(untouched.effective, Reliability::C);
        assert_eq!(untouched.counts, FeedbackCounts::default());
        let none = FeedbackBySource::none().effective(&model, "list-a", Reliability::C);
        assert_eq!(none.effective, Reliability::C);
    }
}

/// How long the server reuses a tally of feedback before reading it again.
pub const FEEDBACK_TALLY_LIFETIME: std::time::Duration = std::time::Duration::from_secs(30);

/// The server's tally of feedback, read at most once per [`FEEDBACK_TALLY_LIFETIME`]:
/// counting every alert by source is a scan of the alerts, and object views and
/// blocklists ask for it on every request. A letter moves after ten or more judged
/// alerts, so a tally half a minute old changes no score that matters.
#[derive(Debug, Default)]
pub struct FeedbackTally {
    read: tokio::sync::Mutex<Option<(std::time::Instant, FeedbackBySource)>>,
}

impl FeedbackTally {
    /// The tally, read again when older than the lifetime; nothing when `model` does
    /// not weigh feedback.
    pub async fn get(
        &self,
        alerts: &dyn Alerts,
        model: &ScoringModel,
    ) -> Result<FeedbackBySource, StoreError> {
        if !model.weighs_feedback() {
            return Ok(FeedbackBySource::none());
        }
        let mut read = self.read.lock().await;
        if let Some((at, tally)) = read.as_ref() {
            if at.elapsed() < FEEDBACK_TALLY_LIFETIME {
                return Ok(tally.clone());
            }
        }
        let tally = FeedbackBySource::read(alerts, model).await?;
        *read = Some((std::time::Instant::now(), tally.clone()));
        Ok(tally)
    }

    /// Forgets the tally, so the next ask reads it again: after feedback given through
    /// this server (feedback given elsewhere counts within the lifetime).
    pub async fn forget(&self) {
        *self.read.lock().await = None;
    }
}
