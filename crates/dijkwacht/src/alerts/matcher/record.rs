//! From matches to kept alerts: only what the organisation may read becomes an alert
//! (the one sharing policy decides, through the store's filter), each alert gets its
//! context (TLP, sightings nearby, the sources that stated it) and its deliveries, and
//! the batch is recorded with the matcher's cursor in one transaction.

use std::collections::{BTreeMap, BTreeSet};

use dijkwacht_alerts::alert::{self, AlertDraft, CourseOfAction};
use dijkwacht_directory::{CommunityKind, Sector};
use dijkwacht_policy::{Action, Caller, Filter, Member, OrgId, Role, UserId, visibility_filter};
use dijkwacht_store::alerts::Alerts;
use dijkwacht_store::alerts::{
    DeliveryChannel, NewAlert, NewDelivery, NotificationMode, Severity as StoredSeverity, Webhook,
};
use dijkwacht_store::directory::{Directory, Organisation, User};
use dijkwacht_store::sightings::SightingSummaryQuery;
use dijkwacht_store::{ObjectQuery, Store, StoreError};
use dijkwacht_store_sqlite::SqliteStore;
use serde_json::Value;

use crate::alerts::delivery::policy::{DeliveryTarget, may_deliver};

/// One day in microseconds.
const DAY: i64 = 86_400_000_000;
/// Digests go out at 06:00 UTC, before the working day.
const DIGEST_HOUR: i64 = 6;

/// What the run knows of the directory: each organisation's caller for the sharing
/// policy, its users and their notification wishes, and who is near whom.
#[derive(Debug, Default)]
pub struct Audience {
    callers: BTreeMap<String, Caller>,
    /// Each organisation's supply-chain communities (as a participant or partner).
    chains: BTreeMap<String, BTreeSet<String>>,
    organisations: BTreeMap<String, Organisation>,
    users: BTreeMap<String, Vec<User>>,
    modes: BTreeMap<String, NotificationMode>,
    /// The organisations of each top sector and of each supply-chain community.
    sector_members: BTreeMap<Sector, Vec<String>>,
    chain_members: BTreeMap<String, Vec<String>>,
    /// Each organisation's webhooks, read when its first alert is planned.
    webhooks: BTreeMap<String, Vec<Webhook>>,
}

impl Audience {
    pub async fn load(store: &SqliteStore) -> Result<Audience, StoreError> {
        let mut audience = Audience::default();
        for organisation in store.organisations().await? {
            audience
                .organisations
                .insert(organisation.name.clone(), organisation);
        }
        for user in store.users().await? {
            audience
                .users
                .entry(user.organisation.clone())
                .or_default()
                .push(user);
        }
        let chains: BTreeSet<String> = store
            .communities()
            .await?
            .into_iter()
            .filter(|community| community.kind == CommunityKind::SupplyChain)
            .map(|community| community.name)
            .collect();
        for membership in store.memberships().await? {
            if membership.stage.is_member() && chains.contains(&membership.community) {
                audience
                    .chains
                    .entry(membership.organisation)
                    .or_default()
                    .insert(membership.community);
            }
        }
        for preference in store.notifications().await? {
            audience.modes.insert(preference.user, preference.mode);
        }
        for organisation in audience.organisations.values() {
            for sector in organisation
                .sectors
                .iter()
                .filter(|sector| **sector != Sector::Other)
            {
                audience
                    .sector_members
                    .entry(*sector)
                    .or_default()
                    .push(organisation.name.clone());
            }
        }
        for (organisation, chains) in &audience.chains {
            for chain in chains {
                audience
                    .chain_members
                    .entry(chain.clone())
                    .or_default()
                    .push(organisation.clone());
            }
        }
        Ok(audience)
    }

