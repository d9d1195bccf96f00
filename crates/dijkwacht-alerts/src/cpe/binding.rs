//! The two bindings of a CPE name read into attribute values, and the formatted string
//! written back (NIST IR 7695 §6.1, §6.2).
//!
//! Reading is strict — each broken rule is an error naming the component — because a
//! profile's CPE that is read wrongly silently matches nothing.

use super::{CpeAttribute, CpeError, CpeName, CpeText, CpeValue, Wildcard};

/// Characters the formatted string writes without a `\`.
fn is_unquoted_in_formatted_string(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '_' | '-' | '.')
}

fn is_printable_ascii(character: char) -> bool {
    character.is_ascii_graphic()
}

pub(super) fn parse(text: &str) -> Result<CpeName, CpeError> {
    if let Some(rest) = strip_prefix_ignoring_case(text, "cpe:2.3:") {
        return parse_formatted_string(rest);
    }
    if let Some(rest) = strip_prefix_ignoring_case(text, "cpe:/") {
        return parse_uri(rest);
    }
    Err(CpeError::NotACpe(text.to_owned()))
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn component_error(attribute: CpeAttribute, value: &str, rule: impl Into<String>) -> CpeError {
    CpeError::Component {
        attribute,
        value: value.to_owned(),
        rule: rule.into(),
    }
}

/// Splits at the `:` that no `\` quotes.
fn split_unquoted_colons(text: &str) -> Vec<&str> {
    let mut components = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (index, character) in text.char_indices() {
        if quoted {
            quoted = false;
        } else if character == '\\' {
            quoted = true;
        } else if character == ':' {
            components.push(&text[start..index]);
            start = index + 1;
        }
    }
    components.push(&text[start..]);
    components
}

fn parse_formatted_string(rest: &str) -> Result<CpeName, CpeError> {
    let components = split_unquoted_colons(rest);
    if components.len() != 11 {
        let hint = if components.len() > 11 {
            " (a ':' inside a value must be quoted as '\\:')"
        } else {
            " (write * for any value, - for not applicable)"
        };
        return Err(CpeError::ComponentCount {
            found: components.len(),
            hint,
        });
    }
    let mut values: [CpeValue; 11] = Default::default();
    for (attribute, component) in CpeAttribute::ALL.into_iter().zip(components) {
        values[attribute as usize] = formatted_value(attribute, component)?;
    }
    check_part(values[0].clone(), CpeAttribute::Part)?;
    Ok(CpeName { values })
}

/// A character of a value once its binding's quoting and encoding are undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Literal(char),
    /// An unquoted `*` or `?`.
    Wildcard(char),
}

/// One component of the formatted string.
fn formatted_value(attribute: CpeAttribute, component: &str) -> Result<CpeValue, CpeError> {
    match component {
        "*" => return Ok(CpeValue::Any),
        "-" => return Ok(CpeValue::Na),
        "" => {
            return Err(component_error(
                attribute,
                component,
                "is empty; write * for any value or - for not applicable",
            ));
        }
        _ => {}
    }
    let mut pieces = Vec::with_capacity(component.len());
    let mut characters = component.chars();
    while let Some(character) = characters.next() {
        if character.is_whitespace() {
            return Err(component_error(
                attribute,
                component,
                "has a space; CPE names write spaces as '_'",
            ));
        }
        if !is_printable_ascii(character) {
            return Err(component_error(
                attribute,
                component,
                format!(
                    "has '{character}', which is not printable ASCII; CPE names allow only printable ASCII"
                ),
            ));
        }
        let piece = match character {
            '\\' => match characters.next() {
                Some(quoted) if is_printable_ascii(quoted) => Piece::Literal(quoted),
                Some(_) => {
                    return Err(component_error(
                        attribute,
                        component,
                        "quotes a character that is not printable ASCII",
                    ));
                }
                None => {
                    return Err(component_error(
                        attribute,
                        component,
                        "ends in a lone '\\'; quote a backslash as '\\\\'",
                    ));
                }
            },
            '*' | '?' => Piece::Wildcard(character),
            character if is_unquoted_in_formatted_string(character) => Piece::Literal(character),
            other => {
                return Err(component_error(
                    attribute,
                    component,
                    format!("has an unquoted '{other}'; quote it as '\\{other}'"),
                ));
            }
        };
        pieces.push(piece);
    }
    assemble(attribute, component, &pieces)
}

/// A value from its pieces: wildcards only as one run at each end.
fn assemble(
    attribute: CpeAttribute,
    component: &str,
    pieces: &[Piece],
) -> Result<CpeValue, CpeError> {
    let is_literal = |piece: &&Piece| matches!(piece, Piece::Literal(_));
    let Some(first_literal) = pieces
        .iter()
        .position(|piece| matches!(piece, Piece::Literal(_)))
    else {
        return Err(component_error(
            attribute,
            component,
            "is only wildcards; write * alone for any value",
        ));
    };
    let last_literal = pieces
        .iter()
        .rposition(|piece| matches!(piece, Piece::Literal(_)))
        .unwrap_or(first_literal);
    let middle = &pieces[first_literal..=last_literal];
    if let Some(Piece::Wildcard(inside)) = middle.iter().find(|piece| !is_literal(piece)) {
        return Err(component_error(
            attribute,
            component,
            format!(
                "has an unquoted '{inside}' inside it; a wildcard may stand only at the start or end, or quote it as '\\{inside}'"
            ),
        ));
    }
    let literal = middle
        .iter()
        .filter_map(|piece| match piece {
            Piece::Literal(character) => Some(character.to_ascii_lowercase()),
            Piece::Wildcard(_) => None,
        })
        .collect();
    Ok(CpeValue::Text(CpeText {
        leading: wildcard_of(attribute, component, &pieces[..first_literal])?,
        literal,
        trailing: wildcard_of(attribute, component, &pieces[last_literal + 1..])?,
    }))
}

