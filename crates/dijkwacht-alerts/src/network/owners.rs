//! Who holds a key of the index (a range, a domain, an AS number): usually one
//! organisation, sometimes several (shared hosting, an ISP and its customer both
//! listing a range). One owner is kept inline, so the common case costs no allocation.

/// An interned organisation: its slot in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct OrgId(pub(crate) u32);

#[derive(Debug, Clone)]
pub(crate) enum Owners {
    One(OrgId),
    Many(Vec<OrgId>),
}

impl Owners {
    /// Adds `organisation`; false when it was there already.
    pub(crate) fn add(&mut self, organisation: OrgId) -> bool {
        match self {
            Owners::One(existing) if *existing == organisation => false,
            Owners::One(existing) => {
                *self = Owners::Many(vec![*existing, organisation]);
                true
            }
            Owners::Many(list) if list.contains(&organisation) => false,
            Owners::Many(list) => {
                list.push(organisation);
                true
            }
        }
    }

    /// Removes `organisation`; true when no owner is left, so the key should go.
    pub(crate) fn remove(&mut self, organisation: OrgId) -> bool {
        match self {
            Owners::One(existing) => *existing == organisation,
            Owners::Many(list) => {
                list.retain(|owner| *owner != organisation);
                match list.as_slice() {
                    [] => true,
                    [only] => {
                        *self = Owners::One(*only);
                        false
                    }
                    _ => false,
                }
            }
        }
    }

    pub(crate) fn as_slice(&self) -> &[OrgId] {
        match self {
            Owners::One(owner) => std::slice::from_ref(owner),
            Owners::Many(list) => list,
        }
    }
}
