//! What MISP tags and galaxy clusters say, sorted into what the mapping needs: the TLP
//! (a marking, never a label), the PAP (a label that is also reported), galaxy clusters
//! (which become SDOs) and every other tag (a label).
//!
//! Decisions: tags are compared without regard to case (`TLP:AMBER` is `tlp:amber`);
//! `tlp:white` is TLP 2.0 CLEAR; when an element carries several TLP tags (the taxonomy
//! makes them exclusive) the most restrictive one wins and the conflict is reported;
//! `tlp:ex:chr` and `tlp:unclear` are not TLP levels and stay labels. Galaxy clusters
//! are read from `misp-galaxy:<type>="<value>"` tags and from `Galaxy` blocks, whose
//! cluster metadata (description, synonyms, references) enriches the SDO.

use dijkwacht_stix::tlp::TlpLevel;
use serde_json::{Map, Value};

use super::fields::{list, non_empty_text};

/// The tags of one event or attribute, sorted.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tags {
    /// The most restrictive TLP among the tags.
    pub tlp: Option<TlpLevel>,
    /// The distinct TLP tags, when there is more than one.
    pub tlp_conflict: Vec<String>,
    /// The most restrictive PAP, as `PAP:<LEVEL>` in upper case.
    pub pap: Option<String>,
    /// The galaxy clusters named by tags or `Galaxy` blocks, in order of appearance.
    pub clusters: Vec<Cluster>,
    /// Every tag except the TLP markings, in order, without repeats.
    pub labels: Vec<String>,
}

/// One galaxy cluster: `misp-galaxy:<galaxy_type>="<value>"`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Cluster {
    /// The tag as MISP writes it; the key of the cluster within an event.
    pub tag: String,
    pub galaxy_type: String,
    pub value: String,
    pub description: Option<String>,
    pub synonyms: Vec<String>,
    pub references: Vec<String>,
}

/// Reads the `Tag` list and the `Galaxy` list of an event or attribute.
pub(crate) fn read_tags(element: &Map<String, Value>) -> Tags {
    let mut tags = Tags::default();
    let mut tlp_tags: Vec<String> = Vec::new();
    for tag in list(element, "Tag") {
        let name = match tag {
            Value::String(name) => Some(name.trim().to_owned()),
            Value::Object(fields) => non_empty_text(fields, "name"),
            _ => None,
        };
        let Some(name) = name.filter(|name| !name.is_empty()) else {
            continue;
        };
        if let Some(level) = tlp_of(&name) {
            tags.tlp = tags.tlp.max(Some(level));
            if !tlp_tags.contains(&name) {
                tlp_tags.push(name);
            }
            continue;
        }
        if let Some(pap) = pap_of(&name) {
            if tags
                .pap
                .as_deref()
                .is_none_or(|known| pap_rank(known) < pap_rank(&pap))
            {
                tags.pap = Some(pap);
            }
        }
        if let Some(cluster) = cluster_of(&name) {
            add_cluster(&mut tags.clusters, cluster);
        }
        add_label(&mut tags.labels, name);
    }
    for galaxy in list(element, "Galaxy").iter().filter_map(Value::as_object) {
        for cluster in list(galaxy, "GalaxyCluster")
            .iter()
            .filter_map(Value::as_object)
        {
            let Some(tag) = non_empty_text(cluster, "tag_name") else {
                continue;
            };
            let Some(mut parsed) = cluster_of(&tag) else {
                continue;
            };
            enrich(&mut parsed, cluster);
            add_cluster(&mut tags.clusters, parsed);
            add_label(&mut tags.labels, tag);
        }
    }
    if tlp_tags.len() > 1 {
        tags.tlp_conflict = tlp_tags;
    }
    tags
}

fn add_label(labels: &mut Vec<String>, label: String) {
    if !labels.contains(&label) {
        labels.push(label);
    }
}

/// Adds a cluster, or the metadata of a `Galaxy` block to the same cluster named by a tag.
fn add_cluster(clusters: &mut Vec<Cluster>, cluster: Cluster) {
    match clusters.iter_mut().find(|known| known.tag == cluster.tag) {
        Some(known) => {
            if known.description.is_none() {
                known.description = cluster.description;
            }
            if known.synonyms.is_empty() {
                known.synonyms = cluster.synonyms;
            }
            if known.references.is_empty() {
                known.references = cluster.references;
            }
        }
        None => clusters.push(cluster),
    }
}

