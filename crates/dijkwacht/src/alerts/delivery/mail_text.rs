//! The words of an alert e-mail: subject and plain-text body, Dutch first and English
//! after it, so that a reader of either language finds everything — the TLP label on
//! the first line (it tells the reader what they may do with the rest), then per alert
//! how bad it is, what happened, what to do, why it concerns them and where to read
//! more. Plain text only: it reads the same in every mail client and can be quoted.
//! Pure functions; [`super::mail`] sends what they make.

use std::fmt::Write as _;

use dijkwacht_stix::tlp::TlpLevel;

use super::alert::OutgoingAlert;

/// What one e-mail carries to one user.
#[derive(Debug, Clone, Copy)]
pub enum MailContent<'a> {
    /// One alert, sent when it is made.
    Alert(&'a OutgoingAlert),
    /// Several alerts gathered over a day or a week, most severe first.
    Digest(Digest<'a>),
}

/// How often a digest is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestPeriod {
    Daily,
    Weekly,
}

/// A digest that holds at least one alert.
#[derive(Debug, Clone, Copy)]
pub struct Digest<'a> {
    period: DigestPeriod,
    alerts: &'a [OutgoingAlert],
}

impl<'a> Digest<'a> {
    /// `None` for no alerts: an empty digest is not sent.
    pub fn new(period: DigestPeriod, alerts: &'a [OutgoingAlert]) -> Option<Digest<'a>> {
        (!alerts.is_empty()).then_some(Digest { period, alerts })
    }
}

impl<'a> MailContent<'a> {
    /// The alerts it carries, in the order the body shows them.
    pub fn alerts(&self) -> Vec<&'a OutgoingAlert> {
        match self {
            MailContent::Alert(alert) => vec![alert],
            MailContent::Digest(digest) => {
                let mut alerts: Vec<&OutgoingAlert> = digest.alerts.iter().collect();
                alerts.sort_by_key(|alert| std::cmp::Reverse(alert.severity));
                alerts
            }
        }
    }

    /// The strictest TLP of what it carries: the label of the whole message.
    pub fn tlp(&self) -> TlpLevel {
        self.alerts()
            .iter()
            .map(|alert| alert.tlp)
            .max()
            .unwrap_or(TlpLevel::Clear)
    }
}

/// `[Dijkwacht] HIGH: <title_nl> / <title_en>`, or for a digest its most severe level
/// and the count.
pub fn subject(content: &MailContent<'_>) -> String {
    match content {
        MailContent::Alert(alert) => format!(
            "[Dijkwacht] {}: {} / {}",
            alert.severity.label_en(),
            one_line(&alert.title_nl),
            one_line(&alert.title_en)
        ),
        MailContent::Digest(digest) => {
            let alerts = content.alerts();
            let highest = alerts.first().map_or("", |alert| alert.severity.label_en());
            let count = digest.alerts.len();
            let (nl_period, en_period) = match digest.period {
                DigestPeriod::Daily => ("Dagoverzicht", "Daily digest"),
                DigestPeriod::Weekly => ("Weekoverzicht", "Weekly digest"),
            };
            let (nl_noun, en_noun) = if count == 1 {
                ("melding", "alert")
            } else {
                ("meldingen", "alerts")
            };
            format!(
                "[Dijkwacht] {highest}: {nl_period}, {count} {nl_noun} / {en_period}, {count} {en_noun}"
            )
        }
    }
}

/// The plain-text body.
pub fn body(content: &MailContent<'_>) -> String {
    let alerts = content.alerts();
    let tlp = content.tlp();
    let mut text = String::new();
    let _ = writeln!(text, "{}", tlp.label());
    let _ = writeln!(text, "{}", tlp_meaning_nl(tlp));
    let _ = writeln!(text, "{}", tlp_meaning_en(tlp));
    for language in [Language::Dutch, Language::English] {
        let _ = write!(text, "\n── {} ──\n", language.name());
        for (number, alert) in alerts.iter().enumerate() {
            if alerts.len() > 1 {
                let _ = write!(
                    text,
                    "\n{} {} / {}\n{}\n",
                    language.words().alert_word,
                    number + 1,
                    alerts.len(),
                    alert.tlp.label()
                );
            }
            write_alert(&mut text, alert, language);
        }
    }
    text
}

