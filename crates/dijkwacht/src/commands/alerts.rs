//! `dijkwacht alerts`: the operator's and members' view of alerts from the command
//! line — list and show them, give feedback, match and deliver now, and set up
//! webhooks and e-mail preferences.

use std::process::ExitCode;

use anyhow::{Context, bail};
use dijkwacht_directory::check_email;
use dijkwacht_stix::Timestamp;
use dijkwacht_store::alerts::{
    AlertQuery, AlertRecord, AlertStatus, Alerts, DeliveryChannel, DeliveryRecord, DeliveryState,
    NewWebhook, NotificationMode, Severity, StatusChange, WebhookSecret,
};
use dijkwacht_store::directory::Directory;
use dijkwacht_store_sqlite::SqliteStore;
use serde_json::{Value, json};

use crate::alerts::delivery::webhook::WebhookUrl;
use crate::alerts::matcher::{self, MatchReport};
use crate::alerts::{body_text, outbox};
use crate::cli::OutputFormat;
use crate::cli_alerts::{AlertsCommand, WebhookCommand};
use crate::data_dir::DataDir;

/// Now, in Unix microseconds.
pub fn now_micros() -> i64 {
    Timestamp::now().unix_micros()
}

/// Matches what changed since the last run.
pub async fn match_now(store: &SqliteStore) -> anyhow::Result<MatchReport> {
    matcher::run(store, now_micros())
        .await
        .context("matching intelligence against the asset profiles failed")
}

/// Matches what was just stored and says how many alerts it made or raised; a failure
/// is a warning (what was stored stays stored, and the next run matches it).
pub async fn match_and_tell(store: &SqliteStore) {
    match match_now(store).await {
        Ok(report) if report.new_alerts > 0 && report.raised_alerts == 0 => println!(
            "alerts: {} new for the organisations it affects (`dijkwacht alerts list`)",
            report.new_alerts
        ),
        Ok(report) if report.new_alerts + report.raised_alerts > 0 => println!(
            "alerts: {} new, {} raised for the organisations it affects (`dijkwacht alerts list`)",
            report.new_alerts, report.raised_alerts
        ),
        Ok(_) => {}
        Err(error) => eprintln!("warning: {error:#}; `dijkwacht alerts run` tries again"),
    }
}

