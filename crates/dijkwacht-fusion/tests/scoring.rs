//! Confidence scoring: the formula on examples worked out by hand, its monotonicity
//! over random models and inputs, decay per kind and the threshold crossing, the kind
//! of a pattern, `apply` on indicator objects, the model read from TOML, and every
//! indicator of the shared STIX examples scored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dijkwacht_fusion::config::Reliability;
use dijkwacht_fusion::scoring::{
    DecayOverride, ObservableKind, ReliabilityScores, SCORE_PROPERTY, ScoreInputs, ScoringModel,
    ScoringModelConfig, is_actionable, stated_confidence_of,
};
use dijkwacht_stix::timestamp::Timestamp;
use dijkwacht_stix::validate_object;
use proptest::prelude::*;
use serde_json::{Value, json};

const DAY: i64 = 86_400_000_000;
const SECOND: i64 = 1_000_000;

fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn later(instant: Timestamp, micros: i64) -> Timestamp {
    Timestamp::from_unix_micros(instant.unix_micros() + micros)
}

fn last_seen() -> Timestamp {
    at("2025-03-01T00:00:00Z")
}

/// A C source alone, stating nothing, last seen at [`last_seen`].
fn lone_c_source() -> ScoreInputs {
    ScoreInputs {
        reliability: Reliability::C,
        sources: 1,
        sighting_organisations: 0,
        stated_confidence: None,
        last_seen: last_seen(),
        valid_until: None,
    }
}

fn model_from_toml(text: &str) -> Result<ScoringModel, String> {
    toml::from_str::<ScoringModel>(text).map_err(|error| error.to_string())
}

#[test]
fn the_worked_example_of_the_module_documentation() {
    let model = ScoringModel::default();
    let inputs = ScoreInputs {
        reliability: Reliability::B,
        sources: 3,
        sighting_organisations: 2,
        stated_confidence: Some(80),
        ..lone_c_source()
    };
    let kind = model.kind_of_pattern("[ipv4-addr:value = '198.51.100.7']");
    assert_eq!(kind, ObservableKind::IpAddress);
    let score = model.score(kind, &inputs, later(last_seen(), 5 * DAY));
    // c₀ = (75 + 80)/2 = 77.5; c₁ = 100 − 22.5·0.75² = 87.34375;
    // c₂ = 100 − 12.65625·0.8² = 91.9; B = 92; D = ⌊92·(1 − √(5/30))⌋ = ⌊54.44⌋.
    assert_eq!(score.base, 92);
    assert_eq!(score.after_decay, 54);
    assert!(!score.expired);
    assert!(score.is_actionable());
    // 30·(62/92)² days = 13.624763705 days = 1_177_179_584_121 µs after last seen.
    let crossing = score
        .decays_below_threshold_at
        .unwrap_or_else(|| panic!("92 starts above the threshold"));
    let after_last_seen = crossing.unix_micros() - last_seen().unix_micros();
    assert!(
        (1_177_179_584_121..1_177_179_584_121 + 10_000).contains(&after_last_seen),
        "{after_last_seen}"
    );
}

#[test]
fn base_scores_worked_by_hand() {
    let model = ScoringModel::default();
    let fresh = last_seen();
    // (reliability, sources, organisations, stated confidence, base)
    let cases = [
        (Reliability::A, 1, 0, None, 90),
        (Reliability::B, 1, 0, None, 75),
        (Reliability::C, 1, 0, None, 60),
        (Reliability::D, 1, 0, None, 40),
        (Reliability::E, 1, 0, None, 20),
        (Reliability::F, 1, 0, None, 45),
        // ½·60 + ½·100
        (Reliability::C, 1, 0, Some(100), 80),
        // ½·20 + ½·0
        (Reliability::E, 1, 0, Some(0), 10),
        // 100 − 40·0.75 = 70; 100 − 40·0.75² = 77.5, rounded half up
        (Reliability::C, 2, 0, None, 70),
        (Reliability::C, 3, 0, None, 78),
        // corroboration stops at 90, which an A source has alone
        (Reliability::C, 40, 0, None, 90),
        (Reliability::A, 5, 0, None, 90),
        // sources 0 counts as 1
        (Reliability::C, 0, 0, None, 60),
        // 100 − 40·0.8 = 68; 100 − 40·0.8³ = 79.52
        (Reliability::C, 1, 1, None, 68),
        (Reliability::C, 1, 3, None, 80),
        // corroborated to 90, then sighted: 100 − 10·0.8² = 93.6, capped at 95 later
        (Reliability::C, 40, 2, None, 94),
        (Reliability::C, 40, 30, None, 95),
    ];
    for (reliability, sources, sighting_organisations, stated_confidence, expected) in cases {
        let inputs = ScoreInputs {
            reliability,
            sources,
            sighting_organisations,
            stated_confidence,
            ..lone_c_source()
        };
        let score = model.score(ObservableKind::Domain, &inputs, fresh);
        assert_eq!(score.base, expected, "{inputs:?}");
        assert_eq!(score.after_decay, expected, "fresh: {inputs:?}");
    }
}

