//! TAXII 2.1 media types (§1.6.8, §3.1): every request must accept
//! `application/taxii+json` (version 2.1 or unversioned), a POST must send it, and every
//! answer, errors included, carries `application/taxii+json;version=2.1`.

/// The content type of every TAXII 2.1 answer.
pub const TAXII_CONTENT_TYPE: &str = "application/taxii+json;version=2.1";

/// Why a request's media types cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// 406: nothing in `Accept` is TAXII 2.1.
    #[error("the Accept header must include application/taxii+json;version=2.1")]
    NotAcceptable,
    /// 415: the body is not TAXII 2.1.
    #[error("the Content-Type must be application/taxii+json;version=2.1")]
    UnsupportedMediaType,
}

/// One media range of a header: type and its parameters, lower-cased, spaces removed.
fn media_ranges(header: &str) -> impl Iterator<Item = (String, Vec<(String, String)>)> + '_ {
    header.split(',').filter_map(|range| {
        let mut parts = range
            .split(';')
            .map(|part| part.trim().to_ascii_lowercase());
        let media_type = parts.next().filter(|media_type| !media_type.is_empty())?;
        let parameters = parts
            .filter_map(|parameter| {
                let (name, value) = parameter.split_once('=')?;
                Some((
                    name.trim().to_owned(),
                    value.trim().trim_matches('"').to_owned(),
                ))
            })
            .collect();
        Some((media_type, parameters))
    })
}

/// Whether a media range is TAXII in a version this server speaks (2.1, or none given).
fn is_taxii_21(media_type: &str, parameters: &[(String, String)]) -> bool {
    media_type == "application/taxii+json"
        && parameters
            .iter()
            .all(|(name, value)| name != "version" || value == "2.1")
}

/// Checks the `Accept` header of any TAXII request (406 when absent or unusable).
pub fn check_accept(accept: Option<&str>) -> Result<(), MediaError> {
    let accept = accept.ok_or(MediaError::NotAcceptable)?;
    if media_ranges(accept).any(|(media_type, parameters)| is_taxii_21(&media_type, &parameters)) {
        Ok(())
    } else {
        Err(MediaError::NotAcceptable)
    }
}

/// Checks the `Content-Type` of a POST (415 when absent or not TAXII 2.1).
pub fn check_content_type(content_type: Option<&str>) -> Result<(), MediaError> {
    let content_type = content_type.ok_or(MediaError::UnsupportedMediaType)?;
    match media_ranges(content_type).next() {
        Some((media_type, parameters)) if is_taxii_21(&media_type, &parameters) => Ok(()),
        _ => Err(MediaError::UnsupportedMediaType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_taxii_21_in_its_usual_spellings() {
        for accept in [
            "application/taxii+json;version=2.1",
            "application/taxii+json",
            "application/taxii+json; version=2.1",
            "text/html, application/TAXII+json;version=2.1;q=0.9",
            "application/taxii+json;version=\"2.1\"",
        ] {
            assert_eq!(check_accept(Some(accept)), Ok(()), "{accept}");
        }
        assert_eq!(
            check_content_type(Some("application/taxii+json;version=2.1; charset=utf-8")),
            Ok(())
        );
    }

    #[test]
    fn refuses_other_media_types_with_406_and_415() {
        for accept in [
            None,
            Some("application/json"),
            Some("application/taxii+json;version=2.0"),
            Some(""),
        ] {
            assert_eq!(
                check_accept(accept),
                Err(MediaError::NotAcceptable),
                "{accept:?}"
            );
        }
        for content_type in [
            None,
            Some("application/json"),
            Some("application/stix+json;version=2.1"),
            Some("application/taxii+json;version=2.0"),
        ] {
            assert_eq!(
                check_content_type(content_type),
                Err(MediaError::UnsupportedMediaType),
                "{content_type:?}"
            );
        }
    }
}
