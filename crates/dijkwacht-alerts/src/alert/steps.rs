//! The *handelingsperspectief*: what a member should do, in plain Dutch and English.
//!
//! Steps come in a fixed order: what the intelligence itself prescribes (the vendor's
//! remediations, CISA's required action, linked courses of action), then the template
//! of the alert's kind, which turns the finding into actions a firm without IT staff
//! can take or hand to its IT supplier. The sources' own words are quoted, not
//! translated: a machine translation of a vendor's instructions could mislead.

use serde::{Deserialize, Serialize};

use super::{AdvisoryFacts, AlertKind, Bilingual, CourseOfAction, IndicatorFacts};

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub nl: String,
    pub en: String,
    pub source: StepSource,
    /// Where to read more or get the fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Where a step comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepSource {
    /// A CSAF advisory's remediation.
    CsafRemediation,
    /// CISA KEV's required action.
    KevRequiredAction,
    /// A linked STIX `course-of-action`.
    CourseOfAction,
    /// The template of the alert's kind.
    Template,
}

fn template(nl: impl Into<String>, en: impl Into<String>) -> Step {
    Step {
        nl: nl.into(),
        en: en.into(),
        source: StepSource::Template,
        url: None,
    }
}

pub(super) fn advisory_summary(
    kind: AlertKind,
    products: &str,
    facts: &AdvisoryFacts,
) -> Bilingual {
    let cves = if facts.cves.is_empty() {
        String::new()
    } else {
        format!(" ({})", facts.cves.join(", "))
    };
    let version = if facts.version_known {
        Bilingual::new(
            "De versie in uw profiel valt onder de getroffen versies.",
            "The version in your profile is among the affected versions.",
        )
    } else {
        Bilingual::new(
            "Uw profiel noemt geen versie die we kunnen vergelijken: controleer welke versie u gebruikt.",
            "Your profile names no version we can compare: check which version you run.",
        )
    };
    let (nl, en) = match kind {
        AlertKind::ExploitedVulnerability => (
            format!(
                "U gebruikt {products}. Aanvallers misbruiken een kwetsbaarheid hierin nu actief{cves}."
            ),
            format!(
                "You run {products}. Attackers are exploiting a vulnerability in it now{cves}."
            ),
        ),
        AlertKind::ProductUnderInvestigation => (
            format!(
                "U gebruikt {products}. De leverancier onderzoekt of dit product kwetsbaar is{cves}."
            ),
            format!(
                "You run {products}. The vendor is investigating whether this product is vulnerable{cves}."
            ),
        ),
        _ => (
            format!("U gebruikt {products}. Een advies meldt een kwetsbaarheid hierin{cves}."),
            format!("You run {products}. An advisory reports a vulnerability in it{cves}."),
        ),
    };
    Bilingual::new(
        format!("{nl} {}", version.nl),
        format!("{en} {}", version.en),
    )
}

