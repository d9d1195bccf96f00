//! Version ranges: the `vers:` specifier (purl-spec `VERSION-RANGE-SPEC`) that CSAF
//! prefers for `product_version_range`, and the other forms producers and members write.
//!
//! A range is kept as a `vers` constraint list and a version is tested against it by the
//! spec's own algorithm (equality constraints first, then the sorted `<`/`>` constraints
//! pairwise), so that `>=1.0|<2.0` is an interval and `<1.0|>=2.0` two. One comparison
//! ([`Version`]) serves every versioning scheme: the scheme is kept for display only.
//!
//! Forms read besides `vers:<scheme>/<constraints>`, each rewritten as constraints:
//! - `*`, `all`, `all versions`, `vers:all/*`: every version;
//! - bare constraints separated by `|`, `,` or spaces: `<=1.0.26`, `>=2.0 <2.5`,
//!   `>=1.0,<2.0`, `>v33.011|<v33.015`, `8.001|8.002|9.001` (a bare version is `=`);
//! - `all versions < X` and other constraints after `all versions`;
//! - `prior to X`, `before X` (`<X`); `up to X`, `X and earlier`, `X and prior` (`<=X`);
//! - `A < B` and `A <= B` (from A, below B: CISA writes `0 < 8.0.1`);
//! - Rockwell's fixed-per-release-line bound `<V33.017_V34.014_V35.013_V36.011` ("prior
//!   to V33.017, V34.014, V35.013, V36.011"): in each listed line below its fix, and in
//!   every earlier or unlisted line in between, so `<V33.017|>=34|<V34.014|>=35|…`.
//!
//! Anything else is refused with an error that quotes the text: a range is never
//! guessed.

use std::fmt;

use super::{Version, VersionError};

/// How a constraint compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}

impl Comparator {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Less => "<",
            Comparator::LessOrEqual => "<=",
            Comparator::Greater => ">",
            Comparator::GreaterOrEqual => ">=",
            Comparator::Equal => "=",
            Comparator::NotEqual => "!=",
        }
    }

    fn is_upper_bound(self) -> bool {
        matches!(self, Comparator::Less | Comparator::LessOrEqual)
    }

    fn is_lower_bound(self) -> bool {
        matches!(self, Comparator::Greater | Comparator::GreaterOrEqual)
    }

    /// Whether the constraint version itself is in (`=`, `<=`, `>=`).
    fn includes_itself(self) -> bool {
        matches!(
            self,
            Comparator::Equal | Comparator::LessOrEqual | Comparator::GreaterOrEqual
        )
    }
}

/// One `vers` constraint: a comparator and a version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Constraint {
    pub comparator: Comparator,
    pub version: Version,
}

/// A set of versions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// The `vers` scheme (`generic` for ranges not written as `vers:`).
    scheme: String,
    /// Empty for every version (`*`); otherwise sorted by version.
    constraints: Vec<Constraint>,
}

/// An interval with exclusive ends; `None` is unbounded.
type OpenInterval<'a> = (Option<&'a Version>, Option<&'a Version>);

impl VersionRange {
    /// Every version.
    pub fn any() -> VersionRange {
        VersionRange {
            scheme: "all".to_owned(),
            constraints: Vec::new(),
        }
    }

    /// Reads a range in any of the forms of the module documentation.
    pub fn parse(text: &str) -> Result<VersionRange, VersionError> {
        let trimmed = text.trim();
        let refuse = |problem: &str| VersionError::Range {
            text: trimmed.to_owned(),
            problem: problem.to_owned(),
        };
        if trimmed.is_empty() {
            return Err(refuse("the range is empty"));
        }
        if let Some(rest) = strip_prefix_ignoring_case(trimmed, "vers:") {
            let (scheme, constraints) = rest
                .split_once('/')
                .ok_or_else(|| refuse("a vers range is vers:<scheme>/<constraints>"))?;
            let scheme = scheme.trim().to_ascii_lowercase();
            if scheme.is_empty() || !scheme.bytes().all(is_scheme_byte) {
                return Err(refuse(
                    "the vers scheme is missing or not lower-case letters",
                ));
            }
            return build(scheme, parse_constraints(constraints.trim(), trimmed)?);
        }
        build("generic".to_owned(), parse_free_form(trimmed)?)
    }

