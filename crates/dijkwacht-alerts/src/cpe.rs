//! CPE names: the 2.3 formatted string (`cpe:2.3:a:vendor:product:…`) and the 2.2 URI
//! (`cpe:/a:vendor:product:…`) read into one well-formed name (NIST IR 7695), and name
//! matching (NIST IR 7696).
//!
//! Members describe what they run with CPEs, vulnerabilities and CSAF advisories name
//! what is affected with them, and the two are written by different hands in both
//! bindings. Both are read into [`CpeName`] — eleven attributes, each ANY, NA or a value —
//! so that `cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0` and
//! `cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0:*:*:*:*:*:*:*` are one name, and
//! written back as the 2.3 formatted string, the normal form a profile keeps.
//!
//! What it decides:
//! - values are compared without regard to case (7696), so they are kept lower-cased;
//! - in the formatted string `\` quotes the next character, `*` alone is ANY and `-`
//!   alone NA, and an unquoted `*` or run of `?` may stand only at the start or end of a
//!   value; any other character but letters, digits, `_`, `-` and `.` must be quoted;
//! - in the URI an empty component is ANY, `%01` and `%02` are the `?` and `*`
//!   wildcards, other `%xx` the character they encode, and an edition that starts with
//!   `~` packs edition, software edition, target software, target hardware and other;
//! - only printable ASCII is allowed, as 7695 requires.
//!
//! Matching ([`CpeName::compare`]) follows 7696 and its reference implementation:
//! per attribute SUPERSET, SUBSET, EQUAL, DISJOINT or UNDEFINED (a target value with
//! wildcards), a leading or trailing `?` run matching up to that many characters.

mod binding;
mod matching;

use std::fmt;

pub(crate) use matching::text_matches;
pub use matching::{AttributeRelation, NameRelation};

/// The eleven attributes of a CPE name, in binding order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CpeAttribute {
    Part,
    Vendor,
    Product,
    Version,
    Update,
    Edition,
    Language,
    SwEdition,
    TargetSw,
    TargetHw,
    Other,
}

impl CpeAttribute {
    pub const ALL: [CpeAttribute; 11] = [
        CpeAttribute::Part,
        CpeAttribute::Vendor,
        CpeAttribute::Product,
        CpeAttribute::Version,
        CpeAttribute::Update,
        CpeAttribute::Edition,
        CpeAttribute::Language,
        CpeAttribute::SwEdition,
        CpeAttribute::TargetSw,
        CpeAttribute::TargetHw,
        CpeAttribute::Other,
    ];

    /// The attribute's name in the specification (`sw_edition`).
    pub fn name(self) -> &'static str {
        match self {
            CpeAttribute::Part => "part",
            CpeAttribute::Vendor => "vendor",
            CpeAttribute::Product => "product",
            CpeAttribute::Version => "version",
            CpeAttribute::Update => "update",
            CpeAttribute::Edition => "edition",
            CpeAttribute::Language => "language",
            CpeAttribute::SwEdition => "sw_edition",
            CpeAttribute::TargetSw => "target_sw",
            CpeAttribute::TargetHw => "target_hw",
            CpeAttribute::Other => "other",
        }
    }

    /// The component's position counted from 1 after the `cpe:2.3:` or `cpe:/` prefix.
    pub fn position(self) -> usize {
        self as usize + 1
    }
}

impl fmt::Display for CpeAttribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "component {} ({})", self.position(), self.name())
    }
}

/// An unquoted wildcard at one end of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Wildcard {
    #[default]
    None,
    /// `*`: any number of characters, none included.
    Star,
    /// A run of this many `?`: up to that many characters.
    Questions(u8),
}

impl Wildcard {
    fn bind(self, out: &mut String) {
        match self {
            Wildcard::None => {}
            Wildcard::Star => out.push('*'),
            Wildcard::Questions(count) => out.extend(std::iter::repeat_n('?', count.into())),
        }
    }
}

/// A value other than ANY and NA: literal characters (lower case, unquoted), with
/// optional wildcards at its ends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CpeText {
    pub leading: Wildcard,
    pub literal: String,
    pub trailing: Wildcard,
}

impl CpeText {
    pub fn has_wildcards(&self) -> bool {
        self.leading != Wildcard::None || self.trailing != Wildcard::None
    }
}

/// One attribute's value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum CpeValue {
    /// Any value (`*`, or an empty URI component).
    #[default]
    Any,
    /// Not applicable (`-`).
    Na,
    Text(CpeText),
}

impl CpeValue {
    /// The literal text when the value is one without wildcards.
    pub fn literal(&self) -> Option<&str> {
        match self {
            CpeValue::Text(text) if !text.has_wildcards() => Some(&text.literal),
            _ => None,
        }
    }
}

/// A CPE name: eleven attribute values (a well-formed name, in 7695's words).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CpeName {
    values: [CpeValue; 11],
}

/// Why a text is not a CPE name: which component, which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpeError {
    #[error("'{0}' is not a CPE name: it starts with cpe:2.3: (formatted string) or cpe:/ (URI)")]
    NotACpe(String),
    #[error("11 components expected after cpe:2.3, found {found}{hint}")]
    ComponentCount { found: usize, hint: &'static str },
    #[error("at most 7 components expected after cpe:/, found {found}")]
    UriComponentCount { found: usize },
    #[error("{attribute} '{value}' {rule}")]
    Component {
        attribute: CpeAttribute,
        value: String,
        rule: String,
    },
}

impl CpeName {
    /// Reads the formatted string (`cpe:2.3:…`) or the URI (`cpe:/…`) binding.
    pub fn parse(text: &str) -> Result<CpeName, CpeError> {
        binding::parse(text.trim())
    }

    pub fn get(&self, attribute: CpeAttribute) -> &CpeValue {
        &self.values[attribute as usize]
    }

    pub fn part(&self) -> &CpeValue {
        self.get(CpeAttribute::Part)
    }

    pub fn vendor(&self) -> &CpeValue {
        self.get(CpeAttribute::Vendor)
    }

    pub fn product(&self) -> &CpeValue {
        self.get(CpeAttribute::Product)
    }

    pub fn version(&self) -> &CpeValue {
        self.get(CpeAttribute::Version)
    }

    /// The 7696 relation of each attribute, `self` the source and `target` the target.
    pub fn compare(&self, target: &CpeName) -> NameRelation {
        matching::compare_names(self, target)
    }

    /// The relation of one attribute.
    pub fn compare_attribute(
        &self,
        target: &CpeName,
        attribute: CpeAttribute,
    ) -> AttributeRelation {
        matching::compare_values(self.get(attribute), target.get(attribute))
    }
}

impl fmt::Display for CpeName {
    /// The 2.3 formatted string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cpe:2.3")?;
        let mut bound = String::new();
        for value in &self.values {
            bound.clear();
            binding::bind_formatted(value, &mut bound);
            write!(f, ":{bound}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
