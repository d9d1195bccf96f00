//! E-mail delivery against a real SMTP server on 127.0.0.1: aiosmtpd (PyPI, from the
//! reference-tool environment that scripts/test.sh makes) run by
//! `tests/reference/smtp_receiver.py` (handled by `tests/support/smtp_receiver.rs`,
//! shared with the CLI tests), which saves every message it takes as JSON and
//! refuses `unknown…@` recipients with 550 and `busy…@` ones with 451. Without that
//! environment these tests are skipped on a laptop, with the reason printed; under CI
//! (`CI` set) they fail instead. The tests that need no server (a closed port, a
//! server that never speaks, the TLP refusals) always run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use dijkwacht_stix::tlp::TlpLevel;
use serde_json::Value;

use super::alert::tests::router_alert;
use super::alert::{OutgoingAlert, Severity};
use super::mail::{MailRecipient, MailSender, SmtpConfig};
use super::mail_text::{Digest, DigestPeriod, MailContent};
use super::outcome::DeliveryOutcome;
use super::policy::{Channel, DeliveryRefused};
use super::test_support::{SilentServer, closed_port};

#[path = "../../../tests/support/smtp_receiver.rs"]
mod smtp_receiver;
use smtp_receiver::{SmtpReceiver, has_aiosmtpd};

const ALICE: &str = "alice@waterbedrijf.example";

/// The Python of the reference tools, with aiosmtpd importable; `None` (skip) on a
/// machine without it, a failed test under CI.
fn python_with_aiosmtpd() -> Option<PathBuf> {
    let python = std::env::var_os("DIJKWACHT_REFERENCE_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            let venv =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-reference/bin/python");
            venv.exists().then_some(venv)
        });
    let importable = python.as_deref().is_some_and(has_aiosmtpd);
    if importable {
        return python;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "aiosmtpd is missing under CI: scripts/test.sh installs scripts/reference-requirements.txt"
    );
    eprintln!(
        "skipping the SMTP test: no reference Python with aiosmtpd (run scripts/test.sh once)"
    );
    None
}

/// A receiver on a free port, or `None` (skip) without the reference Python.
fn start_receiver() -> Option<SmtpReceiver> {
    Some(SmtpReceiver::start(&python_with_aiosmtpd()?, None))
}

fn sender_for(receiver: &SmtpReceiver) -> MailSender {
    let config = SmtpConfig::loopback_for_tests(receiver.port, Duration::from_secs(10));
    MailSender::new(&config).expect("a plain transport to 127.0.0.1")
}

fn user(address: &str, organisation: &str) -> MailRecipient {
    MailRecipient {
        address: address.to_owned(),
        organisation: organisation.to_owned(),
    }
}

