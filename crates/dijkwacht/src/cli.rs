//! The command line, as clap reads it. Values are checked and resolved in the commands,
//! not here.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dijkwacht_server::limits;

/// Dijkwacht: share cyber threat intelligence in trusted communities.
#[derive(Debug, Parser)]
#[command(name = "dijkwacht", version, about, long_about = None)]
pub struct Cli {
    /// The data folder that holds the store.
    #[arg(
        long,
        global = true,
        env = "DIJKWACHT_DATA",
        default_value = "./dijkwacht-data"
    )]
    pub data: PathBuf,

    /// More log output (-v, -vv); DIJKWACHT_LOG takes a tracing filter.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data folder and an empty store.
    Init,
    /// Check STIX 2.1 files without storing anything; exit 1 if any is invalid.
    Validate(ValidateArgs),
    /// Store STIX 2.1 bundles or JSON lines of objects.
    Import(ImportArgs),
    /// Write stored objects as one STIX 2.1 bundle to standard output.
    Export(ExportArgs),
    /// Count stored objects and versions by type.
    Stats(StatsArgs),
    /// Find objects by words of their name or description.
    Search(SearchArgs),
    /// Serve the HTTP interface.
    Serve(ServeArgs),
    /// Match sensor logs (Suricata EVE, Zeek, JSON lines, STIX) against indicators and
    /// report the hits as sightings.
    Match(MatchArgs),
    /// Start a demo instance with sample intelligence: the one command to try Dijkwacht.
    Demo(DemoArgs),
    /// Manage member organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage communities and memberships.
    #[command(subcommand)]
    Community(CommunityCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for machines.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage and run the fusion center's sources (feeds), kept in dijkwacht.toml.
    #[command(subcommand)]
    Source(SourceCommand),
    /// Manage organisations' asset profiles: what they run and own.
    #[command(subcommand)]
    Assets(crate::cli_alerts::AssetsCommand),
    /// Read and answer alerts, run matching and delivery, manage webhooks.
    #[command(subcommand)]
    Alerts(crate::cli_alerts::AlertsCommand),
    /// Check or show the hash-chained audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Measure parsing, validation and ingest speed.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or folders (searched for .json and .jsonl files); `-` reads standard input.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Also print warnings (SHOULD rules).
    #[arg(long)]
    pub warnings: bool,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders (searched for .json and .jsonl files); `-` reads standard input.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Store the valid objects of an input even when some are invalid.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Name the source in the provenance of what is stored (default: the file path).
    #[arg(long)]
    pub source: Option<String>,
    /// Publish as this organisation: it owns what is stored.
    #[arg(long = "as", value_name = "ORG")]
    pub owner: Option<String>,
    /// Share into this community (repeatable); the organisation must be a member.
    /// Without --community or --public, only the organisation itself sees the objects.
    #[arg(long = "community", value_name = "COMMUNITY", requires = "owner")]
    pub communities: Vec<String>,
    /// Let the objects also go to the peers federated with those communities.
    #[arg(long, requires = "communities")]
    pub federated: bool,
    /// Share with everyone (the public tier).
    #[arg(long, requires = "owner", conflicts_with = "communities")]
    pub public: bool,
    /// The TLP level of objects without a TLP marking: clear, green, amber,
    /// amber+strict or red (default: the strictest default of the communities shared
    /// into, else amber).
    #[arg(long, requires = "owner")]
    pub tlp: Option<String>,
    /// For TLP:RED, a user who may see the objects (repeatable).
    #[arg(long = "recipient", value_name = "USER", requires = "owner")]
    pub recipients: Vec<String>,
    /// Publish anonymously through this community: objects are attributed to its
    /// identity; only the audit log keeps who published them.
    #[arg(long, value_name = "COMMUNITY", requires = "owner")]
    pub through: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only objects of this type (repeatable).
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<String>,
    /// Only objects added after this instant (RFC 3339, UTC, e.g. 2026-01-31T00:00:00Z).
    #[arg(long, value_name = "TIMESTAMP")]
    pub added_after: Option<String>,
    /// Every stored version rather than the newest of each object.
    #[arg(long)]
    pub all_versions: bool,
    /// Write to this file instead of standard output (for misp-feed: the feed folder).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Export only what this user may take in bulk, by the sharing rules.
    #[arg(long, value_name = "USER")]
    pub visible_to: Option<String>,
    /// What to write: a STIX 2.1 bundle, a MISP feed folder (needs -o DIR), CSV with one
    /// row per value, or a blocklist (needs --kind). TLP:RED is never exported.
    #[arg(long, value_enum, default_value_t = ExportFormat::Stix)]
    pub format: ExportFormat,
    /// For --format misp-feed: the feed's name, which fixes the uuids of its producer
    /// and of its event for indicators outside reports; give each instance its own.
    #[arg(long, value_name = "NAME")]
    pub feed_name: Option<String>,
    /// For --format blocklist: which values, one per line.
    #[arg(long, value_enum)]
    pub kind: Option<BlocklistKindArg>,
    /// Only indicators whose confidence is at least N (0-100); indicators without a
    /// confidence are left out. Not for --format stix.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub min_confidence: Option<u8>,
    /// Only indicators valid now: not revoked, not expired, not starting later. Not for
    /// --format stix.
    #[arg(long)]
    pub valid_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Stix,
    MispFeed,
    Csv,
    Blocklist,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BlocklistKindArg {
    /// IPv4 and IPv6 addresses.
    Ip,
    /// Networks in CIDR notation; plain addresses as /32 and /128.
    Cidr,
    /// Domain names, lower case.
    Domain,
    Url,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The words to look for; each must occur.
    #[arg(required = true)]
    pub words: Vec<String>,
    /// At most this many results, best first.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8420", env = "DIJKWACHT_LISTEN")]
    pub listen: SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first);
    /// needs --tls-key. Without both, plain HTTP (for loopback or behind a TLS proxy).
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, RSA or EC, unencrypted); needs
    /// --tls-cert.
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The largest request body accepted, in bytes (larger ones get 413).
    #[arg(long, value_name = "BYTES", default_value_t = limits::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// The most objects one TAXII envelope may carry.
    #[arg(long, value_name = "COUNT", default_value_t = limits::DEFAULT_MAX_OBJECTS_PER_ENVELOPE)]
    pub max_objects_per_envelope: usize,
    /// The largest page a TAXII client may ask for (the default page is 1000, or this
    /// when smaller).
    #[arg(long, value_name = "COUNT", default_value_t = limits::DEFAULT_MAX_PAGE_SIZE)]
    pub max_page_size: usize,
    /// Requests per minute per caller (by API token or password, else by IP address);
    /// 0 turns the rate limit off. Over it, callers get 429 with Retry-After.
    #[arg(long, value_name = "COUNT", default_value_t = limits::DEFAULT_REQUESTS_PER_MINUTE)]
    pub rate_limit_per_minute: u32,
    /// Requests a caller may make at once before the per-minute rate applies.
    #[arg(long, value_name = "COUNT", default_value_t = limits::DEFAULT_BURST)]
    pub rate_limit_burst: u32,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8420")]
    pub listen: SocketAddr,
    /// Also load the STIX files under this folder (for example ../shared/data).
    #[arg(long, value_name = "DIR")]
    pub samples: Option<PathBuf>,
    /// Prepare the demo data folder and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organisation.
    Add {
        /// A short name: lower-case letters, digits and '-' (e.g. waterbedrijf).
        name: String,
        /// The full name (default: the short name).
        #[arg(long)]
        display_name: Option<String>,
        /// A sector: agri-food, chemie, creatieve-industrie, energie, hightech,
        /// life-sciences, logistiek, tuinbouw, water or other (repeatable).
        #[arg(long = "sector", required = true)]
        sectors: Vec<String>,
        /// micro, small, medium or large.
        #[arg(long, default_value = "small")]
        size: String,
        /// A vital operator.
        #[arg(long)]
        vital: bool,
    },
    /// List organisations.
    List,
}

