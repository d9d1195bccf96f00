//! Every organisation's profile in the matcher's indexes, read from the store page by
//! page. Entries are stored in their normal form, so parsing them again cannot fail
//! unless the store was edited by hand; such an entry is counted and skipped.

use dijkwacht_alerts::network::{NetworkAsset, NetworkIndex};
use dijkwacht_alerts::product::{ProductAsset, ProductIndex};
use dijkwacht_alerts::profile::AssetKind;
use dijkwacht_store::StoreError;
use dijkwacht_store::alerts::{Alerts, AssetRecord};

/// How many entries one read of the store returns.
const PAGE: usize = 10_000;

/// The profiles the matcher matches against.
#[derive(Debug, Default)]
pub struct Profiles {
    pub products: ProductIndex,
    pub networks: NetworkIndex,
    pub entries: usize,
    /// Entries that no longer parse (a store edited by hand); skipped.
    pub unreadable: usize,
}

impl Profiles {
    /// Every organisation's profile, or only those of `organisations` when given.
    pub async fn load(
        store: &dyn Alerts,
        organisations: Option<&[String]>,
    ) -> Result<Profiles, StoreError> {
        let mut profiles = Profiles::default();
        match organisations {
            Some(names) => {
                for name in names {
                    let profile = store.asset_profile(name).await?;
                    for record in &profile.assets {
                        profiles.add(record);
                    }
                }
            }
            None => {
                let mut after = None;
                loop {
                    let page = store.assets_page(after.clone(), PAGE).await?;
                    for record in &page {
                        profiles.add(record);
                    }
                    match page.last() {
                        Some(last) if page.len() == PAGE => after = Some(last.position()),
                        _ => break,
                    }
                }
            }
        }
        Ok(profiles)
    }

    /// Brings one organisation's entries up to date with the store.
    pub async fn reload_organisation(
        &mut self,
        store: &dyn Alerts,
        organisation: &str,
    ) -> Result<(), StoreError> {
        let removed = self.products.remove_organisation(organisation)
            + self.networks.remove_organisation(organisation);
        self.entries = self.entries.saturating_sub(removed);
        let profile = store.asset_profile(organisation).await?;
        for record in &profile.assets {
            self.add(record);
        }
        Ok(())
    }

    pub fn add(&mut self, record: &AssetRecord) {
        let Ok(kind) = record.kind.parse::<AssetKind>() else {
            self.unreadable += 1;
            return;
        };
        let added = if kind.is_product() {
            ProductAsset::parse(kind, &record.value)
                .map(|asset| self.products.insert(&record.organisation, &asset))
                .is_ok()
        } else {
            NetworkAsset::parse(kind, &record.value)
                .map(|asset| self.networks.insert(&record.organisation, &asset))
                .is_ok()
        };
        if added {
            self.entries += 1;
        } else {
            self.unreadable += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }
}
