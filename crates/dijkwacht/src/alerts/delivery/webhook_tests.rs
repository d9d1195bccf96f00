//! Webhook delivery against a real HTTP receiver on 127.0.0.1: a small axum server that
//! answers from a script (503, then 200; 429 with `Retry-After`; 400; a redirect),
//! records every request and checks each signature with [`verify_signature`] as a
//! member's receiver would. Retries are driven as the outbox drives them — each
//! outcome's next step, on a clock that jumps to the time it names — so the test sees
//! the backoff order without waiting for it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use dijkwacht_stix::tlp::TlpLevel;

use super::alert::OutgoingAlert;
use super::alert::tests::router_alert;
use super::outcome::{DeliveryOutcome, NextStep};
use super::policy::{Channel, DeliveryRefused};
use super::signature::{
    DELIVERY_HEADER, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER, WebhookSecret,
    verify_signature,
};
use super::test_support::{SilentServer, closed_port};
use super::webhook::{WebhookEndpoint, WebhookLimits, WebhookSender, WebhookUrl};

const SECRET: &str = "waterbedrijf-webhook-secret";

/// One scripted answer: status, extra headers, body.
type Answer = (u16, Vec<(&'static str, &'static str)>, &'static str);

/// What the receiver saw of one request.
#[derive(Debug, Clone)]
struct Received {
    delivery_id: Option<String>,
    content_type: Option<String>,
    signature_check: Result<(), SignatureError>,
    body: Vec<u8>,
}

#[derive(Default)]
struct Script {
    answers: Vec<Answer>,
    received: Vec<Received>,
}

type Shared = Arc<Mutex<Script>>;

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

async fn receive(
    State(script): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let timestamp = header(&headers, TIMESTAMP_HEADER).unwrap_or_default();
    let signature = header(&headers, SIGNATURE_HEADER).unwrap_or_default();
    let received = Received {
        delivery_id: header(&headers, DELIVERY_HEADER),
        content_type: header(&headers, "content-type"),
        signature_check: verify_signature(SECRET.as_bytes(), &timestamp, &body, &signature),
        body: body.to_vec(),
    };
    let mut script = script.lock().expect("the receiver's script");
    script.received.push(received);
    let (status, extra, text) = if script.answers.is_empty() {
        (200, Vec::new(), "thanks")
    } else {
        script.answers.remove(0)
    };
    let mut response_headers = HeaderMap::new();
    for (name, value) in extra {
        response_headers.insert(name, value.parse().expect("a header value"));
    }
    let status = StatusCode::from_u16(status).expect("a status");
    (status, response_headers, text)
}

/// A receiver answering `answers` in turn, then 200; its URL and what it saw.
async fn receiver(answers: Vec<Answer>) -> (String, Shared) {
    let script: Shared = Arc::new(Mutex::new(Script {
        answers,
        received: Vec::new(),
    }));
    let router = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .route("/elsewhere", axum::routing::post(receive))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{address}/hook"), script)
}

fn received(script: &Shared) -> Vec<Received> {
    script
        .lock()
        .expect("the receiver's script")
        .received
        .clone()
}

fn endpoint(url: &str, organisation: &str) -> WebhookEndpoint {
    WebhookEndpoint {
        organisation: organisation.to_owned(),
        url: WebhookUrl::parse(url).expect("a loopback URL"),
        secret: WebhookSecret::new(SECRET).expect("a long secret"),
    }
}

fn sender() -> WebhookSender {
    WebhookSender::new(WebhookLimits {
        connect_timeout: Duration::from_secs(5),
        total_timeout: Duration::from_secs(10),
    })
    .expect("an HTTP client")
}

/// One attempt at a TLP:GREEN alert to waterbedrijf's webhook at `url`.
async fn deliver_green(sender: &WebhookSender, url: &str, delivery_id: &str) -> DeliveryOutcome {
    let alert = router_alert(TlpLevel::Green);
    sender
        .deliver(&endpoint(url, "waterbedrijf"), delivery_id, &alert)
        .await
}

fn a_moment() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_receiver_is_tried_again_on_the_schedule_until_it_takes_the_signed_alert() {
    let (url, script) = receiver(vec![(503, vec![], "down"), (503, vec![], "still down")]).await;
    let alert = router_alert(TlpLevel::Amber);
    let webhook = endpoint(&url, "waterbedrijf");
    let sender = sender();

    let start = a_moment();
    let mut now = start;
    let mut waits = Vec::new();
    let mut attempts = 0;
    let outcome = loop {
        attempts += 1;
        let outcome = sender.deliver(&webhook, "delivery-7f3a", &alert).await;
        match outcome.next_step(attempts, now) {
            NextStep::TryAgainAt(at) => {
                waits.push(at.duration_since(now).expect("later"));
                now = at;
            }
            NextStep::Done | NextStep::Stop { .. } => break outcome,
        }
        assert!(attempts < 10, "no end: {outcome:?}");
    };
    assert!(
        matches!(&outcome, DeliveryOutcome::Delivered { receipt } if receipt == "200 OK"),
        "{outcome:?}"
    );
    assert_eq!(waits, [Duration::from_secs(30), Duration::from_secs(120)]);
    assert_eq!(
        now.duration_since(start).ok(),
        Some(Duration::from_secs(150))
    );

    let seen = received(&script);
    assert_eq!(seen.len(), 3, "two refusals and the delivery");
    for request in &seen {
        assert_eq!(
            request.delivery_id.as_deref(),
            Some("delivery-7f3a"),
            "one id for every attempt"
        );
        assert_eq!(request.content_type.as_deref(), Some("application/json"));
        assert_eq!(request.signature_check, Ok(()), "each attempt is signed");
    }
    let delivered: OutgoingAlert =
        serde_json::from_slice(&seen[2].body).expect("the body is the alert's JSON");
    assert_eq!(delivered, alert);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_reports_the_receivers_words_and_honours_its_retry_after() {
    let (url, script) = receiver(vec![(429, vec![("retry-after", "600")], "slow down")]).await;
    let outcome = deliver_green(&sender(), &url, "d-429").await;
    let DeliveryOutcome::Retry {
        reason,
        retry_after,
    } = &outcome
    else {
        panic!("429 may pass: {outcome:?}");
    };
    assert_eq!(
        reason,
        "the receiver answered 429 Too Many Requests: slow down"
    );
    assert_eq!(*retry_after, Some(Duration::from_secs(600)));
    assert_eq!(
        outcome.next_step(1, a_moment()),
        NextStep::TryAgainAt(a_moment() + Duration::from_secs(600)),
        "later than the 30 s the schedule says"
    );
    assert_eq!(received(&script).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_refuses_the_body_is_given_up() {
    let (url, script) = receiver(vec![(400, vec![], "{\"error\": \"unknown field kind\"}")]).await;
    let outcome = deliver_green(&sender(), &url, "d-400").await;
    assert_eq!(
        outcome,
        DeliveryOutcome::GiveUp {
            reason: "the receiver refused it: 400 Bad Request: {\"error\": \"unknown field kind\"}"
                .to_owned()
        }
    );
    assert!(matches!(
        outcome.next_step(1, a_moment()),
        NextStep::Stop { .. }
    ));
    assert_eq!(received(&script).len(), 1, "not tried again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_not_followed() {
    let (url, script) = receiver(vec![(302, vec![("location", "/elsewhere")], "")]).await;
    let outcome = deliver_green(&sender(), &url, "d-302").await;
    let DeliveryOutcome::GiveUp { reason } = &outcome else {
        panic!("a redirect is the receiver's to fix: {outcome:?}");
    };
    assert!(
        reason.contains("redirects to /elsewhere (302 Found)"),
        "{reason}"
    );
    assert_eq!(received(&script).len(), 1, "/elsewhere was never asked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_receiver_is_tried_again() {
    let url = format!("http://127.0.0.1:{}/hook", closed_port());
    let outcome = deliver_green(&sender(), &url, "d-closed").await;
    let DeliveryOutcome::Retry {
        reason,
        retry_after,
    } = &outcome
    else {
        panic!("a closed port may open: {outcome:?}");
    };
    assert!(
        reason.to_lowercase().contains("connection refused"),
        "{reason}"
    );
    assert_eq!(*retry_after, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_times_out_and_is_tried_again() {
    let silent = SilentServer::start().await;
    let impatient = WebhookSender::new(WebhookLimits {
        connect_timeout: Duration::from_secs(1),
        total_timeout: Duration::from_secs(1),
    })
    .expect("an HTTP client");
    let url = format!("http://{}/hook", silent.address);
    let outcome = deliver_green(&impatient, &url, "d-silent").await;
    assert!(
        matches!(&outcome, DeliveryOutcome::Retry { reason, .. } if reason.starts_with("no answer within 1 s")),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn red_and_amber_strict_never_reach_a_webhook_and_other_organisations_get_nothing() {
    let (url, script) = receiver(Vec::new()).await;
    let sender = sender();
    let own = endpoint(&url, "waterbedrijf");

    let red = sender
        .deliver(&own, "d-red", &router_alert(TlpLevel::Red))
        .await;
    assert_eq!(
        red,
        DeliveryOutcome::Refused(DeliveryRefused::RedStaysInTheInbox {
            channel: Channel::Webhook
        })
    );
    let strict = sender
        .deliver(&own, "d-strict", &router_alert(TlpLevel::AmberStrict))
        .await;
    assert_eq!(
        strict,
        DeliveryOutcome::Refused(DeliveryRefused::AmberStrictNeverToWebhooks)
    );
    let other = sender
        .deliver(
            &endpoint(&url, "chemiebedrijf"),
            "d-other",
            &router_alert(TlpLevel::Clear),
        )
        .await;
    assert_eq!(
        other,
        DeliveryOutcome::Refused(DeliveryRefused::OtherOrganisation {
            channel: Channel::Webhook,
            alert_organisation: "waterbedrijf".to_owned(),
            target_organisation: "chemiebedrijf".to_owned(),
        })
    );
    assert!(received(&script).is_empty(), "nothing reached the receiver");

    let amber = sender
        .deliver(&own, "d-amber", &router_alert(TlpLevel::Amber))
        .await;
    assert!(
        matches!(amber, DeliveryOutcome::Delivered { .. }),
        "{amber:?}"
    );
    assert_eq!(
        received(&script).len(),
        1,
        "the same receiver takes what may go"
    );
}
