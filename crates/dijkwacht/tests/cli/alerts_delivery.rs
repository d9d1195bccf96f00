//! Alerts leaving the platform through the real binary: e-mail to aiosmtpd on
//! 127.0.0.1 (`tests/support/smtp_receiver.rs`, skipped without the reference Python
//! on a laptop, failed under CI) and signed webhooks to a receiver written here. It
//! proves that:
//! - a high alert is mailed at once to the user who asked for `immediate`, with the
//!   right recipient, subject and steps in Dutch and English, and never twice; a medium
//!   one waits for the next morning's digest and goes then;
//! - a mail server that refuses the recipient (550) makes the delivery give up with the
//!   server's words, one that is down makes it wait and succeed once it is back, and
//!   `alerts show` says how each delivery stands;
//! - a webhook answering 503 is tried again on the backoff schedule (not before it is
//!   due), then gets the alert once, signed with HMAC-SHA256 and under the same
//!   delivery id as the failed try; one that keeps failing is given up after eight;
//! - TLP:AMBER+STRICT is mailed to the organisation's user but never posted to its
//!   webhook, and TLP:RED stays in the inbox of its named users;
//! - `serve` matches and delivers by itself what arrives over TAXII.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dijkwacht_stix::Timestamp;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

#[path = "../support/smtp_receiver.rs"]
mod smtp_receiver;
use smtp_receiver::{SmtpReceiver, has_aiosmtpd};

use crate::alerts::{
    ALICE, alert_from, id_of, indicator_id, list_alerts, publish, publish_water_indicator,
    water_indicator, water_platform,
};
use crate::{add_analyst, dijkwacht, reference_python, run, run_ok, start_server, text};

/// The environment variable the webhook's secret is given in.
const SECRET_VARIABLE: &str = "DIJKWACHT_TEST_WEBHOOK_SECRET";
const SECRET: &str = "a webhook secret known to both sides";

/// aiosmtpd on `port` (any free one when `None`); `None` when there is no reference
/// Python with aiosmtpd on this machine (a failure under CI).
fn start_smtp(port: Option<u16>) -> Option<SmtpReceiver> {
    let python = reference_python()?;
    if !has_aiosmtpd(&python) {
        assert!(
            std::env::var_os("CI").is_none(),
            "aiosmtpd is missing under CI: install scripts/reference-requirements.txt"
        );
        eprintln!("skipping: the reference Python has no aiosmtpd");
        return None;
    }
    Some(SmtpReceiver::start(&python, port))
}

/// Writes the `[smtp]` table for a plain relay on 127.0.0.1 at `port`.
fn configure_smtp(data: &Path, port: u16) {
    let path = data.join("dijkwacht.toml");
    let mut config = std::fs::read_to_string(&path).unwrap_or_default();
    config.push_str(&format!(
        "\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
         from = \"Dijkwacht <alerts@dijkwacht.example>\"\ntimeout_seconds = 10\n"
    ));
    std::fs::write(&path, config).expect("dijkwacht.toml is written");
}

/// One request a webhook receiver took, and the status it answered.
#[derive(Debug, Clone)]
struct Received {
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
    answered: u16,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    fn alert(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the webhook body is JSON")
    }
}

