//! Alerts by e-mail over SMTP: one message to one user per send, through the relay the
//! operator names in the `[smtp]` table of `dijkwacht.toml`. The settings are checked
//! once, before anything is sent, with errors that say what to change; the password is
//! never in the file, only the name of the environment variable that holds it.
//! Plain SMTP is allowed only to a relay on this machine: alerts carry TLP:AMBER
//! intelligence and must not cross a network readable.
//!
//! The server's answer is sorted like a webhook's: accepted → delivered; no connection,
//! a timeout or a 4xx reply → try again later; a 5xx reply (550: no such user) → give
//! up, with the server's own words kept for the operator.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;

use super::mail_text::{self, MailContent};
use super::outcome::{DeliveryOutcome, describe_error};
use super::policy::{DeliveryTarget, may_deliver};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain text; only to a relay on this machine.
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpSecurity {
    fn default_port(self) -> u16 {
        match self {
            SmtpSecurity::None => 25,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
        }
    }
}

const fn default_timeout_seconds() -> u64 {
    30
}

/// The `[smtp]` table of `dijkwacht.toml`, as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// The relay's host name or address.
    pub host: String,
    /// Left out: 25, 587 or 465 after `security`.
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The login at the relay, if it wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// The name of the environment variable that holds the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The sender, `alerts@example.nl` or `Dijkwacht <alerts@example.nl>`.
    pub from: String,
    /// The most one message may take, connecting included.
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
}

/// Why the `[smtp]` settings cannot be used; each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpSettingsError {
    #[error("[smtp] host is empty or holds spaces; name the relay, like `smtp.example.nl`")]
    Host,
    #[error("[smtp] port 0 is not a port; leave `port` out for the usual one")]
    Port,
    #[error(
        "[smtp] security = \"none\" sends alerts readable over the network to `{host}`; use \
         \"starttls\" or \"tls\", or a relay on this machine (127.0.0.1)"
    )]
    PlainBeyondLoopback { host: String },
    #[error(
        "[smtp] username is set but password_env is not; name the environment variable \
         that holds the password, like password_env = \"DIJKWACHT_SMTP_PASSWORD\""
    )]
    UsernameWithoutPassword,
    #[error("[smtp] password_env is set but username is not; give the login as `username`")]
    PasswordWithoutUsername,
    #[error(
        "[smtp] the environment variable {variable} that password_env names is not set or empty"
    )]
    PasswordMissing { variable: String },
    #[error("[smtp] from = \"{from}\" is not an e-mail address ({reason})")]
    From { from: String, reason: String },
    #[error("[smtp] timeout_seconds must be between 1 and 600, not {0}")]
    Timeout(u64),
    #[error("[smtp] cannot set up TLS to `{host}`: {reason}")]
    Tls { host: String, reason: String },
}

/// Checked `[smtp]` settings, with the password read.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    host: String,
    port: u16,
    security: SmtpSecurity,
    credentials: Option<Credentials>,
    from: Mailbox,
    timeout: Duration,
}

impl SmtpSettings {
    /// Checks the settings, reading the password from the environment.
    pub fn check(&self) -> Result<SmtpConfig, SmtpSettingsError> {
        self.check_with_environment(|name| std::env::var(name).ok())
    }

    /// [`SmtpSettings::check`] with the environment given as a lookup.
    pub fn check_with_environment(
        &self,
        environment: impl Fn(&str) -> Option<String>,
    ) -> Result<SmtpConfig, SmtpSettingsError> {
        let host = self.host.trim();
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(SmtpSettingsError::Host);
        }
        let port = self.port.unwrap_or(self.security.default_port());
        if port == 0 {
            return Err(SmtpSettingsError::Port);
        }
        if self.security == SmtpSecurity::None && !is_loopback_host(host) {
            return Err(SmtpSettingsError::PlainBeyondLoopback {
                host: host.to_owned(),
            });
        }
        let credentials = match (&self.username, &self.password_env) {
            (None, None) => None,
            (Some(_), None) => return Err(SmtpSettingsError::UsernameWithoutPassword),
            (None, Some(_)) => return Err(SmtpSettingsError::PasswordWithoutUsername),
            (Some(username), Some(variable)) => {
                let password = environment(variable)
                    .filter(|password| !password.is_empty())
                    .ok_or_else(|| SmtpSettingsError::PasswordMissing {
                        variable: variable.clone(),
                    })?;
                Some(Credentials::new(username.clone(), password))
            }
        };
        let from = self
            .from
            .parse::<Mailbox>()
            .map_err(|error| SmtpSettingsError::From {
                from: self.from.clone(),
                reason: error.to_string(),
            })?;
        if !(1..=600).contains(&self.timeout_seconds) {
            return Err(SmtpSettingsError::Timeout(self.timeout_seconds));
        }
        Ok(SmtpConfig {
            host: host.to_owned(),
            port,
            security: self.security,
            credentials,
            from,
            timeout: Duration::from_secs(self.timeout_seconds),
        })
    }
}

