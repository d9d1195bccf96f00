//! Turns the regular expressions of `MATCHES` (PCRE syntax, STIX 2.1 §9.6.1) and the
//! wildcards of `LIKE` into expressions for the `regex` crate, whose automata run in
//! time linear in the input whatever the expression: a pattern from another
//! organisation's feed can not stall a sensor with catastrophic backtracking.
//!
//! The translation keeps PCRE's meaning where the two syntaxes differ (`$` also
//! matches before a final newline, `{` that opens no quantifier is a literal, `[` in a
//! class is a literal, octal and `\e` escapes, `\Q…\E`, `(?#…)` comments) and refuses,
//! with the offset and the name of the feature, what a linear-time engine can not do:
//! backreferences, lookaround, atomic groups, possessive quantifiers, conditionals,
//! recursion. DOTALL is always on, as the specification requires. For binary
//! properties the same expression is translated in byte mode, without Unicode, as the
//! specification requires and as `stix2-matcher` does.

use std::fmt::Write as _;

/// Whether an expression is matched against text or against the octets of a binary
/// (`_bin`, `_hex`) property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RegexMode {
    Text,
    Bytes,
}

/// Why an expression can not be translated: the character offset in the expression
/// and what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TranslateError {
    pub offset: usize,
    pub problem: String,
}

fn unsupported(offset: usize, problem: impl Into<String>) -> TranslateError {
    TranslateError {
        offset,
        problem: problem.into(),
    }
}

/// The `regex` crate expression for a PCRE expression, with DOTALL set.
pub(super) fn translate_pcre(expression: &str, mode: RegexMode) -> Result<String, TranslateError> {
    let mut translator = Translator {
        chars: expression.chars().collect(),
        position: 0,
        mode,
        output: String::with_capacity(expression.len() + 16),
        multiline: vec![false],
    };
    translator.output.push_str(match mode {
        RegexMode::Text => "(?s)",
        RegexMode::Bytes => "(?s-u)",
    });
    translator.run()?;
    Ok(translator.output)
}

/// The `regex` crate expression for a `LIKE` operand: `%` is any run of characters,
/// `_` any one character, everything else literal, and the whole value must match.
pub(super) fn translate_like(operand: &str) -> String {
    let mut output = String::with_capacity(operand.len() + 12);
    output.push_str("(?s)\\A");
    for character in operand.chars() {
        match character {
            '%' => output.push_str(".*"),
            '_' => output.push('.'),
            other => push_escaped(&mut output, other),
        }
    }
    output.push_str("\\z");
    output
}

fn push_escaped(output: &mut String, character: char) {
    if regex::escape(character.encode_utf8(&mut [0; 4])).len() > character.len_utf8() {
        output.push('\\');
    }
    output.push(character);
}

struct Translator {
    chars: Vec<char>,
    position: usize,
    mode: RegexMode,
    output: String,
    /// Whether `$` means end of line, per open group (PCRE's `m` flag).
    multiline: Vec<bool>,
}

