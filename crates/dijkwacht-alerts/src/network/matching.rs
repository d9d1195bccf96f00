//! Matching stored objects against every profile: [`NetworkIndex::match_object`] for
//! one, [`NetworkIndex::match_batch`] for a million, on all cores.
//!
//! Each value an object names ([`crate::observables`]) is looked up in the index, and
//! each hit becomes a [`Match`] whose evidence sentence says what the intelligence
//! names and how it stands to the entry: "indicator pattern names 198.51.100.7, inside
//! your range 198.51.100.0/24". A (organisation, entry, observed value) is reported
//! once, and the matches of an object come sorted by organisation, entry, observed
//! value and rule, so the same object always gives the same list.

use serde_json::Value;

use super::index::{Hit, NetworkIndex, Relation};
use crate::matched::{Match, MatchRule};
use crate::observables::{
    NetworkObservable, ObservableSource, ObservedValue, UrlHost, network_observables,
};

/// Below this many objects a batch is matched on the calling thread.
const SMALLEST_PARALLEL_BATCH: usize = 1024;

impl NetworkIndex {
    /// Every profile entry `object` touches (see the module documentation).
    pub fn match_object(&self, object: &Value) -> Vec<Match> {
        let Some(observables) = network_observables(object) else {
            return Vec::new();
        };
        let mut matches = Vec::new();
        for value in &observables.values {
            for hit in self.hits_for(&value.observable) {
                matches.push(self.to_match(observables.source, value, hit));
            }
        }
        matches.sort_by(|left, right| {
            (&left.organisation, &left.asset, &left.observed, left.rule).cmp(&(
                &right.organisation,
                &right.asset,
                &right.observed,
                right.rule,
            ))
        });
        matches.dedup_by(|later, earlier| {
            later.organisation == earlier.organisation
                && later.asset == earlier.asset
                && later.observed == earlier.observed
        });
        matches
    }

    /// [`NetworkIndex::match_object`] for every object, on every core the machine
    /// offers: one list of matches per object, in the order of `objects`.
    pub fn match_batch(&self, objects: &[Value]) -> Vec<Vec<Match>> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        self.match_batch_on(objects, threads)
    }

    /// [`NetworkIndex::match_batch`] on at most `threads` threads; each takes one
    /// contiguous part of `objects`, so the results need no reordering.
    pub fn match_batch_on(&self, objects: &[Value], threads: usize) -> Vec<Vec<Match>> {
        let threads = threads.max(1);
        if threads == 1 || objects.len() < SMALLEST_PARALLEL_BATCH {
            return objects
                .iter()
                .map(|object| self.match_object(object))
                .collect();
        }
        let part_length = objects.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = objects
                .chunks(part_length)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|object| self.match_object(object))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut results = Vec::with_capacity(objects.len());
            for worker in workers {
                match worker.join() {
                    Ok(part) => results.extend(part),
                    // Matching does not panic on any input; if it ever did, the panic
                    // belongs to the caller, not to a silently shorter result.
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            results
        })
    }

    fn hits_for(&self, observable: &NetworkObservable) -> Vec<Hit> {
        match observable {
            NetworkObservable::Address(address) => {
                self.address_hits(*address, MatchRule::AddressInRange)
            }
            NetworkObservable::Network(network) => self.network_hits(*network),
            NetworkObservable::Domain(name) => self.domain_hits(name, MatchRule::DomainOrSubdomain),
            NetworkObservable::Url(host) => self.url_hits(host),
            NetworkObservable::EmailAddress { domain } => self.email_hits(domain),
            NetworkObservable::AutonomousSystem(number) => self.autonomous_system_hits(*number),
        }
    }

    fn to_match(&self, source: ObservableSource, value: &ObservedValue, hit: Hit) -> Match {
        let entry = hit.asset.entry();
        let evidence = evidence(source, value, &hit, &entry.value);
        Match {
            organisation: self.organisation_name(hit.organisation).to_owned(),
            asset: entry,
            rule: hit.rule,
            observed: value.written.clone(),
            evidence,
        }
    }
}

/// One sentence: what the intelligence names, and how it stands to the entry.
fn evidence(source: ObservableSource, value: &ObservedValue, hit: &Hit, entry: &str) -> String {
    let names = format!("{} names", source.phrase());
    let written = &value.written;
    let relation = hit.relation;
    match (&value.observable, hit.rule) {
        (NetworkObservable::Address(_), _) => {
            format!("{names} {written}, {}", range_relation(relation, entry))
        }
        (NetworkObservable::Network(_), _) => {
            format!(
                "{names} the network {written}, {}",
                range_relation(relation, entry)
            )
        }
        (NetworkObservable::Url(UrlHost::Address(host)), _) => format!(
            "{names} the URL {written}, whose host {host} is {}",
            range_relation(relation, entry)
        ),
        (NetworkObservable::Url(UrlHost::Domain(host)), _) => format!(
            "{names} the URL {written}, whose host {host} is {}",
            name_relation(relation, "domain", entry)
        ),
        (NetworkObservable::Domain(_), _) => {
            format!(
                "{names} {written}, {}",
                name_relation(relation, "domain", entry)
            )
        }
        (NetworkObservable::EmailAddress { .. }, MatchRule::EmailOnDomain) => format!(
            "{names} the e-mail address {written}, at {}",
            name_relation(relation, "e-mail domain", entry)
        ),
        (NetworkObservable::EmailAddress { .. }, _) => format!(
            "{names} the e-mail address {written}, at {}",
            name_relation(relation, "domain", entry)
        ),
        (NetworkObservable::AutonomousSystem(number), _) => {
            format!("{names} AS{number}, your autonomous system {entry}")
        }
    }
}

fn range_relation(relation: Relation, entry: &str) -> String {
    match relation {
        Relation::Same => format!("which is your range {entry}"),
        Relation::Inside => format!("inside your range {entry}"),
        Relation::Holds => format!("which holds your range {entry}"),
    }
}

fn name_relation(relation: Relation, what: &str, entry: &str) -> String {
    match relation {
        Relation::Same | Relation::Holds => format!("your {what} {entry}"),
        Relation::Inside => format!("a subdomain of your {what} {entry}"),
    }
}
