//! The directory tables (migration 2) behind [`dijkwacht_store::directory::Directory`].

use std::collections::BTreeSet;

use dijkwacht_directory::{
    CommunityKind, MembershipStage, Sector, SizeClass, parse_role, role_name,
};
use dijkwacht_policy::CommunityId;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::StoreError;
use dijkwacht_store::directory::{
    APPLICATION_LIFETIME_MICROS, Community, Membership, Organisation, TokenRecord, User,
};
use rusqlite::{Connection, OptionalExtension, params};

fn backend(context: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |error| StoreError::backend(context.to_owned(), error)
}

/// A stored value that is not in its vocabulary: the file was edited by hand.
fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Unavailable(format!(
        "the directory holds an unknown {what} '{value}'; was the store edited by another program?"
    ))
}

fn exists(connection: &Connection, sql: &str, key: &str) -> Result<bool, StoreError> {
    connection
        .query_row(sql, [key], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
        .map_err(backend("looking up the directory"))
}

pub(crate) fn add_organisation(
    connection: &Connection,
    organisation: &Organisation,
) -> Result<(), StoreError> {
    if exists(
        connection,
        "SELECT 1 FROM organisations WHERE name = ?1",
        &organisation.name,
    )? {
        return Err(StoreError::Invalid(format!(
            "an organisation named '{}' exists already",
            organisation.name
        )));
    }
    let sectors: Vec<&str> = organisation
        .sectors
        .iter()
        .map(|sector| sector.name())
        .collect();
    connection
        .execute(
            "INSERT INTO organisations (name, display_name, sectors, size, vital, identity) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                organisation.name,
                organisation.display_name,
                sectors.join(","),
                organisation.size.name(),
                organisation.vital,
                organisation.identity
            ],
        )
        .map(|_| ())
        .map_err(backend("adding an organisation"))
}

pub(crate) fn organisations(connection: &Connection) -> Result<Vec<Organisation>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "SELECT name, display_name, sectors, size, vital, identity FROM organisations ORDER BY name",
        )
        .map_err(backend("listing organisations"))?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, bool>(4)?,
                row.get::<_, String>(5)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(backend("listing organisations"))?;
    rows.into_iter()
        .map(|(name, display_name, sectors, size, vital, identity)| {
            let sectors = sectors
                .split(',')
                .filter(|sector| !sector.is_empty())
                .map(|sector| Sector::parse(sector).map_err(|_| corrupt("sector", sector)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Organisation {
                size: SizeClass::parse(&size).map_err(|_| corrupt("size class", &size))?,
                name,
                display_name,
                sectors,
                vital,
                identity,
            })
        })
        .collect()
}

pub(crate) fn add_community(
    connection: &Connection,
    community: &Community,
) -> Result<(), StoreError> {
    if exists(
        connection,
        "SELECT 1 FROM communities WHERE name = ?1",
        &community.name,
    )? {
        return Err(StoreError::Invalid(format!(
            "a community named '{}' exists already",
            community.name
        )));
    }
    if let Some(parent) = &community.parent {
        if !exists(
            connection,
            "SELECT 1 FROM communities WHERE name = ?1",
            parent,
        )? {
            return Err(StoreError::Invalid(format!(
                "the parent community '{parent}' does not exist; add it first"
            )));
        }
    }
    connection
        .execute(
            "INSERT INTO communities (name, display_name, kind, parent, vetted, identity, default_tlp) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                community.name,
                community.display_name,
                community.kind.name(),
                community.parent,
                community.vetted,
                community.identity,
                community.default_tlp.name()
            ],
        )
        .map(|_| ())
        .map_err(backend("adding a community"))
}

pub(crate) fn communities(connection: &Connection) -> Result<Vec<Community>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "SELECT name, display_name, kind, parent, vetted, identity, default_tlp FROM communities ORDER BY name",
        )
        .map_err(backend("listing communities"))?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, bool>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(backend("listing communities"))?;
    rows.into_iter()
        .map(
            |(name, display_name, kind, parent, vetted, identity, default_tlp)| {
                Ok(Community {
                    kind: CommunityKind::parse(&kind)
                        .map_err(|_| corrupt("community kind", &kind))?,
                    default_tlp: TlpLevel::from_name(&default_tlp)
                        .ok_or_else(|| corrupt("TLP level", &default_tlp))?,
                    name,
                    display_name,
                    parent,
                    vetted,
                    identity,
                })
            },
        )
        .collect()
}

