//! The alert as it leaves the platform: one plain struct that both channels send — the
//! webhook as its JSON, the e-mail as text. It is `Deserialize` too, so that the outbox
//! can keep it as the JSON body of a stored alert and hand it back unchanged; the TLP
//! level is written as the TLP 2.0 extension names it (`amber+strict`).

use dijkwacht_stix::tlp::TlpLevel;
use serde::{Deserialize, Serialize};

/// How bad an alert is for the member, from the member's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The English word in capitals, as subjects carry it (`HIGH`).
    pub fn label_en(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// The Dutch word in capitals (`HOOG`).
    pub fn label_nl(self) -> &'static str {
        match self {
            Severity::Low => "LAAG",
            Severity::Medium => "GEMIDDELD",
            Severity::High => "HOOG",
            Severity::Critical => "KRITIEK",
        }
    }
}

/// One thing the member should do, said in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub nl: String,
    pub en: String,
}

/// Why the alert concerns the member: the profile entry, what the intelligence named,
/// and one sentence of explanation (in English, as the matcher writes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The profile entry that matched, as the profile writes it (`cpe:2.3:…`,
    /// `192.0.2.0/24`).
    pub asset: String,
    /// The value in the intelligence that matched, as the intelligence wrote it.
    pub observed: String,
    pub explanation: String,
}

/// An alert for one organisation, ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingAlert {
    /// The alert's id on the platform; the same alert keeps it across deliveries.
    pub id: String,
    /// The short name of the organisation the alert is about and for.
    pub organisation: String,
    /// What kind of finding it is, as a short machine name (`vulnerable-product`,
    /// `address-in-range`).
    pub kind: String,
    pub severity: Severity,
    /// The strictest TLP of the intelligence the alert was made from.
    #[serde(with = "tlp_by_name")]
    pub tlp: TlpLevel,
    pub title_nl: String,
    pub title_en: String,
    pub summary_nl: String,
    pub summary_en: String,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    #[serde(default)]
    pub links: Vec<String>,
    /// When the alert was made, as an RFC 3339 UTC timestamp.
    pub created_at: String,
}

/// The TLP level as its lower-case name; `TlpLevel` itself only serialises.
mod tlp_by_name {
    use dijkwacht_stix::tlp::TlpLevel;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(level: &TlpLevel, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(level.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<TlpLevel, D::Error> {
        let name = String::deserialize(deserializer)?;
        TlpLevel::from_name(&name).ok_or_else(|| {
            D::Error::custom(format!(
                "`{name}` is no TLP level; expected clear, green, amber, amber+strict or red"
            ))
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An AMBER alert for `waterbedrijf` about a router it runs, with two steps.
    pub(crate) fn router_alert(tlp: TlpLevel) -> OutgoingAlert {
        OutgoingAlert {
            id: "alert--6f1c2b9e-0d3a-4c1e-9a57-2b7f3c8d9e01".to_owned(),
            organisation: "waterbedrijf".to_owned(),
            kind: "vulnerable-product".to_owned(),
            severity: Severity::High,
            tlp,
            title_nl: "Kwetsbaarheid in uw Example Router".to_owned(),
            title_en: "Vulnerability in your Example Router".to_owned(),
            summary_nl: "Aanvallers misbruiken CVE-2026-0001 in Example Router 1.2.".to_owned(),
            summary_en: "Attackers exploit CVE-2026-0001 in Example Router 1.2.".to_owned(),
            steps: vec![
                Step {
                    nl: "Installeer firmware 1.3 op de router.".to_owned(),
                    en: "Install firmware 1.3 on the router.".to_owned(),
                },
                Step {
                    nl: "Blokkeer beheer via internet tot de update geïnstalleerd is.".to_owned(),
                    en: "Block management over the internet until the update is installed."
                        .to_owned(),
                },
            ],
            evidence: vec![Evidence {
                asset: "cpe:2.3:h:example:router:1.2:*:*:*:*:*:*:*".to_owned(),
                observed: "example router 1.2".to_owned(),
                explanation: "CISA KEV lists Example Router 1.2; the profile runs it".to_owned(),
            }],
            links: vec!["https://advisories.example/CVE-2026-0001".to_owned()],
            created_at: "2026-03-02T09:15:00Z".to_owned(),
        }
    }

    #[test]
    fn an_alert_survives_its_json_unchanged() {
        for tlp in [
            TlpLevel::Clear,
            TlpLevel::Green,
            TlpLevel::Amber,
            TlpLevel::AmberStrict,
            TlpLevel::Red,
        ] {
            let alert = router_alert(tlp);
            let json = serde_json::to_value(&alert).expect("an alert serialises");
            assert_eq!(json["tlp"], tlp.name());
            assert_eq!(json["severity"], "high");
            assert_eq!(json["steps"][1]["en"], alert.steps[1].en);
            let back: OutgoingAlert = serde_json::from_value(json).expect("and reads back");
            assert_eq!(back, alert);
        }
    }

    #[test]
    fn a_stored_body_without_lists_reads_and_a_bad_tlp_says_what_is_expected() {
        let mut json = serde_json::to_value(router_alert(TlpLevel::Green)).expect("serialises");
        for list in ["steps", "evidence", "links"] {
            json.as_object_mut().map(|object| object.remove(list));
        }
        let alert: OutgoingAlert = serde_json::from_value(json.clone()).expect("lists default");
        assert!(alert.steps.is_empty() && alert.links.is_empty());

        json["tlp"] = "orange".into();
        let error = serde_json::from_value::<OutgoingAlert>(json).expect_err("no such TLP");
        assert!(
            error.to_string().contains("`orange` is no TLP level"),
            "{error}"
        );
    }
}
