//! Galaxy clusters (threat actors, malware, tools, ATT&CK techniques) as STIX SDOs and
//! the relationships that tie them to the event's indicators.
//!
//! Decisions: each recognised cluster becomes one SDO per event (its id derived from
//! the event uuid and the cluster's tag), carrying the event's view of it
//! (description, synonyms as aliases, references); deduplicating the same actor across
//! events is the fusion center's later work, and keeping it per event means two events
//! can never give two different objects with one id and version. A name ending in an
//! ATT&CK id (`Account Manipulation - T1098`, `APT1 - G0006`, `BACKSPACE - S0031`)
//! loses the suffix and gains a `mitre-attack` external reference. A cluster on an
//! attribute or object is related from the indicators made from it (`indicates`), or
//! from its other objects (`related-to`); a cluster on the event is related from every
//! indicator of the event, and the relationship says that it comes from the event's
//! tag. Galaxies of other kinds (sectors, countries, guidelines) stay labels.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::attribute::link_reference;
use super::fields::FEED_KIND;
use super::scope::{EventScope, Handling, Times, set_text};
use super::tags::Cluster;
use super::unit::{ClusterUse, Unit, relationship};
use crate::mapped::derived_id;

/// The SDO type a galaxy becomes, or `None` when it stays a label.
pub(crate) fn sdo_type(galaxy_type: &str) -> Option<&'static str> {
    let galaxy = galaxy_type.to_ascii_lowercase();
    Some(
        if galaxy.ends_with("attack-pattern") || galaxy == "mitre-ics-techniques" {
            "attack-pattern"
        } else if galaxy.ends_with("intrusion-set") || galaxy == "microsoft-activity-group" {
            "intrusion-set"
        } else if galaxy == "threat-actor" {
            "threat-actor"
        } else if galaxy.ends_with("course-of-action") {
            "course-of-action"
        } else if galaxy == "tool" || galaxy.ends_with("-tool") {
            "tool"
        } else if galaxy.ends_with("malware")
            || matches!(
                galaxy.as_str(),
                "malpedia"
                    | "ransomware"
                    | "rat"
                    | "banker"
                    | "stealer"
                    | "botnet"
                    | "backdoor"
                    | "android"
                    | "exploit-kit"
                    | "cryptominers"
            )
        {
            "malware"
        } else {
            return None;
        },
    )
}

/// The malware type a galaxy makes clear, if any.
fn malware_type(galaxy_type: &str) -> Option<&'static str> {
    match galaxy_type {
        "ransomware" => Some("ransomware"),
        "rat" => Some("remote-access-trojan"),
        "botnet" => Some("bot"),
        "backdoor" => Some("backdoor"),
        "exploit-kit" => Some("exploit-kit"),
        "cryptominers" => Some("resource-exploitation"),
        _ => None,
    }
}

/// Splits `Name - T1098` into the name and the ATT&CK id, when the suffix is one.
pub(crate) fn split_attack_id(value: &str) -> (&str, Option<&str>) {
    let Some((name, suffix)) = value.rsplit_once(" - ") else {
        return (value, None);
    };
    let suffix = suffix.trim();
    let mut characters = suffix.chars();
    let prefix_ok = matches!(characters.next(), Some('T' | 'G' | 'S' | 'M' | 'C'));
    let (main, sub) = match suffix.get(1..).unwrap_or_default().split_once('.') {
        Some((main, sub)) => (main, Some(sub)),
        None => (suffix.get(1..).unwrap_or_default(), None),
    };
    let digits = |text: &str, length: usize| {
        text.len() == length && text.bytes().all(|b| b.is_ascii_digit())
    };
    let valid = prefix_ok && digits(main, 4) && sub.is_none_or(|sub| digits(sub, 3));
    if valid && !name.trim().is_empty() {
        (name.trim(), Some(suffix))
    } else {
        (value, None)
    }
}

/// The attack.mitre.org page of an ATT&CK id.
fn attack_url(attack_id: &str) -> String {
    let folder = match attack_id.chars().next() {
        Some('G') => "groups",
        Some('S') => "software",
        Some('M') => "mitigations",
        Some('C') => "campaigns",
        _ => "techniques",
    };
    format!(
        "https://attack.mitre.org/{folder}/{}",
        attack_id.replace('.', "/")
    )
}

