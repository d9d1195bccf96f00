//! Stories about validating while the store writes ([`store_validated`]): the store
//! keeps exactly what the gate passes, in input order, across many messages; invalid
//! objects are left out or spoil the whole batch, as the caller's policy says.

use dijkwacht_store::intake::{IntakeBuilder, IntakePolicy, store_validated};
use dijkwacht_store::{IngestOutcome, Provenance, Store};
use serde_json::{Value, json};

use super::all_versions;
use super::objects::indicator_id;

/// More than the objects of one message, so that the batch arrives in several.
const INPUT: usize = 2_500;

fn raw_indicator(number: usize) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": indicator_id(u32::try_from(number).unwrap_or(u32::MAX)),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-03-01T12:00:00.000Z",
        "name": format!("listed value {number}"),
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", number % 256),
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    })
}

/// Every 500th object lacks its pattern; the last repeats the first.
fn input_with_flaws() -> Vec<Value> {
    let mut input: Vec<Value> = (0..INPUT)
        .map(|number| {
            let mut object = raw_indicator(number);
            if number % 500 == 250 {
                object
                    .as_object_mut()
                    .map(|fields| fields.remove("pattern"));
            }
            object
        })
        .collect();
    input.push(raw_indicator(0));
    input
}

pub async fn validated_while_stored_skips_or_refuses_invalid_objects(store: &dyn Store) {
    let (intake, report) = store_validated(
        store,
        IntakeBuilder::new(),
        input_with_flaws(),
        IntakePolicy::AllOrNothing,
        Provenance::new("test:validated"),
    )
    .await
    .expect("the store works");
    assert!(!report.committed);
    assert_eq!(intake.invalid.len(), 5, "every finding is reported");
    assert!(
        all_versions(store).await.is_empty(),
        "a refused batch left objects"
    );

    let (intake, report) = store_validated(
        store,
        IntakeBuilder::new(),
        input_with_flaws(),
        IntakePolicy::SkipInvalid,
        Provenance::new("test:validated"),
    )
    .await
    .expect("the store works");
    assert!(report.committed);
    let invalid: Vec<usize> = intake.invalid.iter().map(|invalid| invalid.index).collect();
    assert_eq!(invalid, [250, 750, 1250, 1750, 2250]);
    // The store's positions are those of the streamed objects, in input order.
    let expected: Vec<usize> = (0..=INPUT)
        .filter(|index| index % 500 != 250 || *index == INPUT)
        .collect();
    assert_eq!(intake.streamed, expected);
    assert_eq!(report.outcomes.len(), expected.len());
    assert_eq!(
        report.count(IngestOutcome::NewObject),
        expected.len() - 1,
        "each valid object is new"
    );
    assert_eq!(
        report.outcomes.last(),
        Some(&IngestOutcome::Duplicate),
        "the repeat comes last"
    );
    let stored = all_versions(store).await;
    assert_eq!(stored.len(), INPUT - 5);
    let ids: Vec<&str> = stored.iter().map(|object| object.id.as_str()).collect();
    let in_input_order: Vec<String> = expected[..expected.len() - 1]
        .iter()
        .map(|&number| indicator_id(u32::try_from(number).unwrap_or(u32::MAX)))
        .collect();
    assert_eq!(ids, in_input_order, "stored in input order");
}
