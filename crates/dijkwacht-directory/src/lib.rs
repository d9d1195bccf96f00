//! Who is who in Dijkwacht: the vocabulary of organisations (sectors, size classes),
//! communities (kinds, membership stages), users (roles) and the secrets that prove who
//! a caller is (argon2id password hashes, API tokens). Storage of the directory and the
//! administration commands build on these types.

mod model;
mod names;
mod secrets;

pub use model::{
    CommunityKind, MembershipStage, ParseError, Sector, SizeClass, parse_role, role_name,
};
pub use names::{
    MIN_PASSWORD_CHARS, NameError, RESERVED_COMMUNITY_NAMES, check_community_name, check_email,
    check_name, check_password,
};
pub use secrets::{ApiToken, SecretError, TokenId, hash_password, verify_password};