#[test]
fn sightings_add_what_the_stores_effective_confidence_adds() {
    // With the stated confidence taken whole and one source, the sighting step is the
    // store's rule `100 − (100 − c)·0.8^m`, at most 95 unless c was more; these rows
    // are the store's own examples.
    let model =
        model_from_toml("stated_confidence_weight = 1.0").unwrap_or_else(|error| panic!("{error}"));
    let rows = [
        (50, 0, 50),
        (50, 1, 60),
        (50, 2, 68),
        (50, 3, 74),
        (50, 10, 95),
        (50, 1000, 95),
        (80, 0, 80),
        (80, 1, 84),
        (0, 1, 20),
        (94, 5, 95),
        (97, 0, 97),
        (97, 50, 97),
        (100, 3, 100),
        (50, u64::MAX, 95),
    ];
    for (stated, organisations, expected) in rows {
        let inputs = ScoreInputs {
            stated_confidence: Some(stated),
            sighting_organisations: organisations,
            ..lone_c_source()
        };
        assert_eq!(
            model.base_score(&inputs),
            expected,
            "stated {stated}, {organisations} organisations"
        );
    }
}

#[test]
fn an_address_decays_faster_than_a_domain_and_a_hash_hardly() {
    let model = ScoringModel::default();
    let ten_days_later = later(last_seen(), 10 * DAY);
    // 60 ten days after: ip 60·(1 − (10/30)^½) = 25.36; cidr 60·(1 − (10/60)^⅔) = 41.83;
    // url 60·(1 − (10/45)^⅔) = 37.99; domain 60·(1 − 10/180) = 56.67;
    // email 60·(1 − 10/120) = 55 exactly; other 60·(1 − 10/90) = 53.33;
    // file hash 60·(1 − (10/1095)²) = 59.995.
    let expected = [
        (ObservableKind::IpAddress, 25),
        (ObservableKind::Cidr, 41),
        (ObservableKind::Url, 37),
        (ObservableKind::Domain, 56),
        (ObservableKind::EmailAddress, 55),
        (ObservableKind::Other, 53),
        (ObservableKind::FileHash, 59),
    ];
    for (kind, decayed) in expected {
        let score = model.score(kind, &lone_c_source(), ten_days_later);
        assert_eq!(score.base, 60);
        assert_eq!(score.after_decay, decayed, "{kind}");
    }
    // Eight days on, the address is below 30 and out; the domain is not.
    let eight_days_later = later(last_seen(), 8 * DAY);
    let address = model.score(
        ObservableKind::IpAddress,
        &lone_c_source(),
        eight_days_later,
    );
    let domain = model.score(ObservableKind::Domain, &lone_c_source(), eight_days_later);
    assert!(!address.is_actionable(), "{address:?}");
    assert!(domain.is_actionable(), "{domain:?}");
    // A year on, a hash still holds 60·(1 − (365/1095)²) = 53.33.
    let year_later = later(last_seen(), 365 * DAY);
    let hash = model.score(ObservableKind::FileHash, &lone_c_source(), year_later);
    assert_eq!(hash.after_decay, 53);
}