impl Translator {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.position + ahead).copied()
    }

    fn starts_with(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(index, expected)| self.peek(index) == Some(expected))
    }

    fn run(&mut self) -> Result<(), TranslateError> {
        while let Some(character) = self.peek(0) {
            let start = self.position;
            self.position += 1;
            match character {
                '\\' => self.escape(start, false)?,
                '(' => self.group(start)?,
                ')' => {
                    if self.multiline.len() > 1 {
                        self.multiline.pop();
                    }
                    self.output.push(')');
                }
                '[' => self.class(start)?,
                '{' => match self.counted_repetition() {
                    Some(quantifier) => {
                        self.output.push_str(&quantifier);
                        self.quantifier_suffix()?;
                    }
                    None => self.output.push_str("\\{"),
                },
                '*' | '+' | '?' => {
                    self.output.push(character);
                    self.quantifier_suffix()?;
                }
                '$' => {
                    if self.multiline.last().copied().unwrap_or(false) {
                        self.output.push('$');
                    } else {
                        // PCRE's `$` also matches before a newline that ends the subject.
                        self.output.push_str("(?:\\n?\\z)");
                    }
                }
                '^' | '.' | '|' => self.output.push(character),
                other => self.literal(start, other)?,
            }
        }
        Ok(())
    }

    /// After `*`, `+`, `?` or `{…}`: a lazy `?` is kept, a possessive `+` refused.
    fn quantifier_suffix(&mut self) -> Result<(), TranslateError> {
        match self.peek(0) {
            Some('?') => {
                self.position += 1;
                self.output.push('?');
            }
            Some('+') => return Err(unsupported(self.position, "a possessive quantifier")),
            _ => {}
        }
        Ok(())
    }

    /// `{n}`, `{n,}`, `{n,m}` or `{,m}` after the `{` just read, or `None` when the
    /// brace opens no quantifier (PCRE then reads it as a literal).
    fn counted_repetition(&mut self) -> Option<String> {
        let mut end = self.position;
        while end < self.chars.len() && self.chars[end] != '}' {
            end += 1;
        }
        let body: String = self.chars.get(self.position..end)?.iter().collect();
        if end >= self.chars.len() || body.is_empty() {
            return None;
        }
        let is_number = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        let quantifier = match body.split_once(',') {
            None if is_number(&body) => format!("{{{body}}}"),
            Some((low, "")) if is_number(low) => format!("{{{low},}}"),
            Some(("", high)) if is_number(high) => format!("{{0,{high}}}"),
            Some((low, high)) if is_number(low) && is_number(high) => format!("{{{low},{high}}}"),
            _ => return None,
        };
        self.position = end + 1;
        Some(quantifier)
    }

    fn literal(&mut self, offset: usize, character: char) -> Result<(), TranslateError> {
        match self.mode {
            RegexMode::Text => push_escaped(&mut self.output, character),
            RegexMode::Bytes => {
                let code = u32::from(character);
                if code < 0x80 {
                    push_escaped(&mut self.output, character);
                } else if code < 0x100 {
                    let _ = write!(self.output, "\\x{code:02X}");
                } else {
                    return Err(unsupported(
                        offset,
                        "a character above U+00FF in a binary match",
                    ));
                }
            }
        }
        Ok(())
    }

    fn escape(&mut self, start: usize, in_class: bool) -> Result<(), TranslateError> {
        let Some(character) = self.peek(0) else {
            return Err(unsupported(start, "a trailing backslash"));
        };
        self.position += 1;
        match character {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'n' | 'r' | 't' | 'f' | 'v' | 'a' => {
                self.output.push('\\');
                self.output.push(character);
            }
            'b' if in_class => self.output.push_str("\\x08"),
            'b' | 'B' | 'A' | 'z' if !in_class => {
                self.output.push('\\');
                self.output.push(character);
            }
            'Z' if !in_class => self.output.push_str("(?:\\n?\\z)"),
            'e' => self.output.push_str("\\x1B"),
            'x' => {
                let code = self.hex_escape(start)?;
                let character = char::from_u32(code)
                    .ok_or_else(|| unsupported(start, "an escape that is no character"))?;
                self.literal(start, character)?;
            }
            '0' => {
                let mut code = 0u32;
                for _ in 0..2 {
                    match self.peek(0).and_then(|digit| digit.to_digit(8)) {
                        Some(digit) => {
                            code = code * 8 + digit;
                            self.position += 1;
                        }
                        None => break,
                    }
                }
                let character = char::from_u32(code).unwrap_or('\0');
                self.literal(start, character)?;
            }
            '1'..='9' => return Err(unsupported(start, "a backreference")),
            'p' | 'P' if self.mode == RegexMode::Text => {
                self.output.push('\\');
                self.output.push(character);
                if self.peek(0) == Some('{') {
                    while let Some(next) = self.peek(0) {
                        self.position += 1;
                        self.output.push(next);
                        if next == '}' {
                            break;
                        }
                    }
                } else if let Some(next) = self.peek(0) {
                    self.position += 1;
                    self.output.push(next);
                }
            }
            'Q' => {
                while self.peek(0).is_some() && !self.starts_with("\\E") {
                    let offset = self.position;
                    let literal = self.chars[offset];
                    self.position += 1;
                    self.literal(offset, literal)?;
                }
                if self.starts_with("\\E") {
                    self.position += 2;
                }
            }
            'E' => {}
            'g' | 'k' => return Err(unsupported(start, "a backreference")),
            'G' | 'K' | 'R' | 'X' | 'C' | 'h' | 'H' | 'V' | 'N' | 'c' | 'u' | 'U' | 'l' | 'L'
            | 'o' | 'p' | 'P' | 'b' | 'B' | 'A' | 'z' | 'Z' => {
                return Err(unsupported(
                    start,
                    format!("the escape \\{character} (not supported here)"),
                ));
            }
            other if other.is_ascii_alphanumeric() => {
                return Err(unsupported(start, format!("the unknown escape \\{other}")));
            }
            other => self.literal(start, other)?,
        }
        Ok(())
    }

    /// The code of `\xHH`, `\xH` or `\x{H…}` after the `x` just read.
    fn hex_escape(&mut self, start: usize) -> Result<u32, TranslateError> {
        let mut digits = String::new();
        if self.peek(0) == Some('{') {
            self.position += 1;
            while let Some(next) = self.peek(0) {
                self.position += 1;
                if next == '}' {
                    return u32::from_str_radix(&digits, 16)
                        .map_err(|_| unsupported(start, "a malformed \\x{…} escape"));
                }
                digits.push(next);
            }
            return Err(unsupported(start, "an unterminated \\x{…} escape"));
        }
        while digits.len() < 2 && self.peek(0).is_some_and(|next| next.is_ascii_hexdigit()) {
            digits.extend(self.peek(0));
            self.position += 1;
        }
        u32::from_str_radix(&digits, 16).map_err(|_| unsupported(start, "a \\x without digits"))
    }

    fn group(&mut self, start: usize) -> Result<(), TranslateError> {
        let inherited = self.multiline.last().copied().unwrap_or(false);
        if self.peek(0) != Some('?') {
            self.output.push('(');
            self.multiline.push(inherited);
            return Ok(());
        }
        self.position += 1;
        let refused = |problem: &str| Err(unsupported(start, problem));
        match self.peek(0) {
            Some(':') => {
                self.position += 1;
                self.output.push_str("(?:");
                self.multiline.push(inherited);
                Ok(())
            }
            Some('#') => {
                while let Some(next) = self.peek(0) {
                    self.position += 1;
                    if next == ')' {
                        return Ok(());
                    }
                }
                refused("an unterminated comment")
            }
            Some('=' | '!') => refused("a lookahead assertion"),
            Some('<') if matches!(self.peek(1), Some('=' | '!')) => {
                refused("a lookbehind assertion")
            }
            Some('>') => refused("an atomic group"),
            Some('|') => refused("a branch reset group"),
            Some('(') => refused("a conditional group"),
            Some('R' | '&' | '+' | '0'..='9') => refused("a recursive or subroutine call"),
            Some('P') if matches!(self.peek(1), Some('=' | '>')) => {
                refused("a named backreference or subroutine call")
            }
            Some('P' | '<' | '\'') => self.named_group(start),
            _ => self.flags(start, inherited),
        }
    }

    /// `(?P<name>`, `(?<name>` or `(?'name'`, after the `(?` just read.
    fn named_group(&mut self, start: usize) -> Result<(), TranslateError> {
        if self.peek(0) == Some('P') {
            self.position += 1;
        }
        let close = match self.peek(0) {
            Some('<') => '>',
            Some('\'') => '\'',
            _ => return Err(unsupported(start, "a malformed group")),
        };
        self.position += 1;
        let mut name = String::new();
        while let Some(next) = self.peek(0) {
            self.position += 1;
            if next == close {
                let _ = write!(self.output, "(?P<{name}>");
                let inherited = self.multiline.last().copied().unwrap_or(false);
                self.multiline.push(inherited);
                return Ok(());
            }
            name.push(next);
        }
        Err(unsupported(start, "an unterminated group name"))
    }

    /// `(?flags)` or `(?flags:`, after the `(?` just read.
    fn flags(&mut self, start: usize, inherited: bool) -> Result<(), TranslateError> {
        let mut flags = String::new();
        let mut multiline = inherited;
        let mut negated = false;
        loop {
            let Some(next) = self.peek(0) else {
                return Err(unsupported(start, "an unterminated group"));
            };
            self.position += 1;
            match next {
                'i' | 's' | 'U' => flags.push(next),
                'm' => {
                    flags.push('m');
                    multiline = !negated;
                }
                '-' => {
                    negated = true;
                    flags.push('-');
                }
                'x' => return Err(unsupported(start, "the extended (x) flag")),
                ')' => {
                    let _ = write!(self.output, "(?{flags})");
                    if let Some(current) = self.multiline.last_mut() {
                        *current = multiline;
                    }
                    return Ok(());
                }
                ':' => {
                    let _ = write!(self.output, "(?{flags}:");
                    self.multiline.push(multiline);
                    return Ok(());
                }
                other => {
                    return Err(unsupported(
                        start,
                        format!("the group flag or syntax (?{other}"),
                    ));
                }
            }
        }
    }

    /// A bracketed class, after the `[` just read.
    fn class(&mut self, start: usize) -> Result<(), TranslateError> {
        self.output.push('[');
        if self.peek(0) == Some('^') {
            self.position += 1;
            self.output.push('^');
        }
        if self.peek(0) == Some(']') {
            self.position += 1;
            self.output.push_str("\\]");
        }
        // Whether the last item was one character, which a `-` can make a range from.
        let mut range_can_start = false;
        loop {
            let Some(character) = self.peek(0) else {
                return Err(unsupported(start, "an unterminated character class"));
            };
            let offset = self.position;
            self.position += 1;
            match character {
                ']' => {
                    self.output.push(']');
                    return Ok(());
                }
                '\\' => {
                    let escaped = self.peek(0);
                    self.escape(offset, true)?;
                    range_can_start = escaped.is_some_and(|next| {
                        !matches!(
                            next,
                            'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'p' | 'P' | 'Q' | 'E'
                        )
                    });
                }
                '[' if self.peek(0) == Some(':') => {
                    let rest: String = self.chars[self.position..].iter().collect();
                    match rest.find(":]") {
                        Some(end)
                            if rest[1..end]
                                .trim_start_matches('^')
                                .bytes()
                                .all(|b| b.is_ascii_lowercase()) =>
                        {
                            let _ = write!(self.output, "[{}]", &rest[..end + 1]);
                            self.position += rest[..end + 2].chars().count();
                            range_can_start = false;
                        }
                        _ => {
                            self.output.push_str("\\[");
                            range_can_start = true;
                        }
                    }
                }
                '-' => {
                    let next = self.peek(0);
                    if range_can_start && next.is_some_and(|next| next != ']') {
                        self.output.push('-');
                        let end_offset = self.position;
                        self.position += 1;
                        match next {
                            Some('\\') => self.escape(end_offset, true)?,
                            Some(end) => self.literal(end_offset, end)?,
                            None => {}
                        }
                    } else {
                        self.output.push_str("\\-");
                    }
                    range_can_start = false;
                }
                other => {
                    self.literal(offset, other)?;
                    range_can_start = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(expression: &str) -> String {
        translate_pcre(expression, RegexMode::Text)
            .unwrap_or_else(|error| panic!("{expression}: {} at {}", error.problem, error.offset))
    }

    #[test]
    fn translations_keep_pcre_meaning() {
        for (pcre, expected) in [
            ("^a.b$", "(?s)^a.b(?:\\n?\\z)"),
            ("(?m)a$", "(?s)(?m)a$"),
            ("a{2,}b{,3}c{x}", "(?s)a{2,}b{0,3}c\\{x\\}"),
            ("[]a-z[&~-]", "(?s)[\\]a-z\\[\\&\\~\\-]"),
            ("\\e\\0\\012", "(?s)\\x1B\u{0}\n"),
            ("(?#note)x", "(?s)x"),
            ("\\Qa.b\\E", "(?s)a\\.b"),
            ("(?'n'x)(?<m>y)", "(?s)(?P<n>x)(?P<m>y)"),
            ("[[:alpha:]\\b]", "(?s)[[:alpha:]\\x08]"),
        ] {
            assert_eq!(text(pcre), expected, "{pcre}");
            assert!(regex::Regex::new(&text(pcre)).is_ok(), "{pcre}");
        }
    }

    #[test]
    fn features_beyond_linear_time_are_refused_with_their_offset() {
        for (pcre, offset, feature) in [
            ("(a)\\1", 3, "backreference"),
            ("a(?=b)", 1, "lookahead"),
            ("(?<!a)b", 0, "lookbehind"),
            ("x(?>a+)", 1, "atomic"),
            ("a*+", 2, "possessive"),
            ("(?(1)a|b)", 0, "conditional"),
            ("(?R)", 0, "recursive"),
            ("(?x) a", 0, "extended"),
        ] {
            let error = translate_pcre(pcre, RegexMode::Text).err();
            let error = error.unwrap_or_else(|| panic!("{pcre} was accepted"));
            assert_eq!(error.offset, offset, "{pcre}");
            assert!(error.problem.contains(feature), "{pcre}: {}", error.problem);
        }
    }

    #[test]
    fn byte_mode_writes_octets_and_refuses_wide_characters() {
        assert_eq!(
            translate_pcre("\u{e9}\\xff", RegexMode::Bytes)
                .ok()
                .as_deref(),
            Some("(?s-u)\\xE9\\xFF")
        );
        assert!(translate_pcre("\u{100}", RegexMode::Bytes).is_err());
    }

    #[test]
    fn like_operands_become_anchored_expressions() {
        assert_eq!(translate_like("a%b_c.d"), "(?s)\\Aa.*b.c\\.d\\z");
    }
}
