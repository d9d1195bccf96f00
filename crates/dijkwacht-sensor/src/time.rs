//! Timestamps as sensors write them, in Unix microseconds: RFC 3339 with a `Z` or an
//! offset (`2024-05-01T12:00:00.123456+0000`, Suricata), or seconds since the epoch as a
//! number (`1714564800.123456`, Zeek).

use dijkwacht_pattern::observation::parse_timestamp_micros;

/// Unix microseconds of an RFC 3339 timestamp with `Z`, `+hh:mm`, `+hhmm` or `-…`.
pub(crate) fn parse_rfc3339_micros(text: &str) -> Option<i64> {
    if text.ends_with(['Z', 'z']) {
        return parse_timestamp_micros(text);
    }
    // The offset starts at the last sign after the time's seconds.
    let sign_position = text.get(19..)?.rfind(['+', '-'])? + 19;
    let (local, offset) = text.split_at(sign_position);
    let sign: i64 = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = digits[2..].parse().ok()?;
    let mut utc = [0u8; 40];
    let local_bytes = local.as_bytes();
    let target = utc.get_mut(..local_bytes.len() + 1)?;
    target[..local_bytes.len()].copy_from_slice(local_bytes);
    target[local_bytes.len()] = b'Z';
    let as_utc = parse_timestamp_micros(std::str::from_utf8(target).ok()?)?;
    Some(as_utc - sign * (hours * 60 + minutes) * 60_000_000)
}

/// Unix microseconds of seconds since the epoch.
pub(crate) fn epoch_seconds_micros(seconds: f64) -> Option<i64> {
    if !seconds.is_finite() || seconds.abs() > 1.0e11 {
        return None;
    }
    // Bounded above, so the product fits in i64.
    #[allow(clippy::cast_possible_truncation)]
    Some((seconds * 1_000_000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_epochs() {
        let utc = parse_timestamp_micros("2024-05-01T12:00:00.5Z");
        assert_eq!(parse_rfc3339_micros("2024-05-01T12:00:00.500000+0000"), utc);
        assert_eq!(parse_rfc3339_micros("2024-05-01T14:00:00.5+02:00"), utc);
        assert_eq!(parse_rfc3339_micros("2024-05-01T07:00:00.5-0500"), utc);
        assert_eq!(parse_rfc3339_micros("2024-05-01T12:00:00.5Z"), utc);
        assert_eq!(parse_rfc3339_micros("2024-05-01"), None);
        assert_eq!(
            epoch_seconds_micros(1_714_564_800.5),
            Some(1_714_564_800_500_000)
        );
    }
}