fn body_of(message: &Value) -> &str {
    message["body"].as_str().expect("a text body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_arrives_addressed_labelled_and_in_both_languages() {
    let Some(receiver) = start_receiver() else {
        return;
    };
    let alert = router_alert(TlpLevel::Amber);
    let outcome = send_alert(&sender_for(&receiver), &alice(), "delivery-0001", &alert).await;
    assert!(
        matches!(&outcome, DeliveryOutcome::Delivered { receipt } if receipt.starts_with("250")),
        "{outcome:?}"
    );

    let messages = receiver.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let message = &messages[0];
    assert_eq!(message["rcpt_tos"], serde_json::json!([ALICE]));
    assert_eq!(message["to"], ALICE);
    assert_eq!(message["mail_from"], "alerts@dijkwacht.example");
    assert_eq!(
        message["subject"],
        "[Dijkwacht] HIGH: Kwetsbaarheid in uw Example Router / Vulnerability in your Example Router"
    );
    assert_eq!(message["message_id"], "<delivery-0001@dijkwacht.example>");
    assert_eq!(message["auto_submitted"], "auto-generated");
    assert_eq!(message["content_type"], "text/plain");
    assert_eq!(message["charset"], "utf-8");

    let body = body_of(message);
    assert_eq!(body.lines().next(), Some("TLP:AMBER"), "{body}");
    let dutch_step = "1. Installeer firmware 1.3 op de router.";
    let dutch_accented = "2. Blokkeer beheer via internet tot de update geïnstalleerd is.";
    let english_step = "1. Install firmware 1.3 on the router.";
    for expected in [
        dutch_step,
        dutch_accented,
        english_step,
        "https://advisories.example/CVE-2026-0001",
    ] {
        assert!(
            body.contains(expected),
            "{expected:?} is missing from\n{body}"
        );
    }
    let position = |needle: &str| body.find(needle).expect("present");
    assert!(position(dutch_step) < position("── English ──"));
    assert!(position("── English ──") < position(english_step));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_digest_arrives_as_one_message_with_every_alert() {
    let Some(receiver) = start_receiver() else {
        return;
    };
    let mut second = router_alert(TlpLevel::Green);
    second.id = "alert--0b5e7c1d-2e3f-4a51-8b62-7c8d9e0f1a2b".to_owned();
    second.severity = Severity::Critical;
    second.title_en = "Your address range is scanned".to_owned();
    let alerts: Vec<OutgoingAlert> = vec![router_alert(TlpLevel::Amber), second];
    let digest = Digest::new(DigestPeriod::Daily, &alerts).expect("two alerts");
    let outcome = sender_for(&receiver)
        .send(
            &user(ALICE, "waterbedrijf"),
            "digest-2026-03-02",
            &MailContent::Digest(digest),
        )
        .await;
    assert!(
        matches!(outcome, DeliveryOutcome::Delivered { .. }),
        "{outcome:?}"
    );
    let messages = receiver.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0]["subject"],
        "[Dijkwacht] CRITICAL: Dagoverzicht, 2 meldingen / Daily digest, 2 alerts"
    );
    let body = body_of(&messages[0]);
    assert!(body.starts_with("TLP:AMBER\n"), "{body}");
    for alert in &alerts {
        assert_eq!(
            body.matches(&alert.id).count(),
            2,
            "{} in both languages",
            alert.id
        );
    }
    assert!(
        body.contains("Alert 1 / 2\nTLP:GREEN\n\nCRITICAL: Your address range is scanned"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_recipient_ends_or_waits_as_the_reply_code_says() {
    let Some(receiver) = start_receiver() else {
        return;
    };
    let alert = router_alert(TlpLevel::Green);
    let sender = sender_for(&receiver);
    let unknown = send_alert(
        &sender,
        &user("unknown-bob@waterbedrijf.example", "waterbedrijf"),
        "d-550",
        &alert,
    )
    .await;
    let DeliveryOutcome::GiveUp { reason } = &unknown else {
        panic!("a 550 is final: {unknown:?}");
    };
    assert!(reason.contains("550"), "{reason}");
    assert!(
        reason.contains("<unknown-bob@waterbedrijf.example>: no such user here"),
        "the server's words: {reason}"
    );

    let busy = send_alert(
        &sender,
        &user("busy-carol@waterbedrijf.example", "waterbedrijf"),
        "d-451",
        &alert,
    )
    .await;
    let DeliveryOutcome::Retry { reason, .. } = &busy else {
        panic!("a 451 may pass: {busy:?}");
    };
    assert!(
        reason.contains("451") && reason.contains("mailbox busy"),
        "{reason}"
    );
    assert!(receiver.messages().is_empty(), "nothing was taken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amber_strict_goes_to_the_organisations_own_users_only() {
    let Some(receiver) = start_receiver() else {
        return;
    };
    let alert = router_alert(TlpLevel::AmberStrict);
    let sender = sender_for(&receiver);
    let own = send_alert(&sender, &alice(), "strict-own", &alert).await;
    assert!(matches!(own, DeliveryOutcome::Delivered { .. }), "{own:?}");
    let other = send_alert(
        &sender,
        &user("dave@chemiebedrijf.example", "chemiebedrijf"),
        "strict-other",
        &alert,
    )
    .await;
    assert_eq!(
        other,
        DeliveryOutcome::Refused(DeliveryRefused::OtherOrganisation {
            channel: Channel::Email,
            alert_organisation: "waterbedrijf".to_owned(),
            target_organisation: "chemiebedrijf".to_owned(),
        })
    );
    let messages = receiver.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["rcpt_tos"], serde_json::json!([ALICE]));
    assert!(body_of(&messages[0]).starts_with("TLP:AMBER+STRICT\n"));
}

/// A sender to a port nothing listens on: whatever is not refused first would fail as
/// a retry.
fn sender_without_a_server() -> MailSender {
    sender_to(closed_port(), Duration::from_secs(5))
}

fn sender_to(port: u16, timeout: Duration) -> MailSender {
    MailSender::new(&SmtpConfig::loopback_for_tests(port, timeout)).expect("a transport")
}

async fn send_alert(
    sender: &MailSender,
    to: &MailRecipient,
    delivery_id: &str,
    alert: &OutgoingAlert,
) -> DeliveryOutcome {
    sender
        .send(to, delivery_id, &MailContent::Alert(alert))
        .await
}

fn alice() -> MailRecipient {
    user(ALICE, "waterbedrijf")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_not_there_is_tried_again() {
    let alert = router_alert(TlpLevel::Green);
    let outcome = send_alert(&sender_without_a_server(), &alice(), "d-closed", &alert).await;
    let DeliveryOutcome::Retry { reason, .. } = &outcome else {
        panic!("no server may come back: {outcome:?}");
    };
    assert!(reason.to_lowercase().contains("refused"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_speaks_times_out_and_is_tried_again() {
    let silent = SilentServer::start().await;
    let alert = router_alert(TlpLevel::Green);
    let started = std::time::Instant::now();
    let sender = sender_to(silent.address.port(), Duration::from_secs(1));
    let outcome = send_alert(&sender, &alice(), "d-silent", &alert).await;
    assert!(
        matches!(&outcome, DeliveryOutcome::Retry { reason, .. } if reason.contains("within 1 s")),
        "{outcome:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn red_never_leaves_by_mail_and_nothing_is_sent() {
    let sender = sender_without_a_server();
    let single = send_alert(&sender, &alice(), "d-red", &router_alert(TlpLevel::Red)).await;
    let alerts = [router_alert(TlpLevel::Green), router_alert(TlpLevel::Red)];
    let digest = Digest::new(DigestPeriod::Weekly, &alerts).expect("two alerts");
    let in_a_digest = sender
        .send(&alice(), "d-red-digest", &MailContent::Digest(digest))
        .await;
    let red_stays = DeliveryOutcome::Refused(DeliveryRefused::RedStaysInTheInbox {
        channel: Channel::Email,
    });
    assert_eq!(single, red_stays);
    assert_eq!(
        in_a_digest, red_stays,
        "one RED alert keeps the whole digest in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_that_is_no_address_is_given_up() {
    let alert = router_alert(TlpLevel::Green);
    let nobody = user("alice at waterbedrijf", "waterbedrijf");
    let outcome = send_alert(&sender_without_a_server(), &nobody, "d-bad", &alert).await;
    assert!(
        matches!(&outcome, DeliveryOutcome::GiveUp { reason } if reason.contains("is not an e-mail address")),
        "{outcome:?}"
    );
}