    /// Whether the text reads as a range rather than one version: it starts with a
    /// comparator or `vers:`, holds `|`, or is `*`.
    pub fn looks_like_range(text: &str) -> bool {
        let text = text.trim();
        text.starts_with(['<', '>', '=', '!', '*'])
            || text.contains('|')
            || strip_prefix_ignoring_case(text, "vers:").is_some()
    }

    /// Whether every version is in.
    pub fn is_any(&self) -> bool {
        self.constraints.is_empty()
    }

    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    /// Whether `version` is in the range, by the `vers` algorithm.
    pub fn contains(&self, version: &Version) -> bool {
        if self.is_any() {
            return true;
        }
        let (points, excluded, intervals) = self.pieces();
        if points.contains(&version) {
            return true;
        }
        if excluded.contains(&version) {
            return false;
        }
        intervals.iter().any(|&(lower, upper)| {
            lower.is_none_or(|lower| version > lower) && upper.is_none_or(|upper| version < upper)
        })
    }

    /// Whether some version is in both ranges.
    pub fn overlaps(&self, other: &VersionRange) -> bool {
        if self.is_any() || other.is_any() {
            return !self.is_empty() && !other.is_empty();
        }
        let (own_points, _, own_intervals) = self.pieces();
        let (other_points, _, other_intervals) = other.pieces();
        if own_points.iter().any(|point| other.contains(point))
            || other_points.iter().any(|point| self.contains(point))
        {
            return true;
        }
        own_intervals.iter().any(|&(own_lower, own_upper)| {
            other_intervals.iter().any(|&(other_lower, other_upper)| {
                let lower = own_lower.max(other_lower);
                let upper = match (own_upper, other_upper) {
                    (Some(own), Some(other)) => Some(own.min(other)),
                    (own, other) => own.or(other),
                };
                match (lower, upper) {
                    (Some(lower), Some(upper)) => lower < upper,
                    _ => true,
                }
            })
        })
    }

    /// Whether no version at all is in (only `!=` constraints, as the spec reads them).
    fn is_empty(&self) -> bool {
        if self.is_any() {
            return false;
        }
        let (points, _, intervals) = self.pieces();
        points.is_empty() && intervals.is_empty()
    }

    /// The range as the `vers` algorithm sees it: versions that are in by equality,
    /// versions excluded by `!=`, and open intervals from the sorted bounds.
    fn pieces(&self) -> (Vec<&Version>, Vec<&Version>, Vec<OpenInterval<'_>>) {
        let points = self
            .constraints
            .iter()
            .filter(|constraint| constraint.comparator.includes_itself())
            .map(|constraint| &constraint.version)
            .collect();
        let excluded = self
            .constraints
            .iter()
            .filter(|constraint| constraint.comparator == Comparator::NotEqual)
            .map(|constraint| &constraint.version)
            .collect();
        let bounds: Vec<&Constraint> = self
            .constraints
            .iter()
            .filter(|constraint| {
                !matches!(
                    constraint.comparator,
                    Comparator::Equal | Comparator::NotEqual
                )
            })
            .collect();
        let mut intervals = Vec::new();
        if let [only] = bounds.as_slice() {
            if only.comparator.is_upper_bound() {
                intervals.push((None, Some(&only.version)));
            } else {
                intervals.push((Some(&only.version), None));
            }
        } else if let (Some(first), Some(last)) = (bounds.first(), bounds.last()) {
            if first.comparator.is_upper_bound() {
                intervals.push((None, Some(&first.version)));
            }
            for pair in bounds.windows(2) {
                if pair[0].comparator.is_lower_bound() && pair[1].comparator.is_upper_bound() {
                    intervals.push((Some(&pair[0].version), Some(&pair[1].version)));
                }
            }
            if last.comparator.is_lower_bound() {
                intervals.push((Some(&last.version), None));
            }
        }
        (points, excluded, intervals)
    }
}

