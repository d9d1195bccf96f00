//! The sharing rules of Dijkwacht, in one place.
//!
//! Every question "may this caller do this to this object?" is answered here, as a
//! [`Decision`] with a reason ([`decide`]), and the same rules are given to stores as a
//! [`Filter`] ([`visibility_filter`]) so that listings, counts and pages only ever touch
//! rows the caller may see. This crate knows no SQL and no HTTP: it reasons about
//! organisations, communities and TLP levels only.
//!
//! The rules (design.md, "The sharing rules"): CLEAR anyone; GREEN members of the
//! communities in scope; AMBER organisations in scope; AMBER+STRICT organisations in
//! scope and never passed on; RED the named recipients only and never in bulk. Scope
//! (where an object may go) and TLP (how far it may travel) both apply; the stricter
//! wins.

mod decide;
mod filter;
mod model;

pub use decide::{Decision, Reason, decide};
pub use filter::{Filter, visibility_filter};
pub use model::{
    Action, Caller, CommunityId, Handling, Member, OrgId, Peer, PeerId, Role, Scope, TokenAccess,
    UserId,
};
