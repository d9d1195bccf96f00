//! What a match records: which organisation, which entry of its profile, by which rule,
//! and the evidence — so that an alert can say exactly why it was raised.

use serde::{Deserialize, Serialize};

use crate::profile::AssetEntry;

/// The rule by which intelligence met a profile entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchRule {
    /// A CSAF advisory lists the product as affected (`known_affected`, `first_affected`,
    /// `last_affected`) and the member's version is among them.
    CsafProductAffected,
    /// A CSAF advisory lists the product as under investigation.
    CsafProductUnderInvestigation,
    /// A CISA KEV entry names the product's vendor and product.
    KevProduct,
    /// A vulnerability names a CPE that the member's product matches.
    VulnerabilityCpe,
    /// An indicator or observable names an address inside a member's range.
    AddressInRange,
    /// An indicator or observable names a member's autonomous system.
    AutonomousSystem,
    /// An indicator or observable names a member's domain or one of its subdomains.
    DomainOrSubdomain,
    /// A URL whose host is a member's domain or one of its subdomains.
    UrlOnDomain,
    /// An e-mail address at one of the member's e-mail domains.
    EmailOnDomain,
}

impl MatchRule {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchRule::CsafProductAffected => "csaf-product-affected",
            MatchRule::CsafProductUnderInvestigation => "csaf-product-under-investigation",
            MatchRule::KevProduct => "kev-product",
            MatchRule::VulnerabilityCpe => "vulnerability-cpe",
            MatchRule::AddressInRange => "address-in-range",
            MatchRule::AutonomousSystem => "autonomous-system",
            MatchRule::DomainOrSubdomain => "domain-or-subdomain",
            MatchRule::UrlOnDomain => "url-on-domain",
            MatchRule::EmailOnDomain => "email-on-domain",
        }
    }
}

/// Intelligence met a profile entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    /// The organisation's short name.
    pub organisation: String,
    /// The profile entry that matched.
    pub asset: AssetEntry,
    pub rule: MatchRule,
    /// The value in the intelligence that matched (an address, a CPE, `vendor product
    /// version`), as the intelligence wrote it.
    pub observed: String,
    /// One sentence, in English, of why: what the intelligence says and what the
    /// profile says (`CSAF product CSAFPID-0001 "Example Router 1.2" is known_affected;
    /// the profile runs example:router:1.2`).
    pub evidence: String,
}