/// A webhook endpoint on 127.0.0.1 that answers `503 Service Unavailable` to its
/// first `failures` requests and `200 OK` after, and keeps every request.
struct WebhookReceiver {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl WebhookReceiver {
    fn start(failures: usize) -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("bound").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = take(stream, &kept, failures);
            }
        });
        WebhookReceiver { port, received }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/dijkwacht", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the requests").clone()
    }

    /// Waits up to `limit` for `count` requests.
    fn wait_for(&self, count: usize, limit: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count || started.elapsed() > limit {
                return received;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn take(stream: TcpStream, kept: &Mutex<Vec<Received>>, failures: usize) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length = headers
        .get("content-length")
        .and_then(|length| length.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (status, words) = {
        let mut kept = kept.lock().expect("the requests");
        let failing = kept.len() < failures;
        kept.push(Received {
            headers,
            body,
            answered: if failing { 503 } else { 200 },
        });
        if failing {
            ("503 Service Unavailable", "down for maintenance")
        } else {
            ("200 OK", "thanks")
        }
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{words}",
        words.len()
    )
}

/// Whether `received` carries `X-Dijkwacht-Signature` over its timestamp and body
/// under `secret`, checked as a member's receiver would.
fn signed_with(received: &Received, secret: &str) -> bool {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(received.header("x-dijkwacht-timestamp").as_bytes());
    mac.update(b".");
    mac.update(&received.body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    received.header("x-dijkwacht-signature") == format!("sha256={hex}")
}

/// Adds a webhook of `organisation` to `url` with [`SECRET`], given in the environment.
fn add_webhook(data: &Path, organisation: &str, url: &str) {
    let output = dijkwacht(data)
        .env(SECRET_VARIABLE, SECRET)
        .args(["alerts", "webhook", "add", "--org", organisation, url])
        .args(["--secret-env", SECRET_VARIABLE])
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let said = text(&output.stdout);
    assert!(
        said.contains(&format!("for {organisation}: {url}")),
        "{said}"
    );
    assert!(
        !said.contains(SECRET),
        "a given secret is not shown: {said}"
    );
}

/// `alerts deliver`, at `at` when given; its report.
fn deliver(data: &Path, at: Option<&str>) -> String {
    let mut arguments = vec!["alerts", "deliver"];
    arguments.extend(at.map(|at| ["--at", at]).into_iter().flatten());
    run_ok(data, &arguments).trim().to_owned()
}

fn report(delivered: usize, retrying: usize, given_up: usize) -> String {
    format!("{delivered} delivered, {retrying} to try again, {given_up} given up")
}

/// The deliveries `alerts show ID --format json` lists.
fn deliveries(data: &Path, id: &str) -> Vec<Value> {
    let shown = show_json(data, id);
    shown["deliveries"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no deliveries listed: {shown}"))
}

fn micros(timestamp: &Value) -> i64 {
    let text = timestamp.as_str().unwrap_or_else(|| panic!("{timestamp}"));
    Timestamp::parse(text)
        .unwrap_or_else(|error| panic!("{text}: {error}"))
        .unix_micros()
}

/// The seconds from a delivery's last attempt to its next.
fn wait_of(delivery: &Value) -> i64 {
    (micros(&delivery["next_attempt"]) - micros(&delivery["last_attempt"])) / 1_000_000
}

/// [`water_platform`] with a webhook of waterbedrijf to a receiver that fails its first
/// `failures` requests.
fn webhook_platform(failures: usize) -> (tempfile::TempDir, WebhookReceiver) {
    let store = water_platform();
    let receiver = WebhookReceiver::start(failures);
    add_webhook(store.path(), "waterbedrijf", &receiver.url());
    (store, receiver)
}

/// [`water_platform`] mailing through aiosmtpd, with Alice told at once; `None` (skip)
/// without aiosmtpd.
fn mail_platform() -> Option<(SmtpReceiver, tempfile::TempDir)> {
    let smtp = start_smtp(None)?;
    let store = water_platform();
    configure_smtp(store.path(), smtp.port);
    run_ok(store.path(), &["alerts", "notify", ALICE, "immediate"]);
    Some((smtp, store))
}

/// Publishes indicator `number` on an address of waterbedrijf with the `sharing` flags
/// (high with `confident`, else medium); gives its alert's id.
fn alert_on(data: &Path, number: u32, confident: bool, sharing: &[&str]) -> String {
    publish_water_indicator(data, number, confident.then_some(80), sharing);
    let alerts = list_alerts(data, Some("waterbedrijf"), &[]);
    let alert = alert_from(&alerts, &indicator_id(number))
        .unwrap_or_else(|| panic!("no alert from indicator {number}: {alerts:#?}"));
    let expected = if confident { "high" } else { "medium" };
    assert_eq!(alert["severity"], expected, "{alert}");
    id_of(alert)
}

fn show_json(data: &Path, id: &str) -> Value {
    serde_json::from_str(&run_ok(data, &["alerts", "show", id, "--format", "json"]))
        .expect("alerts show prints JSON")
}

#[test]
fn alerts_delivery_mails_a_high_alert_at_once_and_once_and_a_medium_one_with_the_digest() {
    let Some((smtp, store)) = mail_platform() else {
        return;
    };
    let data = store.path();
    let high = alert_on(data, 41, true, &["--community", "water"]);
    let medium = alert_on(data, 42, false, &["--community", "water"]);

    assert_eq!(deliver(data, None), report(1, 0, 0));
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let message = &messages[0];
    assert_eq!(message["rcpt_tos"], json!([ALICE]));
    assert_eq!(message["to"], ALICE);
    assert_eq!(message["mail_from"], "alerts@dijkwacht.example");
    let alert = show_json(data, &high);
    let title = |language: &str| alert["body"]["title"][language].as_str().expect("a title");
    assert_eq!(
        message["subject"],
        format!("[Dijkwacht] HIGH: {} / {}", title("nl"), title("en"))
    );
    let body = message["body"].as_str().expect("a text body");
    assert!(body.starts_with("TLP:GREEN\n"), "{body}");
    let steps = alert["body"]["steps"].as_array().expect("steps");
    assert!(steps.len() >= 2, "{alert}");
    for step in steps {
        let (dutch, english) = (
            step["nl"].as_str().expect("a Dutch step"),
            step["en"].as_str().expect("an English step"),
        );
        let at = |words: &str| {
            body.find(words)
                .unwrap_or_else(|| panic!("{words:?} is missing from\n{body}"))
        };
        assert!(at(dutch) < at(english), "Dutch first:\n{body}");
    }

    // Once only: a second pass sends nothing.
    assert_eq!(deliver(data, None), report(0, 0, 0));
    assert_eq!(smtp.messages().len(), 1);
    let sent = deliveries(data, &high);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0]["channel"], format!("e-mail {ALICE}"));
    assert_eq!(sent[0]["state"], "delivered");
    assert_eq!(sent[0]["attempts"], 1);

    // The medium alert waits for the next morning at 06:00 UTC, and goes then.
    let waiting = deliveries(data, &medium);
    assert_eq!(waiting.len(), 1, "{waiting:#?}");
    assert_eq!(waiting[0]["state"], "pending");
    assert_eq!(waiting[0]["attempts"], 0);
    let morning = waiting[0]["next_attempt"].as_str().expect("when it is due");
    let (due, created) = (
        micros(&waiting[0]["next_attempt"]),
        micros(&show_json(data, &medium)["created"]),
    );
    const HOUR: i64 = 3_600_000_000;
    assert_eq!(due % (24 * HOUR), 6 * HOUR, "at 06:00 UTC: {morning}");
    assert!(
        due > created && due <= created + 24 * HOUR,
        "the next: {morning}"
    );
    assert_eq!(deliver(data, Some(morning)), report(1, 0, 0));
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages[1]["subject"]
            .as_str()
            .is_some_and(|subject| subject.starts_with("[Dijkwacht] MEDIUM: ")
                && subject.contains("198.51.100.42")),
        "{}",
        messages[1]
    );
}

/// A medium alert waiting for the digest is sent at once when a sighting nearby
/// raises it to high, on the same delivery: brought forward, not repeated.
#[test]
fn alerts_delivery_sends_a_waiting_alert_at_once_when_a_sighting_raises_it() {
    let Some((smtp, store)) = mail_platform() else {
        return;
    };
    let data = store.path();
    let medium = alert_on(data, 43, false, &["--community", "water"]);
    let waiting = deliveries(data, &medium);
    assert_eq!(waiting.len(), 1, "{waiting:#?}");
    assert_eq!(
        deliver(data, None),
        report(0, 0, 0),
        "it waits for the digest"
    );

    let sighting = json!({
        "type": "sighting", "spec_version": "2.1",
        "id": "sighting--00000000-0000-4000-9000-000000000043",
        "created": "2026-11-21T08:00:00.000Z", "modified": "2026-11-21T08:00:00.000Z",
        "sighting_of_ref": indicator_id(43), "count": 2
    });
    let said = publish(
        data,
        "drinkwater",
        vec![sighting],
        &["--community", "water", "--tlp", "green"],
    );
    assert!(said.contains("1 raised"), "{said}");
    let raised = deliveries(data, &medium);
    assert_eq!(
        raised.len(),
        1,
        "the same delivery, not a second: {raised:#?}"
    );
    assert_eq!(raised[0]["id"], waiting[0]["id"]);
    assert_eq!(deliver(data, None), report(1, 0, 0), "now urgent");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(
        messages[0]["subject"]
            .as_str()
            .is_some_and(|subject| subject.starts_with("[Dijkwacht] HIGH: ")),
        "{}",
        messages[0]
    );
    assert_eq!(deliver(data, Some("2099-01-01T00:00:00Z")), report(0, 0, 0));
}

#[test]
fn alerts_delivery_gives_up_on_a_refused_recipient_and_waits_out_a_server_that_is_down() {
    let store = water_platform();
    let data = store.path();
    let unknown = "unknown-bob@waterbedrijf.example";
    add_analyst(data, unknown, "waterbedrijf");
    for user in [ALICE, unknown] {
        run_ok(data, &["alerts", "notify", user, "immediate"]);
    }
    // The mail server ran here, and is down.
    let Some(smtp) = start_smtp(None) else {
        return;
    };
    let port = smtp.port;
    drop(smtp);
    configure_smtp(data, port);
    let id = alert_on(data, 51, true, &["--community", "water"]);
    assert_eq!(deliver(data, None), report(0, 2, 0));
    let waiting = deliveries(data, &id);
    assert_eq!(waiting.len(), 2, "{waiting:#?}");
    for delivery in &waiting {
        assert_eq!(delivery["state"], "pending", "{delivery}");
        assert_eq!(delivery["attempts"], 1, "{delivery}");
        let error = delivery["last_error"].as_str().unwrap_or_default();
        assert!(error.contains("refused"), "{delivery}");
        assert_eq!(wait_of(delivery), 30, "the first wait: {delivery}");
    }
    assert_eq!(deliver(data, None), report(0, 0, 0), "not due yet");

    // It is back on the same port; once the retries are due, Alice gets her alert and
    // the server refuses Bob, whom it does not know.
    let smtp = start_smtp(Some(port)).expect("it ran before");
    let due = waiting
        .iter()
        .filter_map(|delivery| delivery["next_attempt"].as_str())
        .max()
        .expect("a next attempt");
    assert_eq!(deliver(data, Some(due)), report(1, 0, 1));
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(messages[0]["rcpt_tos"], json!([ALICE]));
    let finished = deliveries(data, &id);
    let of = |user: &str| {
        finished
            .iter()
            .find(|delivery| delivery["channel"] == format!("e-mail {user}"))
            .unwrap_or_else(|| panic!("no delivery to {user}: {finished:#?}"))
    };
    assert_eq!(of(ALICE)["state"], "delivered");
    assert_eq!(of(ALICE)["attempts"], 2);
    assert_eq!(of(unknown)["state"], "gave-up");
    let error = of(unknown)["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("550") && error.contains(&format!("<{unknown}>: no such user here")),
        "the server's own words: {error}"
    );
    let shown = run_ok(data, &["alerts", "show", &id, "--language", "en"]);
    assert!(
        shown.contains(&format!("- e-mail {unknown}: gave-up, 2 attempt(s)"))
            && shown.contains("no such user here"),
        "{shown}"
    );
    assert_eq!(deliver(data, Some(due)), report(0, 0, 0));
}

#[test]
fn alerts_delivery_retries_a_failing_webhook_when_due_and_signs_every_try_alike() {
    let (store, receiver) = webhook_platform(1);
    let data = store.path();
    let id = alert_on(data, 61, true, &["--community", "water"]);

    assert_eq!(deliver(data, None), report(0, 1, 0));
    let failed = deliveries(data, &id);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["channel"], "webhook 1");
    assert_eq!(failed[0]["state"], "pending");
    assert_eq!(failed[0]["attempts"], 1);
    let error = failed[0]["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("503") && error.contains("down for maintenance"),
        "{error}"
    );
    assert_eq!(wait_of(&failed[0]), 30, "the first wait of the schedule");

    assert_eq!(deliver(data, None), report(0, 0, 0), "not due yet");
    assert_eq!(receiver.received().len(), 1);

    let due = failed[0]["next_attempt"].as_str().expect("a next attempt");
    assert_eq!(deliver(data, Some(due)), report(1, 0, 0));
    let received = receiver.received();
    assert_eq!(received.len(), 2, "{received:#?}");
    let (first, second) = (&received[0], &received[1]);
    assert_eq!((first.answered, second.answered), (503, 200));
    assert_eq!(
        first.header("x-dijkwacht-delivery"),
        second.header("x-dijkwacht-delivery")
    );
    assert!(!second.header("x-dijkwacht-delivery").is_empty());
    for attempt in [first, second] {
        assert!(signed_with(attempt, SECRET), "{attempt:?}");
        assert!(!signed_with(attempt, "another secret of enough length"));
        assert_eq!(attempt.header("content-type"), "application/json");
    }
    let mut tampered = second.clone();
    tampered.body.push(b' ');
    assert!(!signed_with(&tampered, SECRET), "the body is signed");
    let alert = second.alert();
    assert_eq!(alert["id"], id.as_str());
    assert_eq!(alert["organisation"], "waterbedrijf");
    assert_eq!(alert["severity"], "high");
    assert_eq!(alert["tlp"], "green");
    assert_eq!(alert["links"], json!([indicator_id(61)]));
    assert!(
        alert["steps"]
            .as_array()
            .is_some_and(|steps| steps.iter().all(|step| step["nl"] != step["en"])),
        "{alert}"
    );

    let delivered = deliveries(data, &id);
    assert_eq!(delivered[0]["state"], "delivered");
    assert_eq!(delivered[0]["attempts"], 2);
    assert_eq!(deliver(data, Some("2099-01-01T00:00:00Z")), report(0, 0, 0));
    assert_eq!(receiver.received().len(), 2, "the body once");
}

