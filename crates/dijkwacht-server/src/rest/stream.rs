//! `GET /api/v1/stream`: new and changed objects as server-sent events, as they are
//! stored — each event `object`, its `id` the object's `date_added` (Unix microseconds)
//! and its data the object's JSON. A client that reconnects with `Last-Event-ID` (or
//! `?since=`) continues strictly after that point, so it misses nothing and gets
//! nothing twice.
//!
//! Why it polls: objects are stored by other processes too (a CLI import writes into
//! the same SQLite file), so an in-process broadcast would miss them. The stream asks
//! the store for objects added after its cursor, through the sharing policy's filter;
//! a nudge from this process's writers ([`AppState::nudge_streams`]) makes it ask at
//! once, and otherwise it asks every [`StreamTiming::poll`]. Because the filter is in
//! the query, what the caller may not read is never read for them.
//!
//! Why it checks the caller again: a stream lives long, and a token can be revoked, a
//! password changed or a membership ended while it runs. Before delivering (and while
//! idle) the stream recognises the caller's credentials again when its last check is
//! older than [`StreamTiming::recheck`], continuing with their reach as it is now, or
//! ending with an `end` event saying why. AMBER-or-stricter objects streamed are
//! audited; one that cannot be recorded is not sent.

use std::convert::Infallible;
use std::net::IpAddr;
use std::time::Instant;

use axum::extract::{FromRequestParts, State};
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use dijkwacht_policy::{Action, Caller, Filter, visibility_filter};
use dijkwacht_stix::Timestamp;
use dijkwacht_store::{ObjectQuery, Page, VersionSelection};
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::IntoParams;

use crate::caller::{RequestCaller, recognise_again, request_address};
use crate::error::{ApiError, JsonError};
use crate::rest::access::audit_sensitive_reads;
use crate::rest::extract::{ApiQuery, ErrorBody, SignInRefusals, invalid_parameter};
use crate::state::{AppState, StreamTiming};

/// Objects read from the store per query.
const PAGE_SIZE: usize = 200;
/// Events buffered for a slow client before the stream waits for it.
const BUFFERED_EVENTS: usize = 64;
/// The most types one stream may ask for.
const MAX_TYPES: usize = 32;

/// Where to start and what to follow.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Continue strictly after this point: an event id (a `date_added` in Unix
    /// microseconds) or an RFC 3339 instant. `Last-Event-ID` wins over it. Without
    /// either, the stream starts now.
    pub since: Option<String>,
    /// Only these STIX types, comma-separated (`indicator,malware`).
    pub types: Option<String>,
}

/// What a stream needs of the request beyond the caller: the credentials to check
/// again later, the client's address, and `Last-Event-ID`.
#[derive(Debug)]
pub struct StreamRequest {
    authorization: Option<HeaderValue>,
    address: Option<IpAddr>,
    last_event_id: Option<String>,
}

impl FromRequestParts<AppState> for StreamRequest {
    type Rejection = JsonError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<StreamRequest, JsonError> {
        let last_event_id = match parts.headers.get("last-event-id") {
            None => None,
            Some(value) => Some(
                value
                    .to_str()
                    .map_err(|_| {
                        ApiError::bad_request("Last-Event-ID: the header is not readable text")
                    })?
                    .to_owned(),
            ),
        };
        Ok(StreamRequest {
            authorization: parts.headers.get(AUTHORIZATION).cloned(),
            address: request_address(parts),
            last_event_id,
        })
    }
}

fn event_id(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().filter(|value| *value >= 0)
}

fn start_point(request: &StreamRequest, params: &StreamParams) -> Result<i64, ApiError> {
    if let Some(text) = &request.last_event_id {
        return event_id(text).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Last-Event-ID: '{text}' is not an event id of this stream (a whole number)"
            ))
        });
    }
    match &params.since {
        None => Ok(Timestamp::now().unix_micros()),
        Some(text) => event_id(text)
            .or_else(|| Timestamp::parse(text).ok().map(|stamp| stamp.unix_micros()))
            .ok_or_else(|| {
                invalid_parameter(
                    "since",
                    format!("'{text}' is neither an event id nor an RFC 3339 instant"),
                )
            }),
    }
}

fn requested_types(text: Option<&str>) -> Result<Vec<String>, ApiError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let types: Vec<String> = text.split(',').map(|kind| kind.trim().to_owned()).collect();
    let malformed = types.iter().find(|kind| {
        kind.is_empty()
            || kind.len() > 250
            || !kind
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
    });
    if let Some(kind) = malformed {
        return Err(invalid_parameter(
            "types",
            format!("'{kind}' is not a STIX type name; give names such as indicator,malware"),
        ));
    }
    if types.len() > MAX_TYPES {
        return Err(invalid_parameter(
            "types",
            format!("ask for at most {MAX_TYPES} types"),
        ));
    }
    Ok(types)
}