#[test]
fn the_crossing_time_agrees_with_the_score_around_it() {
    let model = ScoringModel::default();
    for kind in ObservableKind::ALL {
        for reliability in [Reliability::A, Reliability::C, Reliability::F] {
            let inputs = ScoreInputs {
                reliability,
                ..lone_c_source()
            };
            let base = model.base_score(&inputs);
            let crossing = model
                .decays_below_threshold_at(kind, base, last_seen())
                .unwrap_or_else(|| panic!("{kind} {reliability:?} starts below"));
            for (offset, actionable) in [(-SECOND, true), (-1, true), (0, false), (SECOND, false)] {
                let score = model.score(kind, &inputs, later(crossing, offset));
                assert_eq!(
                    score.is_actionable(),
                    actionable,
                    "{kind} {reliability:?} at {offset} µs from the crossing: {score:?}"
                );
                assert_eq!(score.decays_below_threshold_at, Some(crossing));
            }
        }
    }
    // 30·(1 − 30/60)² = 7.5 days for an address of a C source alone.
    let crossing = model
        .decays_below_threshold_at(ObservableKind::IpAddress, 60, last_seen())
        .unwrap_or_else(|| panic!("60 starts above 30"));
    let after = crossing.unix_micros() - last_seen().unix_micros();
    assert!(
        (15 * DAY / 2..15 * DAY / 2 + SECOND).contains(&after),
        "{after}"
    );
}

#[test]
fn a_base_below_the_threshold_is_never_actionable() {
    let model = ScoringModel::default();
    let inputs = ScoreInputs {
        reliability: Reliability::E,
        ..lone_c_source()
    };
    let score = model.score(ObservableKind::FileHash, &inputs, last_seen());
    assert_eq!(score.base, 20);
    assert_eq!(score.decays_below_threshold_at, None);
    assert!(!score.is_actionable());
    // Many members' sightings lift it: 100 − 80·0.8⁴ = 67.23.
    let sighted = ScoreInputs {
        sighting_organisations: 4,
        ..inputs
    };
    let score = model.score(ObservableKind::FileHash, &sighted, last_seen());
    assert_eq!(score.base, 67);
    assert!(score.is_actionable());
}

#[test]
fn valid_until_ends_use_whatever_the_score() {
    let model = ScoringModel::default();
    let valid_until = later(last_seen(), DAY);
    let inputs = ScoreInputs {
        reliability: Reliability::A,
        valid_until: Some(valid_until),
        ..lone_c_source()
    };
    let before = model.score(ObservableKind::FileHash, &inputs, later(valid_until, -1));
    assert!(!before.expired);
    assert!(before.is_actionable());
    for instant in [valid_until, later(valid_until, SECOND)] {
        let after = model.score(ObservableKind::FileHash, &inputs, instant);
        assert!(after.expired);
        assert!(after.after_decay >= after.threshold, "{after:?}");
        assert!(!after.is_actionable());
        assert!(!is_actionable(&after, 0));
    }
    // The same instant written with another precision is the same instant.
    let millis = at("2025-03-02T00:00:00.000Z");
    assert!(
        model
            .score(ObservableKind::FileHash, &inputs, millis)
            .expired
    );
}

#[test]
fn is_actionable_compares_with_the_threshold_given() {
    let model = ScoringModel::default();
    let score = model.score(
        ObservableKind::Domain,
        &lone_c_source(),
        later(last_seen(), 10 * DAY),
    );
    assert_eq!(score.after_decay, 56);
    assert!(is_actionable(&score, 56));
    assert!(!is_actionable(&score, 57));
}