pub(super) fn advisory_steps(
    kind: AlertKind,
    products: &str,
    facts: &AdvisoryFacts,
    courses_of_action: &[CourseOfAction],
) -> Vec<Step> {
    let mut steps = Vec::new();
    if !facts.version_known {
        steps.push(template(
            format!("Zoek uit welke versie van {products} u gebruikt en vergelijk die met de getroffen versies in het advies."),
            format!("Find out which version of {products} you run and compare it with the affected versions in the advisory."),
        ));
    }
    let mut remediations: Vec<_> = facts.remediations.iter().collect();
    remediations.sort_by_key(|remediation| remediation_rank(&remediation.category));
    for remediation in remediations {
        let (nl, en) = remediation_framing(&remediation.category);
        let details = remediation.details.as_deref().unwrap_or("see the advisory");
        steps.push(Step {
            nl: format!("{nl}: {details}"),
            en: format!("{en}: {details}"),
            source: StepSource::CsafRemediation,
            url: remediation.url.clone(),
        });
    }
    if let Some(kev) = &facts.kev {
        if let Some(action) = &kev.required_action {
            let due = kev.due_date.as_deref().map_or_else(
                || Bilingual::new("", ""),
                |due| {
                    Bilingual::new(
                        format!(" (Amerikaanse overheidsdiensten moeten dit vóór {due} doen)"),
                        format!(" (US federal agencies must do so by {due})"),
                    )
                },
            );
            steps.push(Step {
                nl: format!("Voer de maatregel van CISA uit{}: {action}", due.nl),
                en: format!("Take CISA's required action{}: {action}", due.en),
                source: StepSource::KevRequiredAction,
                url: None,
            });
        }
    }
    push_courses_of_action(&mut steps, courses_of_action);
    let urgency = if kind == AlertKind::ExploitedVulnerability {
        Bilingual::new("vandaag nog", "today")
    } else {
        Bilingual::new("zo snel als u kunt", "as soon as you can")
    };
    if kind == AlertKind::ProductUnderInvestigation {
        steps.push(template(
            "Houd het advies van de leverancier in de gaten; u krijgt een nieuwe melding zodra er een oplossing is.",
            "Watch the vendor's advisory; you will get a new alert when a fix is published.",
        ));
    } else if facts.remediations.is_empty() {
        steps.push(template(
            format!("Installeer {} de update van de leverancier voor {products}; vraag uw IT-leverancier als u dit niet zelf beheert.", urgency.nl),
            format!("Install the vendor's update for {products} {}; ask your IT supplier if you do not manage it yourself.", urgency.en),
        ));
    }
    steps.push(template(
        "Kunt u niet direct bijwerken? Maak het systeem dan niet bereikbaar vanaf internet en beperk wie erbij kan.",
        "Cannot update at once? Then take the system off the internet and limit who can reach it.",
    ));
    if kind == AlertKind::ExploitedVulnerability {
        steps.push(template(
            "Controleer of het systeem al is binnengedrongen (onbekende accounts, vreemde bestanden of verbindingen) en meld een incident als u iets vindt.",
            "Check whether the system has already been breached (unknown accounts, odd files or connections) and report an incident if you find anything.",
        ));
    }
    steps.push(closing_step());
    steps
}

/// The order remediations are worth taking in: the fix first, the stopgaps after.
fn remediation_rank(category: &str) -> u8 {
    match category {
        "vendor_fix" => 0,
        "mitigation" => 1,
        "workaround" => 2,
        "none_available" => 3,
        "no_fix_planned" => 4,
        _ => 5,
    }
}

/// How each CSAF remediation category is introduced.
fn remediation_framing(category: &str) -> (&'static str, &'static str) {
    match category {
        "vendor_fix" => (
            "Installeer de oplossing van de leverancier",
            "Install the vendor's fix",
        ),
        "mitigation" => ("Beperk het risico", "Mitigate the risk"),
        "workaround" => (
            "Tijdelijke oplossing van de leverancier",
            "Vendor's workaround",
        ),
        "no_fix_planned" => (
            "De leverancier brengt geen oplossing uit; overweeg vervanging",
            "The vendor plans no fix; consider replacing the product",
        ),
        "none_available" => (
            "Er is nog geen oplossing; beperk de blootstelling",
            "No fix is available yet; limit the exposure",
        ),
        _ => ("Advies van de leverancier", "The vendor's advice"),
    }
}

pub(super) fn indicator_summary(
    kind: AlertKind,
    observed: &str,
    facts: &IndicatorFacts,
) -> Bilingual {
    let about = if facts.name.is_empty() {
        Bilingual::new(String::new(), String::new())
    } else {
        Bilingual::new(
            format!(" De melding: \"{}\".", facts.name),
            format!(" The report: \"{}\".", facts.name),
        )
    };
    let (nl, en) = match kind {
        AlertKind::ListedAddress => (
            format!(
                "Een adres van uw organisatie ({observed}) wordt genoemd in dreigingsinformatie, bijvoorbeeld op een lijst van besmette of aanvallende systemen."
            ),
            format!(
                "An address of your organisation ({observed}) is named in threat intelligence, for instance on a list of infected or attacking systems."
            ),
        ),
        AlertKind::AbusedDomain => (
            format!(
                "Uw domein ({observed}) wordt genoemd in dreigingsinformatie: het kan misbruikt worden voor phishing of malware, of een van uw systemen is overgenomen."
            ),
            format!(
                "Your domain ({observed}) is named in threat intelligence: it may be abused for phishing or malware, or one of your systems has been taken over."
            ),
        ),
        AlertKind::ExposedEmailAddresses => (
            format!(
                "E-mailadressen van uw organisatie ({observed}) worden genoemd, bijvoorbeeld in gelekte inloggegevens of in phishing."
            ),
            format!(
                "E-mail addresses of your organisation ({observed}) are named, for instance in leaked credentials or in phishing."
            ),
        ),
        _ => (
            format!("Uw netwerk ({observed}) wordt genoemd in dreigingsinformatie."),
            format!("Your network ({observed}) is named in threat intelligence."),
        ),
    };
    Bilingual::new(format!("{nl}{}", about.nl), format!("{en}{}", about.en))
}

