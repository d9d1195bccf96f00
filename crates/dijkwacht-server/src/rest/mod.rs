//! The REST API under `/api/v1/`: what TAXII does not cover — who am I, the directory
//! (organisations, communities, memberships), API tokens, sightings, search,
//! statistics, one object by id with the summary of its sightings, the live stream,
//! MISP events uploaded as they are ([`misp_events`]), and actionable alerts: asset
//! profiles ([`assets`]), the inbox and feedback ([`alerts`]), webhooks ([`webhooks`])
//! and e-mail preferences ([`notifications`]) — as JSON, with one error format
//! (`{"error": {"code", "message", "details"}}`) for every refusal, bad bodies
//! included ([`extract`]).
//!
//! Each resource is one file; each handler carries its `#[utoipa::path]`, and the
//! routes are registered through `utoipa-axum`, so a route cannot exist without being
//! in the OpenAPI 3.1 document served at `/api/v1/openapi.json`. Who may do what is
//! said once ([`access`]); every object read carries the sharing policy's filter.

pub mod access;
pub mod alerts;
pub mod assets;
pub mod communities;
pub mod extract;
pub mod me;
pub mod memberships;
pub mod misp_events;
pub mod notifications;
pub mod objects;
pub mod organisations;
pub mod search;
pub mod sighting_summary;
pub mod sightings;
pub mod statistics;
pub mod stream;
pub mod tokens;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The largest REST request body: these are small JSON documents; STIX bulk goes
/// through TAXII, MISP events through [`misp_events`] and asset profiles through
/// [`assets`] (both up to the server's limit).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// The parts of the document that are not paths.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Dijkwacht REST API",
        description = "What TAXII 2.1 (under /taxii2/) does not cover: who you are, the directory of organisations and communities, API tokens, sightings, search, statistics, single objects, a live stream, MISP events uploaded as MISP exports them, and actionable alerts (your asset profile, your alert inbox and feedback, webhooks and e-mail preferences). Every object you get has passed the sharing rules (TLP 2.0 and the owner's scope) for you. Sign in with HTTP Basic (login and password) or a Bearer API token; without credentials you are anonymous and read the public tier only.",
        license(name = "EUPL-1.2")
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "directory", description = "You, organisations, communities and memberships"),
        (name = "tokens", description = "API tokens for machines"),
        (name = "intelligence", description = "Objects, search, statistics, sightings, the live stream and MISP events uploaded as they are"),
        (name = "alerts", description = "Actionable alerts: your organisation's asset profile, the alerts matched to it with their evidence, severity and steps, your feedback, webhooks and e-mail preferences"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dwt_<id>_<secret>")
                    .build(),
            ),
        );
    }
}

/// Every REST route with its documentation, not yet split.
fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me::get_me))
        .routes(routes!(
            organisations::list_organisations,
            organisations::create_organisation
        ))
        .routes(routes!(organisations::get_organisation))
        .routes(routes!(
            communities::list_communities,
            communities::create_community
        ))
        .routes(routes!(communities::get_community))
        .routes(routes!(memberships::apply))
        .routes(routes!(memberships::set_stage, memberships::leave))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(sightings::report_sighting))
        .routes(routes!(search::search))
        .routes(routes!(statistics::statistics))
        .routes(routes!(objects::get_object))
        .routes(routes!(sighting_summary::get_sighting_summary))
        .routes(routes!(stream::stream))
        .routes(routes!(alerts::list_alerts))
        .routes(routes!(alerts::alert_statistics))
        .routes(routes!(alerts::get_alert))
        .routes(routes!(alerts::give_feedback))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(webhooks::disable_webhook))
        .routes(routes!(
            notifications::get_notifications,
            notifications::set_notifications
        ))
        .merge(
            // MISP events and asset profiles are larger than the other bodies (a profile
            // takes up to 100,000 entries in one request): the server's own body limit
            // (`Limits::max_body_bytes`) holds for them instead of this API's.
            OpenApiRouter::new()
                .routes(routes!(misp_events::upload_events))
                .routes(routes!(
                    assets::get_profile,
                    assets::change_profile,
                    assets::remove_from_profile
                ))
                .layer(DefaultBodyLimit::disable()),
        )
}

/// The OpenAPI 3.1 document of the REST API, the exports included.
pub fn openapi() -> utoipa::openapi::OpenApi {
    with_exports(documented_routes().into_openapi())
}

/// Adds the export endpoints, whose routes live in [`crate::exports`].
fn with_exports(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    document.merge(crate::exports::doc::ExportsDoc::openapi());
    document
}

/// The REST routes and `/api/v1/openapi.json`.
pub fn routes(_state: &AppState) -> Router<AppState> {
    let (router, document) = documented_routes().split_for_parts();
    let document = Arc::new(with_exports(document).to_pretty_json().unwrap_or_default());
    router
        .route(
            OPENAPI_PATH,
            get(move || {
                let document = Arc::clone(&document);
                async move { openapi_response(&document) }
            }),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

fn openapi_response(document: &str) -> Response {
    let mut response = document.to_owned().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_directory_reserves_the_names_of_taxiis_own_roots() {
        assert_eq!(
            crate::taxii::layout::RESERVED_ROOT_NAMES,
            dijkwacht_directory::RESERVED_COMMUNITY_NAMES
        );
    }
}