#[test]
fn the_kind_of_a_pattern() {
    let model = ScoringModel::default();
    let hash = "'00dbb9e1c09dbdafb360f3163ba5a3de'";
    let cases = [
        ("[ipv4-addr:value = '10.0.0.0']", ObservableKind::IpAddress),
        ("[ipv4-addr:value = '58.246.0.0/15']", ObservableKind::Cidr),
        (
            "[url:value = 'http://x4z9arb.cn/4712/']",
            ObservableKind::Url,
        ),
        (
            "[email-message:from_ref.value MATCHES '.+@example\\\\.com$']",
            ObservableKind::EmailAddress,
        ),
        ("[file:name = 'CBricksDoc']", ObservableKind::Other),
        (
            "[domain-name:value = 'a.example' OR ipv4-addr:value = '192.0.2.1']",
            ObservableKind::Domain,
        ),
        (
            "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'a.example']",
            ObservableKind::Domain,
        ),
        (
            "[ipv4-addr:value = '192.0.2.1'] AND [file:name = 'x']",
            ObservableKind::Other,
        ),
        (
            &format!("[file:hashes.MD5 = {hash} AND file:name = 'x.exe']"),
            ObservableKind::FileHash,
        ),
        (
            &format!("([file:hashes.MD5 = {hash}] OR [url:value = 'http://a/']) WITHIN 5 SECONDS"),
            ObservableKind::FileHash,
        ),
        ("[ipv4-addr:value = ", ObservableKind::Other),
        ("not a pattern", ObservableKind::Other),
        ("", ObservableKind::Other),
    ];
    for (pattern, expected) in cases {
        assert_eq!(model.kind_of_pattern(pattern), expected, "{pattern}");
    }
}

#[test]
fn slowest_is_the_models_judgement() {
    // Give addresses a longer life than domains: the compound becomes an address.
    let model = model_from_toml("[decay.ip-address]\nlifetime = 400\ndecay_speed = 1.0")
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        model.kind_of_pattern("[domain-name:value = 'a.example' OR ipv4-addr:value = '192.0.2.1']"),
        ObservableKind::IpAddress
    );
}

fn indicator(pattern: &str) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2025-02-27T10:00:00.000Z",
        "modified": "2025-02-27T10:00:00.000Z",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2025-02-27T10:00:00Z",
        "confidence": 80,
    })
}

#[test]
fn apply_writes_the_decayed_score_and_its_parts() {
    let model = ScoringModel::default();
    let mut object = indicator("[domain-name:value = 'hugesoft.org']");
    let inputs = ScoreInputs {
        reliability: Reliability::B,
        sources: 2,
        sighting_organisations: 1,
        stated_confidence: stated_confidence_of(&object),
        ..lone_c_source()
    };
    assert_eq!(inputs.stated_confidence, Some(80));
    let now = later(last_seen(), 18 * DAY);
    let score = model
        .apply(&mut object, &inputs, now)
        .unwrap_or_else(|| panic!("an indicator is scored"));
    // c₀ 77.5; c₁ 100 − 22.5·0.75 = 83.125; c₂ 100 − 16.875·0.8 = 86.5 → B 87 (half up);
    // domain, 18 days: ⌊87·(1 − 18/180)⌋ = ⌊78.3⌋.
    assert_eq!(score.base, 87);
    assert_eq!(score.after_decay, 78);
    assert_eq!(object["confidence"], 78);
    let record = &object[SCORE_PROPERTY];
    assert_eq!(record["base"], 87);
    assert_eq!(record["sources"], 2);
    assert_eq!(record["sightings"], 1);
    assert_eq!(record["reliability"], "B");
    assert_eq!(record["stated_confidence"], 80);
    assert_eq!(record["kind"], "domain");
    // 180·(1 − 30/87) = 117.93 days after 2025-03-01: 2025-06-26, 22:20:41.
    let crossing = record["decays_below_threshold_at"]
        .as_str()
        .unwrap_or_else(|| panic!("{record}"));
    assert!(crossing.starts_with("2025-06-26T22:20:41"), "{crossing}");
    assert_eq!(
        score
            .decays_below_threshold_at
            .map(|instant| instant.unix_micros()),
        Some(at(crossing).unix_micros())
    );
    assert_eq!(object["modified"], "2025-02-27T10:00:00.000Z");
    let report = validate_object(&object);
    assert!(report.is_valid(), "{:?}", report.diagnostics);

    // Scored again later, the indicator's own 80 is read back, not the 78 written.
    let again = ScoreInputs {
        stated_confidence: stated_confidence_of(&object),
        ..inputs
    };
    assert_eq!(again.stated_confidence, Some(80));
    let rescored = model
        .apply(&mut object, &again, now)
        .unwrap_or_else(|| panic!("an indicator is scored"));
    assert_eq!(rescored, score);
}