pub async fn run(data: &DataDir, command: AlertsCommand) -> anyhow::Result<ExitCode> {
    let store = data.open()?;
    match command {
        AlertsCommand::List {
            organisation,
            statuses,
            limit,
            format,
        } => {
            let statuses = statuses
                .iter()
                .map(|status| AlertStatus::parse(status))
                .collect::<Result<Vec<_>, _>>()?;
            let alerts = list(&store, organisation, statuses, limit).await?;
            match format {
                OutputFormat::Json => {
                    let listed: Vec<Value> = alerts.iter().map(alert_json).collect();
                    println!("{}", serde_json::to_string_pretty(&listed)?);
                }
                OutputFormat::Text => {
                    for alert in &alerts {
                        println!(
                            "{}  {:<20} {:<8} {:<14} {}",
                            alert.id,
                            alert.organisation,
                            alert.severity.as_str(),
                            alert.status.as_str(),
                            body_text(&alert.body, &["title", "nl"]),
                        );
                    }
                    println!("{} alert(s)", alerts.len());
                }
            }
        }
        AlertsCommand::Show {
            id,
            language,
            format,
        } => {
            let Some(alert) = store.alert(&id).await? else {
                bail!("there is no alert '{id}'");
            };
            let deliveries = store.deliveries(&id).await?;
            match format {
                OutputFormat::Json => {
                    let mut shown = alert_json(&alert);
                    shown["deliveries"] = deliveries.iter().map(delivery_json).collect();
                    println!("{}", serde_json::to_string_pretty(&shown)?)
                }
                OutputFormat::Text => {
                    print!("{}", describe(&alert, &language)?);
                    print!("{}", describe_deliveries(&deliveries, &language));
                }
            }
        }
        AlertsCommand::Feedback {
            id,
            status,
            user,
            note,
        } => {
            let status = AlertStatus::parse(&status)?;
            if status == AlertStatus::New {
                bail!("feedback is acknowledged, resolved, not-relevant or false-positive");
            }
            let Some(alert) = store.alert(&id).await? else {
                bail!("there is no alert '{id}'");
            };
            let users = store.users().await?;
            let Some(known) = users.iter().find(|known| known.email == user) else {
                bail!("there is no user '{user}'");
            };
            if known.organisation != alert.organisation {
                bail!(
                    "{user} is not of {}, whose alert this is",
                    alert.organisation
                );
            }
            let changed = store
                .set_alert_status(
                    &id,
                    StatusChange {
                        status,
                        by: Some(user.clone()),
                        note: note.clone(),
                        at: now_micros(),
                    },
                )
                .await?;
            data.audit_log()?.append(
                &user,
                "alert-feedback",
                Some(&id),
                json!({"status": status.as_str(), "note": note})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )?;
            println!("{id} is now {}", changed.status.as_str());
        }
        AlertsCommand::Run => {
            let report = match_now(&store).await?;
            println!(
                "read {} object(s), rematched {} profile(s): {} new alert(s), {} raised, {} unchanged; {} match(es) left out because the organisation may not read the intelligence",
                report.objects_read,
                report.profiles_rematched,
                report.new_alerts,
                report.raised_alerts,
                report.unchanged_alerts,
                report.not_readable
            );
        }
        AlertsCommand::Deliver { at } => {
            let now = match at {
                Some(text) => Timestamp::parse(&text)
                    .map_err(|problem| {
                        anyhow::anyhow!(
                            "--at '{text}' is not a timestamp: {problem}; write e.g. 2026-12-01T06:00:00Z"
                        )
                    })?
                    .unix_micros(),
                None => now_micros(),
            };
            let config = crate::fusion::load_config(data.root())?;
            let smtp = outbox::smtp_settings(&config)?;
            let report = outbox::deliver_due(&store, smtp.as_ref(), now).await?;
            println!("{report}");
        }
        AlertsCommand::Webhook(command) => webhook(data, &store, command).await?,
        AlertsCommand::Notify { user, mode } => {
            check_email(&user)?;
            let mode = NotificationMode::parse(&mode)?;
            if !store.users().await?.iter().any(|known| known.email == user) {
                bail!("there is no user '{user}'");
            }
            store.set_notification(&user, mode).await?;
            println!("{user} is told of alerts by e-mail: {}", mode.as_str());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(
    store: &SqliteStore,
    organisation: Option<String>,
    statuses: Vec<AlertStatus>,
    limit: usize,
) -> anyhow::Result<Vec<AlertRecord>> {
    let mut alerts = Vec::new();
    let mut before = None;
    while alerts.len() < limit {
        let page = store
            .alerts(AlertQuery {
                organisation: organisation.clone(),
                statuses: statuses.clone(),
                before,
                limit: (limit - alerts.len()).min(500),
                ..AlertQuery::default()
            })
            .await?;
        before = page.alerts.last().map(AlertRecord::position);
        let more = page.more;
        alerts.extend(page.alerts);
        if !more {
            break;
        }
    }
    Ok(alerts)
}

async fn webhook(
    data: &DataDir,
    store: &SqliteStore,
    command: WebhookCommand,
) -> anyhow::Result<()> {
    match command {
        WebhookCommand::Add {
            organisation,
            url,
            secret_env,
            min_severity,
        } => {
            let url = WebhookUrl::parse(&url)?;
            let min_severity = Severity::parse(&min_severity)?;
            let (secret, drawn) = match secret_env {
                Some(variable) => (
                    std::env::var(&variable).with_context(|| {
                        format!("the environment variable {variable} is not set")
                    })?,
                    false,
                ),
                None => (crate::alerts::outbox::draw_secret()?, true),
            };
            if secret.chars().count() < 16 {
                bail!("a webhook secret must be at least 16 characters long");
            }
            let webhook = store
                .add_webhook(NewWebhook {
                    organisation: organisation.clone(),
                    url: url.as_str().to_owned(),
                    secret: WebhookSecret::new(secret.clone()),
                    min_severity,
                    created_at: now_micros(),
                })
                .await?;
            data.audit_log()?.append(
                "operator",
                "webhook-added",
                Some(&organisation),
                json!({"webhook": webhook.id, "url": webhook.url})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )?;
            println!(
                "added webhook {} for {organisation}: {}",
                webhook.id, webhook.url
            );
            if drawn {
                println!("signing secret (shown once): {secret}");
            }
        }
        WebhookCommand::List { organisation } => {
            for webhook in store.webhooks(&organisation).await? {
                println!(
                    "{:>4}  {:<8} {}{}",
                    webhook.id,
                    webhook.min_severity.as_str(),
                    webhook.url,
                    if webhook.is_enabled() {
                        ""
                    } else {
                        "  (removed)"
                    }
                );
            }
        }
        WebhookCommand::Remove { id } => {
            let webhook = store.disable_webhook(id, now_micros()).await?;
            data.audit_log()?.append(
                "operator",
                "webhook-removed",
                Some(&webhook.organisation),
                json!({"webhook": id})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            )?;
            println!(
                "webhook {id} of {} no longer receives alerts",
                webhook.organisation
            );
        }
    }
    Ok(())
}

/// An alert as `--format json` shows it.
pub fn alert_json(alert: &AlertRecord) -> Value {
    json!({
        "id": alert.id,
        "organisation": alert.organisation,
        "kind": alert.kind,
        "severity": alert.severity.as_str(),
        "tlp": alert.tlp,
        "recipients": alert.recipients,
        "status": alert.status.as_str(),
        "status_by": alert.status_by,
        "status_note": alert.status_note,
        "created": Timestamp::from_unix_micros(alert.created_at).to_taxii_string(),
        "updated": Timestamp::from_unix_micros(alert.updated_at).to_taxii_string(),
        "object_ids": alert.object_ids,
        "sources": alert.sources,
        "body": alert.body,
    })
}

/// A delivery as `alerts show --format json` lists it: where it goes, how it stands,
/// and the receiver's words after a failed attempt.
fn delivery_json(delivery: &DeliveryRecord) -> Value {
    let time = |micros: i64| Timestamp::from_unix_micros(micros).to_taxii_string();
    json!({
        "id": delivery.id,
        "channel": channel_name(&delivery.channel),
        "state": delivery.state.as_str(),
        "attempts": delivery.attempts,
        "next_attempt": (delivery.state == DeliveryState::Pending).then(|| time(delivery.not_before)),
        "last_attempt": delivery.last_attempt_at.map(time),
        "last_error": delivery.last_error,
        "finished": delivery.finished_at.map(time),
    })
}

fn channel_name(channel: &DeliveryChannel) -> String {
    match channel {
        DeliveryChannel::Webhook(id) => format!("webhook {id}"),
        DeliveryChannel::Email(user) => format!("e-mail {user}"),
    }
}

/// The deliveries of an alert, one line each, under a heading in `language`.
fn describe_deliveries(deliveries: &[DeliveryRecord], language: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if deliveries.is_empty() {
        return out;
    }
    let heading = if language == "nl" {
        "Bezorging"
    } else {
        "Deliveries"
    };
    let _ = writeln!(out, "\n{heading}:");
    for delivery in deliveries {
        let _ = write!(
            out,
            "- {}: {}, {} attempt(s)",
            channel_name(&delivery.channel),
            delivery.state.as_str(),
            delivery.attempts
        );
        if delivery.state == DeliveryState::Pending {
            let next = Timestamp::from_unix_micros(delivery.not_before).to_taxii_string();
            let _ = write!(out, ", next at {next}");
        }
        if let Some(error) = &delivery.last_error {
            let _ = write!(out, "; last error: {error}");
        }
        let _ = writeln!(out);
    }
    out
}

/// An alert as a member reads it, in `language` (nl or en).
fn describe(alert: &AlertRecord, language: &str) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let language = match language {
        "nl" | "en" => language,
        other => bail!("--language '{other}' is not nl or en"),
    };
    let body = &alert.body;
    let mut out = String::new();
    writeln!(out, "{}", body_text(body, &["title", language]))?;
    writeln!(
        out,
        "{} · {} · TLP:{} · {}",
        alert.organisation,
        alert.severity.as_str(),
        alert.tlp.name().to_ascii_uppercase(),
        alert.status.as_str()
    )?;
    writeln!(out, "\n{}", body_text(body, &["summary", language]))?;
    writeln!(out, "{}", body_text(body, &["severity_reason", language]))?;
    let heading = if language == "nl" {
        "Wat te doen"
    } else {
        "What to do"
    };
    writeln!(out, "\n{heading}:")?;
    for (number, step) in body["steps"].as_array().into_iter().flatten().enumerate() {
        writeln!(out, "{}. {}", number + 1, body_text(step, &[language]))?;
        if let Some(url) = step.get("url").and_then(Value::as_str) {
            writeln!(out, "   {url}")?;
        }
    }
    let heading = if language == "nl" { "Waarom" } else { "Why" };
    writeln!(out, "\n{heading}:")?;
    for evidence in body["evidence"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "- [{}] {}",
            body_text(evidence, &["rule"]),
            body_text(evidence, &["evidence"])
        )?;
    }
    for id in &alert.object_ids {
        writeln!(out, "  {id}")?;
    }
    Ok(out)
}
