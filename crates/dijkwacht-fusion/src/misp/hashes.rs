//! A MISP feed's `hashes.csv`: one line per attribute value, `<md5 of the value>,<event
//! uuid>` (composite values hashed per part), so that a consumer can tell which events
//! hold a value without downloading them.
//!
//! Decisions: a malformed line is a located problem and the rest is still read; the
//! MD5 is checked (32 hex digits) and lower-cased; the uuid must be a UUID and is
//! lower-cased; blank lines and Windows line ends are accepted.

use super::fields::rfc4122_uuid;
use crate::mapped::MappingProblem;

/// Reads `hashes.csv` into `(md5, event uuid)` pairs and the problems of bad lines.
pub fn parse_hashes_csv(bytes: &[u8]) -> (Vec<(String, String)>, Vec<MappingProblem>) {
    let mut pairs = Vec::new();
    let mut problems = Vec::new();
    for (index, raw_line) in bytes.split(|byte| *byte == b'\n').enumerate() {
        let location = format!("hashes.csv line {}", index + 1);
        let Ok(line) = std::str::from_utf8(raw_line) else {
            problems.push(MappingProblem {
                location,
                message: "the line is not UTF-8; it was skipped".to_owned(),
            });
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match parse_line(line) {
            Ok(pair) => pairs.push(pair),
            Err(message) => problems.push(MappingProblem { location, message }),
        }
    }
    (pairs, problems)
}

fn parse_line(line: &str) -> Result<(String, String), String> {
    let fields: Vec<&str> = line
        .split(',')
        .map(|field| field.trim().trim_matches('"'))
        .collect();
    let [hash, uuid] = fields.as_slice() else {
        return Err(format!(
            "expected `<md5>,<event uuid>`, found {} field(s); the line was skipped",
            fields.len()
        ));
    };
    if hash.len() != 32 || !hash.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(format!(
            "'{hash}' is not an MD5 (32 hex digits); the line was skipped"
        ));
    }
    let uuid = rfc4122_uuid(uuid)
        .ok_or_else(|| format!("'{uuid}' is not an event uuid; the line was skipped"))?;
    Ok((hash.to_ascii_lowercase(), uuid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_lines_are_read_and_bad_ones_located() {
        let csv = b"D41D8CD98F00B204E9800998ECF8427E,56bf399d-c46c-4fdb-a9cf-d9bb02de0b81\r\n\
                    \n\
                    nothex,56bf399d-c46c-4fdb-a9cf-d9bb02de0b81\n\
                    d41d8cd98f00b204e9800998ecf8427e\n\
                    \"0cc175b9c0f1b6a831c399e269772661\",\"5a0a9aa9-23a4-4607-b6df-41a9950d210f\"\n";
        let (pairs, problems) = parse_hashes_csv(csv);
        assert_eq!(
            pairs,
            vec![
                (
                    "d41d8cd98f00b204e9800998ecf8427e".to_owned(),
                    "56bf399d-c46c-4fdb-a9cf-d9bb02de0b81".to_owned()
                ),
                (
                    "0cc175b9c0f1b6a831c399e269772661".to_owned(),
                    "5a0a9aa9-23a4-4607-b6df-41a9950d210f".to_owned()
                ),
            ]
        );
        let locations: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
        assert_eq!(locations, vec!["hashes.csv line 3", "hashes.csv line 4"]);
    }
}
