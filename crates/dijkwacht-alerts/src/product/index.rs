//! The product entries of every organisation, keyed the way advisories name products:
//! by normalised (vendor, product) and by package (type, namespace, name).
//!
//! A national instance holds some 100,000 profiles of about ten products each, and an
//! advisory names a handful of products: matching must look only at the holders of
//! those. Most members run the same few thousand products, so organisation names and
//! assets are interned once and a holding is two 32-bit ids — a million entries take
//! about 8 MB beyond the distinct assets. Removing an organisation walks only the keys it
//! holds.

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use super::{ProductAsset, ProductIdentity};
use crate::profile::AssetEntry;

/// What an index is keyed by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum IndexKey {
    Name {
        vendor: Box<str>,
        product: Box<str>,
    },
    Package {
        package_type: Box<str>,
        namespace: Box<str>,
        name: Box<str>,
    },
}

/// One organisation holding one asset under one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Holding {
    pub(crate) organisation: u32,
    pub(crate) asset: u32,
}

/// The product entries of many organisations.
#[derive(Debug, Default)]
pub struct ProductIndex {
    organisation_names: Vec<Box<str>>,
    organisation_ids: FxHashMap<Box<str>, u32>,
    assets: Vec<ProductAsset>,
    asset_ids: FxHashMap<AssetEntry, u32>,
    key_ids: FxHashMap<IndexKey, u32>,
    /// Per key id: who holds what under it.
    holders: Vec<Vec<Holding>>,
    /// Per organisation id: (key id, asset id) of each of its entries.
    entries_by_organisation: Vec<Vec<(u32, u32)>>,
    /// Per key id: the normalised (vendor, product) for name keys.
    name_of_key: Vec<Option<(Box<str>, Box<str>)>>,
    entry_count: usize,
}

/// An id for the next item of a table; the index refuses to grow past `u32::MAX` items
/// of one kind (some four billion), far beyond any instance.
fn next_id(length: usize) -> Option<u32> {
    u32::try_from(length).ok()
}

impl ProductIndex {
    pub fn new() -> ProductIndex {
        ProductIndex::default()
    }

    /// Adds one product entry of `organisation`. The same entry twice is kept once;
    /// returns whether it was new.
    pub fn insert(&mut self, organisation: &str, asset: &ProductAsset) -> bool {
        let Some(organisation_id) = self.organisation_id_or_new(organisation) else {
            return false;
        };
        let Some(key) = key_of(asset) else {
            return false;
        };
        let Some(key_id) = self.key_id_or_new(key) else {
            return false;
        };
        let Some(asset_id) = self.asset_id_or_new(asset) else {
            return false;
        };
        let entries = &mut self.entries_by_organisation[organisation_id as usize];
        if entries.contains(&(key_id, asset_id)) {
            return false;
        }
        entries.push((key_id, asset_id));
        self.holders[key_id as usize].push(Holding {
            organisation: organisation_id,
            asset: asset_id,
        });
        self.entry_count += 1;
        true
    }