/// The SDOs and relationships of every cluster used in the event. `handling_of` gives
/// the handling of a kept object, so relationships are made only from kept sources.
pub(crate) fn map_clusters(
    uses: &[ClusterUse],
    scope: &EventScope,
    handling_of: impl Fn(&str) -> Option<Handling>,
) -> Vec<Unit> {
    let mut order: Vec<&Cluster> = Vec::new();
    for cluster_use in uses {
        if !order
            .iter()
            .any(|known| known.tag == cluster_use.cluster.tag)
        {
            order.push(&cluster_use.cluster);
        }
    }
    let mut units = Vec::new();
    for cluster in order {
        let Some(object_type) = sdo_type(&cluster.galaxy_type) else {
            continue;
        };
        let mine: Vec<&ClusterUse> = uses
            .iter()
            .filter(|u| u.cluster.tag == cluster.tag)
            .collect();
        let handling = mine
            .iter()
            .skip(1)
            .fold(mine.first().map(|u| u.handling.clone()), |known, next| {
                known.map(|known| known.combine(&next.handling))
            })
            .unwrap_or_else(|| scope.handling());
        let modified = mine
            .iter()
            .map(|u| u.times.modified)
            .max()
            .unwrap_or(scope.event_modified);
        let target = derived_id(
            object_type,
            FEED_KIND,
            &format!("{}/{}", scope.event_uuid, cluster.tag),
        );
        let mut unit = Unit::new(handling.clone());
        unit.push(cluster_object(
            cluster,
            object_type,
            &target,
            scope,
            scope.times(modified),
            &handling,
        ));
        // One relationship per source, with the latest time any use gives it.
        let mut links: BTreeMap<(String, &'static str), (Times, Handling, bool)> = BTreeMap::new();
        for cluster_use in &mine {
            for (source, kind) in &cluster_use.sources {
                let Some(source_handling) = handling_of(source) else {
                    continue;
                };
                let kind = if object_type == "course-of-action" {
                    "related-to"
                } else {
                    kind
                };
                let link_handling = source_handling.combine(&cluster_use.handling);
                links
                    .entry((source.clone(), kind))
                    .and_modify(|(times, known, from_event)| {
                        if cluster_use.times.modified > times.modified {
                            *times = cluster_use.times;
                        }
                        *known = known.combine(&link_handling);
                        *from_event = *from_event && cluster_use.from_event;
                    })
                    .or_insert((cluster_use.times, link_handling, cluster_use.from_event));
            }
        }
        for ((source, kind), (times, link_handling, from_event)) in links {
            let mut link = relationship(scope, &source, kind, &target, times, &link_handling);
            if from_event {
                link.insert(
                    "description".to_owned(),
                    json!("From the MISP event's galaxy tag: the event as a whole is tagged with this cluster."),
                );
            }
            let id = unit.push(link);
            if link_handling != unit.handling {
                unit.exceptions.push((id, link_handling));
            }
        }
        units.push(unit);
    }
    units
}

fn cluster_object(
    cluster: &Cluster,
    object_type: &str,
    id: &str,
    scope: &EventScope,
    times: Times,
    handling: &Handling,
) -> Map<String, Value> {
    let (name, attack_id) = split_attack_id(&cluster.value);
    let mut object = scope.sdo(object_type, id, times, handling.tlp);
    object.insert("name".to_owned(), json!(name));
    set_text(&mut object, "description", cluster.description.as_deref());
    let mut references = Vec::new();
    let attack_page = attack_id.map(attack_url);
    if let (Some(attack_id), Some(url)) = (attack_id, &attack_page) {
        references
            .push(json!({"source_name": "mitre-attack", "external_id": attack_id, "url": url}));
    }
    for url in &cluster.references {
        if Some(url) != attack_page.as_ref() {
            references.push(link_reference(url, None));
        }
    }
    if !references.is_empty() {
        object.insert("external_references".to_owned(), json!(references));
    }
    let aliases: Vec<&String> = cluster
        .synonyms
        .iter()
        .filter(|alias| alias.as_str() != name)
        .collect();
    if !aliases.is_empty() && object_type != "course-of-action" {
        object.insert("aliases".to_owned(), json!(aliases));
    }
    if object_type == "malware" {
        object.insert("is_family".to_owned(), json!(true));
        if let Some(kind) = malware_type(&cluster.galaxy_type) {
            object.insert("malware_types".to_owned(), json!([kind]));
        }
    }
    object.insert("labels".to_owned(), json!([cluster.tag]));
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_ids_are_split_from_cluster_names() {
        assert_eq!(
            split_attack_id("Account Manipulation - T1098"),
            ("Account Manipulation", Some("T1098"))
        );
        assert_eq!(
            split_attack_id("Phishing: Attachment - T1566.001"),
            ("Phishing: Attachment", Some("T1566.001"))
        );
        assert_eq!(split_attack_id("APT1 - G0006"), ("APT1", Some("G0006")));
        assert_eq!(split_attack_id("Sednit EK"), ("Sednit EK", None));
        assert_eq!(split_attack_id("A - B - Team"), ("A - B - Team", None));
        assert_eq!(
            attack_url("T1566.001"),
            "https://attack.mitre.org/techniques/T1566/001"
        );
        assert_eq!(
            attack_url("S0031"),
            "https://attack.mitre.org/software/S0031"
        );
    }

    #[test]
    fn galaxies_become_the_fitting_sdo() {
        assert_eq!(sdo_type("mitre-attack-pattern"), Some("attack-pattern"));
        assert_eq!(
            sdo_type("mitre-enterprise-attack-attack-pattern"),
            Some("attack-pattern")
        );
        assert_eq!(sdo_type("mitre-intrusion-set"), Some("intrusion-set"));
        assert_eq!(sdo_type("threat-actor"), Some("threat-actor"));
        assert_eq!(sdo_type("mitre-malware"), Some("malware"));
        assert_eq!(sdo_type("ransomware"), Some("malware"));
        assert_eq!(sdo_type("tool"), Some("tool"));
        assert_eq!(sdo_type("mitre-tool"), Some("tool"));
        assert_eq!(sdo_type("mitre-course-of-action"), Some("course-of-action"));
        assert_eq!(sdo_type("guidelines"), None);
        assert_eq!(sdo_type("sector"), None);
    }
}