fn enrich(cluster: &mut Cluster, block: &Map<String, Value>) {
    cluster.description = non_empty_text(block, "description");
    let meta = block.get("meta").and_then(Value::as_object);
    let strings = |key: &str| -> Vec<String> {
        meta.map(|meta| list(meta, key))
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
            .collect()
    };
    cluster.synonyms = strings("synonyms");
    cluster.references = strings("refs");
}

/// The TLP level a tag names, if it is one of the TLP taxonomy's levels.
pub(crate) fn tlp_of(tag: &str) -> Option<TlpLevel> {
    let lower = tag.trim().to_ascii_lowercase();
    let level = lower.strip_prefix("tlp:")?.trim().trim_matches('"');
    TlpLevel::from_name(level)
}

/// `PAP:<LEVEL>` for a PAP taxonomy tag (`PAP:AMBER`, `pap:green`).
fn pap_of(tag: &str) -> Option<String> {
    let (namespace, level) = tag.split_once(':')?;
    if !namespace.trim().eq_ignore_ascii_case("pap") {
        return None;
    }
    let level = level.trim().trim_matches('"').to_ascii_uppercase();
    pap_rank(&format!("PAP:{level}"))?;
    Some(format!("PAP:{level}"))
}

/// The order of the PAP levels, least restrictive first.
fn pap_rank(pap: &str) -> Option<u8> {
    match pap {
        "PAP:CLEAR" | "PAP:WHITE" => Some(0),
        "PAP:GREEN" => Some(1),
        "PAP:AMBER" => Some(2),
        "PAP:RED" => Some(3),
        _ => None,
    }
}

/// Parses `misp-galaxy:<type>="<value>"`.
fn cluster_of(tag: &str) -> Option<Cluster> {
    let rest = tag.strip_prefix("misp-galaxy:")?;
    let (galaxy_type, value) = rest.split_once('=')?;
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(value)
        .trim();
    let galaxy_type = galaxy_type.trim();
    if galaxy_type.is_empty() || value.is_empty() {
        return None;
    }
    Some(Cluster {
        tag: tag.to_owned(),
        galaxy_type: galaxy_type.to_owned(),
        value: value.to_owned(),
        ..Cluster::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tags_of(value: Value) -> Tags {
        read_tags(value.as_object().unwrap_or(&Map::new()))
    }

    #[test]
    fn tlp_tags_are_markings_and_the_strictest_wins() {
        let tags = tags_of(json!({"Tag": [
            {"name": "tlp:green"}, {"name": "TLP:AMBER"}, {"name": "type:OSINT"}, {"name": "tlp:ex:chr"}
        ]}));
        assert_eq!(tags.tlp, Some(TlpLevel::Amber));
        assert_eq!(tags.tlp_conflict, vec!["tlp:green", "TLP:AMBER"]);
        assert_eq!(tags.labels, vec!["type:OSINT", "tlp:ex:chr"]);
        assert_eq!(tlp_of("tlp:white"), Some(TlpLevel::Clear));
        assert_eq!(tlp_of("tlp:amber+strict"), Some(TlpLevel::AmberStrict));
        assert_eq!(tlp_of("tlp:unclear"), None);
    }

    #[test]
    fn pap_is_a_label_and_reported() {
        let tags =
            tags_of(json!({"Tag": [{"name": "PAP:GREEN"}, {"name": "pap:red"}, "PAP:AMBER"]}));
        assert_eq!(tags.pap.as_deref(), Some("PAP:RED"));
        assert_eq!(tags.labels, vec!["PAP:GREEN", "pap:red", "PAP:AMBER"]);
    }

    #[test]
    fn galaxy_blocks_enrich_the_clusters_named_by_tags() {
        let tags = tags_of(json!({
            "Tag": [{"name": "misp-galaxy:mitre-intrusion-set=\"APT1 - G0006\""}],
            "Galaxy": [{"GalaxyCluster": [
                {"tag_name": "misp-galaxy:mitre-intrusion-set=\"APT1 - G0006\"", "description": "A group.",
                 "meta": {"synonyms": ["Comment Crew"], "refs": ["https://attack.mitre.org/groups/G0006"]}},
                {"tag_name": "misp-galaxy:tool=\"X-Agent\""}
            ]}]
        }));
        assert_eq!(tags.clusters.len(), 2);
        let first = tags.clusters.first().cloned().unwrap_or_default();
        assert_eq!(first.galaxy_type, "mitre-intrusion-set");
        assert_eq!(first.value, "APT1 - G0006");
        assert_eq!(first.description.as_deref(), Some("A group."));
        assert_eq!(first.synonyms, vec!["Comment Crew"]);
        assert_eq!(tags.labels.len(), 2);
    }
}