impl SmtpConfig {
    /// Plain SMTP to a server on this machine, for tests.
    #[cfg(test)]
    pub(crate) fn loopback_for_tests(port: u16, timeout: Duration) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".to_owned(),
            port,
            security: SmtpSecurity::None,
            credentials: None,
            from: Mailbox::new(
                Some("Dijkwacht".to_owned()),
                lettre::Address::new("alerts", "dijkwacht.example").expect("a valid address"),
            ),
            timeout,
        }
    }
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

/// A user the platform mails, with the organisation they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecipient {
    pub address: String,
    pub organisation: String,
}

/// Sends alert e-mails through one relay.
#[derive(Debug, Clone)]
pub struct MailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl MailSender {
    pub fn new(config: &SmtpConfig) -> Result<MailSender, SmtpSettingsError> {
        let tls_parameters = || {
            TlsParameters::new(config.host.clone()).map_err(|error| SmtpSettingsError::Tls {
                host: config.host.clone(),
                reason: error.to_string(),
            })
        };
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::Starttls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some(credentials) = &config.credentials {
            builder = builder.credentials(credentials.clone());
        }
        Ok(MailSender {
            transport: builder.build(),
            from: config.from.clone(),
            timeout: config.timeout,
        })
    }

    /// One attempt to send `content` to `recipient`. `delivery_id` becomes the
    /// message's `Message-ID`, the same on every attempt. Refused without sending
    /// anything when the TLP rules keep any of its alerts from this user.
    pub async fn send(
        &self,
        recipient: &MailRecipient,
        delivery_id: &str,
        content: &MailContent<'_>,
    ) -> DeliveryOutcome {
        for alert in content.alerts() {
            let target = DeliveryTarget::UserMailbox {
                user_organisation: &recipient.organisation,
            };
            if let Err(refusal) = may_deliver(alert.tlp, &alert.organisation, target) {
                return DeliveryOutcome::Refused(refusal);
            }
        }
        let message = match self.message(recipient, delivery_id, content) {
            Ok(message) => message,
            Err(reason) => return DeliveryOutcome::give_up(reason),
        };
        match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
            Err(_) => DeliveryOutcome::retry(format!(
                "the mail server did not finish within {} s",
                self.timeout.as_secs()
            )),
            Ok(Ok(response)) => DeliveryOutcome::Delivered {
                receipt: format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                ),
            },
            Ok(Err(error)) => judge_failure(&error),
        }
    }

    fn message(
        &self,
        recipient: &MailRecipient,
        delivery_id: &str,
        content: &MailContent<'_>,
    ) -> Result<Message, String> {
        let to = recipient.address.parse::<Mailbox>().map_err(|error| {
            format!("`{}` is not an e-mail address: {error}", recipient.address)
        })?;
        if delivery_id.is_empty()
            || !delivery_id
                .chars()
                .all(|character| character.is_ascii_graphic() && !"<>@\"\\".contains(character))
        {
            return Err(format!(
                "`{delivery_id}` cannot be a Message-ID (a delivery id is visible ASCII without <>@)"
            ));
        }
        let message_id = format!("<{delivery_id}@{}>", self.from.email.domain());
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail_text::subject(content))
            .message_id(Some(message_id))
            .date_now()
            // RFC 3834: no out-of-office replies to alerts.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .header(ContentType::TEXT_PLAIN)
            .body(mail_text::body(content))
            .map_err(|error| format!("cannot build the message: {error}"))
    }
}

