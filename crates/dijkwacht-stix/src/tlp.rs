//! The Traffic Light Protocol as STIX carries it: the four fixed TLP 1.0
//! marking-definitions (§7.2.1.4) and the five TLP 2.0 ones of the FIRST extension.
//! Markings are recognised by id, never by name.

/// A TLP 2.0 level, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlpLevel {
    Clear,
    Green,
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    Red,
}

impl TlpLevel {
    /// The label as FIRST writes it: `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        match self {
            TlpLevel::Clear => "TLP:CLEAR",
            TlpLevel::Green => "TLP:GREEN",
            TlpLevel::Amber => "TLP:AMBER",
            TlpLevel::AmberStrict => "TLP:AMBER+STRICT",
            TlpLevel::Red => "TLP:RED",
        }
    }

    /// The lower-case name as the TLP 2.0 extension writes it (`amber+strict`).
    pub fn name(self) -> &'static str {
        match self {
            TlpLevel::Clear => "clear",
            TlpLevel::Green => "green",
            TlpLevel::Amber => "amber",
            TlpLevel::AmberStrict => "amber+strict",
            TlpLevel::Red => "red",
        }
    }

    /// Reads a name as [`TlpLevel::name`] writes it; `white` is read as `clear`.
    pub fn from_name(name: &str) -> Option<TlpLevel> {
        Some(match name {
            "clear" | "white" => TlpLevel::Clear,
            "green" => TlpLevel::Green,
            "amber" => TlpLevel::Amber,
            "amber+strict" => TlpLevel::AmberStrict,
            "red" => TlpLevel::Red,
            _ => return None,
        })
    }

    /// The TLP 2.0 marking-definition id for this level.
    pub fn marking_id(self) -> &'static str {
        match self {
            TlpLevel::Clear => TLP2_CLEAR,
            TlpLevel::Green => TLP2_GREEN,
            TlpLevel::Amber => TLP2_AMBER,
            TlpLevel::AmberStrict => TLP2_AMBER_STRICT,
            TlpLevel::Red => TLP2_RED,
        }
    }
}

pub const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
pub const TLP1_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
pub const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
pub const TLP1_RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

pub const TLP2_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
pub const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
pub const TLP2_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
pub const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// The id of the TLP 2.0 property extension.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The TLP 1.0 markings with their colour, as `definition.tlp` spells it.
pub const TLP1_MARKINGS: [(&str, &str); 4] = [
    (TLP1_WHITE, "white"),
    (TLP1_GREEN, "green"),
    (TLP1_AMBER, "amber"),
    (TLP1_RED, "red"),
];

/// The one valid form of a TLP 1.0 marking-definition (STIX 2.1 §7.2.1.4), or `None`
/// when `marking_id` is not one of the four.
pub fn tlp1_canonical_object(marking_id: &str) -> Option<serde_json::Value> {
    let (id, colour) = TLP1_MARKINGS.iter().find(|(id, _)| *id == marking_id)?;
    Some(serde_json::json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": format!("TLP:{}", colour.to_uppercase()),
        "definition": {"tlp": colour},
    }))
}

/// The TLP 2.0 level a marking-definition id stands for, when it is one of the five.
pub fn tlp2_level_of_marking(marking_id: &str) -> Option<TlpLevel> {
    Some(match marking_id {
        TLP2_CLEAR => TlpLevel::Clear,
        TLP2_GREEN => TlpLevel::Green,
        TLP2_AMBER => TlpLevel::Amber,
        TLP2_AMBER_STRICT => TlpLevel::AmberStrict,
        TLP2_RED => TlpLevel::Red,
        _ => return None,
    })
}

/// The level a marking-definition id stands for, in either TLP version (WHITE → CLEAR).
pub fn level_of_marking(marking_id: &str) -> Option<TlpLevel> {
    Some(match marking_id {
        TLP1_WHITE | TLP2_CLEAR => TlpLevel::Clear,
        TLP1_GREEN | TLP2_GREEN => TlpLevel::Green,
        TLP1_AMBER | TLP2_AMBER => TlpLevel::Amber,
        TLP2_AMBER_STRICT => TlpLevel::AmberStrict,
        TLP1_RED | TLP2_RED => TlpLevel::Red,
        _ => return None,
    })
}

/// The strictest TLP level among `marking_ids`, or `None` when none is a TLP marking.
pub fn strictest_level<'a>(marking_ids: impl IntoIterator<Item = &'a str>) -> Option<TlpLevel> {
    marking_ids.into_iter().filter_map(level_of_marking).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_map_to_one_scale_and_the_strictest_wins() {
        assert_eq!(level_of_marking(TLP1_WHITE), Some(TlpLevel::Clear));
        assert_eq!(level_of_marking(TLP1_AMBER), level_of_marking(TLP2_AMBER));
        assert_eq!(
            strictest_level([TLP2_GREEN, TLP2_AMBER_STRICT, "marking-definition--x"]),
            Some(TlpLevel::AmberStrict)
        );
        assert_eq!(strictest_level(["marking-definition--x"]), None);
        for level in [
            TlpLevel::Clear,
            TlpLevel::Green,
            TlpLevel::Amber,
            TlpLevel::AmberStrict,
            TlpLevel::Red,
        ] {
            assert_eq!(level_of_marking(level.marking_id()), Some(level));
        }
    }
}
