//! The live stream: exactly the new objects the caller may read, resumable without
//! duplicates or gaps, and ended when the caller's token is revoked.

use super::*;

/// How long a test waits for an event before it fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
struct Event {
    id: Option<String>,
    kind: String,
    data: String,
}

impl Event {
    fn object_id(&self) -> String {
        serde_json::from_str::<Value>(&self.data)
            .ok()
            .and_then(|object| object["id"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// A client's end of a stream.
struct Listener {
    response: reqwest::Response,
    buffer: String,
}

impl Listener {
    async fn open(request: RequestBuilder) -> Listener {
        let response = ok(request.send().await);
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Listener {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped); `None` when the stream ended.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Event {
                    id: None,
                    kind: "message".to_owned(),
                    data: String::new(),
                };
                let mut has_data = false;
                for line in block.lines() {
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "id" => event.id = Some(value.to_owned()),
                        "event" => event.kind = value.to_owned(),
                        "data" => {
                            if has_data {
                                event.data.push('\n');
                            }
                            event.data.push_str(value);
                            has_data = true;
                        }
                        _ => {}
                    }
                }
                if has_data {
                    return Some(event);
                }
                continue;
            }
            let chunk = tokio::time::timeout(PATIENCE, self.response.chunk())
                .await
                .unwrap_or_else(|_| panic!("no event within {PATIENCE:?}"));
            match ok(chunk) {
                Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                None => return None,
            }
        }
    }

    async fn next_object(&mut self) -> Event {
        let event = self
            .next()
            .await
            .unwrap_or_else(|| panic!("the stream ended"));
        assert_eq!(event.kind, "object", "{event:?}");
        event
    }
}

fn object_number(number: u32) -> String {
    format!("indicator--0b000000-0000-4000-8000-{number:012}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_sends_exactly_what_the_caller_may_read_and_resumes_without_gaps() {
    let world = World::start().await;
    let mut stream = Listener::open(world.as_user(ALICE, Method::GET, "/api/v1/stream")).await;
    // Added while the stream runs: one object for chemie only, then one for water.
    world
        .add_object(
            indicator(&object_number(1), "hidden"),
            "chemiebedrijf",
            TlpLevel::Amber,
            Some("chemie"),
            &[],
        )
        .await;
    let visible = world
        .add_object(
            indicator(&object_number(2), "shown"),
            "waterbedrijf",
            TlpLevel::Amber,
            Some("water"),
            &[],
        )
        .await;
    let first = stream.next_object().await;
    assert_eq!(
        first.object_id(),
        object_number(2),
        "the chemie object is never sent"
    );
    assert_eq!(first.id, Some(visible.to_string()));
    let streamed = world.audited("stream-read");
    assert!(
        streamed
            .iter()
            .any(|entry| entry["details"].to_string().contains(&object_number(2))),
        "AMBER objects streamed are audited: {streamed:?}"
    );

    let after_a = world
        .add_object(
            indicator(&object_number(3), "a"),
            "waterbedrijf",
            TlpLevel::Green,
            Some("water"),
            &[],
        )
        .await;
    let second = stream.next_object().await;
    assert_eq!(second.id, Some(after_a.to_string()));
    drop(stream);

    // Gone for a while: more objects come, visible and not.
    world
        .add_object(
            indicator(&object_number(4), "b"),
            "waterbedrijf",
            TlpLevel::Green,
            Some("water"),
            &[],
        )
        .await;
    world
        .add_object(
            indicator(&object_number(5), "hidden"),
            "havenbedrijf",
            TlpLevel::Green,
            Some("haven"),
            &[],
        )
        .await;
    world
        .add_object(
            indicator(&object_number(6), "c"),
            "fusion",
            TlpLevel::Clear,
            None,
            &[],
        )
        .await;
    let mut resumed = Listener::open(
        world
            .as_user(ALICE, Method::GET, "/api/v1/stream")
            .header("Last-Event-ID", visible.to_string()),
    )
    .await;
    let mut received = Vec::new();
    for _ in 0..3 {
        received.push(resumed.next_object().await.object_id());
    }
    assert_eq!(
        received,
        [object_number(3), object_number(4), object_number(6)],
        "strictly after the last event seen, in order, nothing twice"
    );
    world
        .add_object(
            indicator(&object_number(7), "d"),
            "waterbedrijf",
            TlpLevel::Green,
            Some("water"),
            &[],
        )
        .await;
    assert_eq!(resumed.next_object().await.object_id(), object_number(7));

    // ?since= with a type filter, from the beginning.
    world
        .add_object(
            json!({"type": "malware", "spec_version": "2.1", "id": "malware--0b000000-0000-4000-8000-000000000001",
                   "created": "2026-01-05T10:00:00.000Z", "modified": "2026-01-05T10:00:00.000Z",
                   "name": "Dijkworm", "is_family": true}),
            "fusion",
            TlpLevel::Clear,
            None,
            &[],
        )
        .await;
    let mut malware =
        Listener::open(world.request(Method::GET, "/api/v1/stream?since=0&types=malware")).await;
    assert_eq!(
        malware.next_object().await.object_id(),
        "malware--0b000000-0000-4000-8000-000000000001"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_stops_receiving() {
    let world = World::start().await;
    let token = world.token(ALICE, json!({})).await;
    let mut stream = Listener::open(world.with_token(&token, Method::GET, "/api/v1/stream")).await;
    world
        .add_object(
            indicator(&object_number(1), "before"),
            "waterbedrijf",
            TlpLevel::Green,
            Some("water"),
            &[],
        )
        .await;
    assert_eq!(stream.next_object().await.object_id(), object_number(1));

    let id = token.split('_').nth(1).unwrap_or_default();
    let (status, _) =
        send(world.as_user(ALICE, Method::DELETE, &format!("/api/v1/tokens/{id}"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    world
        .add_object(
            indicator(&object_number(2), "after"),
            "waterbedrijf",
            TlpLevel::Green,
            Some("water"),
            &[],
        )
        .await;
    let end = stream
        .next()
        .await
        .unwrap_or_else(|| panic!("an end event"));
    assert_eq!(end.kind, "end", "{end:?}");
    assert!(end.data.contains("revoked"), "{end:?}");
    assert_eq!(stream.next().await, None, "the stream is closed");
    assert_eq!(world.audited("stream-ended").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_stream_parameters_are_named() {
    let world = World::start().await;
    for (request, named) in [
        (
            world
                .as_user(ALICE, Method::GET, "/api/v1/stream")
                .header("Last-Event-ID", "yesterday"),
            "Last-Event-ID",
        ),
        (
            world.as_user(ALICE, Method::GET, "/api/v1/stream?since=yesterday"),
            "since",
        ),
        (
            world.as_user(ALICE, Method::GET, "/api/v1/stream?types=Indicator"),
            "types",
        ),
        (
            world.as_user(
                ALICE,
                Method::GET,
                "/api/v1/stream?types=indicator,,malware",
            ),
            "types",
        ),
    ] {
        let (status, body) = send(request).await;
        let details = assert_error(status, &body, StatusCode::BAD_REQUEST);
        assert!(details.contains(named), "{named} not in {details}");
    }
    let (status, body) = send(
        world
            .request(Method::GET, "/api/v1/stream")
            .basic_auth(ALICE, Some("wrong")),
    )
    .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED);
}
