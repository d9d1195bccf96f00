//! The sharing rules as a filter over stored objects' handling columns, for stores to
//! translate into their query language, so that only visible rows are ever read,
//! counted or paged. [`Filter::matches`] evaluates it in memory; the tests hold it equal
//! to [`crate::decide`].

use std::collections::BTreeSet;

use crate::model::{Action, Caller, CommunityId, Handling, OrgId, Role, Scope, TlpLevel, UserId};

/// A condition on an object's handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Everything,
    Nothing,
    /// The TLP level is one of these.
    TlpIn(BTreeSet<TlpLevel>),
    /// The owner is this organisation.
    OwnerIs(OrgId),
    /// The scope is public.
    ScopeIsPublic,
    /// The scope names one of these communities (listed or federated scope).
    ScopeNamesAnyOf(BTreeSet<CommunityId>),
    /// The scope is federated and names one of these communities.
    FederatedScopeNamesAnyOf(BTreeSet<CommunityId>),
    /// The scope is federated or public (the object may leave this instance).
    ScopeMayLeave,
    /// This user is a named recipient.
    RecipientIs(UserId),
    /// Every condition holds.
    All(Vec<Filter>),
    /// At least one condition holds.
    Any(Vec<Filter>),
}

impl Filter {
    /// Whether an object with `handling` passes the filter.
    pub fn matches(&self, handling: &Handling) -> bool {
        match self {
            Filter::Everything => true,
            Filter::Nothing => false,
            Filter::TlpIn(levels) => levels.contains(&handling.tlp),
            Filter::OwnerIs(owner) => handling.owner == *owner,
            Filter::ScopeIsPublic => handling.scope == Scope::Public,
            Filter::ScopeNamesAnyOf(communities) => handling
                .scope
                .communities()
                .is_some_and(|named| !named.is_disjoint(communities)),
            Filter::FederatedScopeNamesAnyOf(communities) => match &handling.scope {
                Scope::Federated(named) => !named.is_disjoint(communities),
                Scope::Organisation | Scope::Communities(_) | Scope::Public => false,
            },
            Filter::ScopeMayLeave => {
                matches!(handling.scope, Scope::Federated(_) | Scope::Public)
            }
            Filter::RecipientIs(user) => handling.recipients.contains(user),
            Filter::All(filters) => filters.iter().all(|filter| filter.matches(handling)),
            Filter::Any(filters) => filters.iter().any(|filter| filter.matches(handling)),
        }
    }
}

fn levels(levels: &[TlpLevel]) -> Filter {
    Filter::TlpIn(levels.iter().copied().collect())
}

/// The objects `caller` may do `action` to, as a filter.
pub fn visibility_filter(caller: &Caller, action: Action) -> Filter {
    use TlpLevel::{Amber, AmberStrict, Clear, Green, Red};
    let changes = matches!(action, Action::Edit | Action::Revoke);
    match caller {
        Caller::Anonymous if changes => Filter::Nothing,
        Caller::Anonymous => Filter::All(vec![levels(&[Clear]), Filter::ScopeIsPublic]),
        Caller::Peer(_) if changes => Filter::Nothing,
        Caller::Peer(peer) => {
            let mut federated_levels = vec![Clear, Green];
            if peer.amber_agreement {
                federated_levels.push(Amber);
            }
            Filter::Any(vec![
                Filter::All(vec![levels(&[Clear]), Filter::ScopeIsPublic]),
                Filter::All(vec![
                    levels(&federated_levels),
                    Filter::FederatedScopeNamesAnyOf(peer.federated.clone()),
                ]),
            ])
        }
        Caller::Member(member) if changes => {
            if member.role >= Role::Analyst && member.may_write() {
                Filter::OwnerIs(member.organisation.clone())
            } else {
                Filter::Nothing
            }
        }
        Caller::Member(member) => {
            let token_limited = member
                .token
                .as_ref()
                .is_some_and(|token| token.communities.is_some());
            let mut in_scope = vec![
                Filter::ScopeIsPublic,
                Filter::ScopeNamesAnyOf(member.effective_reach().into_iter().cloned().collect()),
            ];
            if !token_limited {
                in_scope.push(Filter::OwnerIs(member.organisation.clone()));
            }
            let in_scope = Filter::Any(in_scope);
            match action {
                Action::Read => {
                    let mut visible = vec![Filter::All(vec![
                        levels(&[Clear, Green, Amber, AmberStrict]),
                        in_scope,
                    ])];
                    if member.token.is_none() {
                        visible.push(Filter::All(vec![
                            levels(&[Red]),
                            Filter::RecipientIs(member.user.clone()),
                        ]));
                    }
                    Filter::Any(visible)
                }
                Action::Export => {
                    Filter::All(vec![levels(&[Clear, Green, Amber, AmberStrict]), in_scope])
                }
                Action::Forward => Filter::All(vec![
                    in_scope,
                    Filter::Any(vec![
                        levels(&[Clear]),
                        Filter::All(vec![levels(&[Green]), Filter::ScopeMayLeave]),
                    ]),
                ]),
                Action::Edit | Action::Revoke => Filter::Nothing,
            }
        }
    }
}