pub(crate) fn join(
    connection: &Connection,
    community: &str,
    organisation: &str,
    contact: Option<&str>,
    now: i64,
) -> Result<MembershipStage, StoreError> {
    let vetted: Option<bool> = connection
        .query_row(
            "SELECT vetted FROM communities WHERE name = ?1",
            [community],
            |row| row.get(0),
        )
        .optional()
        .map_err(backend("joining a community"))?;
    let Some(vetted) = vetted else {
        return Err(StoreError::NotFound(format!("community '{community}'")));
    };
    if !exists(
        connection,
        "SELECT 1 FROM organisations WHERE name = ?1",
        organisation,
    )? {
        return Err(StoreError::NotFound(format!(
            "organisation '{organisation}'"
        )));
    }
    let stage = if vetted {
        MembershipStage::Applicant
    } else {
        MembershipStage::Participant
    };
    let changed = connection
        .execute(
            "INSERT INTO memberships (community, organisation, stage, contact, applied_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (community, organisation) DO NOTHING",
            params![community, organisation, stage.name(), contact, now],
        )
        .map_err(backend("joining a community"))?;
    if changed == 0 {
        return Err(StoreError::Invalid(format!(
            "'{organisation}' is already a member of (or applicant to) '{community}'"
        )));
    }
    Ok(stage)
}

pub(crate) fn set_stage(
    connection: &Connection,
    community: &str,
    organisation: &str,
    stage: MembershipStage,
    now: i64,
) -> Result<(), StoreError> {
    let current: Option<(String, i64)> = connection
        .query_row(
            "SELECT stage, applied_at FROM memberships WHERE community = ?1 AND organisation = ?2",
            params![community, organisation],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(backend("changing a membership"))?;
    let Some((current, applied_at)) = current else {
        return Err(StoreError::NotFound(format!(
            "'{organisation}' has not applied to '{community}'"
        )));
    };
    if current == MembershipStage::Applicant.name()
        && now.saturating_sub(applied_at) > APPLICATION_LIFETIME_MICROS
    {
        return Err(StoreError::Invalid(format!(
            "the application of '{organisation}' to '{community}' has expired (after 30 days); it must apply again"
        )));
    }
    connection
        .execute(
            "UPDATE memberships SET stage = ?3 WHERE community = ?1 AND organisation = ?2",
            params![community, organisation, stage.name()],
        )
        .map_err(backend("changing a membership"))?;
    Ok(())
}

pub(crate) fn leave(
    connection: &Connection,
    community: &str,
    organisation: &str,
) -> Result<(), StoreError> {
    let changed = connection
        .execute(
            "DELETE FROM memberships WHERE community = ?1 AND organisation = ?2",
            params![community, organisation],
        )
        .map_err(backend("ending a membership"))?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!(
            "'{organisation}' is not in '{community}'"
        )));
    }
    Ok(())
}

pub(crate) fn memberships(connection: &Connection) -> Result<Vec<Membership>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "SELECT community, organisation, stage, contact, applied_at FROM memberships \
             ORDER BY community, organisation",
        )
        .map_err(backend("listing memberships"))?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(backend("listing memberships"))?;
    rows.into_iter()
        .map(|(community, organisation, stage, contact, applied_at)| {
            Ok(Membership {
                stage: MembershipStage::parse(&stage)
                    .map_err(|_| corrupt("membership stage", &stage))?,
                community,
                organisation,
                contact,
                applied_at,
            })
        })
        .collect()
}

/// The organisation's member communities and all their ancestors (a recursive walk up
/// the `parent` links).
pub(crate) fn reach(
    connection: &Connection,
    organisation: &str,
) -> Result<BTreeSet<CommunityId>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "WITH RECURSIVE reach (name) AS ( \
                 SELECT community FROM memberships \
                 WHERE organisation = ?1 AND stage IN ('participant', 'partner') \
                 UNION \
                 SELECT communities.parent FROM communities JOIN reach ON communities.name = reach.name \
                 WHERE communities.parent IS NOT NULL \
             ) SELECT name FROM reach",
        )
        .map_err(backend("computing an organisation's reach"))?;
    statement
        .query_map([organisation], |row| row.get::<_, String>(0))
        .and_then(|rows| rows.map(|name| name.map(CommunityId::new)).collect())
        .map_err(backend("computing an organisation's reach"))
}

