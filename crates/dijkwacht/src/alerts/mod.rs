//! Alerts in the running platform: matching what arrives against the members'
//! profiles ([`matcher`]), getting the alerts out ([`outbox`] over [`delivery`]), and
//! doing both while the server runs ([`worker`]).

pub mod delivery;
pub mod matcher;
pub mod outbox;
pub mod worker;

/// The text at `path` in an alert's body (`["title", "nl"]`), or empty.
pub fn body_text<'a>(body: &'a serde_json::Value, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(body, |value, key| value.get(key))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
}