fn wildcard_of(
    attribute: CpeAttribute,
    component: &str,
    run: &[Piece],
) -> Result<Wildcard, CpeError> {
    match run {
        [] => Ok(Wildcard::None),
        [Piece::Wildcard('*')] => Ok(Wildcard::Star),
        run if run.iter().all(|piece| *piece == Piece::Wildcard('?')) => u8::try_from(run.len())
            .map(Wildcard::Questions)
            .map_err(|_| component_error(attribute, component, "has too long a run of '?'")),
        _ => Err(component_error(
            attribute,
            component,
            "mixes '*' and '?' or repeats '*'; a value may start or end with one '*' or a run of '?'",
        )),
    }
}

fn check_part(part: CpeValue, attribute: CpeAttribute) -> Result<(), CpeError> {
    match &part {
        CpeValue::Any => Ok(()),
        CpeValue::Text(text)
            if !text.has_wildcards() && matches!(text.literal.as_str(), "a" | "o" | "h") =>
        {
            Ok(())
        }
        CpeValue::Na => Err(component_error(
            attribute,
            "-",
            "must be a (application), o (operating system) or h (hardware)",
        )),
        CpeValue::Text(text) => Err(component_error(
            attribute,
            &text.literal,
            "must be a (application), o (operating system) or h (hardware)",
        )),
    }
}

/// The 2.2 URI: up to seven `:`-separated components, percent-encoded.
fn parse_uri(rest: &str) -> Result<CpeName, CpeError> {
    let components: Vec<&str> = rest.split(':').collect();
    if components.len() > 7 {
        return Err(CpeError::UriComponentCount {
            found: components.len(),
        });
    }
    let mut values: [CpeValue; 11] = Default::default();
    for (attribute, component) in CpeAttribute::ALL
        .into_iter()
        .zip(components.iter().copied())
    {
        if attribute == CpeAttribute::Edition && component.starts_with('~') {
            unpack_edition(component, &mut values)?;
        } else {
            values[attribute as usize] = uri_value(attribute, component)?;
        }
    }
    check_part(values[0].clone(), CpeAttribute::Part)?;
    Ok(CpeName { values })
}

/// `~edition~sw_edition~target_sw~target_hw~other`.
fn unpack_edition(component: &str, values: &mut [CpeValue; 11]) -> Result<(), CpeError> {
    let packed: Vec<&str> = component[1..].split('~').collect();
    if packed.len() != 5 {
        return Err(component_error(
            CpeAttribute::Edition,
            component,
            "is packed with '~' but does not hold the five parts ~edition~sw_edition~target_sw~target_hw~other",
        ));
    }
    let attributes = [
        CpeAttribute::Edition,
        CpeAttribute::SwEdition,
        CpeAttribute::TargetSw,
        CpeAttribute::TargetHw,
        CpeAttribute::Other,
    ];
    for (attribute, part) in attributes.into_iter().zip(packed) {
        values[attribute as usize] = uri_value(attribute, part)?;
    }
    Ok(())
}

/// One URI component: empty is ANY, `-` NA, `%01`/`%02` the `?`/`*` wildcards.
fn uri_value(attribute: CpeAttribute, component: &str) -> Result<CpeValue, CpeError> {
    match component {
        "" => return Ok(CpeValue::Any),
        "-" => return Ok(CpeValue::Na),
        _ => {}
    }
    let mut pieces = Vec::with_capacity(component.len());
    let mut rest = component;
    while let Some(character) = rest.chars().next() {
        if character == '%' {
            let encoded = rest.get(1..3).unwrap_or(rest.get(1..).unwrap_or(""));
            let decoded = u8::from_str_radix(encoded, 16)
                .ok()
                .filter(|_| {
                    encoded.len() == 2 && encoded.bytes().all(|byte| byte.is_ascii_hexdigit())
                })
                .ok_or_else(|| {
                    component_error(
                        attribute,
                        component,
                        format!("has '%{encoded}', which is not a percent-encoded byte"),
                    )
                })?;
            pieces.push(match decoded {
                0x01 => Piece::Wildcard('?'),
                0x02 => Piece::Wildcard('*'),
                byte if byte.is_ascii_graphic() => Piece::Literal(byte as char),
                _ => {
                    return Err(component_error(
                        attribute,
                        component,
                        format!("encodes %{encoded}, which is not printable ASCII"),
                    ));
                }
            });
            rest = &rest[3..];
            continue;
        }
        if !(character.is_ascii_alphanumeric() || matches!(character, '.' | '-' | '_')) {
            return Err(component_error(
                attribute,
                component,
                format!("has '{character}', which a CPE 2.2 URI writes percent-encoded"),
            ));
        }
        pieces.push(Piece::Literal(character));
        rest = &rest[character.len_utf8()..];
    }
    assemble(attribute, component, &pieces)
}

/// Writes one value as the formatted string binds it.
pub(super) fn bind_formatted(value: &CpeValue, out: &mut String) {
    match value {
        CpeValue::Any => out.push('*'),
        CpeValue::Na => out.push('-'),
        CpeValue::Text(text) => {
            text.leading.bind(out);
            if text.literal == "-" && !text.has_wildcards() {
                out.push_str("\\-");
            } else {
                for character in text.literal.chars() {
                    if !is_unquoted_in_formatted_string(character) {
                        out.push('\\');
                    }
                    out.push(character);
                }
            }
            text.trailing.bind(out);
        }
    }
}
