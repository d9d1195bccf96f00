//! STIX and TAXII timestamps.
//!
//! STIX writes instants as RFC 3339 strings in UTC with a `Z` and any number of
//! fractional digits; two strings for the same instant may differ (`…00Z` and
//! `…00.000Z`). Versions are keyed and ordered by instant, so every timestamp is parsed
//! once into a [`Timestamp`] whose [`Timestamp::sort_key`] orders as the instants do.

use std::fmt;

/// A point in time read from a STIX timestamp, with nanosecond resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    seconds: i64,
    /// Nanoseconds within the second.
    nanos: u32,
    /// How many fractional digits the source text had (kept so that the precision
    /// rule for `created` and `modified` can be checked).
    fraction_digits: u8,
}

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("expected YYYY-MM-DDTHH:MM:SS[.s+]Z")]
    Shape,
    #[error("must be in UTC and end with 'Z'")]
    NotUtc,
    #[error("{0} is out of range")]
    OutOfRange(&'static str),
    #[error("a decimal point must be followed by at least one digit")]
    EmptyFraction,
}

impl Timestamp {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` as STIX 2.1 §3.1 requires. Fractions
    /// longer than nine digits are accepted and truncated to nanoseconds.
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let bytes = text.as_bytes();
        if bytes.len() < 20 {
            return Err(TimestampError::Shape);
        }
        let digits = |range: std::ops::Range<usize>| -> Result<u32, TimestampError> {
            let mut value = 0u32;
            for &byte in &bytes[range] {
                if !byte.is_ascii_digit() {
                    return Err(TimestampError::Shape);
                }
                value = value * 10 + u32::from(byte - b'0');
            }
            Ok(value)
        };
        if bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' || bytes[16] != b':' {
            return Err(TimestampError::Shape);
        }
        if bytes[10] != b'T' {
            return Err(TimestampError::Shape);
        }
        let year = digits(0..4)?;
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        let hour = digits(11..13)?;
        let minute = digits(14..16)?;
        let second = digits(17..19)?;
        let mut position = 19;
        let mut nanos = 0u32;
        let mut fraction_digits = 0u8;
        if bytes[position] == b'.' {
            position += 1;
            let start = position;
            while position < bytes.len() && bytes[position].is_ascii_digit() {
                if position - start < 9 {
                    nanos = nanos * 10 + u32::from(bytes[position] - b'0');
                }
                position += 1;
            }
            let count = position - start;
            if count == 0 {
                return Err(TimestampError::EmptyFraction);
            }
            for _ in count..9 {
                nanos *= 10;
            }
            fraction_digits = u8::try_from(count).unwrap_or(u8::MAX);
        }
        match &bytes[position..] {
            b"Z" => {}
            [b'+' | b'-', ..] | b"z" => return Err(TimestampError::NotUtc),
            _ => return Err(TimestampError::Shape),
        }
        if !(1..=12).contains(&month) {
            return Err(TimestampError::OutOfRange("month"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(TimestampError::OutOfRange("day"));
        }
        if hour > 23 {
            return Err(TimestampError::OutOfRange("hour"));
        }
        if minute > 59 {
            return Err(TimestampError::OutOfRange("minute"));
        }
        // RFC 3339 allows a leap second (60); STIX inherits that.
        if second > 60 {
            return Err(TimestampError::OutOfRange("second"));
        }
        let days = days_from_civil(i64::from(year), month, day);
        let seconds =
            days * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second);
        Ok(Timestamp {
            seconds,
            nanos,
            fraction_digits,
        })
    }

    /// The instant `micros` microseconds after the Unix epoch (TAXII `date_added`).
    pub fn from_unix_micros(micros: i64) -> Timestamp {
        Timestamp {
            seconds: micros.div_euclid(1_000_000),
            nanos: u32::try_from(micros.rem_euclid(1_000_000) * 1_000).unwrap_or(0),
            fraction_digits: 6,
        }
    }

    /// The current time, with microsecond precision.
    pub fn now() -> Timestamp {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp::from_unix_micros(i64::try_from(since_epoch.as_micros()).unwrap_or(i64::MAX))
    }

    /// Microseconds since the Unix epoch, truncating finer precision.
    pub fn unix_micros(&self) -> i64 {
        self.seconds
            .saturating_mul(1_000_000)
            .saturating_add(i64::from(self.nanos / 1_000))
    }

    /// How many fractional-second digits the parsed text carried.
    pub fn fraction_digits(&self) -> u8 {
        self.fraction_digits
    }

    /// A fixed-width string that sorts as the instants do and is equal for equal
    /// instants whatever their spelling: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
    pub fn sort_key(&self) -> String {
        let mut key = String::with_capacity(30);
        self.write_fixed(&mut key, self.nanos, 9);
        key
    }

    /// The TAXII rendering: microseconds, always six digits.
    pub fn to_taxii_string(&self) -> String {
        let mut text = String::with_capacity(27);
        self.write_fixed(&mut text, self.nanos / 1_000, 6);
        text
    }

    /// The STIX rendering with millisecond precision, as new objects are written.
    pub fn to_stix_millis(&self) -> String {
        let mut text = String::with_capacity(24);
        self.write_fixed(&mut text, self.nanos / 1_000_000, 3);
        text
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS.<fraction>Z` with `digits` fractional digits. Years
    /// outside 0..=9999 cannot come from [`Timestamp::parse`]; they are clamped.
    fn write_fixed(&self, out: &mut String, fraction: u32, digits: u32) {
        let (year, month, day) = civil_from_days(self.seconds.div_euclid(86_400));
        let in_day = self.seconds.rem_euclid(86_400);
        let year = u32::try_from(year.clamp(0, 9_999)).unwrap_or(0);
        let hour = u32::try_from(in_day / 3_600).unwrap_or(0);
        let minute = u32::try_from((in_day % 3_600) / 60).unwrap_or(0);
        let second = u32::try_from(in_day % 60).unwrap_or(0);
        push_digits(out, year, 4);
        out.push('-');
        push_digits(out, month, 2);
        out.push('-');
        push_digits(out, day, 2);
        out.push('T');
        push_digits(out, hour, 2);
        out.push(':');
        push_digits(out, minute, 2);
        out.push(':');
        push_digits(out, second, 2);
        out.push('.');
        push_digits(out, fraction, digits);
        out.push('Z');
    }
}