/// New and changed objects you may read, as server-sent events.
#[utoipa::path(
    get,
    path = "/api/v1/stream",
    tag = "intelligence",
    params(
        StreamParams,
        ("Last-Event-ID" = Option<String>, Header, description = "Continue strictly after this event id (sent by reconnecting clients)"),
    ),
    responses(
        (status = 200, description = "An endless stream of events: `object` (id = date_added, data = the STIX object) and, when your access ends, `end`", content_type = "text/event-stream", body = String),
        (status = 400, description = "A parameter is wrong; the details name it", body = ErrorBody),
        SignInRefusals,
    ),
    security((), ("basic" = []), ("bearer" = []))
)]
pub async fn stream(
    State(state): State<AppState>,
    caller: RequestCaller,
    request: StreamRequest,
    ApiQuery(params): ApiQuery<StreamParams>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, JsonError> {
    let cursor = start_point(&request, &params)?;
    let types = requested_types(params.types.as_deref())?;
    let (sender, receiver) = mpsc::channel(BUFFERED_EVENTS);
    let keep_alive = state.stream_timing.keep_alive;
    let follower = Follower {
        state,
        caller,
        authorization: request.authorization,
        address: request.address,
        types,
        cursor,
        sender,
        last_check: Instant::now(),
    };
    tokio::spawn(follower.run());
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|event| (Ok::<Event, Infallible>(event), receiver))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(keep_alive)))
}

/// One stream's task: follows the store and sends events until the client goes, the
/// server stops or the caller's access ends.
struct Follower {
    state: AppState,
    caller: RequestCaller,
    authorization: Option<HeaderValue>,
    address: Option<IpAddr>,
    types: Vec<String>,
    /// The `date_added` of the last object sent (or the start point).
    cursor: i64,
    sender: mpsc::Sender<Event>,
    last_check: Instant,
}

/// Why a stream stopped following.
enum Stop {
    /// The client went away or the server stops: nothing more to say.
    Quietly,
    /// The caller may no longer read: tell them why.
    AccessEnded(String),
}

impl Follower {
    async fn run(mut self) {
        let stop = self.follow().await;
        if let Stop::AccessEnded(reason) = stop {
            let mut details = serde_json::Map::new();
            details.insert("reason".to_owned(), reason.clone().into());
            if let Err(error) = self
                .state
                .audit(&self.caller.actor(), "stream-ended", None, details)
                .await
            {
                tracing::error!(?error, "could not record the end of a stream");
            }
            let _ = self
                .sender
                .send(Event::default().event("end").data(reason))
                .await;
        }
    }

    async fn follow(&mut self) -> Stop {
        let timing: StreamTiming = self.state.stream_timing.clone();
        let mut stopping = self.state.stopping.clone();
        let objects_stored = self.state.objects_stored.clone();
        loop {
            if *stopping.borrow() {
                return Stop::Quietly;
            }
            let nudged = objects_stored.notified();
            tokio::pin!(nudged);
            nudged.as_mut().enable();
            if self.last_check.elapsed() >= timing.recheck {
                if let Err(stop) = self.check_caller().await {
                    return stop;
                }
            }
            let page = match self.next_page().await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(?error, "a stream could not read the store; trying again");
                    Page::default()
                }
            };
            if !page.objects.is_empty() {
                match self.deliver(page.objects).await {
                    Ok(true) if !page.more => {}
                    Ok(_) => continue,
                    Err(stop) => return stop,
                }
            }
            tokio::select! {
                () = &mut nudged => {}
                () = tokio::time::sleep(timing.poll) => {}
                () = self.sender.closed() => return Stop::Quietly,
                _ = stopping.changed() => return Stop::Quietly,
            }
        }
    }

    fn filter(&self) -> Filter {
        visibility_filter(&self.caller.0, Action::Read)
    }

    async fn next_page(&self) -> Result<Page, dijkwacht_store::StoreError> {
        self.state
            .store()
            .query(ObjectQuery {
                types: self.types.clone(),
                versions: VersionSelection::All,
                added_after: Some(self.cursor),
                limit: PAGE_SIZE,
                visibility: Some(self.filter()),
                ..ObjectQuery::default()
            })
            .await
    }

    /// Recognises the caller again; their reach as it is now from here on.
    async fn check_caller(&mut self) -> Result<(), Stop> {
        self.last_check = Instant::now();
        if matches!(self.caller.0, Caller::Anonymous) {
            return Ok(());
        }
        match recognise_again(&self.state, self.authorization.as_ref(), self.address).await {
            Ok(caller) => {
                self.caller = RequestCaller(caller);
                Ok(())
            }
            Err(reason) => Err(Stop::AccessEnded(format!(
                "your access ended: {reason}; sign in again"
            ))),
        }
    }

    /// Sends objects found by a query made with the filter of the caller as last
    /// checked; checks the caller first when that check is due, and sends only what
    /// the caller, as they are now, may still read.
    /// Returns false when nothing was sent because the caller's reach changed: the span
    /// is to be read again through the new filter.
    async fn deliver(
        &mut self,
        mut objects: Vec<dijkwacht_store::StoredObject>,
    ) -> Result<bool, Stop> {
        if self.last_check.elapsed() >= self.state.stream_timing.recheck {
            let filter_before = self.filter();
            self.check_caller().await?;
            if self.filter() != filter_before {
                return Ok(false);
            }
        }
        if let Err(error) =
            audit_sensitive_reads(&self.state, &self.caller, "stream-read", &objects).await
        {
            tracing::error!(?error, "a stream could not record what it sends");
            return Err(Stop::AccessEnded(
                "the server cannot record reads right now; reconnect later".to_owned(),
            ));
        }
        for object in objects.drain(..) {
            let event = Event::default()
                .id(object.date_added.to_string())
                .event("object")
                .data(object.json);
            if self.sender.send(event).await.is_err() {
                return Err(Stop::Quietly);
            }
            self.cursor = object.date_added;
        }
        Ok(true)
    }
}
