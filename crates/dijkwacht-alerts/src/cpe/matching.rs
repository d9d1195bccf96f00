//! CPE name matching (NIST IR 7696 §6): how a source name (what a vulnerability or
//! advisory names) relates to a target name (what a member runs), attribute by attribute
//! and as a whole.
//!
//! It follows NIST's reference implementation where the text leaves room: a target value
//! with wildcards makes the attribute UNDEFINED whatever the source, and a run of `n`
//! `?` at one end of the source matches up to `n` characters there.

use super::{CpeName, CpeText, CpeValue, Wildcard};

/// How a source attribute value relates to a target one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeRelation {
    /// The source takes in the target and more.
    Superset,
    /// The target takes in the source and more.
    Subset,
    Equal,
    Disjoint,
    /// The target has wildcards: 7696 does not decide.
    Undefined,
}

/// How a source name relates to a target name as a whole (7696 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameRelation {
    /// Every attribute is EQUAL.
    Equal,
    /// Every attribute is SUPERSET or EQUAL: the source names the target (a match).
    Superset,
    /// Every attribute is SUBSET or EQUAL: the target is the more general name.
    Subset,
    /// Some attribute is DISJOINT: the names share nothing.
    Disjoint,
    /// Some attribute is UNDEFINED, or the attributes mix SUPERSET and SUBSET.
    Undecided,
}

pub(super) fn compare_names(source: &CpeName, target: &CpeName) -> NameRelation {
    let relations = source
        .values
        .iter()
        .zip(target.values.iter())
        .map(|(source, target)| compare_values(source, target));
    let mut has_superset = false;
    let mut has_subset = false;
    let mut has_undefined = false;
    for relation in relations {
        match relation {
            AttributeRelation::Disjoint => return NameRelation::Disjoint,
            AttributeRelation::Superset => has_superset = true,
            AttributeRelation::Subset => has_subset = true,
            AttributeRelation::Undefined => has_undefined = true,
            AttributeRelation::Equal => {}
        }
    }
    match (has_undefined, has_superset, has_subset) {
        (true, _, _) | (false, true, true) => NameRelation::Undecided,
        (false, true, false) => NameRelation::Superset,
        (false, false, true) => NameRelation::Subset,
        (false, false, false) => NameRelation::Equal,
    }
}

pub(super) fn compare_values(source: &CpeValue, target: &CpeValue) -> AttributeRelation {
    if let CpeValue::Text(target) = target {
        if target.has_wildcards() {
            return AttributeRelation::Undefined;
        }
    }
    match (source, target) {
        (CpeValue::Any, CpeValue::Any) | (CpeValue::Na, CpeValue::Na) => AttributeRelation::Equal,
        (CpeValue::Any, _) => AttributeRelation::Superset,
        (_, CpeValue::Any) => AttributeRelation::Subset,
        (CpeValue::Na, _) | (_, CpeValue::Na) => AttributeRelation::Disjoint,
        (CpeValue::Text(source), CpeValue::Text(target)) => compare_texts(source, &target.literal),
    }
}

fn compare_texts(source: &CpeText, target: &str) -> AttributeRelation {
    if !source.has_wildcards() {
        return if source.literal == target {
            AttributeRelation::Equal
        } else {
            AttributeRelation::Disjoint
        };
    }
    if text_matches(source, target) {
        AttributeRelation::Superset
    } else {
        AttributeRelation::Disjoint
    }
}

/// Whether a source value with wildcards takes in the literal `target`.
pub(crate) fn text_matches(source: &CpeText, target: &str) -> bool {
    let literal = source.literal.as_str();
    let most_before = match source.leading {
        Wildcard::None => Some(0),
        Wildcard::Star => None,
        Wildcard::Questions(count) => Some(usize::from(count)),
    };
    let most_after = match source.trailing {
        Wildcard::None => Some(0),
        Wildcard::Star => None,
        Wildcard::Questions(count) => Some(usize::from(count)),
    };
    let starts = target
        .char_indices()
        .map(|(index, _)| index)
        .filter(|&index| target[index..].starts_with(literal));
    starts.into_iter().any(|index| {
        let before = target[..index].chars().count();
        let after = target[index + literal.len()..].chars().count();
        most_before.is_none_or(|most| before <= most) && most_after.is_none_or(|most| after <= most)
    })
}
