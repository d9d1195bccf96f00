//! Display names in mail header lines pasted into free text: `From: Jan de Vries
//! <jan@example.nl>`, `To: "Vries, Jan" <…>, Piet <…>`, `Cc: kees@example.nl (Kees)`.
//!
//! A header is `From`, `To`, `Cc`, `Bcc`, `Reply-To`, `Sender` or one of their `Resent-`
//! forms, followed by a colon. It counts at the start of a line (after indentation or
//! `>` quoting, in any case) or mid-line after a blank in its capitalised form, as when a
//! mail's headers were joined into one line. What follows is read as an RFC 5322 mailbox
//! list, leniently: a name is the phrase before an `<address>` (quoted or not, also an
//! unquoted `Vries, Jan`), or the comment after a bare address. A phrase without an
//! address is not a name, so `sent to: the team` finds nothing. The addresses themselves
//! are the `email` detector's.

use std::ops::Range;

use regex::Regex;

use super::scan::char_after;
use super::{Detector, Finding};

pub(super) const CANDIDATES: &str = r"(?im)(?:^[ \t>]*|[ \t])(?:from|to|cc|bcc|reply-to|sender|resent-(?:from|to|cc|bcc|sender))[ \t]*:";

/// A longer phrase is prose, not a name.
const NAME_MAX: usize = 200;
/// RFC 5321's longest path, with room for the brackets.
const ADDRESS_MAX: usize = 260;

/// Characters that end an unquoted phrase (RFC 5322 `specials`).
const SPECIALS: &str = "()<>[]:;@\\,\"";

pub(super) fn find(
    candidates: &Regex,
    text: &str,
    replacements: &[String],
    findings: &mut Vec<Finding>,
) {
    let mut position = 0;
    while position < text.len() {
        let Some(header) = candidates.find_at(text, position) else {
            break;
        };
        let at_line_start = header.start() == 0
            || text
                .get(..header.start())
                .is_some_and(|before| before.ends_with('\n'));
        let key = header.as_str().trim_start_matches([' ', '\t', '>']);
        let capitalised = key.starts_with(|character: char| character.is_ascii_uppercase());
        position = header.end();
        if at_line_start || capitalised {
            let names = MailboxList { text, replacements };
            position = position.max(names.read(header.end(), findings));
        }
    }
}

/// The reading of one header's value.
struct MailboxList<'t> {
    text: &'t str,
    /// Names equal to a replacement were redacted before.
    replacements: &'t [String],
}

/// An unquoted or quoted run of words, and whether it could be an address's local part.
struct Phrase {
    end: usize,
    single_atom: bool,
}

