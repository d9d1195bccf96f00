//! What the advisory tests share: the shared data folder, a CSAF advisory mapped as the
//! fusion center maps it, and an index built from (organisation, kind, value) triples.

use std::path::{Path, PathBuf};

use dijkwacht_alerts::advisory::{Advisory, AdvisoryKind};
use dijkwacht_alerts::product::{ProductAsset, ProductIndex};
use dijkwacht_alerts::profile::AssetKind;
use dijkwacht_fusion::csaf::map_advisory;
use serde_json::Value;

/// The shared test data, or `None` (after saying so) when it is absent outside CI.
pub fn shared_data() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "shared test data missing at {}",
        path.display()
    );
    println!("skipping: no shared test data at {}", path.display());
    None
}

/// A CSAF file mapped as the fusion center maps it, read back as an advisory.
pub fn csaf_advisory(data: &Path, relative: &str) -> Advisory {
    let path = data.join("csaf").join(relative);
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let mapped = map_advisory(&bytes).unwrap_or_else(|error| panic!("{relative}: {error}"));
    let objects = &mapped.mapped.objects;
    let report = objects
        .iter()
        .find(|object| object["type"] == "report")
        .unwrap_or_else(|| panic!("{relative}: no report"));
    let vulnerabilities: Vec<Value> = objects
        .iter()
        .filter(|object| object["type"] == "vulnerability")
        .cloned()
        .collect();
    let advisory = Advisory::from_csaf(report, &vulnerabilities)
        .unwrap_or_else(|error| panic!("{relative}: {error}"));
    assert_eq!(advisory.kind(), AdvisoryKind::Csaf);
    assert_eq!(advisory.report_id(), Some(mapped.report_id.as_str()));
    advisory
}

/// An index of one organisation per entry, named after the entry's value.
pub fn index_of(entries: &[(&str, AssetKind, &str)]) -> ProductIndex {
    let mut index = ProductIndex::new();
    for (organisation, kind, value) in entries {
        let asset =
            ProductAsset::parse(*kind, value).unwrap_or_else(|error| panic!("{value}: {error}"));
        index.insert(organisation, &asset);
    }
    index
}
