//! The closed vocabularies of the directory, with the names the command line uses.

use std::fmt;

use dijkwacht_policy::Role;

/// A value that is not one of a vocabulary's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a {what}; use one of: {allowed}")]
pub struct ParseError {
    pub what: &'static str,
    pub value: String,
    pub allowed: String,
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name used on the command line and in storage.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(text: &str) -> Result<$name, ParseError> {
                match text {
                    $($text => Ok($name::$variant),)*
                    _ => Err(ParseError {
                        what: $what,
                        value: text.to_owned(),
                        allowed: [$($text),*].join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.name())
            }
        }
    };
}

vocabulary!(
    /// The nine Dutch top sectors, and everything else.
    Sector, "sector", {
        AgriFood => "agri-food",
        Chemie => "chemie",
        CreatieveIndustrie => "creatieve-industrie",
        Energie => "energie",
        HighTech => "hightech",
        LifeSciences => "life-sciences",
        Logistiek => "logistiek",
        Tuinbouw => "tuinbouw",
        Water => "water",
        Other => "other",
    }
);

vocabulary!(
    /// How large an organisation is (EU size classes).
    SizeClass, "size class", {
        Micro => "micro",
        Small => "small",
        Medium => "medium",
        Large => "large",
    }
);

vocabulary!(
    /// How a community is cut.
    CommunityKind, "community kind", {
        TopSector => "top-sector",
        TradeAssociation => "trade-association",
        Region => "region",
        SupplyChain => "supply-chain",
        Theme => "theme",
        Plenum => "plenum",
        PublicTier => "public",
    }
);

vocabulary!(
    /// Where an organisation stands in a community. Applicants see nothing of it yet.
    MembershipStage, "membership stage", {
        Applicant => "applicant",
        Participant => "participant",
        Partner => "partner",
    }
);

impl MembershipStage {
    /// Whether the stage makes the organisation a member that receives shared content.
    pub fn is_member(self) -> bool {
        matches!(
            self,
            MembershipStage::Participant | MembershipStage::Partner
        )
    }
}

/// The command-line name of a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::PlatformAdmin => "admin",
        Role::Moderator => "moderator",
        Role::OrganisationAdmin => "org-admin",
        Role::Analyst => "analyst",
        Role::Member => "member",
    }
}

/// Reads a role by its command-line name.
pub fn parse_role(text: &str) -> Result<Role, ParseError> {
    [
        Role::PlatformAdmin,
        Role::Moderator,
        Role::OrganisationAdmin,
        Role::Analyst,
        Role::Member,
    ]
    .into_iter()
    .find(|role| role_name(*role) == text)
    .ok_or_else(|| ParseError {
        what: "role",
        value: text.to_owned(),
        allowed: "admin, moderator, org-admin, analyst, member".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_say_what_is_allowed() {
        for sector in Sector::ALL {
            assert_eq!(Sector::parse(sector.name()), Ok(*sector));
        }
        for kind in CommunityKind::ALL {
            assert_eq!(CommunityKind::parse(kind.name()), Ok(*kind));
        }
        let error = Sector::parse("banking").expect_err("not a top sector");
        assert_eq!(
            error.to_string(),
            "'banking' is not a sector; use one of: agri-food, chemie, creatieve-industrie, energie, hightech, life-sciences, logistiek, tuinbouw, water, other"
        );
        assert_eq!(Sector::ALL.len(), 10);
    }

    #[test]
    fn roles_use_the_command_line_names() {
        for name in ["admin", "moderator", "org-admin", "analyst", "member"] {
            let role = parse_role(name).expect("a role");
            assert_eq!(role_name(role), name);
        }
        assert!(parse_role("root").is_err());
        assert!(!MembershipStage::Applicant.is_member());
        assert!(MembershipStage::Partner.is_member());
    }
}
