//! The caller of a request, as an axum extractor: no `Authorization` header is the
//! anonymous caller; `Basic` is a login and password; `Bearer` is an API token. Bad
//! credentials are answered with 401 (and recorded in the audit log), a locked-out
//! attempter with 429; the answer is in the format of the path (TAXII or JSON).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderValue;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::Response;
use base64::Engine;
use dijkwacht_policy::Caller;

use crate::auth::AuthError;
use crate::error::ApiError;
use crate::state::AppState;

/// Who is asking, recognised from the request's credentials.
#[derive(Debug, Clone)]
pub struct RequestCaller(pub Caller);

impl RequestCaller {
    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        match &self.0 {
            Caller::Anonymous => "anonymous".to_owned(),
            Caller::Member(member) => member.user.to_string(),
            Caller::Peer(peer) => format!("peer:{}", peer.peer),
        }
    }
}

/// The credentials a request carries.
enum Credentials {
    None,
    Password { login: String, password: String },
    Token(String),
}

fn credentials(authorization: Option<&HeaderValue>) -> Result<Credentials, ApiError> {
    let Some(value) = authorization else {
        return Ok(Credentials::None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not readable text"))?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                ApiError::unauthorized("Basic credentials must be base64 of login:password")
            })?;
        let (login, password) = decoded.split_once(':').ok_or_else(|| {
            ApiError::unauthorized("Basic credentials must be base64 of login:password")
        })?;
        Ok(Credentials::Password {
            login: login.to_owned(),
            password: password.to_owned(),
        })
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Ok(Credentials::Token(rest.to_owned()))
    } else {
        Err(ApiError::unauthorized(
            "use HTTP Basic (login and password) or Bearer (an API token dwt_…)",
        ))
    }
}

fn client_address(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip())
}

impl FromRequestParts<AppState> for RequestCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<RequestCaller, Response> {
        let path = parts.uri.path().to_owned();
        let address = client_address(parts);
        let credentials =
            credentials(parts.headers.get(AUTHORIZATION)).map_err(|error| error.for_path(&path))?;
        let (attempted_as, result) = match credentials {
            Credentials::None => return Ok(RequestCaller(Caller::Anonymous)),
            Credentials::Password { login, password } => {
                let result = state
                    .auth
                    .password(state.directory(), &login, &password, address)
                    .await;
                (login, result)
            }
            Credentials::Token(token) => {
                let shown = token.split('_').take(2).collect::<Vec<_>>().join("_");
                let result = state.auth.token(state.directory(), &token, address).await;
                (format!("token:{shown}"), result)
            }
        };
        match result {
            Ok(caller) => Ok(RequestCaller(caller)),
            Err(AuthError::Directory(error)) => {
                Err(ApiError::internal("reading the directory failed", &error).for_path(&path))
            }
            Err(AuthError::Locked(wait)) => Err(ApiError::too_many_attempts(
                AuthError::Locked(wait).to_string(),
                wait,
            )
            .for_path(&path)),
            Err(error) => {
                let mut details = serde_json::Map::new();
                details.insert("reason".to_owned(), error.to_string().into());
                if let Some(address) = address {
                    details.insert("address".to_owned(), address.to_string().into());
                }
                details.insert("path".to_owned(), path.clone().into());
                if let Err(audit_error) = state
                    .audit(&attempted_as, "login-failed", None, details)
                    .await
                {
                    return Err(audit_error.for_path(&path));
                }
                Err(ApiError::unauthorized(error.to_string()).for_path(&path))
            }
        }
    }
}

/// Recognises the same credentials again (a long-lived answer, such as the live stream,
/// asks this now and then): the caller as the directory has them now, or why they are
/// no longer let in — a revoked token, a changed password, a removed user. Failures are
/// counted as at sign-in but not audited again; the stream records why it ended.
pub async fn recognise_again(
    state: &AppState,
    authorization: Option<&HeaderValue>,
    address: Option<IpAddr>,
) -> Result<Caller, String> {
    let credentials =
        credentials(authorization).map_err(|error| error.description.unwrap_or(error.title))?;
    let result = match credentials {
        Credentials::None => return Ok(Caller::Anonymous),
        Credentials::Password { login, password } => {
            state
                .auth
                .password(state.directory(), &login, &password, address)
                .await
        }
        Credentials::Token(token) => state.auth.token(state.directory(), &token, address).await,
    };
    result.map_err(|error| error.to_string())
}

/// The address the request came from, when the server knows it.
pub fn request_address(parts: &Parts) -> Option<IpAddr> {
    client_address(parts)
}