#[test]
fn alerts_delivery_gives_up_a_webhook_after_eight_attempts_on_the_schedule() {
    let (store, receiver) = webhook_platform(usize::MAX);
    let data = store.path();
    let id = alert_on(data, 62, true, &["--community", "water"]);
    assert_eq!(deliver(data, None), report(0, 1, 0));
    let mut waits = Vec::new();
    for _ in 2..=7 {
        let pending = deliveries(data, &id);
        waits.push(wait_of(&pending[0]));
        let due = pending[0]["next_attempt"].as_str().expect("a next attempt");
        assert_eq!(deliver(data, Some(due)), report(0, 1, 0));
    }
    let pending = deliveries(data, &id);
    waits.push(wait_of(&pending[0]));
    assert_eq!(waits, [30, 120, 600, 3_600, 21_600, 21_600, 21_600]);
    let due = pending[0]["next_attempt"].as_str().expect("a next attempt");
    assert_eq!(deliver(data, Some(due)), report(0, 0, 1));
    let given_up = deliveries(data, &id);
    assert_eq!(given_up[0]["state"], "gave-up");
    assert_eq!(given_up[0]["attempts"], 8);
    assert_eq!(given_up[0]["next_attempt"], Value::Null);
    let error = given_up[0]["last_error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("gave up after 8 attempts; the last: ") && error.contains("503"),
        "{error}"
    );
    assert_eq!(receiver.received().len(), 8);
    assert_eq!(deliver(data, Some("2099-01-01T00:00:00Z")), report(0, 0, 0));
}