pub(super) fn indicator_steps(
    kind: AlertKind,
    observed: &str,
    courses_of_action: &[CourseOfAction],
) -> Vec<Step> {
    let mut steps = Vec::new();
    push_courses_of_action(&mut steps, courses_of_action);
    match kind {
        AlertKind::ListedAddress | AlertKind::ListedAutonomousSystem => {
            steps.push(template(
                format!("Zoek uit welk systeem {observed} gebruikt (server, router, camera, werkplek); vraag het zo nodig aan uw internet- of hostingprovider."),
                format!("Find out which system uses {observed} (server, router, camera, workstation); ask your internet or hosting provider if needed."),
            ));
            steps.push(template(
                "Laat dat systeem controleren op besmetting en op ongewoon uitgaand verkeer; koppel het los van het netwerk als u twijfelt.",
                "Have that system checked for infection and unusual outgoing traffic; disconnect it from the network if in doubt.",
            ));
            steps.push(template(
                "Werk het systeem bij en wijzig de wachtwoorden die erop gebruikt worden.",
                "Update the system and change the passwords used on it.",
            ));
        }
        AlertKind::AbusedDomain => {
            steps.push(template(
                format!("Controleer de DNS-records van {observed}: staan er namen of adressen in die u niet kent?"),
                format!("Check the DNS records of {observed}: are there names or addresses you do not recognise?"),
            ));
            steps.push(template(
                "Waarschuw medewerkers en klanten voor berichten die van dit domein lijken te komen, en zet SPF, DKIM en DMARC aan als dat nog niet is gebeurd.",
                "Warn staff and customers about messages that seem to come from this domain, and enable SPF, DKIM and DMARC if not done yet.",
            ));
            steps.push(template(
                "Is een website of server op dit domein overgenomen? Laat die dan opschonen en bijwerken; vraag anders de registrar of hoster het misbruik te stoppen.",
                "Has a website or server on this domain been taken over? Have it cleaned and updated; otherwise ask the registrar or host to stop the abuse.",
            ));
        }
        _ => {
            steps.push(template(
                format!("Laat de medewerkers met deze adressen ({observed}) hun wachtwoord wijzigen, ook op andere diensten waar ze hetzelfde wachtwoord gebruiken."),
                format!("Have the staff with these addresses ({observed}) change their passwords, also on other services where they use the same one."),
            ));
            steps.push(template(
                "Zet tweestapsverificatie aan voor e-mail en andere diensten die vanaf internet bereikbaar zijn.",
                "Turn on two-step verification for e-mail and other services reachable from the internet.",
            ));
            steps.push(template(
                "Waarschuw deze medewerkers voor gerichte phishing.",
                "Warn these staff members about targeted phishing.",
            ));
        }
    }
    steps.push(closing_step());
    steps
}

fn push_courses_of_action(steps: &mut Vec<Step>, courses_of_action: &[CourseOfAction]) {
    for course in courses_of_action {
        let text = course.description.as_deref().map_or_else(
            || course.name.clone(),
            |description| format!("{}: {description}", course.name),
        );
        steps.push(Step {
            nl: format!("Aanbevolen maatregel: {text}"),
            en: format!("Recommended measure: {text}"),
            source: StepSource::CourseOfAction,
            url: None,
        });
    }
}

fn closing_step() -> Step {
    template(
        "Markeer deze melding als opgelost wanneer u klaar bent, of als niet relevant of vals alarm: zo wordt de informatie voor iedereen beter.",
        "Mark this alert resolved when you are done, or not relevant or a false positive: that makes the information better for everyone.",
    )
}
