//! A CSAF product tree flattened into one list of products, each with what alert
//! matching needs: its vendor, product name and version (from the branches above it),
//! and the identifiers a vendor gave (CPE, package URL).
//!
//! What it decides: a product is defined where its `product_id` first appears (branches
//! first, depth first, then `full_product_names`, then `relationships`); a later
//! definition of the same id is a problem and ignored. A relationship's product ("X
//! installed on Y") takes each of its vendor, name, version and identifiers from the
//! component (`product_reference`) unless it names its own, else from the platform
//! (`relates_to_product_reference`: Red Hat puts the CPE there), and keeps both
//! references, since it applies only where both products are present.

use serde::Serialize;
use serde_json::Value;

use super::text_at;
use crate::mapped::Mapped;

/// One product of an advisory's product tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CsafProduct {
    /// The document-local id vulnerabilities refer to (`CSAFPID-0001`).
    pub product_id: String,
    /// The full product name as the advisory writes it.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The `product_name` branch (or, without one, the `product_family` branch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// One exact version (`product_version` branch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// A range of versions (`product_version_range` branch), such as `vers:generic/<1.2`
    /// or, from producers that do not use `vers`, `<=1.0.26`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_range: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// For a product defined by a relationship: what it combines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relationship: Option<CsafProductRelationship>,
}

/// A product made of two others: `product_reference` is `category` of
/// `relates_to_product_reference` (`default_component_of`, `installed_on`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsafProductRelationship {
    pub category: String,
    pub product_reference: String,
    pub relates_to_product_reference: String,
}

/// The branch categories above a product, as far as they name it.
#[derive(Debug, Clone, Default)]
struct BranchPath {
    vendor: Option<String>,
    product_name: Option<String>,
    product_family: Option<String>,
    version: Option<String>,
    version_range: Option<String>,
}

/// Flattens `product_tree` into its products; problems go to `mapped`.
pub(crate) fn flatten_product_tree(
    product_tree: Option<&Value>,
    mapped: &mut Mapped,
) -> Vec<CsafProduct> {
    let mut products = Vec::new();
    let Some(tree) = product_tree else {
        return products;
    };
    if let Some(branches) = tree.get("branches") {
        walk_branches(
            branches,
            &BranchPath::default(),
            "product_tree.branches",
            &mut products,
            mapped,
        );
    }
    for (index, full_name) in list(tree.get("full_product_names")).iter().enumerate() {
        let location = format!("product_tree.full_product_names[{index}]");
        if let Some(product) = product_of(full_name, &BranchPath::default(), &location, mapped) {
            add(product, &location, &mut products, mapped);
        }
    }
    for (index, relationship) in list(tree.get("relationships")).iter().enumerate() {
        let location = format!("product_tree.relationships[{index}]");
        if let Some(product) = relationship_product(relationship, &products, &location, mapped) {
            add(product, &location, &mut products, mapped);
        }
    }
    products
}

fn list(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn add(product: CsafProduct, location: &str, products: &mut Vec<CsafProduct>, mapped: &mut Mapped) {
    if products
        .iter()
        .any(|known| known.product_id == product.product_id)
    {
        mapped.problem(
            location,
            format!(
                "product id '{}' is defined more than once; the first definition was kept",
                product.product_id
            ),
        );
    } else {
        products.push(product);
    }
}

/// Walks `branches` depth first. Nesting is bounded by the JSON reader's own depth
/// limit, so the recursion is too.
fn walk_branches(
    branches: &Value,
    path: &BranchPath,
    location: &str,
    products: &mut Vec<CsafProduct>,
    mapped: &mut Mapped,
) {
    for (index, branch) in list(Some(branches)).iter().enumerate() {
        let location = format!("{location}[{index}]");
        let mut below = path.clone();
        let name = text_at(branch, "name").map(str::to_owned);
        match text_at(branch, "category") {
            Some("vendor") => below.vendor = name,
            Some("product_name") => below.product_name = name,
            Some("product_family") => below.product_family = name,
            Some("product_version") => below.version = name,
            Some("product_version_range") => below.version_range = name,
            _ => {}
        }
        if let Some(product) = branch.get("product") {
            if let Some(product) = product_of(product, &below, &location, mapped) {
                add(product, &location, products, mapped);
            }
        }
        if let Some(children) = branch.get("branches") {
            walk_branches(
                children,
                &below,
                &format!("{location}.branches"),
                products,
                mapped,
            );
        }
    }
}

/// The product a `full_product_name_t` defines, under the branches of `path`.
fn product_of(
    full_name: &Value,
    path: &BranchPath,
    location: &str,
    mapped: &mut Mapped,
) -> Option<CsafProduct> {
    let Some(product_id) = text_at(full_name, "product_id") else {
        mapped.problem(location, "a product has no `product_id`; it was left out");
        return None;
    };
    let helper = full_name.get("product_identification_helper");
    let helper_text = |key: &str| {
        helper
            .and_then(|helper| text_at(helper, key))
            .map(str::to_owned)
    };
    Some(CsafProduct {
        product_id: product_id.to_owned(),
        name: text_at(full_name, "name").unwrap_or(product_id).to_owned(),
        vendor: path.vendor.clone(),
        product_name: path
            .product_name
            .clone()
            .or_else(|| path.product_family.clone()),
        version: path.version.clone(),
        version_range: path.version_range.clone(),
        cpe: helper_text("cpe"),
        purl: helper_text("purl"),
        relationship: None,
    })
}

/// The product a relationship defines.
fn relationship_product(
    relationship: &Value,
    products: &[CsafProduct],
    location: &str,
    mapped: &mut Mapped,
) -> Option<CsafProduct> {
    let fields = (
        text_at(relationship, "category"),
        text_at(relationship, "product_reference"),
        text_at(relationship, "relates_to_product_reference"),
        relationship.get("full_product_name"),
    );
    let (Some(category), Some(component), Some(platform), Some(full_name)) = fields else {
        mapped.problem(
            location,
            "a relationship lacks its category, references or full_product_name; it was left out",
        );
        return None;
    };
    let mut product = product_of(full_name, &BranchPath::default(), location, mapped)?;
    let find = |id: &str| products.iter().find(|known| known.product_id == id);
    for referenced in [find(component), find(platform)].into_iter().flatten() {
        product.vendor = product.vendor.or_else(|| referenced.vendor.clone());
        product.product_name = product
            .product_name
            .or_else(|| referenced.product_name.clone());
        if product.version.is_none() && product.version_range.is_none() {
            product.version = referenced.version.clone();
            product.version_range = referenced.version_range.clone();
        }
        product.cpe = product.cpe.or_else(|| referenced.cpe.clone());
        product.purl = product.purl.or_else(|| referenced.purl.clone());
    }
    product.relationship = Some(CsafProductRelationship {
        category: category.to_owned(),
        product_reference: component.to_owned(),
        relates_to_product_reference: platform.to_owned(),
    });
    Some(product)
}
