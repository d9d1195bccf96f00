//! The TLP rules for alerts leaving the platform, as one pure decision per alert,
//! channel and target. Inside the platform the sharing policy decides who may *read*
//! intelligence; here the question is what may be *pushed out* of it, where the
//! platform no longer controls who reads on:
//!
//! - TLP:RED never leaves: the alert stays in the platform's inbox.
//! - TLP:AMBER+STRICT goes to the users of the matched organisation by e-mail, never to
//!   a webhook — an endpoint is a machine outside the platform that may pass it on.
//! - TLP:AMBER, GREEN and CLEAR go by webhook and by e-mail.
//!
//! An alert is about one organisation's assets, so at every level it goes only to that
//! organisation: its own webhook, its own users.

use std::fmt;

use dijkwacht_stix::tlp::TlpLevel;

/// A way out of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Webhook,
    Email,
}

impl fmt::Display for Channel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Channel::Webhook => "webhook",
            Channel::Email => "e-mail",
        })
    }
}

/// Where an alert is to go, with the organisation the receiving end belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryTarget<'a> {
    /// The webhook endpoint an organisation registered.
    Webhook { owner_organisation: &'a str },
    /// The mailbox of a user of the platform.
    UserMailbox { user_organisation: &'a str },
}

impl DeliveryTarget<'_> {
    pub fn channel(&self) -> Channel {
        match self {
            DeliveryTarget::Webhook { .. } => Channel::Webhook,
            DeliveryTarget::UserMailbox { .. } => Channel::Email,
        }
    }

    fn organisation(&self) -> &str {
        match self {
            DeliveryTarget::Webhook { owner_organisation } => owner_organisation,
            DeliveryTarget::UserMailbox { user_organisation } => user_organisation,
        }
    }
}

/// Why an alert may not go where it was meant to go. Nothing was sent; sending again
/// will not change the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryRefused {
    #[error("TLP:RED never leaves the platform by {channel}: the alert stays in the inbox")]
    RedStaysInTheInbox { channel: Channel },
    #[error(
        "TLP:AMBER+STRICT goes only to the organisation's own users by e-mail, never to a \
         webhook: the endpoint is a machine outside the platform that may pass it on"
    )]
    AmberStrictNeverToWebhooks,
    #[error(
        "the alert is about organisation `{alert_organisation}`; the {channel} target \
         belongs to `{target_organisation}`"
    )]
    OtherOrganisation {
        channel: Channel,
        alert_organisation: String,
        target_organisation: String,
    },
}

/// May an alert at `tlp` about `alert_organisation` go to `target`? `Ok` when it may,
/// the reason when it may not.
pub fn may_deliver(
    tlp: TlpLevel,
    alert_organisation: &str,
    target: DeliveryTarget<'_>,
) -> Result<(), DeliveryRefused> {
    let channel = target.channel();
    if tlp == TlpLevel::Red {
        return Err(DeliveryRefused::RedStaysInTheInbox { channel });
    }
    if tlp == TlpLevel::AmberStrict && channel == Channel::Webhook {
        return Err(DeliveryRefused::AmberStrictNeverToWebhooks);
    }
    if target.organisation() != alert_organisation {
        return Err(DeliveryRefused::OtherOrganisation {
            channel,
            alert_organisation: alert_organisation.to_owned(),
            target_organisation: target.organisation().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cell: a TLP level per row, a target per column; `send` where the alert may
    /// go, else the refusal's kind.
    const RULES: &str = "
        level         webhook-own   webhook-other  mail-own  mail-other
        clear         send          other-org      send      other-org
        green         send          other-org      send      other-org
        amber         send          other-org      send      other-org
        amber+strict  amber-strict  amber-strict   send      other-org
        red           red           red            red       red
    ";

    fn target(column: &str) -> DeliveryTarget<'static> {
        match column {
            "webhook-own" => DeliveryTarget::Webhook {
                owner_organisation: "waterbedrijf",
            },
            "webhook-other" => DeliveryTarget::Webhook {
                owner_organisation: "chemiebedrijf",
            },
            "mail-own" => DeliveryTarget::UserMailbox {
                user_organisation: "waterbedrijf",
            },
            "mail-other" => DeliveryTarget::UserMailbox {
                user_organisation: "chemiebedrijf",
            },
            other => panic!("no column {other}"),
        }
    }

    fn kind(decision: &Result<(), DeliveryRefused>) -> &'static str {
        match decision {
            Ok(()) => "send",
            Err(DeliveryRefused::RedStaysInTheInbox { .. }) => "red",
            Err(DeliveryRefused::AmberStrictNeverToWebhooks) => "amber-strict",
            Err(DeliveryRefused::OtherOrganisation { .. }) => "other-org",
        }
    }

    #[test]
    fn every_cell_of_the_delivery_rules() {
        let mut rows = RULES
            .lines()
            .map(str::split_whitespace)
            .filter_map(|mut words| {
                let first = words.next()?;
                Some((first, words.collect::<Vec<_>>()))
            });
        let (_, columns) = rows.next().expect("a header row");
        let mut cells = 0;
        for (level, expected) in rows {
            let tlp = TlpLevel::from_name(level).expect("a TLP name");
            assert_eq!(expected.len(), columns.len(), "row {level}");
            for (column, expected) in columns.iter().zip(expected) {
                let decision = may_deliver(tlp, "waterbedrijf", target(column));
                assert_eq!(
                    kind(&decision),
                    expected,
                    "{level} × {column}: {decision:?}"
                );
                cells += 1;
            }
        }
        assert_eq!(cells, 20, "five levels × four targets");
    }

    #[test]
    fn refusals_say_why_in_words_for_the_operator() {
        let red = may_deliver(TlpLevel::Red, "waterbedrijf", target("mail-own"));
        assert_eq!(
            red.map_err(|refusal| refusal.to_string()),
            Err(
                "TLP:RED never leaves the platform by e-mail: the alert stays in the inbox"
                    .to_owned()
            )
        );
        let other = may_deliver(TlpLevel::Green, "waterbedrijf", target("webhook-other"))
            .expect_err("another organisation's webhook");
        assert_eq!(
            other.to_string(),
            "the alert is about organisation `waterbedrijf`; the webhook target belongs to `chemiebedrijf`"
        );
    }
}
