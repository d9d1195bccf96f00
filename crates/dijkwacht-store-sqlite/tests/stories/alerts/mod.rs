//! The alert stories: what every [`Alerts`] backend must do, written against
//! `&dyn Directory` (to make the members) and `&dyn Alerts`, so that a PostgreSQL store
//! can run the same stories. A backend's test file calls [`alert_stories!`] with the
//! same function that makes a fresh store for [`super::store_stories!`].

pub mod delivery;
pub mod profiles;
pub mod records;

use dijkwacht_directory::{Sector, SizeClass};
use dijkwacht_policy::Role;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::alerts::{
    Alerts, DeliveryChannel, NewAlert, NewDelivery, NewWebhook, Severity, Webhook, WebhookSecret,
};
use dijkwacht_store::directory::{Directory, Organisation, User};
use serde_json::json;

/// Generates one `#[tokio::test]` per alert story, each on a fresh store from
/// `$fresh`, a function returning `(guard, store)`.
macro_rules! alert_stories {
    ($fresh:path) => {
        alert_stories!(@each $fresh;
            profiles::entries_are_added_replaced_and_removed_with_counts_and_revisions,
            profiles::all_profiles_are_read_a_page_at_a_time,
            profiles::an_unknown_organisation_has_no_profile,
            records::a_finding_recorded_twice_is_one_alert_delivered_once,
            records::a_worse_finding_raises_the_alert_and_adds_only_new_or_earlier_deliveries,
            records::pages_of_alerts_run_newest_first_and_hold_still,
            records::filters_choose_alerts_and_red_ones_show_only_to_recipients,
            records::status_changes_keep_their_history,
            records::feedback_and_counts_add_up_by_source_status_and_severity,
            records::the_cursor_moves_with_the_alerts_or_not_at_all,
            records::unknown_organisations_and_alerts_are_not_found,
            delivery::deliveries_are_due_retried_given_up_and_delivered_once,
            delivery::claimed_deliveries_are_held_until_reported,
            delivery::deliveries_never_cross_organisations,
            delivery::webhooks_are_listed_and_disabled_with_their_pending_deliveries,
            delivery::notification_preferences_are_kept_per_user,
        );
    };
    (@each $fresh:path; $($module:ident :: $story:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $story() {
                let (_guard, store) = $fresh();
                stories::alerts::$module::$story(&store, &store).await;
            }
        )*
    };
}
pub(crate) use alert_stories;

/// The member organisation most stories are about, and its users.
pub const WATER: &str = "waterbedrijf";
pub const ANNA: &str = "anna@waterbedrijf.example";
pub const BRAM: &str = "bram@waterbedrijf.example";
/// Another member, to show nothing crosses over.
pub const DAIRY: &str = "zuivelcooperatie";
pub const CEES: &str = "cees@zuivel.example";

/// Adds the two members and their users.
pub async fn members(directory: &dyn Directory) {
    for (number, name) in [WATER, DAIRY].into_iter().enumerate() {
        directory
            .add_organisation(Organisation {
                name: name.to_owned(),
                display_name: name.to_uppercase(),
                sectors: vec![Sector::Water],
                size: SizeClass::Small,
                vital: false,
                identity: format!("identity--00000000-0000-4000-8000-00000000000{number}"),
            })
            .await
            .expect("the organisation is added");
    }
    for (email, organisation) in [(ANNA, WATER), (BRAM, WATER), (CEES, DAIRY)] {
        directory
            .add_user(
                User {
                    email: email.to_owned(),
                    organisation: organisation.to_owned(),
                    role: Role::Analyst,
                },
                "$argon2id$not-checked-here".to_owned(),
            )
            .await
            .expect("the user is added");
    }
}

/// A finding for `organisation` under `key`, made at `at`, linking `objects`.
pub fn finding(organisation: &str, key: &str, severity: Severity, at: i64) -> NewAlert {
    NewAlert {
        organisation: organisation.to_owned(),
        key: key.to_owned(),
        kind: "vulnerable-product".to_owned(),
        severity,
        tlp: TlpLevel::Green,
        recipients: Vec::new(),
        object_ids: vec![format!("vulnerability--{key}")],
        sources: vec!["ncsc-advisories".to_owned()],
        body: json!({
            "title": { "nl": format!("Kwetsbaarheid {key}"), "en": format!("Vulnerability {key}") },
            "steps": { "nl": ["Werk bij"], "en": ["Update"] },
        }),
        created_at: at,
        deliveries: Vec::new(),
    }
}

/// A delivery by e-mail to `user`, not before `not_before`.
pub fn by_email(user: &str, not_before: i64) -> NewDelivery {
    NewDelivery {
        channel: DeliveryChannel::Email(user.to_owned()),
        not_before,
    }
}

/// Adds a webhook of `organisation` that takes every severity.
pub async fn webhook_of(alerts: &dyn Alerts, organisation: &str, at: i64) -> Webhook {
    alerts
        .add_webhook(NewWebhook {
            organisation: organisation.to_owned(),
            url: format!("https://soc.{organisation}.example/hook"),
            secret: WebhookSecret::new(format!("signing-key-of-{organisation}")),
            min_severity: Severity::Low,
            created_at: at,
        })
        .await
        .expect("the webhook is added")
}

/// Records alerts with no cursor and fails the test on a store error.
pub async fn record(
    alerts: &dyn Alerts,
    batch: Vec<NewAlert>,
) -> Vec<dijkwacht_store::alerts::RecordedAlert> {
    alerts
        .record_alerts(batch, None)
        .await
        .expect("the alerts are recorded")
}
