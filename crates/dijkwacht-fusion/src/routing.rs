//! Routing rules: where each object a source delivers goes. A source names its default
//! route (`communities`, `tlp`); its `[[source.route]]` rules send the objects they
//! match elsewhere — vulnerabilities to the OT community, ransomware reports wider,
//! hashes to the owner alone. The first rule that matches an object decides; an object
//! no rule matches takes the source's default route.
//!
//! ```toml
//! [[source]]
//! name = "osint"
//! kind = "misp-feed"
//! url = "https://feeds.example/misp/"
//! communities = ["plenum"]
//! tlp = "green"
//!
//! [[source.route]]            # every condition given must hold
//! types = ["vulnerability"]   # STIX types
//! communities = ["ot-ics"]
//! tlp = "amber"
//!
//! [[source.route]]
//! values = ["md5", "sha1", "sha256"]   # an indicator or observable of these kinds
//! scope = "organisation"               # the owner alone
//!
//! [[source.route]]
//! labels = ["ransomware"]     # any of the object's `labels`
//! scope = "federated"         # the communities and their federated peers
//! communities = ["plenum"]
//! ```
//!
//! A rule's destination is a `scope` — `communities` (the default when communities
//! are named), `federated`, `public` or `organisation` — with `communities` where the
//! scope needs them, and an optional `tlp` for objects that carry no TLP marking of
//! their own (else the source's). Whether the communities exist and the owner belongs
//! to them is checked when the source runs, as for the default route.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::correlation::ObjectKeys;

/// Where a rule sends what it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteScope {
    /// The communities named (and their descendants).
    #[default]
    Communities,
    /// The communities named and the peers federated with them.
    Federated,
    /// Anyone.
    Public,
    /// The owner's own organisation.
    Organisation,
}

/// One `[[source.route]]` rule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// STIX types the rule takes (any, when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Kinds of value (`ipv4`, `ipv6`, `cidr`, `domain`, `url`, `email`, `md5`,
    /// `sha1`, `sha256`, `sha512`, `ssdeep`, `cve`): the rule takes objects stating at
    /// least one value of these kinds (any, when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The rule takes objects with at least one of these `labels` (any, when empty);
    /// compared without regard to case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(default)]
    pub scope: RouteScope,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communities: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlp: Option<String>,
}

/// The kinds of value a rule may name: the prefixes of `correlation`'s keys.
pub const VALUE_KINDS: [&str; 12] = [
    "ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "sha512", "ssdeep",
    "cve",
];

impl RouteRule {
    /// What is wrong with the rule as written, if anything.
    pub fn problem(&self) -> Option<String> {
        if let Some(kind) = self
            .values
            .iter()
            .find(|kind| !VALUE_KINDS.contains(&kind.as_str()))
        {
            return Some(format!(
                "route: `values` has `{kind}`; use {}",
                VALUE_KINDS.join(", ")
            ));
        }
        let needs_communities =
            matches!(self.scope, RouteScope::Communities | RouteScope::Federated);
        match (needs_communities, self.communities.is_empty()) {
            (true, true) => Some(format!(
                "route: scope `{}` needs `communities`",
                self.scope_name()
            )),
            (false, false) => Some(format!(
                "route: scope `{}` takes no `communities`",
                self.scope_name()
            )),
            _ => None,
        }
    }

    fn scope_name(&self) -> &'static str {
        match self.scope {
            RouteScope::Communities => "communities",
            RouteScope::Federated => "federated",
            RouteScope::Public => "public",
            RouteScope::Organisation => "organisation",
        }
    }

    /// Whether the rule takes `object`, whose correlation keys are `keys`.
    pub fn matches(&self, object: &Value, keys: Option<&ObjectKeys>) -> bool {
        let object_type = object.get("type").and_then(Value::as_str).unwrap_or("");
        let type_ok = self.types.is_empty() || self.types.iter().any(|name| name == object_type);
        let values_ok = self.values.is_empty()
            || keys.is_some_and(|keys| {
                keys.observables.iter().any(|key| {
                    key.split_once(':')
                        .is_some_and(|(kind, _)| self.values.iter().any(|wanted| wanted == kind))
                })
            });
        let labels_ok = self.labels.is_empty()
            || object
                .get("labels")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|label| {
                    self.labels
                        .iter()
                        .any(|wanted| wanted.eq_ignore_ascii_case(label))
                });
        type_ok && values_ok && labels_ok
    }
}

/// The index of the first rule of `rules` that takes `object`, if any.
pub fn route_for(rules: &[RouteRule], object: &Value, keys: Option<&ObjectKeys>) -> Option<usize> {
    rules.iter().position(|rule| rule.matches(object, keys))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::correlation::keys_of;

    fn rules() -> Vec<RouteRule> {
        let text = r#"
            [[route]]
            types = ["vulnerability"]
            communities = ["ot-ics"]
            tlp = "amber"

            [[route]]
            values = ["md5", "sha256"]
            scope = "organisation"

            [[route]]
            labels = ["Ransomware"]
            types = ["report", "indicator"]
            scope = "federated"
            communities = ["plenum"]
        "#;
        #[derive(Deserialize)]
        struct Rules {
            route: Vec<RouteRule>,
        }
        toml::from_str::<Rules>(text)
            .unwrap_or_else(|error| panic!("{error}"))
            .route
    }

    #[test]
    fn the_first_rule_that_matches_decides() {
        let rules = rules();
        assert!(rules.iter().all(|rule| rule.problem().is_none()));
        let route = |object: Value| route_for(&rules, &object, Some(&keys_of(&object)));
        assert_eq!(
            route(json!({"type": "vulnerability", "name": "CVE-2024-3400"})),
            Some(0)
        );
        assert_eq!(
            route(json!({"type": "file", "hashes": {"MD5": "9e107d9d372bb6826bd81d3542a419d6"}})),
            Some(1)
        );
        let hash_indicator = json!({"type": "indicator", "pattern_type": "stix",
            "labels": ["ransomware"],
            "pattern": "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"});
        assert_eq!(route(hash_indicator), Some(1), "hashes come first");
        let address_indicator = json!({"type": "indicator", "pattern_type": "stix",
            "labels": ["RANSOMWARE"], "pattern": "[ipv4-addr:value = '198.51.100.7']"});
        assert_eq!(route(address_indicator), Some(2));
        let malware = json!({"type": "malware", "labels": ["ransomware"]});
        assert_eq!(route(malware), None, "the type does not match rule 3");
        assert_eq!(
            route(json!({"type": "indicator", "pattern_type": "stix",
            "pattern": "[ipv4-addr:value = '198.51.100.7']"})),
            None
        );
    }

    #[test]
    fn mistakes_in_a_rule_are_named() {
        let unknown = RouteRule {
            values: vec!["ip".to_owned()],
            communities: vec!["water".to_owned()],
            ..RouteRule::default()
        };
        assert!(
            unknown
                .problem()
                .is_some_and(|problem| problem.contains("`ip`"))
        );
        let no_communities = RouteRule::default();
        assert!(
            no_communities
                .problem()
                .is_some_and(|problem| problem.contains("needs `communities`"))
        );
        let public_with = RouteRule {
            scope: RouteScope::Public,
            communities: vec!["water".to_owned()],
            ..RouteRule::default()
        };
        assert!(
            public_with
                .problem()
                .is_some_and(|problem| problem.contains("takes no"))
        );
    }
}