#[test]
fn alerts_delivery_sends_amber_strict_by_mail_only_and_red_nowhere() {
    let Some((smtp, store)) = mail_platform() else {
        return;
    };
    let data = store.path();
    let receiver = WebhookReceiver::start(0);
    add_webhook(data, "waterbedrijf", &receiver.url());

    // GREEN goes both ways: the channels work.
    alert_on(data, 71, true, &["--community", "water", "--tlp", "green"]);
    assert_eq!(deliver(data, None), report(2, 0, 0));
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(smtp.messages().len(), 1);

    let strict = alert_on(
        data,
        72,
        true,
        &["--community", "water", "--tlp", "amber+strict"],
    );
    publish_water_indicator(
        data,
        73,
        Some(80),
        &["--community", "water", "--tlp", "red", "--recipient", ALICE],
    );
    let planned: Vec<Value> = deliveries(data, &strict)
        .iter()
        .map(|delivery| delivery["channel"].clone())
        .collect();
    assert_eq!(planned, [json!(format!("e-mail {ALICE}"))]);
    assert_eq!(deliver(data, None), report(1, 0, 0));
    assert_eq!(
        receiver.received().len(),
        1,
        "no AMBER+STRICT to the webhook"
    );
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert_eq!(messages[1]["rcpt_tos"], json!([ALICE]));
    let body = messages[1]["body"].as_str().unwrap_or_default();
    assert!(body.starts_with("TLP:AMBER+STRICT\n"), "{body}");
    assert!(body.contains("198.51.100.72"), "{body}");

    // RED: an alert for its named user alone, in the inbox; nothing to send, now or
    // later.
    let alerts = list_alerts(data, None, &[]);
    let red = alert_from(&alerts, &indicator_id(73)).expect("RED alerts its named user");
    assert_eq!(red["recipients"], json!([ALICE]));
    assert!(
        deliveries(data, &id_of(red)).is_empty(),
        "RED plans no delivery"
    );
    assert_eq!(deliver(data, Some("2099-01-01T00:00:00Z")), report(0, 0, 0));
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(smtp.messages().len(), 2);
}

