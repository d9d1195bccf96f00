//! Granular markings (§7.2.3): each has selectors and exactly one of `marking_ref` and
//! `lang`, and every selector must point at content the object really has.

use serde_json::{Map, Value};

use super::kinds::target_allows;
use super::{Checker, Location, parse_identifier};
use crate::diagnostic::Rule;
use crate::registry::Target;

pub(super) fn check_granular_markings(checker: &mut Checker, object: &Map<String, Value>) {
    let Some(Value::Array(markings)) = object.get("granular_markings") else {
        return;
    };
    let root = Location::Root;
    let list_at = root.key("granular_markings");
    for (index, marking) in markings.iter().enumerate() {
        let at = list_at.index(index);
        let Value::Object(entries) = marking else {
            checker.report(
                Rule::GranularMarking,
                &at,
                "a granular marking must be an object",
            );
            continue;
        };
        match (entries.get("marking_ref"), entries.get("lang")) {
            (Some(_), Some(_)) | (None, None) => checker.report(
                Rule::GranularMarking,
                &at,
                "a granular marking needs exactly one of `marking_ref` and `lang`",
            ),
            (Some(reference), None) => match reference.as_str().map(parse_identifier) {
                Some(Ok((referenced_type, _)))
                    if target_allows(Target::Types(&["marking-definition"]), referenced_type) => {}
                Some(Ok(_)) => checker.report(
                    Rule::ReferenceType,
                    &at.key("marking_ref"),
                    "`marking_ref` must point at a marking-definition",
                ),
                _ => checker.report(
                    Rule::ReferenceFormat,
                    &at.key("marking_ref"),
                    "`marking_ref` must be a marking-definition id",
                ),
            },
            (None, Some(language)) => {
                if !language.is_string() {
                    checker.report(
                        Rule::PropertyType,
                        &at.key("lang"),
                        "`lang` must be a string",
                    );
                }
            }
        }
        let selectors_at = at.key("selectors");
        match entries.get("selectors") {
            Some(Value::Array(selectors)) if !selectors.is_empty() => {
                for (selector_index, selector) in selectors.iter().enumerate() {
                    let selector_at = selectors_at.index(selector_index);
                    match selector.as_str() {
                        Some(text) => {
                            if let Err(problem) = resolve_selector(object, text) {
                                checker.report(
                                    Rule::SelectorUnresolved,
                                    &selector_at,
                                    format!("selector '{text}' does not resolve: {problem}"),
                                );
                            }
                        }
                        None => checker.report(
                            Rule::PropertyType,
                            &selector_at,
                            "a selector must be a string",
                        ),
                    }
                }
            }
            Some(Value::Array(_)) => checker.report(
                Rule::EmptyList,
                &selectors_at,
                "`selectors` must not be empty",
            ),
            Some(_) => checker.report(
                Rule::PropertyType,
                &selectors_at,
                "`selectors` must be a list of strings",
            ),
            None => checker.report(
                Rule::GranularMarking,
                &selectors_at,
                "a granular marking needs `selectors`",
            ),
        }
    }
}

/// Follows a selector such as `external_references.[0].source_name` from the object's
/// root, failing where the content is missing.
pub fn resolve_selector<'v>(
    object: &'v Map<String, Value>,
    selector: &str,
) -> Result<&'v Value, String> {
    let mut steps = selector.split('.');
    let first = steps.next().unwrap_or_default();
    let mut current = object
        .get(first)
        .ok_or_else(|| format!("the object has no property '{first}'"))?;
    for step in steps {
        current = if let Some(index_text) = step
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            let index: usize = index_text
                .parse()
                .map_err(|_| format!("'{step}' is not a list index"))?;
            match current {
                Value::Array(items) => items.get(index).ok_or_else(|| {
                    format!("index {index} is beyond the list's {} items", items.len())
                })?,
                _ => return Err(format!("'{step}' indexes something that is not a list")),
            }
        } else {
            match current {
                Value::Object(entries) => entries
                    .get(step)
                    .ok_or_else(|| format!("there is no key '{step}'"))?,
                _ => {
                    return Err(format!(
                        "'{step}' looks inside something that is not an object"
                    ));
                }
            }
        };
    }
    Ok(current)
}