impl fmt::Display for VersionRange {
    /// The canonical `vers` form: `vers:generic/>=1.0|<2.0`, `vers:all/*`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_any() {
            return f.write_str("vers:all/*");
        }
        write!(f, "vers:{}/", self.scheme)?;
        for (index, constraint) in self.constraints.iter().enumerate() {
            if index > 0 {
                f.write_str("|")?;
            }
            let comparator = match constraint.comparator {
                Comparator::Equal => "",
                other => other.as_str(),
            };
            write!(f, "{comparator}{}", constraint.version)?;
        }
        Ok(())
    }
}

fn is_scheme_byte(byte: u8) -> bool {
    byte.is_ascii_lowercase() || byte.is_ascii_digit() || matches!(byte, b'.' | b'-' | b'+')
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn strip_suffix_ignoring_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

/// Sorts the constraints by version, as the `vers` algorithm needs; no constraint
/// means every version.
fn build(scheme: String, mut constraints: Vec<Constraint>) -> Result<VersionRange, VersionError> {
    if constraints.is_empty() {
        return Ok(VersionRange::any());
    }
    constraints.sort_by(|left, right| left.version.cmp(&right.version));
    Ok(VersionRange {
        scheme,
        constraints,
    })
}

/// The constraints of a `vers` string (after the scheme): `*` or `|`-separated ones.
fn parse_constraints(text: &str, whole: &str) -> Result<Vec<Constraint>, VersionError> {
    if text == "*" {
        return Ok(Vec::new());
    }
    let constraints = text
        .split('|')
        .map(|piece| parse_constraint(piece, whole))
        .collect::<Result<Vec<_>, _>>()?;
    expand_release_lines(constraints, whole)
}

/// The forms producers and members write without `vers:`.
fn parse_free_form(text: &str) -> Result<Vec<Constraint>, VersionError> {
    let lower = text.to_lowercase();
    if matches!(lower.as_str(), "*" | "all" | "all versions") {
        return Ok(Vec::new());
    }
    for prefix in ["all versions", "versions"] {
        if let Some(rest) = strip_prefix_ignoring_case(text, prefix) {
            if rest.starts_with([' ', '<', '>', '=', '!']) {
                return parse_free_form(rest.trim());
            }
        }
    }
    for (prefix, comparator) in [
        ("prior to ", Comparator::Less),
        ("before ", Comparator::Less),
        ("up to ", Comparator::LessOrEqual),
    ] {
        if let Some(rest) = strip_prefix_ignoring_case(text, prefix) {
            return Ok(vec![constraint(comparator, rest, text)?]);
        }
    }
    for suffix in [" and earlier", " and prior", " and below", " or earlier"] {
        if let Some(rest) = strip_suffix_ignoring_case(text, suffix) {
            return Ok(vec![constraint(Comparator::LessOrEqual, rest, text)?]);
        }
    }
    if let Some(constraints) = lower_and_upper(text)? {
        return Ok(constraints);
    }
    let pieces = split_free_constraints(text);
    let constraints = pieces
        .iter()
        .map(|piece| parse_constraint(piece, text))
        .collect::<Result<Vec<_>, _>>()?;
    expand_release_lines(constraints, text)
}

/// `A < B` or `A <= B`, where A has no comparator of its own.
fn lower_and_upper(text: &str) -> Result<Option<Vec<Constraint>>, VersionError> {
    if text.starts_with(['<', '>', '=', '!']) {
        return Ok(None);
    }
    let Some(at) = text.find('<') else {
        return Ok(None);
    };
    let (lower, rest) = text.split_at(at);
    let (comparator, upper) = match rest.strip_prefix("<=") {
        Some(upper) => (Comparator::LessOrEqual, upper),
        None => (Comparator::Less, &rest[1..]),
    };
    if lower.trim().is_empty() || lower.contains([',', '|']) || upper.contains(['<', '>', '|', ','])
    {
        return Ok(None);
    }
    Ok(Some(vec![
        constraint(Comparator::GreaterOrEqual, lower, text)?,
        constraint(comparator, upper, text)?,
    ]))
}

/// Splits on `|` or `,`; without either, at spaces that stand before a comparator (so
/// `>=2.0 <2.5` is two constraints but `<V3.1 SP2` one, and `>= 2.0` one).
fn split_free_constraints(text: &str) -> Vec<String> {
    if text.contains('|') {
        return text.split('|').map(str::to_owned).collect();
    }
    if text.contains(',') {
        return text.split(',').map(str::to_owned).collect();
    }
    let is_comparator_end = |piece: &str| piece.ends_with(['<', '>', '=', '!']);
    let mut pieces: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let starts_constraint = word.starts_with(['<', '>', '=', '!']);
        match pieces.last_mut() {
            Some(last) if !starts_constraint || is_comparator_end(last) => {
                if !is_comparator_end(last) {
                    last.push(' ');
                }
                last.push_str(word);
            }
            _ => pieces.push(word.to_owned()),
        }
    }
    pieces
}