    /// The organisation as a reader: every user of it sees what it may see, except
    /// TLP:RED, which only named users see.
    async fn caller(
        &mut self,
        store: &SqliteStore,
        organisation: &str,
    ) -> Result<Caller, StoreError> {
        if let Some(caller) = self.callers.get(organisation) {
            return Ok(caller.clone());
        }
        let reach = store.reach(organisation).await?;
        let caller = Caller::Member(Member {
            user: UserId::new(format!("organisation:{organisation}")),
            organisation: OrgId::new(organisation.to_owned()),
            role: Role::Member,
            reach,
            token: None,
        });
        self.callers.insert(organisation.to_owned(), caller.clone());
        Ok(caller)
    }

    /// The organisations sharing a top sector or a supply chain with `organisation`
    /// (other than itself).
    fn near(&self, organisation: &str) -> BTreeSet<&str> {
        let Some(own) = self.organisations.get(organisation) else {
            return BTreeSet::new();
        };
        let by_sector = own
            .sectors
            .iter()
            .filter_map(|sector| self.sector_members.get(sector));
        let by_chain = self
            .chains
            .get(organisation)
            .into_iter()
            .flatten()
            .filter_map(|chain| self.chain_members.get(chain));
        by_sector
            .chain(by_chain)
            .flatten()
            .map(String::as_str)
            .filter(|other| *other != organisation)
            .collect()
    }

    /// `organisation`'s webhooks, read once per run.
    async fn webhooks(
        &mut self,
        store: &SqliteStore,
        organisation: &str,
    ) -> Result<&[Webhook], StoreError> {
        if !self.webhooks.contains_key(organisation) {
            let webhooks = store.webhooks(organisation).await?;
            self.webhooks.insert(organisation.to_owned(), webhooks);
        }
        Ok(self
            .webhooks
            .get(organisation)
            .map(Vec::as_slice)
            .unwrap_or_default())
    }
}

/// The ids among `ids` that `organisation` may read.
pub async fn readable(
    store: &SqliteStore,
    audience: &mut Audience,
    organisation: &str,
    ids: Vec<String>,
) -> Result<BTreeSet<String>, StoreError> {
    let caller = audience.caller(store, organisation).await?;
    let mut readable = BTreeSet::new();
    for chunk in ids.chunks(500) {
        let page = store
            .query(ObjectQuery {
                ids: chunk.to_vec(),
                limit: chunk.len().max(1),
                visibility: Some(visibility_filter(&caller, Action::Read)),
                ..ObjectQuery::default()
            })
            .await?;
        readable.extend(page.objects.into_iter().map(|object| object.id));
    }
    Ok(readable)
}

/// The users of `organisation` who may read `object_id` themselves: for TLP:RED, which
/// only its named recipients read, the alert goes to them alone.
pub async fn named_readers(
    store: &SqliteStore,
    audience: &mut Audience,
    organisation: &str,
    object_id: &str,
) -> Result<Vec<String>, StoreError> {
    let reach = store.reach(organisation).await?;
    let users = audience
        .users
        .get(organisation)
        .cloned()
        .unwrap_or_default();
    let mut readers = Vec::new();
    for user in users {
        let caller = Caller::Member(Member {
            user: UserId::new(user.email.clone()),
            organisation: OrgId::new(organisation.to_owned()),
            role: user.role,
            reach: reach.clone(),
            token: None,
        });
        let page = store
            .query(ObjectQuery {
                ids: vec![object_id.to_owned()],
                limit: 1,
                visibility: Some(visibility_filter(&caller, Action::Read)),
                ..ObjectQuery::default()
            })
            .await?;
        if !page.objects.is_empty() {
            readers.push(user.email);
        }
    }
    Ok(readers)
}

/// Whether any sighting of `object_id` is stored, whoever may read it: when none is,
/// no organisation needs asking whether one near it sighted the object. The answer
/// goes to no member; it only spares the per-organisation questions.
pub async fn sighted_at_all(store: &SqliteStore, object_id: &str) -> Result<bool, StoreError> {
    let summary = store
        .sighting_summary(SightingSummaryQuery {
            sighting_of: object_id.to_owned(),
            visibility: None,
            reported_by: None,
        })
        .await?;
    Ok(summary.sightings > 0)
}