#[derive(Clone, Copy)]
enum Language {
    Dutch,
    English,
}

/// The fixed words of one language.
struct Words {
    alert_word: &'static str,
    what_to_do: &'static str,
    why: &'static str,
    seen: &'static str,
    more: &'static str,
    for_organisation: &'static str,
}

impl Language {
    fn name(self) -> &'static str {
        match self {
            Language::Dutch => "Nederlands",
            Language::English => "English",
        }
    }

    fn words(self) -> &'static Words {
        match self {
            Language::Dutch => &Words {
                alert_word: "Melding",
                what_to_do: "Wat te doen:",
                why: "Waarom deze melding:",
                seen: "gezien",
                more: "Meer informatie:",
                for_organisation: "voor",
            },
            Language::English => &Words {
                alert_word: "Alert",
                what_to_do: "What to do:",
                why: "Why this alert:",
                seen: "seen",
                more: "More information:",
                for_organisation: "for",
            },
        }
    }
}

fn write_alert(text: &mut String, alert: &OutgoingAlert, language: Language) {
    let words = language.words();
    let (severity, title, summary) = match language {
        Language::Dutch => (
            alert.severity.label_nl(),
            &alert.title_nl,
            &alert.summary_nl,
        ),
        Language::English => (
            alert.severity.label_en(),
            &alert.title_en,
            &alert.summary_en,
        ),
    };
    let _ = write!(
        text,
        "\n{severity}: {}\n\n{}\n",
        one_line(title),
        summary.trim()
    );
    if !alert.steps.is_empty() {
        let _ = write!(text, "\n{}\n", words.what_to_do);
        for (number, step) in alert.steps.iter().enumerate() {
            let step = match language {
                Language::Dutch => &step.nl,
                Language::English => &step.en,
            };
            let _ = writeln!(text, "{}. {}", number + 1, one_line(step));
        }
    }
    if !alert.evidence.is_empty() {
        let _ = write!(text, "\n{}\n", words.why);
        for evidence in &alert.evidence {
            let _ = write!(
                text,
                "- {} ({}: {})",
                one_line(&evidence.asset),
                words.seen,
                one_line(&evidence.observed)
            );
            if matches!(language, Language::English) && !evidence.explanation.is_empty() {
                let _ = write!(text, ": {}", one_line(&evidence.explanation));
            }
            text.push('\n');
        }
    }
    if !alert.links.is_empty() {
        let _ = write!(text, "\n{}\n", words.more);
        for link in &alert.links {
            let _ = writeln!(text, "- {}", one_line(link));
        }
    }
    let _ = write!(
        text,
        "\n{} {} {} {}, {}\n",
        words.alert_word, alert.id, words.for_organisation, alert.organisation, alert.created_at
    );
}

fn tlp_meaning_nl(tlp: TlpLevel) -> &'static str {
    match tlp {
        TlpLevel::Clear => "Geen beperking: deze informatie mag vrij gedeeld worden.",
        TlpLevel::Green => "Deel binnen uw gemeenschap, niet openbaar.",
        TlpLevel::Amber => "Deel alleen binnen uw organisatie en met klanten die het moeten weten.",
        TlpLevel::AmberStrict => "Deel alleen binnen uw eigen organisatie.",
        TlpLevel::Red => "Alleen voor u persoonlijk; deel het met niemand.",
    }
}

fn tlp_meaning_en(tlp: TlpLevel) -> &'static str {
    match tlp {
        TlpLevel::Clear => "No limit on disclosure.",
        TlpLevel::Green => "Share within your community, not publicly.",
        TlpLevel::Amber => {
            "Share only within your organisation and with its clients who need to know."
        }
        TlpLevel::AmberStrict => "Share only within your own organisation.",
        TlpLevel::Red => "For your eyes only; share it with no one.",
    }
}