#[test]
fn alerts_delivery_serve_delivers_what_arrives_over_taxii_by_itself() {
    let (store, receiver) = webhook_platform(0);
    let data = store.path();
    let publisher = "analist@fusion.example";
    add_analyst(data, publisher, "fusion");
    let token = run_ok(data, &["token", "create", "--user", publisher, "--write"])
        .split_whitespace()
        .find(|word| word.starts_with("dwt_"))
        .expect("the token is printed")
        .to_owned();
    let mut command = dijkwacht(data);
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = start_server(command);
    let base = format!("http://{}/taxii2/water/collections/", server.address);
    let client = reqwest::blocking::Client::new();
    let collections: Value = client
        .get(&base)
        .header("Accept", "application/taxii+json;version=2.1")
        .bearer_auth(&token)
        .send()
        .and_then(|response| response.json())
        .expect("the collections of water");
    let collection = collections["collections"][0]["id"]
        .as_str()
        .expect("a collection id");
    let indicator = water_indicator(81, Some(80));
    let posted = client
        .post(format!("{base}{collection}/objects/"))
        .header("Accept", "application/taxii+json;version=2.1")
        .header("Content-Type", "application/taxii+json;version=2.1")
        .bearer_auth(&token)
        .body(json!({"objects": [indicator]}).to_string())
        .send()
        .expect("the server takes the envelope");
    assert_eq!(posted.status(), 202, "{:?}", posted.text());

    let received = receiver.wait_for(1, Duration::from_secs(30));
    assert_eq!(received.len(), 1, "the webhook got nothing within 30 s");
    assert!(signed_with(&received[0], SECRET));
    let alert = received[0].alert();
    assert_eq!(alert["organisation"], "waterbedrijf");
    assert_eq!(alert["links"], json!([indicator_id(81)]));
    let alerts = list_alerts(data, None, &[]);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0]["id"], alert["id"]);
    drop(server);
    assert_eq!(receiver.received().len(), 1, "delivered once");
    let output = run(
        data,
        &["alerts", "show", &id_of(&alerts[0]), "--format", "json"],
    );
    let shown: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(shown["deliveries"][0]["state"], "delivered");
}