/// Whether any relationship points at `targets`, whoever may read it: when none does,
/// no organisation needs asking for the courses of action mitigating them. The answer
/// goes to no member.
pub async fn pointed_at(store: &SqliteStore, targets: &[String]) -> Result<bool, StoreError> {
    let page = store
        .query(ObjectQuery {
            target_refs: targets.to_vec(),
            limit: 1,
            ..ObjectQuery::default()
        })
        .await?;
    Ok(!page.objects.is_empty())
}

/// Whether organisations in `organisation`'s sectors or supply chains sighted
/// `object_id`, as far as `organisation` may read their sightings.
pub async fn sighted_nearby(
    store: &SqliteStore,
    audience: &mut Audience,
    organisation: &str,
    object_id: &str,
) -> Result<bool, StoreError> {
    let near: Vec<OrgId> = audience
        .near(organisation)
        .into_iter()
        .map(|name| OrgId::new(name.to_owned()))
        .collect();
    if near.is_empty() {
        return Ok(false);
    }
    let caller = audience.caller(store, organisation).await?;
    let by_neighbours = Filter::Any(near.into_iter().map(Filter::OwnerIs).collect());
    let summary = store
        .sighting_summary(SightingSummaryQuery {
            sighting_of: object_id.to_owned(),
            visibility: Some(Filter::All(vec![
                visibility_filter(&caller, Action::Read),
                by_neighbours,
            ])),
            reported_by: None,
        })
        .await?;
    Ok(summary.organisations > 0)
}

/// The `course-of-action` objects that `mitigates` any of `targets`, as far as
/// `organisation` may read both the relationship and the course of action.
pub async fn courses_of_action(
    store: &SqliteStore,
    audience: &mut Audience,
    organisation: &str,
    targets: &[String],
) -> Result<Vec<CourseOfAction>, StoreError> {
    let caller = audience.caller(store, organisation).await?;
    let filter = visibility_filter(&caller, Action::Read);
    let relationships = store
        .query(ObjectQuery {
            target_refs: targets.to_vec(),
            limit: 100,
            visibility: Some(filter.clone()),
            ..ObjectQuery::default()
        })
        .await?;
    let mut sources: Vec<String> = relationships
        .objects
        .iter()
        .filter_map(|relationship| serde_json::from_str::<Value>(&relationship.json).ok())
        .filter(|relationship| relationship["relationship_type"] == "mitigates")
        .filter_map(|relationship| relationship["source_ref"].as_str().map(str::to_owned))
        .filter(|source| source.starts_with("course-of-action--"))
        .collect();
    sources.sort();
    sources.dedup();
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let courses = store
        .query(ObjectQuery {
            limit: sources.len(),
            ids: sources,
            visibility: Some(filter),
            ..ObjectQuery::default()
        })
        .await?;
    Ok(courses
        .objects
        .iter()
        .filter_map(|course| serde_json::from_str::<Value>(&course.json).ok())
        .filter(|course| course.get("revoked").and_then(Value::as_bool) != Some(true))
        .map(|course| CourseOfAction {
            id: course["id"].as_str().unwrap_or_default().to_owned(),
            name: course["name"].as_str().unwrap_or_default().to_owned(),
            description: course["description"].as_str().map(str::to_owned),
        })
        .collect())
}

/// The store's severity for the matcher's.
pub fn stored_severity(severity: alert::Severity) -> StoredSeverity {
    match severity {
        alert::Severity::Low => StoredSeverity::Low,
        alert::Severity::Medium => StoredSeverity::Medium,
        alert::Severity::High => StoredSeverity::High,
        alert::Severity::Critical => StoredSeverity::Critical,
    }
}