pub(crate) fn add_user(
    connection: &Connection,
    user: &User,
    password_hash: &str,
) -> Result<(), StoreError> {
    if !exists(
        connection,
        "SELECT 1 FROM organisations WHERE name = ?1",
        &user.organisation,
    )? {
        return Err(StoreError::Invalid(format!(
            "the organisation '{}' does not exist; add it with `dijkwacht org add` first",
            user.organisation
        )));
    }
    if exists(
        connection,
        "SELECT 1 FROM users WHERE email = ?1",
        &user.email,
    )? {
        return Err(StoreError::Invalid(format!(
            "a user '{}' exists already",
            user.email
        )));
    }
    connection
        .execute(
            "INSERT INTO users (email, organisation, role, password_hash) VALUES (?1, ?2, ?3, ?4)",
            params![
                user.email,
                user.organisation,
                role_name(user.role),
                password_hash
            ],
        )
        .map(|_| ())
        .map_err(backend("adding a user"))
}

fn user_rows(
    connection: &Connection,
    email: Option<&str>,
) -> Result<Vec<(User, String)>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "SELECT email, organisation, role, password_hash FROM users \
             WHERE ?1 IS NULL OR email = ?1 ORDER BY email",
        )
        .map_err(backend("reading users"))?;
    let rows = statement
        .query_map([email], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(backend("reading users"))?;
    rows.into_iter()
        .map(|(email, organisation, role, hash)| {
            let role = parse_role(&role).map_err(|_| corrupt("role", &role))?;
            Ok((
                User {
                    email,
                    organisation,
                    role,
                },
                hash,
            ))
        })
        .collect()
}

pub(crate) fn users(connection: &Connection) -> Result<Vec<User>, StoreError> {
    Ok(user_rows(connection, None)?
        .into_iter()
        .map(|(user, _)| user)
        .collect())
}

pub(crate) fn user_with_password(
    connection: &Connection,
    email: &str,
) -> Result<Option<(User, String)>, StoreError> {
    Ok(user_rows(connection, Some(email))?.into_iter().next())
}

pub(crate) fn add_token(connection: &Connection, token: &TokenRecord) -> Result<(), StoreError> {
    if !exists(
        connection,
        "SELECT 1 FROM users WHERE email = ?1",
        &token.user,
    )? {
        return Err(StoreError::Invalid(format!(
            "the user '{}' does not exist; add it with `dijkwacht user add` first",
            token.user
        )));
    }
    connection
        .execute(
            "INSERT INTO tokens (id, user, secret_hash, write, communities, created_at, last_used_at, revoked_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                token.id,
                token.user,
                token.secret_hash,
                token.write,
                token.communities.as_ref().map(|communities| communities.join(",")),
                token.created_at,
                token.last_used_at,
                token.revoked_at
            ],
        )
        .map(|_| ())
        .map_err(backend("storing a token"))
}

pub(crate) fn tokens(
    connection: &Connection,
    id: Option<&str>,
) -> Result<Vec<TokenRecord>, StoreError> {
    let mut statement = connection
        .prepare_cached(
            "SELECT id, user, secret_hash, write, communities, created_at, last_used_at, revoked_at \
             FROM tokens WHERE ?1 IS NULL OR id = ?1 ORDER BY created_at, id",
        )
        .map_err(backend("reading tokens"))?;
    statement
        .query_map([id], |row| {
            let communities: Option<String> = row.get(4)?;
            Ok(TokenRecord {
                id: row.get(0)?,
                user: row.get(1)?,
                secret_hash: row.get(2)?,
                write: row.get(3)?,
                communities: communities.map(|text| text.split(',').map(str::to_owned).collect()),
                created_at: row.get(5)?,
                last_used_at: row.get(6)?,
                revoked_at: row.get(7)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(backend("reading tokens"))
}

pub(crate) fn revoke_token(connection: &Connection, id: &str, at: i64) -> Result<(), StoreError> {
    let changed = connection
        .execute(
            "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
            params![id, at],
        )
        .map_err(backend("revoking a token"))?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("token '{id}'")));
    }
    Ok(())
}

pub(crate) fn touch_token(connection: &Connection, id: &str, at: i64) -> Result<(), StoreError> {
    connection
        .execute(
            "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
            params![id, at],
        )
        .map(|_| ())
        .map_err(backend("recording a token's use"))
}