#[test]
fn apply_leaves_other_objects_alone() {
    let model = ScoringModel::default();
    let original = json!({
        "type": "malware",
        "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
        "confidence": 40,
    });
    for mut object in [original.clone(), json!("indicator"), json!(null)] {
        let before = object.clone();
        assert_eq!(
            model.apply(&mut object, &lone_c_source(), last_seen()),
            None
        );
        assert_eq!(object, before);
    }
}

#[test]
fn apply_treats_other_pattern_languages_and_broken_patterns_as_other() {
    let model = ScoringModel::default();
    let mut yara = indicator("rule x { condition: true }");
    yara["pattern_type"] = json!("yara");
    let mut broken = indicator("[domain-name:value = ");
    for object in [&mut yara, &mut broken] {
        let score = model
            .apply(object, &lone_c_source(), last_seen())
            .unwrap_or_else(|| panic!("an indicator is scored"));
        assert_eq!(score.kind, ObservableKind::Other);
        assert_eq!(object[SCORE_PROPERTY]["kind"], "other");
    }
}

#[test]
fn an_empty_table_is_the_default_model() {
    assert_eq!(model_from_toml(""), Ok(ScoringModel::default()));
    let model = ScoringModel::default();
    assert_eq!(model.reliability_score(Reliability::C), 60);
    assert_eq!(model.threshold(ObservableKind::Url), 30);
    assert_eq!(model.decay(ObservableKind::IpAddress).lifetime, 30.0);
    assert_eq!(model.decay(ObservableKind::FileHash).decay_speed, 0.5);
}

#[test]
fn a_table_overrides_what_it_names_and_keeps_the_rest() {
    let text = r#"
        corroboration_cap = 85
        [reliability]
        B = 70
        f = 30
        [decay.ip-address]
        lifetime = 7
        [decay.file-hash]
        threshold = 50
    "#;
    let model = model_from_toml(text).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(model.reliability_score(Reliability::B), 70);
    assert_eq!(model.reliability_score(Reliability::F), 30);
    assert_eq!(model.reliability_score(Reliability::A), 90);
    let address = model.decay(ObservableKind::IpAddress);
    assert_eq!(
        (address.lifetime, address.decay_speed, address.threshold),
        (7.0, 2.0, 30)
    );
    assert_eq!(model.threshold(ObservableKind::FileHash), 50);
    assert_eq!(model.decay(ObservableKind::FileHash).lifetime, 1_095.0);
    let corroborated = ScoreInputs {
        sources: 40,
        ..lone_c_source()
    };
    assert_eq!(model.base_score(&corroborated), 85);

    // The same, as the `[scoring]` table of a larger file.
    #[derive(serde::Deserialize)]
    struct File {
        scoring: ScoringModel,
    }
    let nested = r#"
        [scoring]
        corroboration_cap = 85
        [scoring.reliability]
        B = 70
        f = 30
        [scoring.decay.ip-address]
        lifetime = 7
        [scoring.decay.file-hash]
        threshold = 50
    "#;
    let file: File = toml::from_str(nested).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(file.scoring, model);
}

#[test]
fn an_unknown_kind_and_a_negative_lifetime_are_refused_by_name() {
    let unknown = model_from_toml("[decay.ipv7]\nlifetime = 3").err();
    let unknown = unknown.unwrap_or_else(|| panic!("an unknown kind was accepted"));
    assert!(
        unknown.contains("`ipv7`") && unknown.contains("`ip-address`"),
        "{unknown}"
    );
    let negative = model_from_toml("[decay.domain]\nlifetime = -3").err();
    let negative = negative.unwrap_or_else(|| panic!("a negative lifetime was accepted"));
    assert!(
        negative.contains("`decay.domain.lifetime` is -3"),
        "{negative}"
    );
}

fn reliability_strategy() -> impl Strategy<Value = Reliability> {
    prop::sample::select(vec![
        Reliability::A,
        Reliability::B,
        Reliability::C,
        Reliability::D,
        Reliability::E,
        Reliability::F,
    ])
}

fn kind_strategy() -> impl Strategy<Value = ObservableKind> {
    prop::sample::select(ObservableKind::ALL.to_vec())
}

