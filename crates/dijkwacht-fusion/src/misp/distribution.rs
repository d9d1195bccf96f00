//! MISP's distribution levels (standards digest §5.2), which say how far an event, an
//! attribute or an object may travel. The mapping keeps them apart from TLP: TLP says
//! what a recipient may do, distribution says who may receive. The pipeline turns the
//! level into a sharing scope; this module only reads it and resolves "inherit".
//!
//! Decisions: a child's level 5 ("inherit event") becomes its parent's; a child never
//! travels further than its parent ([`Distribution::narrower`]); an unknown level, or a
//! sharing group that names neither a uuid nor a name, becomes "your organisation
//! only", the narrowest, so that a mistake never widens who receives the data.

use serde_json::{Map, Value};

use super::fields::{integer, non_empty_text, text};

/// How far MISP lets an event, attribute or object travel. The levels are not simply
/// ordered (a sharing group is neither wider nor narrower than a community); compare
/// them with [`Distribution::narrower`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Distribution {
    /// 0: members of the owning organisation only; never synchronised.
    YourOrganisationOnly,
    /// 1: the organisations of this community (the instance and those it syncs with).
    ThisCommunityOnly,
    /// 2: one more hop of synchronisation.
    ConnectedCommunities,
    /// 3: free to propagate between instances.
    AllCommunities,
    /// 4: only the organisations and instances of one sharing group. At least one of
    /// `uuid` and `name` is known (otherwise the level is read as
    /// [`Distribution::YourOrganisationOnly`]).
    SharingGroup {
        uuid: Option<String>,
        name: Option<String>,
    },
}

impl Distribution {
    /// The number MISP uses for this level.
    pub fn level(&self) -> u8 {
        match self {
            Distribution::YourOrganisationOnly => 0,
            Distribution::ThisCommunityOnly => 1,
            Distribution::ConnectedCommunities => 2,
            Distribution::AllCommunities => 3,
            Distribution::SharingGroup { .. } => 4,
        }
    }

    /// The narrower of two levels: what may travel under both. A sharing group is
    /// narrower than any community level but "your organisation only"; two different
    /// sharing groups have no known intersection, so they give "your organisation only".
    pub fn narrower(&self, other: &Distribution) -> Distribution {
        use Distribution::{SharingGroup, YourOrganisationOnly};
        match (self, other) {
            (first, second) if first == second => first.clone(),
            (YourOrganisationOnly, _) | (_, YourOrganisationOnly) => YourOrganisationOnly,
            (SharingGroup { .. }, SharingGroup { .. }) => YourOrganisationOnly,
            (group @ SharingGroup { .. }, _) | (_, group @ SharingGroup { .. }) => group.clone(),
            (first, second) => {
                if first.level() <= second.level() {
                    first.clone()
                } else {
                    second.clone()
                }
            }
        }
    }
}

/// What reading a `distribution` field gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DistributionField {
    /// The field is absent (feed exports strip it).
    Absent,
    /// Level 5: take the parent's.
    Inherit,
    Level(Distribution),
    /// Something MISP does not write; read as "your organisation only".
    Invalid(String),
}

/// Reads the `distribution` of an event, attribute or object. For level 4 the group is
/// looked up in the element's own `SharingGroup`, then in `known_group` (the event's)
/// when the `sharing_group_id`s agree.
pub(crate) fn read_distribution(
    element: &Map<String, Value>,
    known_group: Option<(&str, &Distribution)>,
) -> DistributionField {
    let Some(raw) = element.get("distribution") else {
        return DistributionField::Absent;
    };
    let Some(level) = integer(element, "distribution") else {
        return DistributionField::Invalid(format!("distribution {raw} is not a number"));
    };
    match level {
        0 => DistributionField::Level(Distribution::YourOrganisationOnly),
        1 => DistributionField::Level(Distribution::ThisCommunityOnly),
        2 => DistributionField::Level(Distribution::ConnectedCommunities),
        3 => DistributionField::Level(Distribution::AllCommunities),
        4 => read_sharing_group(element, known_group),
        5 => DistributionField::Inherit,
        other => {
            DistributionField::Invalid(format!("distribution {other} is not a MISP level (0-5)"))
        }
    }
}

fn read_sharing_group(
    element: &Map<String, Value>,
    known_group: Option<(&str, &Distribution)>,
) -> DistributionField {
    if let Some(group) = element.get("SharingGroup").and_then(Value::as_object) {
        let uuid = non_empty_text(group, "uuid");
        let name = non_empty_text(group, "name");
        if uuid.is_some() || name.is_some() {
            return DistributionField::Level(Distribution::SharingGroup { uuid, name });
        }
    }
    let own_id = text(element, "sharing_group_id");
    if let (Some(own_id), Some((known_id, group))) = (own_id, known_group) {
        if own_id.trim() == known_id {
            return DistributionField::Level(group.clone());
        }
    }
    DistributionField::Invalid(
        "distribution 4 (sharing group) names no group this event describes".to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value) -> DistributionField {
        read_distribution(value.as_object().unwrap_or(&Map::new()), None)
    }

    #[test]
    fn levels_are_read_from_text_and_numbers() {
        assert_eq!(
            read(json!({"distribution": "3"})),
            DistributionField::Level(Distribution::AllCommunities)
        );
        assert_eq!(
            read(json!({"distribution": 0})),
            DistributionField::Level(Distribution::YourOrganisationOnly)
        );
        assert_eq!(
            read(json!({"distribution": "5"})),
            DistributionField::Inherit
        );
        assert_eq!(read(json!({})), DistributionField::Absent);
        assert!(matches!(
            read(json!({"distribution": "7"})),
            DistributionField::Invalid(_)
        ));
        assert!(matches!(
            read(json!({"distribution": 4})),
            DistributionField::Invalid(_)
        ));
    }

    #[test]
    fn the_narrower_level_never_widens() {
        use Distribution::*;
        let group = SharingGroup {
            uuid: Some("g".to_owned()),
            name: None,
        };
        let other_group = SharingGroup {
            uuid: Some("h".to_owned()),
            name: None,
        };
        assert_eq!(
            AllCommunities.narrower(&ThisCommunityOnly),
            ThisCommunityOnly
        );
        assert_eq!(
            ConnectedCommunities.narrower(&AllCommunities),
            ConnectedCommunities
        );
        assert_eq!(AllCommunities.narrower(&group), group);
        assert_eq!(group.narrower(&YourOrganisationOnly), YourOrganisationOnly);
        assert_eq!(group.narrower(&other_group), YourOrganisationOnly);
        assert_eq!(group.narrower(&group), group);
    }
}
