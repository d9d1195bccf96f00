//! The shapes of hash values the reference validator checks in patterns
//! (`file:hashes.'SHA-256' = '…'`), so that a malformed hash is refused at parse time.

use super::ast::{ObjectPath, PathStep};

/// The shape of the values of one hash algorithm, as the reference validator checks
/// them.
#[derive(Debug)]
pub(crate) struct HashFormat {
    /// The key after `hashes.`, upper-cased and without '-': `SHA256` for `SHA-256`.
    normalized_key: &'static str,
    /// The name used in error messages.
    pub(crate) name: &'static str,
    /// The shape described in error messages.
    pub(crate) shape: &'static str,
    /// The numbers of hex digits accepted; empty for SSDEEP.
    hex_lengths: &'static [usize],
}

impl HashFormat {
    pub(crate) fn accepts(&self, value: &str) -> bool {
        if self.hex_lengths.is_empty() {
            // SSDEEP: 1 to 128 characters of [a-zA-Z0-9/+:.].
            let length = value.chars().count();
            return (1..=128).contains(&length)
                && value.chars().all(|character| {
                    character.is_ascii_alphanumeric() || matches!(character, '/' | '+' | ':' | '.')
                });
        }
        self.hex_lengths.contains(&value.len())
            && value.chars().all(|character| character.is_ascii_hexdigit())
    }
}

/// The hash algorithms whose values the reference validator checks.
const HASH_FORMATS: &[HashFormat] = &[
    hex_hash("MD5", "MD5", "32 hex digits", &[32]),
    hex_hash(
        "MD6",
        "MD6",
        "32, 40, 56, 64, 96 or 128 hex digits",
        &[32, 40, 56, 64, 96, 128],
    ),
    hex_hash("RIPEMD160", "RIPEMD-160", "40 hex digits", &[40]),
    hex_hash("SHA1", "SHA-1", "40 hex digits", &[40]),
    hex_hash("SHA224", "SHA-224", "56 hex digits", &[56]),
    hex_hash("SHA256", "SHA-256", "64 hex digits", &[64]),
    hex_hash("SHA384", "SHA-384", "96 hex digits", &[96]),
    hex_hash("SHA512", "SHA-512", "128 hex digits", &[128]),
    hex_hash("SHA3224", "SHA3-224", "56 hex digits", &[56]),
    hex_hash("SHA3256", "SHA3-256", "64 hex digits", &[64]),
    hex_hash("SHA3384", "SHA3-384", "96 hex digits", &[96]),
    hex_hash("SHA3512", "SHA3-512", "128 hex digits", &[128]),
    HashFormat {
        normalized_key: "SSDEEP",
        name: "SSDEEP",
        shape: "1 to 128 characters of letters, digits, '/', '+', ':' and '.'",
        hex_lengths: &[],
    },
    hex_hash("WHIRLPOOL", "WHIRLPOOL", "128 hex digits", &[128]),
];

const fn hex_hash(
    normalized_key: &'static str,
    name: &'static str,
    shape: &'static str,
    hex_lengths: &'static [usize],
) -> HashFormat {
    HashFormat {
        normalized_key,
        name,
        shape,
        hex_lengths,
    }
}

/// The hash format an object path selects, as the reference validator decides it: one
/// of the path's names is `hashes` and its last step is a name that, upper-cased and
/// without '-', is a known algorithm (`file:hashes.'SHA-256'`,
/// `file:extensions.'windows-pebinary-ext'.sections[*].hashes.MD5`).
pub(crate) fn hash_format_for(object_path: &ObjectPath) -> Option<&'static HashFormat> {
    let mut names = std::iter::once(object_path.property.as_str()).chain(
        object_path.steps.iter().filter_map(|step| match step {
            PathStep::Key(key) => Some(key.as_str()),
            PathStep::Index(_) | PathStep::AnyIndex => None,
        }),
    );
    if !names.any(|name| name == "hashes") {
        return None;
    }
    let selector = match object_path.steps.last() {
        None => object_path.property.as_str(),
        Some(PathStep::Key(key)) => key.as_str(),
        Some(PathStep::Index(_) | PathStep::AnyIndex) => return None,
    };
    let normalized: String = selector
        .to_uppercase()
        .chars()
        .filter(|character| !matches!(character, '-' | '\''))
        .collect();
    HASH_FORMATS
        .iter()
        .find(|format| format.normalized_key == normalized)
}