fn decay_strategy() -> impl Strategy<Value = DecayOverride> {
    (0.05f64..3_650.0, 0.05f64..8.0, 1u8..=100).prop_map(|(lifetime, decay_speed, threshold)| {
        DecayOverride {
            lifetime: Some(lifetime),
            decay_speed: Some(decay_speed),
            threshold: Some(threshold),
        }
    })
}

/// Any valid model: reliability scores falling from A to E, any fractions and caps,
/// any decay.
fn model_strategy() -> impl Strategy<Value = ScoringModel> {
    let reliability =
        (prop::collection::vec(0u8..=100, 5), 0u8..=100).prop_map(|(mut scores, f)| {
            scores.sort_unstable_by(|left, right| right.cmp(left));
            let score = |index: usize| scores.get(index).copied().unwrap_or(0);
            ReliabilityScores {
                a: score(0),
                b: score(1),
                c: score(2),
                d: score(3),
                e: score(4),
                f,
            }
        });
    let fractions = (0.0f64..=1.0, 0.0f64..=1.0, 0.0f64..=1.0);
    let caps = (0u8..=100, 0u8..=100);
    let decay = prop::collection::vec(decay_strategy(), ObservableKind::ALL.len());
    (reliability, fractions, caps, decay).prop_map(|(reliability, fractions, caps, decay)| {
        let config = ScoringModelConfig {
            reliability,
            stated_confidence_weight: fractions.0,
            corroboration_doubt_removed: fractions.1,
            corroboration_cap: caps.0,
            sighting_doubt_removed: fractions.2,
            sighting_cap: caps.1,
            decay: ObservableKind::ALL
                .into_iter()
                .zip(decay)
                .collect::<BTreeMap<_, _>>(),
            ..ScoringModelConfig::default()
        };
        config
            .build()
            .unwrap_or_else(|error| panic!("a generated model is valid: {error}"))
    })
}

fn inputs_strategy() -> impl Strategy<Value = ScoreInputs> {
    (
        reliability_strategy(),
        1u32..60,
        0u64..60,
        prop::option::of(0u8..=100),
    )
        .prop_map(
            |(reliability, sources, sighting_organisations, stated_confidence)| ScoreInputs {
                reliability,
                sources,
                sighting_organisations,
                stated_confidence,
                ..lone_c_source()
            },
        )
}

/// An age from a little before the last sighting (a skewed clock) to ten years.
fn age_strategy() -> impl Strategy<Value = i64> {
    -DAY..3_650 * DAY
}

proptest! {
    #[test]
    fn more_of_any_evidence_never_lowers_the_score(
        model in model_strategy(),
        inputs in inputs_strategy(),
        kind in kind_strategy(),
        age in age_strategy(),
        more_sources in 0u32..20,
        more_organisations in 0u64..20,
    ) {
        let now = later(last_seen(), age);
        let score = model.score(kind, &inputs, now);
        prop_assert!(score.base <= 100);
        prop_assert!(score.after_decay <= score.base);

        let order = [Reliability::A, Reliability::B, Reliability::C, Reliability::D, Reliability::E];
        for pair in order.windows(2) {
            let [better, worse] = pair else { continue };
            let better = model.score(kind, &ScoreInputs { reliability: *better, ..inputs }, now);
            let worse = model.score(kind, &ScoreInputs { reliability: *worse, ..inputs }, now);
            prop_assert!(better.base >= worse.base);
            prop_assert!(better.after_decay >= worse.after_decay);
        }
        let corroborated = ScoreInputs { sources: inputs.sources + more_sources, ..inputs };
        let corroborated = model.score(kind, &corroborated, now);
        prop_assert!(corroborated.base >= score.base);
        prop_assert!(corroborated.after_decay >= score.after_decay);
        let sighted = ScoreInputs {
            sighting_organisations: inputs.sighting_organisations + more_organisations,
            ..inputs
        };
        let sighted = model.score(kind, &sighted, now);
        prop_assert!(sighted.base >= score.base);
        prop_assert!(sighted.after_decay >= score.after_decay);
    }

    #[test]
    fn older_is_never_more_trusted(
        model in model_strategy(),
        inputs in inputs_strategy(),
        kind in kind_strategy(),
        age in age_strategy(),
        more_age in 0i64..400 * DAY,
    ) {
        let newer = model.score(kind, &inputs, later(last_seen(), age));
        let older = model.score(kind, &inputs, later(last_seen(), age + more_age));
        prop_assert_eq!(newer.base, older.base);
        prop_assert!(older.after_decay <= newer.after_decay);
    }

    #[test]
    fn the_crossing_time_says_what_the_score_says(
        model in model_strategy(),
        inputs in inputs_strategy(),
        kind in kind_strategy(),
        age in age_strategy(),
    ) {
        let now = later(last_seen(), age);
        let score = model.score(kind, &inputs, now);
        let before_crossing = score
            .decays_below_threshold_at
            .is_some_and(|crossing| now.unix_micros() < crossing.unix_micros());
        prop_assert_eq!(score.after_decay >= score.threshold, before_crossing);
        prop_assert_eq!(score.is_actionable(), before_crossing);
    }

    #[test]
    fn by_default_an_address_never_outlasts_a_hash(
        inputs in inputs_strategy(),
        age in age_strategy(),
    ) {
        let model = ScoringModel::default();
        let now = later(last_seen(), age);
        let address = model.score(ObservableKind::IpAddress, &inputs, now);
        let hash = model.score(ObservableKind::FileHash, &inputs, now);
        prop_assert!(address.after_decay <= hash.after_decay);
    }
}

