//! Hand-written patterns that parse, with their canonical printing.

use super::*;

/// Patterns that parse, with their canonical printing.
const VALID_WITH_CANONICAL_FORM: &[(&str, &str)] = &[
    // Every comparison operator, with and without NOT.
    ("[file:size = 5]", "[file:size = 5]"),
    ("[file:size == 5]", "[file:size = 5]"),
    ("[file:size != 5]", "[file:size != 5]"),
    ("[file:size <> 5]", "[file:size != 5]"),
    ("[file:size < 5]", "[file:size < 5]"),
    ("[file:size <= 5]", "[file:size <= 5]"),
    ("[file:size > 5]", "[file:size > 5]"),
    ("[file:size >= 5]", "[file:size >= 5]"),
    ("[file:size NOT = 5]", "[file:size NOT = 5]"),
    ("[file:size NOT >= 5]", "[file:size NOT >= 5]"),
    ("[file:size IN (1, 2, 3)]", "[file:size IN (1, 2, 3)]"),
    ("[file:size NOT IN(1,2)]", "[file:size NOT IN (1, 2)]"),
    ("[file:size IN ()]", "[file:size IN ()]"),
    (
        "[file:name IN ('a', 1, 2.5, true, h'00', b'AA==', t'2020-01-01T00:00:00Z')]",
        "[file:name IN ('a', 1, 2.5, true, h'00', b'AA==', t'2020-01-01T00:00:00Z')]",
    ),
    ("[file:name LIKE 'a%']", "[file:name LIKE 'a%']"),
    ("[file:name NOT LIKE 'a%']", "[file:name NOT LIKE 'a%']"),
    ("[file:name MATCHES '^a.*$']", "[file:name MATCHES '^a.*$']"),
    (
        "[file:name NOT MATCHES'^a']",
        "[file:name NOT MATCHES '^a']",
    ),
    (
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
    ),
    (
        "[ipv4-addr:value NOT ISSUPERSET '10.0.0.0/8']",
        "[ipv4-addr:value NOT ISSUPERSET '10.0.0.0/8']",
    ),
    ("[EXISTS file:name]", "[EXISTS file:name]"),
    ("[NOT EXISTS file:name]", "[NOT EXISTS file:name]"),
    // Every literal type.
    ("[x:a = 'it\\'s \\\\ here']", "[x:a = 'it\\'s \\\\ here']"),
    ("[x:a = '']", "[x:a = '']"),
    ("[x:a = 'multi\nline']", "[x:a = 'multi\nline']"),
    ("[x:a = 'ünïcödé ✓']", "[x:a = 'ünïcödé ✓']"),
    ("[x:a = -5]", "[x:a = -5]"),
    ("[x:a = +5]", "[x:a = 5]"),
    ("[x:a = 0]", "[x:a = 0]"),
    ("[x:a = -0]", "[x:a = 0]"),
    (
        "[x:a = -9223372036854775808]",
        "[x:a = -9223372036854775808]",
    ),
    ("[x:a = 9223372036854775807]", "[x:a = 9223372036854775807]"),
    ("[x:a = 1.5]", "[x:a = 1.5]"),
    ("[x:a = .5]", "[x:a = 0.5]"),
    ("[x:a = -.5]", "[x:a = -0.5]"),
    ("[x:a = +00.250]", "[x:a = 0.25]"),
    ("[x:a = 7.0]", "[x:a = 7.0]"),
    ("[x:a = 0.1]", "[x:a = 0.1]"),
    ("[x:a = true]", "[x:a = true]"),
    ("[x:a != false]", "[x:a != false]"),
    ("[x:a = b'AQIDBA==']", "[x:a = b'AQIDBA==']"),
    ("[x:a = b'AB==']", "[x:a = b'AB==']"),
    ("[x:a = b'ABC=']", "[x:a = b'ABC=']"),
    ("[x:a = h'']", "[x:a = h'']"),
    ("[x:a = h'DeadBEEF']", "[x:a = h'DeadBEEF']"),
    (
        "[x:a = t'2016-06-01T23:59:60.000001Z']",
        "[x:a = t'2016-06-01T23:59:60.000001Z']",
    ),
    (
        "[x:a > t'0000-01-01T00:00:00Z']",
        "[x:a > t'0000-01-01T00:00:00Z']",
    ),
    // Object paths.
    (
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    ),
    ("[file:'name' = 'x']", "[file:name = 'x']"),
    ("[file:'na-me' = 'x']", "[file:'na-me' = 'x']"),
    ("[file:a.'b.c'.d = 1]", "[file:a.'b.c'.d = 1]"),
    ("[file:a.'AND' = 1]", "[file:a.'AND' = 1]"),
    ("[file:a.'true' = 1]", "[file:a.'true' = 1]"),
    ("[file:a.'' = 1]", "[file:a.'' = 1]"),
    (
        "[file:a[0].b[*][-1][+2] = 1]",
        "[file:a[0].b[*][-1][2] = 1]",
    ),
    ("[ file : a . b [ 0 ] = 1 ]", "[file:a.b[0] = 1]"),
    ("[x-custom-type:x_prop = 1]", "[x-custom-type:x_prop = 1]"),
    ("[X_Odd-Type_:_p1 = 1]", "[X_Odd-Type_:_p1 = 1]"),
    ("[t:h = 1]", "[t:h = 1]"),
    ("[b:t.h = 1]", "[b:t.h = 1]"),
    ("[ANDX:ORX = 1]", "[ANDX:ORX = 1]"),
    // Boolean structure inside brackets.
    (
        "[a:b = 1 AND a:c = 2 OR a:d = 3]",
        "[a:b = 1 AND a:c = 2 OR a:d = 3]",
    ),
    (
        "[a:b = 1 AND (a:c = 2 OR a:d = 3)]",
        "[a:b = 1 AND (a:c = 2 OR a:d = 3)]",
    ),
    ("[((a:b = 1))]", "[((a:b = 1))]"),
    // Observation operators and groups.
    (
        "[a:b = 1] AND [c:d = 2] OR [e:f = 3] FOLLOWEDBY [g:h = 4]",
        "[a:b = 1] AND [c:d = 2] OR [e:f = 3] FOLLOWEDBY [g:h = 4]",
    ),
    (
        "([a:b = 1] FOLLOWEDBY [c:d = 2]) AND [e:f = 3]",
        "([a:b = 1] FOLLOWEDBY [c:d = 2]) AND [e:f = 3]",
    ),
    ("(([a:b=1]))", "(([a:b = 1]))"),
    // Qualifiers.
    ("[a:b = 1] WITHIN 5 SECONDS", "[a:b = 1] WITHIN 5 SECONDS"),
    ("[a:b = 1] WITHIN +5 SECONDS", "[a:b = 1] WITHIN 5 SECONDS"),
    (
        "[a:b = 1] WITHIN .5 SECONDS",
        "[a:b = 1] WITHIN 0.5 SECONDS",
    ),
    (
        "[a:b = 1] WITHIN 2.0 SECONDS",
        "[a:b = 1] WITHIN 2.0 SECONDS",
    ),
    ("[a:b = 1] REPEATS 3 TIMES", "[a:b = 1] REPEATS 3 TIMES"),
    (
        "[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:30:00.5Z'",
        "[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:30:00.5Z'",
    ),
    (
        "[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2015-01-01T00:00:00Z'",
        "[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2015-01-01T00:00:00Z'",
    ),
    (
        "[a:b = 1] REPEATS 2 TIMES WITHIN 10 SECONDS START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:30:00Z'",
        "[a:b = 1] REPEATS 2 TIMES WITHIN 10 SECONDS START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:30:00Z'",
    ),
    (
        "([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS",
        "([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS",
    ),
    (
        "([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
        "([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
    ),
    (
        "[a:b = 1] WITHIN 5 SECONDS AND [c:d = 2] WITHIN 5 SECONDS",
        "[a:b = 1] WITHIN 5 SECONDS AND [c:d = 2] WITHIN 5 SECONDS",
    ),
    // Whitespace and comments are skipped.
    (
        "\u{a0}[a:b /* comment */ = 1]\t// trailing comment",
        "[a:b = 1]",
    ),
    ("[a:b = 1]//x\n AND [c:d = 1]", "[a:b = 1] AND [c:d = 1]"),
    ("\n\r\u{3000}[a:b\u{2003}=\u{2028}1]\n", "[a:b = 1]"),
    // Hash values in the right shape.
    (
        "[file:hashes.md5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']",
        "[file:hashes.md5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']",
    ),
    (
        "[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C'] ",
        "[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']",
    ),
    (
        "[file:hashes.TLSH = 'anything']",
        "[file:hashes.TLSH = 'anything']",
    ),
    (
        "[file:hashes.MD5 LIKE 'cead%']",
        "[file:hashes.MD5 LIKE 'cead%']",
    ),
    ("[file:hashes[*] = 'x']", "[file:hashes[*] = 'x']"),
    ("[x:hashes.MD5.y = 'x']", "[x:hashes.MD5.y = 'x']"),
    // Different object types joined by AND: accepted by default.
    (
        "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x']",
        "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x']",
    ),
];

#[test]
fn hand_written_valid_patterns_print_canonically_and_round_trip() {
    for (pattern, canonical) in VALID_WITH_CANONICAL_FORM {
        let tree = parses(pattern);
        assert_eq!(tree.to_string(), *canonical, "printing {pattern:?}");
        assert_eq!(
            parse(canonical).as_ref(),
            Ok(&tree),
            "reparsing {canonical:?}"
        );
    }
}