fn parse_constraint(piece: &str, whole: &str) -> Result<Constraint, VersionError> {
    let piece = piece.trim();
    if piece.is_empty() {
        return Err(VersionError::Range {
            text: whole.to_owned(),
            problem: "a constraint between separators is empty".to_owned(),
        });
    }
    let (comparator, rest) = [
        ("<=", Comparator::LessOrEqual),
        (">=", Comparator::GreaterOrEqual),
        ("!=", Comparator::NotEqual),
        ("==", Comparator::Equal),
        ("<", Comparator::Less),
        (">", Comparator::Greater),
        ("=", Comparator::Equal),
    ]
    .into_iter()
    .find_map(|(prefix, comparator)| piece.strip_prefix(prefix).map(|rest| (comparator, rest)))
    .unwrap_or((Comparator::Equal, piece));
    constraint(comparator, rest, whole)
}

fn constraint(
    comparator: Comparator,
    version: &str,
    whole: &str,
) -> Result<Constraint, VersionError> {
    let version = version.trim();
    if version == "*" {
        return Err(VersionError::Range {
            text: whole.to_owned(),
            problem: "'*' stands alone: it means every version and takes no comparator or other constraint".to_owned(),
        });
    }
    let version = Version::parse(version).map_err(|_| VersionError::Range {
        text: whole.to_owned(),
        problem: format!("'{version}' is not a version (a version has at least one digit)"),
    })?;
    Ok(Constraint {
        comparator,
        version,
    })
}

/// Expands a `<` or `<=` bound that lists one fixed version per release line joined by
/// `_` (`<V33.017_V34.014`): see the module documentation.
fn expand_release_lines(
    constraints: Vec<Constraint>,
    whole: &str,
) -> Result<Vec<Constraint>, VersionError> {
    let mut expanded = Vec::with_capacity(constraints.len());
    for constraint in constraints {
        match release_line_bounds(&constraint, whole)? {
            Some(lines) => expanded.extend(lines),
            None => expanded.push(constraint),
        }
    }
    Ok(expanded)
}

fn release_line_bounds(
    constraint: &Constraint,
    whole: &str,
) -> Result<Option<Vec<Constraint>>, VersionError> {
    let text = constraint.version.as_str();
    if !constraint.comparator.is_upper_bound() || !text.contains('_') {
        return Ok(None);
    }
    let parts: Vec<&str> = text.split('_').filter(|part| !part.is_empty()).collect();
    let versions: Vec<Version> = parts
        .iter()
        .filter_map(|part| Version::parse(part).ok())
        .filter(|version| version.number_count() >= 2)
        .collect();
    if parts.len() < 2 || versions.len() != parts.len() {
        return Ok(None);
    }
    let lines: Vec<u128> = versions
        .iter()
        .map(|version| version.leading_number().and_then(line_number))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| VersionError::Range {
            text: whole.to_owned(),
            problem: "a release line number is too large".to_owned(),
        })?;
    if lines.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(VersionError::Range {
            text: whole.to_owned(),
            problem: format!(
                "'{text}' lists fixed versions joined by '_' whose release lines do not rise; write one bound per release line, oldest first"
            ),
        });
    }
    let mut bounds = Vec::with_capacity(versions.len() * 2);
    for (index, version) in versions.into_iter().enumerate() {
        if index > 0 {
            let line_start = Version::parse(&(lines[index - 1] + 1).to_string())?;
            bounds.push(Constraint {
                comparator: Comparator::GreaterOrEqual,
                version: line_start,
            });
        }
        bounds.push(Constraint {
            comparator: constraint.comparator,
            version,
        });
    }
    Ok(Some(bounds))
}

fn line_number(digits: &str) -> Option<u128> {
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests;
