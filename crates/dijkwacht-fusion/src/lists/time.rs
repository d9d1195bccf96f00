//! Times as feeds write them, read into STIX timestamps. Feeds are loose about time:
//! abuse.ch writes `2024-05-01 12:04:07` (UTC, without saying so), CSAF writes RFC 3339
//! with an offset or with six fractional digits, KEV writes bare dates. One reader takes
//! them all, so that every mapping (lists, KEV, CSAF) turns the same text into the same
//! instant; objects are then written with millisecond precision in UTC, as STIX wants
//! `created` and `modified`.
//!
//! What it decides: a time without a zone is UTC (every feed we read that omits the zone
//! means UTC); a bare date is midnight UTC; an offset is applied, not dropped.

use dijkwacht_stix::Timestamp;

/// Reads a feed's time: RFC 3339 (`Z` or `±HH:MM`), the same with a space instead of
/// `T`, without seconds, with a trailing `UTC`/`GMT` instead of `Z`, without any zone
/// (read as UTC), or a bare date `YYYY-MM-DD` (midnight UTC). `None` when the text is
/// none of these or names an impossible date.
pub(crate) fn parse_feed_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.len() == 10 {
        return parse_date(text);
    }
    let date = text.get(..10)?;
    let separator = text.get(10..11)?;
    if !matches!(separator, "T" | "t" | " ") {
        return None;
    }
    let (clock, offset_seconds) = split_zone(text.get(11..)?.trim())?;
    let clock = match clock.len() {
        5 => format!("{clock}:00"),
        _ => clock.to_owned(),
    };
    let utc_form = format!("{date}T{clock}Z");
    let local = Timestamp::parse(&utc_form).ok()?;
    if offset_seconds == 0 {
        return Some(local);
    }
    let micros = local
        .unix_micros()
        .checked_sub(offset_seconds.checked_mul(1_000_000)?)?;
    Some(Timestamp::from_unix_micros(micros))
}

/// Reads a bare date `YYYY-MM-DD` as midnight UTC.
pub(crate) fn parse_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    Timestamp::parse(&format!("{text}T00:00:00Z")).ok()
}

/// The STIX form of an instant: UTC, millisecond precision (`2024-05-01T12:04:07.000Z`).
pub(crate) fn stix_time(instant: &Timestamp) -> String {
    instant.to_stix_millis()
}

/// `instant` plus `days` whole days.
pub(crate) fn add_days(instant: &Timestamp, days: u32) -> Timestamp {
    let micros = i64::from(days).saturating_mul(86_400_000_000);
    Timestamp::from_unix_micros(instant.unix_micros().saturating_add(micros))
}

/// Splits the time of day from its zone, giving the zone's offset east of UTC in
/// seconds. No zone at all is UTC.
fn split_zone(rest: &str) -> Option<(&str, i64)> {
    for suffix in ["Z", "z", "UTC", "GMT"] {
        if let Some(clock) = rest.strip_suffix(suffix) {
            return Some((clock.trim_end(), 0));
        }
    }
    let Some(sign_at) = rest.rfind(['+', '-']) else {
        return Some((rest, 0));
    };
    let (clock, zone) = rest.split_at(sign_at);
    let sign: i64 = if zone.starts_with('-') { -1 } else { 1 };
    let digits: String = zone
        .get(1..)?
        .chars()
        .filter(|character| *character != ':')
        .collect();
    if digits.len() != 4 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits.get(..2)?.parse().ok()?;
    let minutes: i64 = digits.get(2..)?.parse().ok()?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((clock.trim_end(), sign * (hours * 3_600 + minutes * 60)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stix(text: &str) -> Option<String> {
        parse_feed_time(text).map(|instant| stix_time(&instant))
    }

    #[test]
    fn feed_spellings_of_one_instant_agree() {
        let expected = Some("2024-05-01T12:04:07.000Z".to_owned());
        for spelling in [
            "2024-05-01T12:04:07Z",
            "2024-05-01T12:04:07.000000Z",
            "2024-05-01 12:04:07",
            "2024-05-01 12:04:07 UTC",
            "2024-05-01T14:04:07+02:00",
            "2024-05-01T07:04:07-0500",
            " 2024-05-01t12:04:07z ",
        ] {
            assert_eq!(stix(spelling), expected, "{spelling}");
        }
        assert_eq!(
            stix("2024-05-01 12:04"),
            Some("2024-05-01T12:04:00.000Z".to_owned())
        );
        assert_eq!(
            stix("2024-05-01"),
            Some("2024-05-01T00:00:00.000Z".to_owned())
        );
    }

    #[test]
    fn offsets_cross_midnight_and_nonsense_is_refused() {
        assert_eq!(
            stix("2024-01-01T00:30:00+01:00"),
            Some("2023-12-31T23:30:00.000Z".to_owned())
        );
        for nonsense in [
            "",
            "yesterday",
            "2024-02-30",
            "2024-05-01X12:00:00Z",
            "2024-05-01T25:00:00Z",
            "2024-05-01T12:00:00+2",
            "2024-05-01T12:00:00+24:00",
            "2024-05-01T12:00:00.Z",
            "２０２４-05-01",
        ] {
            assert_eq!(stix(nonsense), None, "{nonsense:?}");
        }
    }

    #[test]
    fn days_are_added_across_months() {
        let start = parse_date("2024-02-27").unwrap_or_else(|| panic!("a valid date"));
        assert_eq!(stix_time(&add_days(&start, 3)), "2024-03-01T00:00:00.000Z");
    }
}