    /// Removes every entry of `organisation` (before its profile is loaded anew); returns
    /// how many there were.
    pub fn remove_organisation(&mut self, organisation: &str) -> usize {
        let Some(&organisation_id) = self.organisation_ids.get(organisation) else {
            return 0;
        };
        let entries = std::mem::take(&mut self.entries_by_organisation[organisation_id as usize]);
        let mut keys: Vec<u32> = entries.iter().map(|&(key, _)| key).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            self.holders[key as usize].retain(|holding| holding.organisation != organisation_id);
        }
        self.entry_count -= entries.len();
        entries.len()
    }

    /// How many entries the index holds, over all organisations.
    pub fn len(&self) -> usize {
        self.entry_count
    }

    pub fn is_empty(&self) -> bool {
        self.entry_count == 0
    }

    /// How many organisations hold at least one entry.
    pub fn organisation_count(&self) -> usize {
        self.entries_by_organisation
            .iter()
            .filter(|entries| !entries.is_empty())
            .count()
    }

    pub(crate) fn organisation_name(&self, organisation: u32) -> &str {
        self.organisation_names
            .get(organisation as usize)
            .map_or("", |name| name)
    }

    pub(crate) fn asset(&self, asset: u32) -> Option<&ProductAsset> {
        self.assets.get(asset as usize)
    }

    /// Who holds a product of this normalised vendor and product.
    pub(crate) fn holders_of_name(&self, vendor: &str, product: &str) -> &[Holding] {
        let key = IndexKey::Name {
            vendor: vendor.into(),
            product: product.into(),
        };
        self.holders_of(&key)
    }

    /// Who holds this package.
    pub(crate) fn holders_of_package(
        &self,
        package_type: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> &[Holding] {
        let key = IndexKey::Package {
            package_type: package_type.into(),
            namespace: namespace.unwrap_or("").into(),
            name: name.into(),
        };
        self.holders_of(&key)
    }

    fn holders_of(&self, key: &IndexKey) -> &[Holding] {
        self.key_ids
            .get(key)
            .and_then(|&id| self.holders.get(id as usize))
            .map_or(&[], Vec::as_slice)
    }

    /// Every (vendor, product) name key with its holders, for names given as patterns.
    pub(crate) fn name_keys(&self) -> impl Iterator<Item = (&str, &str, &[Holding])> {
        self.name_of_key
            .iter()
            .zip(&self.holders)
            .filter_map(|(name, holders)| {
                let (vendor, product) = name.as_ref()?;
                Some((&**vendor, &**product, holders.as_slice()))
            })
    }

    /// The asset ids of an organisation's entries.
    pub(crate) fn assets_of(&self, organisation: u32) -> impl Iterator<Item = u32> + '_ {
        self.entries_by_organisation
            .get(organisation as usize)
            .into_iter()
            .flatten()
            .map(|&(_, asset)| asset)
    }

    fn organisation_id_or_new(&mut self, organisation: &str) -> Option<u32> {
        if let Some(&id) = self.organisation_ids.get(organisation) {
            return Some(id);
        }
        let id = next_id(self.organisation_names.len())?;
        let name: Box<str> = organisation.into();
        self.organisation_names.push(name.clone());
        self.organisation_ids.insert(name, id);
        self.entries_by_organisation.push(Vec::new());
        Some(id)
    }

    fn key_id_or_new(&mut self, key: IndexKey) -> Option<u32> {
        let next = next_id(self.holders.len())?;
        match self.key_ids.entry(key) {
            Entry::Occupied(occupied) => Some(*occupied.get()),
            Entry::Vacant(vacant) => {
                let name = match vacant.key() {
                    IndexKey::Name { vendor, product } => Some((vendor.clone(), product.clone())),
                    IndexKey::Package { .. } => None,
                };
                vacant.insert(next);
                self.holders.push(Vec::new());
                self.name_of_key.push(name);
                Some(next)
            }
        }
    }

    fn asset_id_or_new(&mut self, asset: &ProductAsset) -> Option<u32> {
        let next = next_id(self.assets.len())?;
        match self.asset_ids.entry(asset.entry()) {
            Entry::Occupied(occupied) => Some(*occupied.get()),
            Entry::Vacant(vacant) => {
                vacant.insert(next);
                self.assets.push(asset.clone());
                Some(next)
            }
        }
    }
}

fn key_of(asset: &ProductAsset) -> Option<IndexKey> {
    match asset.identity() {
        ProductIdentity::Purl(purl) => Some(IndexKey::Package {
            package_type: purl.package_type.as_str().into(),
            namespace: purl.namespace.as_deref().unwrap_or("").into(),
            name: purl.name.as_str().into(),
        }),
        ProductIdentity::Cpe(_) | ProductIdentity::Named { .. } => {
            let (vendor, product) = asset.name_key()?;
            Some(IndexKey::Name {
                vendor: vendor.into(),
                product: product.into(),
            })
        }
    }
}