/// Appends `value` as exactly `width` decimal digits, zero-padded.
fn push_digits(out: &mut String, value: u32, width: u32) {
    let mut divisor = 10u32.pow(width.saturating_sub(1));
    while divisor > 0 {
        let digit = (value / divisor) % 10;
        out.push(char::from(b'0' + u8::try_from(digit).unwrap_or(0)));
        divisor /= 10;
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_taxii_string())
    }
}

fn is_leap_year(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = u32::try_from(day_of_year - (153 * month_index + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    })
    .unwrap_or(1);
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_instants_have_equal_keys_whatever_the_spelling() {
        let short = Timestamp::parse("2016-05-12T08:17:27Z").expect("valid");
        let long = Timestamp::parse("2016-05-12T08:17:27.000Z").expect("valid");
        assert_eq!(short.sort_key(), long.sort_key());
        assert_eq!(short.sort_key(), "2016-05-12T08:17:27.000000000Z");
        assert_eq!(long.fraction_digits(), 3);
    }

    #[test]
    fn keys_order_as_instants() {
        let earlier = Timestamp::parse("1999-12-31T23:59:59.999Z").expect("valid");
        let later = Timestamp::parse("2000-01-01T00:00:00Z").expect("valid");
        assert!(earlier < later);
        assert!(earlier.sort_key() < later.sort_key());
    }

    #[test]
    fn rejects_what_stix_forbids() {
        for (text, expected) in [
            ("2016-05-12T08:17:27+01:00", TimestampError::NotUtc),
            ("2016-05-12 08:17:27Z", TimestampError::Shape),
            ("2016-05-12T08:17:27.Z", TimestampError::EmptyFraction),
            ("2016-02-30T08:17:27Z", TimestampError::OutOfRange("day")),
            ("2022-101-27T13:49:54.326Z", TimestampError::Shape),
            ("2016-13-01T00:00:00Z", TimestampError::OutOfRange("month")),
            ("2016-05-12T24:00:00Z", TimestampError::OutOfRange("hour")),
            ("2016-05-12T08:17:27", TimestampError::Shape),
        ] {
            assert_eq!(Timestamp::parse(text), Err(expected), "{text}");
        }
    }

    #[test]
    fn renders_round_trip_through_micros() {
        let stamp = Timestamp::parse("2024-02-29T12:34:56.123456Z").expect("valid");
        assert_eq!(stamp.to_taxii_string(), "2024-02-29T12:34:56.123456Z");
        let again = Timestamp::from_unix_micros(stamp.unix_micros());
        assert_eq!(again.to_taxii_string(), "2024-02-29T12:34:56.123456Z");
        assert_eq!(stamp.to_stix_millis(), "2024-02-29T12:34:56.123Z");
        let old = Timestamp::parse("1601-01-01T00:00:00Z").expect("valid");
        assert_eq!(
            Timestamp::from_unix_micros(old.unix_micros()).sort_key(),
            old.sort_key()
        );
    }
}
