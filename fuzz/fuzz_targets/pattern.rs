//! Fuzzes the STIX pattern parser: any text gives a pattern or an error, and a parsed
//! pattern prints to text that parses back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(pattern) = dijkwacht_pattern::parse(text) {
            let printed = pattern.to_string();
            let again = dijkwacht_pattern::parse(&printed).expect("printed patterns parse");
            assert_eq!(pattern, again, "printing changed the pattern: {printed}");
        }
    }
});