/// The shared test data, or `None` (after saying so) when it is absent outside CI.
fn shared_data() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "shared test data missing at {}",
        path.display()
    );
    println!("skipping: no shared test data at {}", path.display());
    None
}

fn indicators_in(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let objects = match value.get("objects").and_then(Value::as_array) {
        Some(objects) => objects.clone(),
        None => vec![value],
    };
    objects
        .into_iter()
        .filter(|object| object["type"] == "indicator")
        .collect()
}

#[test]
fn every_indicator_of_the_stix_examples_is_scored() {
    let Some(data) = shared_data() else {
        return;
    };
    let model = ScoringModel::default();
    let folders = [
        data.join("stix21/cti-documentation"),
        data.join("stix21/cti-stix2-json-schemas/examples"),
    ];
    let mut kinds: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for folder in folders {
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("{}: {error}", folder.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
                .path();
            if path.extension().is_none_or(|extension| extension != "json") {
                continue;
            }
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            for mut object in indicators_in(&path) {
                let inputs = ScoreInputs {
                    stated_confidence: stated_confidence_of(&object),
                    ..lone_c_source()
                };
                let score = model
                    .apply(&mut object, &inputs, later(last_seen(), DAY))
                    .unwrap_or_else(|| panic!("{name}: an indicator is scored"));
                assert_eq!(object["confidence"], score.after_decay, "{name}");
                let report = validate_object(&object);
                assert!(report.is_valid(), "{name}: {:?}", report.diagnostics);
                *kinds
                    .entry(name.clone())
                    .or_default()
                    .entry(score.kind.name())
                    .or_default() += 1;
            }
        }
    }
    println!("indicator kinds per file: {kinds:?}");
    let count = |file: &str, kind: &str| {
        kinds
            .get(file)
            .and_then(|counts| counts.get(kind))
            .copied()
            .unwrap_or(0)
    };
    // apt1.json: four /15 ranges, three MD5s, three domains, two certificates.
    assert_eq!(count("apt1.json", "cidr"), 4);
    assert_eq!(count("apt1.json", "file-hash"), 3);
    assert_eq!(count("apt1.json", "domain"), 3);
    assert_eq!(count("apt1.json", "other"), 2);
    // poisonivy.json: 22 domain patterns (many OR-ed with addresses), one address,
    // two file names.
    assert_eq!(count("poisonivy.json", "domain"), 22);
    assert_eq!(count("poisonivy.json", "ip-address"), 1);
    assert_eq!(count("poisonivy.json", "other"), 2);
    assert_eq!(count("indicator-for-malicious-url.json", "url"), 1);
    assert_eq!(count("using-granular-markings.json", "email-address"), 1);
}