/// Text that belongs on one line (a title, a step): line breaks become spaces, so that
/// stored text cannot break the layout or a header.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::delivery::alert::Severity;
    use crate::alerts::delivery::alert::tests::router_alert;

    #[test]
    fn one_alert_reads_dutch_first_then_english_under_its_tlp_label() {
        let alert = router_alert(TlpLevel::Amber);
        let content = MailContent::Alert(&alert);
        assert_eq!(
            subject(&content),
            "[Dijkwacht] HIGH: Kwetsbaarheid in uw Example Router / Vulnerability in your Example Router"
        );
        let expected = "\
TLP:AMBER
Deel alleen binnen uw organisatie en met klanten die het moeten weten.
Share only within your organisation and with its clients who need to know.

── Nederlands ──

HOOG: Kwetsbaarheid in uw Example Router

Aanvallers misbruiken CVE-2026-0001 in Example Router 1.2.

Wat te doen:
1. Installeer firmware 1.3 op de router.
2. Blokkeer beheer via internet tot de update geïnstalleerd is.

Waarom deze melding:
- cpe:2.3:h:example:router:1.2:*:*:*:*:*:*:* (gezien: example router 1.2)

Meer informatie:
- https://advisories.example/CVE-2026-0001

Melding alert--6f1c2b9e-0d3a-4c1e-9a57-2b7f3c8d9e01 voor waterbedrijf, 2026-03-02T09:15:00Z

── English ──

HIGH: Vulnerability in your Example Router

Attackers exploit CVE-2026-0001 in Example Router 1.2.

What to do:
1. Install firmware 1.3 on the router.
2. Block management over the internet until the update is installed.

Why this alert:
- cpe:2.3:h:example:router:1.2:*:*:*:*:*:*:* (seen: example router 1.2): CISA KEV lists Example Router 1.2; the profile runs it

More information:
- https://advisories.example/CVE-2026-0001

Alert alert--6f1c2b9e-0d3a-4c1e-9a57-2b7f3c8d9e01 for waterbedrijf, 2026-03-02T09:15:00Z
";
        assert_eq!(body(&content), expected);
    }

    #[test]
    fn a_digest_puts_the_worst_first_under_the_strictest_label() {
        let mut low = router_alert(TlpLevel::Green);
        low.severity = Severity::Low;
        low.title_nl = "Oude melding".to_owned();
        low.title_en = "Old news".to_owned();
        let mut critical = router_alert(TlpLevel::AmberStrict);
        critical.severity = Severity::Critical;
        let alerts = [low, critical];
        let digest = Digest::new(DigestPeriod::Weekly, &alerts).expect("two alerts");
        let content = MailContent::Digest(digest);
        assert_eq!(
            subject(&content),
            "[Dijkwacht] CRITICAL: Weekoverzicht, 2 meldingen / Weekly digest, 2 alerts"
        );
        let text = body(&content);
        assert!(text.starts_with("TLP:AMBER+STRICT\n"), "{text}");
        let order = |needle: &str| text.find(needle).unwrap_or(usize::MAX);
        assert!(
            order("Melding 1 / 2\nTLP:AMBER+STRICT\n\nKRITIEK")
                < order("Melding 2 / 2\nTLP:GREEN\n\nLAAG: Oude melding")
        );
        assert!(order("LAAG: Oude melding") < order("── English ──"));
        assert!(
            order("Alert 1 / 2\nTLP:AMBER+STRICT\n\nCRITICAL")
                < order("Alert 2 / 2\nTLP:GREEN\n\nLOW: Old news")
        );
        assert!(Digest::new(DigestPeriod::Daily, &[]).is_none());
    }

    #[test]
    fn stored_line_breaks_cannot_break_the_subject() {
        let mut alert = router_alert(TlpLevel::Clear);
        alert.title_nl = "Regel een\r\nBcc: iemand@example.org".to_owned();
        let subject = subject(&MailContent::Alert(&alert));
        assert!(
            !subject.contains('\n') && !subject.contains('\r'),
            "{subject}"
        );
    }
}