impl MailboxList<'_> {
    /// Reads mailboxes from `start`, pushing the names found; returns the end of the last
    /// mailbox read (`start` if none), where the search for headers goes on.
    fn read(&self, start: usize, findings: &mut Vec<Finding>) -> usize {
        let mut position = start;
        let mut last_mailbox_end = start;
        // `Vries, Jan <…>`: a phrase followed by a comma may be the first half of a name.
        let mut pending_name_start: Option<usize> = None;
        loop {
            position = self.skip_blanks(position);
            let item_start = position;
            let Some(phrase) = self.phrase(position) else {
                break;
            };
            position = phrase.end;
            let has_phrase = phrase.end > item_start;
            match char_after(self.text, position) {
                Some('<') => {
                    let Some(address_end) = self.angle_address_end(position) else {
                        break;
                    };
                    let name_start = pending_name_start.take().unwrap_or(item_start);
                    self.report_name(name_start..phrase.end, findings);
                    position = address_end;
                }
                Some('@') if has_phrase && phrase.single_atom => {
                    pending_name_start = None;
                    let Some(domain_end) = self.domain_end(position + 1) else {
                        break;
                    };
                    position = domain_end;
                    let comment_start = self.skip_blanks(position);
                    if char_after(self.text, comment_start) == Some('(') {
                        if let Some(comment_end) = self.comment_end(comment_start) {
                            self.report_name(comment_start + 1..comment_end - 1, findings);
                            position = comment_end;
                        }
                    }
                }
                Some(',') if has_phrase => {
                    pending_name_start.get_or_insert(item_start);
                    position += 1;
                    continue;
                }
                _ => break,
            }
            last_mailbox_end = position;
            let after = self.skip_blanks(position);
            if char_after(self.text, after) != Some(',') {
                break;
            }
            position = after + 1;
        }
        last_mailbox_end
    }

    fn report_name(&self, range: Range<usize>, findings: &mut Vec<Finding>) {
        let Some(raw) = self.text.get(range.clone()) else {
            return;
        };
        let leading = raw.len() - raw.trim_start().len();
        let name = raw.trim();
        let start = range.start + leading;
        let is_name = !name.is_empty()
            && name.len() <= NAME_MAX
            && name.chars().any(char::is_alphabetic)
            && !self
                .replacements
                .iter()
                .any(|replacement| replacement == name);
        if is_name {
            findings.push(Finding {
                detector: Detector::MailHeaderName,
                start,
                end: start + name.len(),
            });
        }
    }

    /// Blanks and folds: a line break followed by a blank continues the header.
    fn skip_blanks(&self, mut position: usize) -> usize {
        loop {
            let rest = self.text.get(position..).unwrap_or_default();
            if rest.starts_with([' ', '\t']) {
                position += 1;
            } else if let Some(fold) = folded_line_break(rest) {
                position += fold;
            } else {
                return position;
            }
        }
    }

    /// Words, quoted strings, comments and blanks up to a special character or the end of
    /// the header; `None` when a quote or comment is not closed.
    fn phrase(&self, start: usize) -> Option<Phrase> {
        let mut position = start;
        let mut single_atom = true;
        let mut seen_word = false;
        while let Some(character) = char_after(self.text, position) {
            let rest = self.text.get(position..).unwrap_or_default();
            match character {
                '"' => {
                    position = self.quoted_end(position)?;
                    single_atom = false;
                    seen_word = true;
                }
                '(' => {
                    position = self.comment_end(position)?;
                    single_atom = false;
                }
                ' ' | '\t' => {
                    position += 1;
                    if seen_word {
                        single_atom = false;
                    }
                }
                '\r' | '\n' => match folded_line_break(rest) {
                    Some(fold) => {
                        position += fold;
                        single_atom = false;
                    }
                    None => break,
                },
                _ if character.is_control() || SPECIALS.contains(character) => break,
                _ => {
                    position += character.len_utf8();
                    seen_word = true;
                }
            }
            if position - start > NAME_MAX + ADDRESS_MAX {
                return None;
            }
        }
        Some(Phrase {
            end: position,
            single_atom,
        })
    }

    /// After the closing quote of the quoted string at `start`.
    fn quoted_end(&self, start: usize) -> Option<usize> {
        let mut escaped = false;
        for (offset, character) in self.text.get(start + 1..)?.char_indices() {
            match character {
                '\n' | '\r' => return None,
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => return Some(start + 1 + offset + 1),
                _ => {}
            }
            if offset > NAME_MAX {
                return None;
            }
        }
        None
    }

    /// After the closing parenthesis of the (possibly nested) comment at `start`.
    fn comment_end(&self, start: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut escaped = false;
        for (offset, character) in self.text.get(start..)?.char_indices() {
            match character {
                '\n' | '\r' => return None,
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(start + offset + 1);
                    }
                }
                _ => {}
            }
            if offset > NAME_MAX {
                return None;
            }
        }
        None
    }

    /// After the `>` of an `<local@domain>` at `start`.
    fn angle_address_end(&self, start: usize) -> Option<usize> {
        let rest = self.text.get(start + 1..)?;
        let closing = rest.get(..rest.len().min(ADDRESS_MAX))?.find('>')?;
        let address = rest.get(..closing)?;
        let at = address.find('@')?;
        let well_formed = at > 0
            && at + 1 < address.len()
            && !address
                .chars()
                .any(|character| character.is_whitespace() || "<>,;\"".contains(character));
        well_formed.then_some(start + 1 + closing + 1)
    }

    /// The end of a bare address's domain starting at `start`.
    fn domain_end(&self, start: usize) -> Option<usize> {
        let rest = self.text.get(start..)?;
        let length = rest
            .find(|character: char| {
                !(character.is_alphanumeric() || character == '-' || character == '.')
            })
            .unwrap_or(rest.len());
        let domain = rest.get(..length)?.trim_end_matches('.');
        (domain.contains('.')).then_some(start + domain.len())
    }
}

/// The length of a line break followed by a blank (a folded header line), if `rest`
/// starts with one.
fn folded_line_break(rest: &str) -> Option<usize> {
    let line_break = if rest.starts_with("\r\n") {
        2
    } else if rest.starts_with('\n') {
        1
    } else {
        return None;
    };
    rest.get(line_break..)
        .is_some_and(|next| next.starts_with([' ', '\t']))
        .then_some(line_break)
}