/// An SMTP failure sorted: a 5xx reply is final, anything else may pass.
fn judge_failure(error: &lettre::transport::smtp::Error) -> DeliveryOutcome {
    let said = describe_error(error);
    if error.is_permanent() {
        return DeliveryOutcome::give_up(format!("the mail server refused it: {said}"));
    }
    if error.is_transient() {
        return DeliveryOutcome::retry(format!("the mail server asked to try later: {said}"));
    }
    if error.is_timeout() {
        return DeliveryOutcome::retry(format!("the mail server did not answer in time: {said}"));
    }
    DeliveryOutcome::retry(format!("could not talk to the mail server: {said}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `[smtp]` table of a `dijkwacht.toml`.
    fn settings(toml_text: &str) -> SmtpSettings {
        #[derive(Deserialize)]
        struct File {
            smtp: SmtpSettings,
        }
        toml::from_str::<File>(toml_text)
            .map(|file| file.smtp)
            .unwrap_or_else(|error| panic!("{toml_text}: {error}"))
    }

    fn environment(name: &str) -> Option<String> {
        (name == "DIJKWACHT_SMTP_PASSWORD").then(|| "a relay password".to_owned())
    }

    fn check(toml_text: &str) -> Result<SmtpConfig, SmtpSettingsError> {
        settings(toml_text).check_with_environment(environment)
    }

    #[test]
    fn a_full_table_is_read_and_the_password_comes_from_the_environment() {
        let config = check(
            r#"
            [smtp]
            host = "smtp.example.nl"
            security = "tls"
            username = "dijkwacht"
            password_env = "DIJKWACHT_SMTP_PASSWORD"
            from = "Dijkwacht <alerts@example.nl>"
            timeout_seconds = 20
            "#,
        )
        .expect("good settings");
        assert_eq!(config.port, 465, "the port follows the security");
        assert_eq!(config.security, SmtpSecurity::Tls);
        assert!(config.credentials.is_some());
        assert_eq!(config.from.email.to_string(), "alerts@example.nl");
        assert_eq!(config.timeout, Duration::from_secs(20));
        assert!(
            !format!("{config:?}").contains("a relay password"),
            "no password in Debug"
        );

        let minimal = check("[smtp]\nhost = \"smtp.example.nl\"\nfrom = \"alerts@example.nl\"\n")
            .expect("host and from are enough");
        assert_eq!(
            (minimal.port, minimal.security),
            (587, SmtpSecurity::Starttls)
        );
        assert!(MailSender::new(&minimal).is_ok());
    }

    #[test]
    fn bad_settings_say_what_to_change() {
        let cases = [
            ("host = \" \"", "[smtp] host is empty"),
            (
                "host = \"smtp.example.nl\"\nport = 0",
                "port 0 is not a port",
            ),
            (
                "host = \"smtp.example.nl\"\nsecurity = \"none\"",
                "use \"starttls\" or \"tls\"",
            ),
            (
                "host = \"smtp.example.nl\"\nusername = \"dijkwacht\"",
                "name the environment variable",
            ),
            (
                "host = \"smtp.example.nl\"\npassword_env = \"DIJKWACHT_SMTP_PASSWORD\"",
                "give the login as `username`",
            ),
            (
                "host = \"smtp.example.nl\"\nusername = \"d\"\npassword_env = \"NOT_SET_ANYWHERE\"",
                "the environment variable NOT_SET_ANYWHERE that password_env names is not set",
            ),
            (
                "host = \"smtp.example.nl\"\ntimeout_seconds = 0",
                "between 1 and 600",
            ),
        ];
        for (table, expected) in cases {
            let error = check(&format!("[smtp]\nfrom = \"alerts@example.nl\"\n{table}\n"))
                .expect_err(table)
                .to_string();
            assert!(error.contains(expected), "{table}: {error}");
        }
        let from = check("[smtp]\nhost = \"smtp.example.nl\"\nfrom = \"alerts at example\"\n")
            .expect_err("no address");
        assert!(
            from.to_string()
                .starts_with("[smtp] from = \"alerts at example\" is not an e-mail address"),
            "{from}"
        );
        let plain_local =
            check("[smtp]\nhost = \"127.0.0.1\"\nsecurity = \"none\"\nfrom = \"a@example.nl\"\n")
                .expect("plain to this machine");
        assert_eq!(plain_local.port, 25);

        let unknown = toml::from_str::<toml::Table>(
            "[smtp]\nhost = \"h\"\nfrom = \"a@b.nl\"\npasword_env = \"X\"\n",
        )
        .expect("TOML")
        .remove("smtp")
        .expect("the table")
        .try_into::<SmtpSettings>()
        .expect_err("a misspelt key");
        assert!(unknown.to_string().contains("pasword_env"), "{unknown}");
    }
}
