//! The command line of asset profiles and alerts, as clap reads it (kept apart from
//! `cli.rs` so that each file stays readable). Values are checked in the commands.

use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::OutputFormat;

#[derive(Debug, Subcommand)]
pub enum AssetsCommand {
    /// Add the entries of a CSV file (header `kind,value`) to an organisation's profile.
    Import {
        /// The organisation (by name).
        #[arg(long = "org")]
        organisation: String,
        /// The CSV file; kinds: cpe, purl, product, cidr, asn, domain, email-domain.
        file: PathBuf,
        /// Replace the whole profile with the file's entries.
        #[arg(long)]
        replace: bool,
    },
    /// Show an organisation's profile.
    List {
        #[arg(long = "org")]
        organisation: String,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// Remove one entry from an organisation's profile.
    Remove {
        #[arg(long = "org")]
        organisation: String,
        /// cpe, purl, product, cidr, asn, domain or email-domain.
        kind: String,
        value: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// List alerts, newest first: one organisation's, or every organisation's.
    List {
        #[arg(long = "org")]
        organisation: Option<String>,
        /// Only alerts with this status (repeatable): new, acknowledged, resolved,
        /// not-relevant, false-positive.
        #[arg(long = "status")]
        statuses: Vec<String>,
        /// At most this many.
        #[arg(long, default_value_t = 10_000)]
        limit: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// Show one alert with its evidence and steps.
    Show {
        id: String,
        /// nl or en.
        #[arg(long, default_value = "nl")]
        language: String,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// Give feedback on an alert: acknowledged, resolved, not-relevant or
    /// false-positive.
    Feedback {
        id: String,
        status: String,
        /// The user giving it (an e-mail login of the alert's organisation).
        #[arg(long = "as")]
        user: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Match the intelligence and profiles that changed since the last run now.
    Run,
    /// Send the deliveries that are due now (webhooks, e-mail), once.
    Deliver {
        /// Deliver as if it were this instant (RFC 3339 in UTC, e.g.
        /// 2026-12-01T06:00:00Z): what is due by then is sent now, and the attempts are
        /// recorded and retried from then on. For trying out digests and retries; leave
        /// it out in normal use.
        #[arg(long, value_name = "TIMESTAMP")]
        at: Option<String>,
    },
    /// Manage an organisation's webhooks.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// How a user is told of alerts by e-mail: off, immediate, daily or weekly.
    Notify { user: String, mode: String },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Add a webhook; alerts are POSTed to it, signed with HMAC-SHA256.
    Add {
        #[arg(long = "org")]
        organisation: String,
        url: String,
        /// The environment variable holding the signing secret (at least 16
        /// characters); without it a secret is drawn and shown once.
        #[arg(long)]
        secret_env: Option<String>,
        /// Only alerts of this severity or higher: low, medium, high, critical.
        #[arg(long, default_value = "low")]
        min_severity: String,
    },
    /// List an organisation's webhooks (never their secrets).
    List {
        #[arg(long = "org")]
        organisation: String,
    },
    /// Stop delivering to a webhook.
    Remove { id: i64 },
}