#[derive(Debug, Subcommand)]
pub enum CommunityCommand {
    /// Add a community.
    Add {
        /// A short name: lower-case letters, digits and '-' (e.g. water).
        name: String,
        /// top-sector, trade-association, region, supply-chain, theme, plenum or public.
        #[arg(long)]
        kind: String,
        /// The full name (default: the short name).
        #[arg(long)]
        display_name: Option<String>,
        /// The parent community: what is shared into it reaches this one's members.
        #[arg(long)]
        parent: Option<String>,
        /// Members are admitted by a moderator (otherwise joining is immediate).
        #[arg(long)]
        vetted: bool,
        /// The TLP level of objects shared into it without a TLP marking: clear,
        /// green, amber, amber+strict or red.
        #[arg(long, default_value = "green")]
        default_tlp: String,
    },
    /// List communities.
    List,
    /// Let an organisation join (or apply to, when vetted) a community.
    Join {
        community: String,
        organisation: String,
        /// The organisation's contact person for this community.
        #[arg(long)]
        contact: Option<String>,
    },
    /// Admit an applicant as participant (or partner).
    Approve {
        community: String,
        organisation: String,
        #[arg(long)]
        partner: bool,
    },
    /// End a membership or withdraw an application.
    Leave {
        community: String,
        organisation: String,
    },
    /// List memberships.
    Members,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        /// The login, an e-mail address.
        email: String,
        #[arg(long = "org")]
        organisation: String,
        /// admin, moderator, org-admin, analyst or member.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (the only way: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Check a login: the password is read from standard input. Failed attempts are
    /// written to the audit log.
    Login {
        email: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user; it is printed once and never again.
    Create {
        /// The user the token acts for.
        #[arg(long)]
        user: String,
        /// Allow writing (publishing); otherwise the token only reads.
        #[arg(long)]
        write: bool,
        /// Limit the token to content shared into this community (repeatable).
        #[arg(long = "community")]
        communities: Vec<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token at once.
    Revoke {
        /// The token's id, as `token list` shows it.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every link of the chain; exit 1 and name the first broken one if the log
    /// was tampered with.
    Verify,
    /// Print the last entries.
    Show {
        /// How many entries, newest last.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Parse, validate and ingest one bundle, and report the rates and peak memory.
    Ingest(BenchIngestArgs),
    /// Write a deterministic, indicator-heavy STIX bundle for benchmarks.
    Generate(BenchGenerateArgs),
}

#[derive(Debug, Args)]
pub struct BenchIngestArgs {
    /// The bundle to measure.
    pub input: PathBuf,
    /// How many times to repeat each measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Measure one phase only, in this process (used internally: each phase runs in a
    /// process of its own so that its peak memory is its own).
    #[arg(long, hide = true)]
    pub phase: Option<String>,
}

#[derive(Debug, Args)]
pub struct BenchGenerateArgs {
    /// How many indicators (plus a few related objects per hundred).
    #[arg(long, default_value_t = 100_000)]
    pub indicators: usize,
    /// Where to write the bundle.
    #[arg(long, short)]
    pub output: PathBuf,
}

/// Arguments of `dijkwacht match`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// Where the indicators come from: a STIX file (bundle, JSON lines), or the URL of a
    /// TAXII 2.1 collection (…/collections/<id>/), fetched with --token or --login.
    #[arg(long)]
    pub indicators: String,
    /// Event files: Suricata EVE JSON, Zeek JSON logs, JSON lines or STIX observed-data
    /// (standard input when none or `-`).
    pub events: Vec<PathBuf>,
    /// The format of the events; auto decides per line.
    #[arg(long = "event-format", value_enum, default_value = "auto")]
    pub event_format: MatchEventFormat,
    /// How to print the sightings.
    #[arg(long, value_enum, default_value = "table")]
    pub format: MatchOutputFormat,
    /// Write the sightings here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Your organisation's STIX identity (identity--…): where the indicators were sighted.
    #[arg(long)]
    pub identity: Option<String>,
    /// Report the sightings to this Dijkwacht server (https://dijkwacht.example).
    #[arg(long)]
    pub submit: Option<String>,
    /// The community the reported sightings are shared into.
    #[arg(long)]
    pub community: Option<String>,
    /// Report without naming your organisation (the community stands in for it).
    #[arg(long)]
    pub anonymous: bool,
    /// An API token for the server (else the environment variable DIJKWACHT_TOKEN).
    #[arg(long)]
    pub token: Option<String>,
    /// Sign in to a TAXII source with this login; the password is read from the
    /// environment variable DIJKWACHT_PASSWORD.
    #[arg(long)]
    pub login: Option<String>,
    /// A state file for a TAXII source: the next run fetches only what is new (the
    /// indicators seen so far are kept beside it).
    #[arg(long)]
    pub state: Option<PathBuf>,
}

/// The formats `match` reads events in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatchEventFormat {
    Auto,
    Eve,
    Zeek,
    Json,
    Stix,
}

/// The formats `match` prints sightings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatchOutputFormat {
    Table,
    Stix,
}

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Add a source to dijkwacht.toml.
    Add(Box<SourceAddArgs>),
    /// List the configured sources.
    List,
    /// Run sources now (all enabled ones when none is named) and report what each did.
    Run {
        /// Source names.
        names: Vec<String>,
    },
    /// Show each source's health: last success, last error, lag, last run's figures.
    Status {
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// Remove a source from dijkwacht.toml and forget where it stopped.
    Remove { name: String },
}

#[derive(Debug, Args)]
pub struct SourceAddArgs {
    /// A short name: letters, digits, '-', '_' or '.'.
    pub name: String,
    /// taxii, misp-feed, csv, list, kev, csaf or stix.
    #[arg(long)]
    pub kind: String,
    /// The URL to fetch.
    #[arg(long, conflicts_with = "path", required_unless_present = "path")]
    pub url: Option<String>,
    /// A file or folder to read instead.
    #[arg(long)]
    pub path: Option<String>,
    /// How often `dijkwacht serve` runs it: 30m, 6h, 1d.
    #[arg(long)]
    pub every: Option<String>,
    /// Admiralty source reliability, A (reliable) to F (cannot be judged).
    #[arg(long, default_value = "C")]
    pub reliability: String,
    /// A community to share the output into (repeatable); none: the organisation only.
    #[arg(long = "community")]
    pub communities: Vec<String>,
    /// The TLP of objects that carry none: clear, green, amber, amber+strict or red.
    #[arg(long)]
    pub tlp: Option<String>,
    /// HTTP Basic user name; the password comes from the variable named by --password-env.
    #[arg(long, requires = "password_env")]
    pub user: Option<String>,
    #[arg(long)]
    pub password_env: Option<String>,
    /// The environment variable holding a bearer token.
    #[arg(long, conflicts_with = "user")]
    pub token_env: Option<String>,
    /// The organisation (by name) the fusion center stores as, when dijkwacht.toml names none yet.
    #[arg(long = "as")]
    pub organisation: Option<String>,
}