/// The alert to record, with the deliveries it is due: the organisation's webhooks
/// and the e-mail of its users who asked for it, as far as the alert's TLP allows.
pub async fn new_alert(
    store: &SqliteStore,
    audience: &mut Audience,
    draft: AlertDraft,
    sources: Vec<String>,
    recipients: Vec<String>,
    now: i64,
) -> Result<NewAlert, StoreError> {
    let severity = stored_severity(draft.severity);
    let mut deliveries = Vec::new();
    let organisation = draft.organisation.as_str();
    let to_webhook = DeliveryTarget::Webhook {
        owner_organisation: organisation,
    };
    if may_deliver(draft.tlp, organisation, to_webhook).is_ok() {
        for webhook in audience.webhooks(store, organisation).await? {
            if webhook.is_enabled() && severity >= webhook.min_severity {
                deliveries.push(NewDelivery {
                    channel: DeliveryChannel::Webhook(webhook.id),
                    not_before: now,
                });
            }
        }
    }
    let to_mailbox = DeliveryTarget::UserMailbox {
        user_organisation: organisation,
    };
    if may_deliver(draft.tlp, organisation, to_mailbox).is_ok() {
        for user in audience
            .users
            .get(&draft.organisation)
            .into_iter()
            .flatten()
        {
            let mode = audience.modes.get(&user.email).copied();
            if let Some(not_before) = email_time(mode, severity, now) {
                deliveries.push(NewDelivery {
                    channel: DeliveryChannel::Email(user.email.clone()),
                    not_before,
                });
            }
        }
    }
    let body = serde_json::to_value(&draft.body)
        .map_err(|error| StoreError::Invalid(format!("an alert body is not JSON: {error}")))?;
    Ok(NewAlert {
        organisation: draft.organisation,
        key: draft.key,
        kind: draft.kind.as_str().to_owned(),
        severity,
        tlp: draft.tlp,
        recipients,
        object_ids: draft.object_ids,
        sources,
        body,
        created_at: now,
        deliveries,
    })
}

/// When an e-mail about an alert of `severity` goes to a user with `mode`: at once for
/// high and critical alerts under `immediate`, else in the next daily (06:00 UTC) or
/// weekly (Monday 06:00 UTC) digest; never when the user asked for none.
fn email_time(mode: Option<NotificationMode>, severity: StoredSeverity, now: i64) -> Option<i64> {
    let next_morning = {
        let today = now.div_euclid(DAY) * DAY + DIGEST_HOUR * 3_600_000_000;
        if today > now { today } else { today + DAY }
    };
    match mode? {
        NotificationMode::Off => None,
        NotificationMode::Immediate if severity >= StoredSeverity::High => Some(now),
        NotificationMode::Immediate | NotificationMode::Daily => Some(next_morning),
        NotificationMode::Weekly => {
            // 1970-01-01 was a Thursday: day n is a Monday when (n + 3) % 7 == 0.
            let day = next_morning.div_euclid(DAY);
            let to_monday = (7 - (day + 3).rem_euclid(7)) % 7;
            Some(next_morning + to_monday * DAY)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_wait_for_the_next_morning_and_the_next_monday() {
        // 2026-11-29 (a Sunday) 10:00 UTC.
        let sunday_ten = 1_795_946_400_000_000;
        let monday_six = sunday_ten + 20 * 3_600_000_000;
        assert_eq!(email_time(None, StoredSeverity::High, sunday_ten), None);
        assert_eq!(
            email_time(
                Some(NotificationMode::Off),
                StoredSeverity::Critical,
                sunday_ten
            ),
            None
        );
        assert_eq!(
            email_time(
                Some(NotificationMode::Immediate),
                StoredSeverity::High,
                sunday_ten
            ),
            Some(sunday_ten)
        );
        assert_eq!(
            email_time(
                Some(NotificationMode::Immediate),
                StoredSeverity::Medium,
                sunday_ten
            ),
            Some(monday_six)
        );
        assert_eq!(
            email_time(
                Some(NotificationMode::Daily),
                StoredSeverity::Critical,
                sunday_ten
            ),
            Some(monday_six)
        );
        assert_eq!(
            email_time(
                Some(NotificationMode::Weekly),
                StoredSeverity::Low,
                sunday_ten
            ),
            Some(monday_six)
        );
        let monday_seven = monday_six + 3_600_000_000;
        assert_eq!(
            email_time(
                Some(NotificationMode::Weekly),
                StoredSeverity::Low,
                monday_seven
            ),
            Some(monday_six + 7 * DAY)
        );
    }
}
