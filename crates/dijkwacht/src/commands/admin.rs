//! `dijkwacht org|community|user`: administration of the directory from the command
//! line. Every change is written to the audit log; organisations and communities get a
//! STIX identity in the store, which objects they publish name as `created_by_ref`.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, bail};
use dijkwacht_directory::{
    ApiToken, CommunityKind, MembershipStage, Sector, SizeClass, check_email, check_password,
    hash_password, parse_role, role_name, verify_password,
};
use dijkwacht_stix::Timestamp;
use dijkwacht_stix::tlp::TlpLevel;
use dijkwacht_store::directory::{Community, Directory, Organisation, TokenRecord, User};
use dijkwacht_store::registration::{self, NewCommunity, NewOrganisation};
use serde_json::{Map, Value, json};

use crate::cli::{CommunityCommand, OrgCommand, TokenCommand, UserCommand};
use crate::data_dir::DataDir;

fn details(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), value.clone()))
        .collect()
}

pub async fn organisation(data: &DataDir, command: OrgCommand) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    match command {
        OrgCommand::Add {
            name,
            display_name,
            sectors,
            size,
            vital,
        } => {
            let sectors = sectors
                .iter()
                .map(|sector| Sector::parse(sector))
                .collect::<Result<Vec<_>, _>>()?;
            let size = SizeClass::parse(&size)?;
            let audit = data.audit_log()?;
            let Organisation {
                name,
                sectors,
                identity,
                ..
            } = registration::add_organisation(
                &store,
                &store,
                NewOrganisation {
                    name,
                    display_name,
                    sectors,
                    size,
                    vital,
                },
            )
            .await?;
            let sector_names: Vec<&str> = sectors.iter().map(|sector| sector.name()).collect();
            audit.append(
                "operator",
                "organisation-added",
                Some(&name),
                details(&[
                    ("sectors", json!(sector_names)),
                    ("identity", json!(identity)),
                ]),
            )?;
            println!("added organisation {name} (STIX identity {identity})");
        }
        OrgCommand::List => {
            for organisation in store.organisations().await? {
                let sectors: Vec<&str> = organisation
                    .sectors
                    .iter()
                    .map(|sector| sector.name())
                    .collect();
                println!(
                    "{:<24} {:<32} {:<28} {:<7} {}{}",
                    organisation.name,
                    organisation.display_name,
                    sectors.join(","),
                    organisation.size.name(),
                    organisation.identity,
                    if organisation.vital { " vital" } else { "" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn community(data: &DataDir, command: CommunityCommand) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    match command {
        CommunityCommand::Add {
            name,
            kind,
            display_name,
            parent,
            vetted,
            default_tlp,
        } => {
            let kind = CommunityKind::parse(&kind)?;
            let default_tlp = TlpLevel::from_name(&default_tlp).with_context(|| {
                format!("'{default_tlp}' is not a TLP level; use clear, green, amber, amber+strict or red")
            })?;
            let audit = data.audit_log()?;
            let Community {
                name,
                parent,
                vetted,
                ..
            } = registration::add_community(
                &store,
                &store,
                NewCommunity {
                    name,
                    display_name,
                    kind,
                    parent,
                    vetted,
                    default_tlp,
                },
            )
            .await?;
            audit.append(
                "operator",
                "community-added",
                Some(&name),
                details(&[
                    ("kind", json!(kind.name())),
                    ("parent", json!(parent)),
                    ("vetted", json!(vetted)),
                ]),
            )?;
            println!(
                "added community {name} ({})",
                if vetted { "vetted" } else { "open" }
            );
        }
        CommunityCommand::List => {
            for community in store.communities().await? {
                println!(
                    "{:<24} {:<18} {:<24} {:<7} {}",
                    community.name,
                    community.kind.name(),
                    community.parent.as_deref().unwrap_or("-"),
                    if community.vetted { "vetted" } else { "open" },
                    community.display_name
                );
            }
        }
        CommunityCommand::Join {
            community,
            organisation,
            contact,
        } => {
            let audit = data.audit_log()?;
            let stage = store.join(&community, &organisation, contact).await?;
            audit.append(
                "operator",
                "membership-requested",
                Some(&format!("{community}/{organisation}")),
                details(&[("stage", json!(stage.name()))]),
            )?;
            println!("{organisation} is now {} of {community}", stage.name());
        }
        CommunityCommand::Approve {
            community,
            organisation,
            partner,
        } => {
            let stage = if partner {
                MembershipStage::Partner
            } else {
                MembershipStage::Participant
            };
            let audit = data.audit_log()?;
            store.set_stage(&community, &organisation, stage).await?;
            audit.append(
                "operator",
                "membership-approved",
                Some(&format!("{community}/{organisation}")),
                details(&[("stage", json!(stage.name()))]),
            )?;
            println!("{organisation} is now {} of {community}", stage.name());
        }
        CommunityCommand::Leave {
            community,
            organisation,
        } => {
            let audit = data.audit_log()?;
            store.leave(&community, &organisation).await?;
            audit.append(
                "operator",
                "membership-ended",
                Some(&format!("{community}/{organisation}")),
                Map::new(),
            )?;
            println!("{organisation} is no longer in {community}");
        }
        CommunityCommand::Members => {
            for membership in store.memberships().await? {
                println!(
                    "{:<24} {:<24} {:<12} {}",
                    membership.community,
                    membership.organisation,
                    membership.stage.name(),
                    membership.contact.as_deref().unwrap_or("-")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn user(data: &DataDir, command: UserCommand) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    match command {
        UserCommand::Add {
            email,
            organisation,
            role,
            password_stdin: _,
        } => {
            check_email(&email)?;
            let role = parse_role(&role)?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            check_password(password)?;
            let hash = hash_password(password)?;
            let audit = data.audit_log()?;
            store
                .add_user(
                    User {
                        email: email.clone(),
                        organisation: organisation.clone(),
                        role,
                    },
                    hash,
                )
                .await?;
            audit.append(
                "operator",
                "user-added",
                Some(&email),
                details(&[
                    ("organisation", json!(organisation)),
                    ("role", json!(role_name(role))),
                ]),
            )?;
            println!("added user {email} ({}) to {organisation}", role_name(role));
        }
        UserCommand::Login {
            email,
            password_stdin: _,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let audit = data.audit_log()?;
            let found = store.user_with_password(&email).await?;
            let Some((user, hash)) = found.filter(|(_, hash)| verify_password(password, hash))
            else {
                audit.append("anonymous", "login-failed", Some(&email), Map::new())?;
                println!("wrong login or password for {email}");
                return Ok(crate::commands::problems_found());
            };
            drop(hash);
            let reach = store.reach(&user.organisation).await?;
            let reach: Vec<&str> = reach.iter().map(|community| community.as_str()).collect();
            println!(
                "signed in as {} ({}) of {}; sees content shared into: {}",
                user.email,
                role_name(user.role),
                user.organisation,
                if reach.is_empty() {
                    "-".to_owned()
                } else {
                    reach.join(", ")
                }
            );
        }
        UserCommand::List => {
            for user in store.users().await? {
                println!(
                    "{:<40} {:<24} {}",
                    user.email,
                    user.organisation,
                    role_name(user.role)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn token(data: &DataDir, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    match command {
        TokenCommand::Create {
            user,
            write,
            communities,
        } => {
            let known = store.communities().await?;
            for community in &communities {
                if !known.iter().any(|existing| existing.name == *community) {
                    bail!("the community '{community}' does not exist");
                }
            }
            let audit = data.audit_log()?;
            let token = ApiToken::generate()?;
            store
                .add_token(TokenRecord {
                    id: token.id().0.clone(),
                    user: user.clone(),
                    secret_hash: token.secret_hash(),
                    write,
                    communities: (!communities.is_empty()).then(|| communities.clone()),
                    created_at: Timestamp::now().unix_micros(),
                    last_used_at: None,
                    revoked_at: None,
                })
                .await?;
            audit.append(
                "operator",
                "token-created",
                Some(&token.id().0),
                details(&[
                    ("user", json!(user)),
                    ("write", json!(write)),
                    ("communities", json!(communities)),
                ]),
            )?;
            eprintln!(
                "token {} for {user} ({}); copy it now, it is not shown again:",
                token.id().0,
                if write { "read-write" } else { "read-only" }
            );
            println!("{}", token.reveal());
        }
        TokenCommand::List => {
            for token in store.tokens().await? {
                let state = match token.revoked_at {
                    Some(at) => format!("revoked {}", Timestamp::from_unix_micros(at)),
                    None => "active".to_owned(),
                };
                println!(
                    "{:<10} {:<40} {:<10} {:<24} {}",
                    token.id,
                    token.user,
                    if token.write { "read-write" } else { "read" },
                    token
                        .communities
                        .map_or_else(|| "-".to_owned(), |communities| communities.join(",")),
                    state
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let audit = data.audit_log()?;
            store
                .revoke_token(&id, Timestamp::now().unix_micros())
                .await?;
            audit.append("operator", "token-revoked", Some(&id), Map::new())?;
            println!("revoked token {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
