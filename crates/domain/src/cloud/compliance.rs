//! The "Cloud au centre" compliance engine: an application's verdict under
//! the doctrine in force on a date, rule by rule (CTR §A.2–A.5), each
//! finding saying which rule, why, and what would make it compliant.
//!
//! Rules evaluated (the others — culture, training, SNAP, supplier diversity
//! — concern organisations, not an application's hosting):
//! - **R6/R7/R8**: a new project or a major evolution is hosted on a cloud
//!   offer (internal or commercial) unless a derogation is in force; from
//!   1 M€ the derogation needs a comparative study documented to the DINUM
//!   (R7); above 9 M€ the check happens in the avis conforme (R8).
//! - **R9**: production and pre-production on a commercial cloud: data of
//!   particular sensitivity need a SecNumCloud-qualified offer immune to
//!   extra-EU law, unless a derogation is in force (2021: under the
//!   minister, at most 12 months after an acceptable offer exists in France;
//!   2023: validated by the Prime Minister). Internal clouds take sensitive
//!   data only where the offer accepts them (Pi, Nubo).
//! - **DR**: Diffusion Restreinte data only on an offer accepting it (Pi).
//!
//! Sensitivity is read from the latest assessment dated on or before the
//! date; an assessment made under an earlier doctrine is used, with a notice
//! that it should be redone.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Duration};

use super::types::{
    AppFacts, AppStatus, Assessment, Classification, Derogation, Doctrine, Environment, Hosting,
    Offer, OfferKind, Rule,
};
use crate::money::Euros;

/// R7's threshold: derogations to R6 documented to the DINUM from 1 M€.
pub const R7_THRESHOLD: Euros = Euros(1_000_000);
/// R8's threshold: above 9 M€, the doctrine is checked in the avis conforme.
pub const R8_THRESHOLD: Euros = Euros(9_000_000);

/// How a rule stands for the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    Breached,
    Derogation,
    /// Information that does not change the verdict.
    Notice,
}

/// One rule's finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub status: Status,
    pub message: String,
    /// What would make it compliant (breaches only).
    pub remedy: Option<String>,
}

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Compliant,
    NonCompliant,
    UnderDerogation,
    NotApplicable,
}

impl Verdict {
    pub fn label_fr(self) -> &'static str {
        match self {
            Verdict::Compliant => "Conforme",
            Verdict::NonCompliant => "Non conforme",
            Verdict::UnderDerogation => "Sous dérogation",
            Verdict::NotApplicable => "Hors champ",
        }
    }
}

/// An application's evaluation on a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub day: Date,
    pub doctrine: Option<Doctrine>,
    pub verdict: Verdict,
    /// Whether the data are sensitive, per the assessment in force.
    pub sensitive: Option<bool>,
    pub findings: Vec<Finding>,
}

impl Evaluation {
    /// The doctrine's rules the application breaches, each once, in the
    /// order they were checked.
    pub fn breached_rules(&self) -> Vec<&'static str> {
        let mut rules: Vec<&'static str> = Vec::new();
        for f in self
            .findings
            .iter()
            .filter(|f| f.status == Status::Breached)
        {
            if !rules.contains(&f.rule) {
                rules.push(f.rule);
            }
        }
        rules
    }
}

/// The hosting of each environment on `day` (the latest record dated on or
/// before it).
pub fn hosting_on(hostings: &[Hosting], day: Date) -> BTreeMap<Environment, &Hosting> {
    let mut out: BTreeMap<Environment, &Hosting> = BTreeMap::new();
    for h in hostings.iter().filter(|h| h.since <= day) {
        if out.get(&h.environment).is_none_or(|x| x.since <= h.since) {
            out.insert(h.environment, h);
        }
    }
    out
}

/// The assessment in force on `day`: the latest dated on or before it.
pub fn assessment_on(assessments: &[Assessment], day: Date) -> Option<&Assessment> {
    assessments
        .iter()
        .filter(|a| a.date <= day)
        .max_by_key(|a| a.date)
}

/// Why a derogation does not cover `rule` on `day`, or `Ok` if it does.
pub fn derogation_covers(
    d: &Derogation,
    rule: Rule,
    day: Date,
    doctrine: Doctrine,
    cost: Option<Euros>,
) -> Result<(), String> {
    if d.rule != rule {
        return Err("autre règle".into());
    }
    if day < d.start || d.end.is_some_and(|e| day > e) {
        return Err(format!(
            "dérogation hors de sa période (du {}{})",
            d.start,
            d.end.map_or(String::new(), |e| format!(" au {e}"))
        ));
    }
    match rule {
        Rule::R6 if cost.is_some_and(|c| c >= R7_THRESHOLD) && !d.comparative_study => Err(
            "R7 : dès 1 M€, la dérogation doit reposer sur une étude comparative documentée à la DINUM"
                .into(),
        ),
        Rule::R9 if doctrine == Doctrine::V2023 && !d.pm_validated => Err(
            "depuis 2023, une dérogation à R9 est validée par le Premier ministre".into(),
        ),
        Rule::R9 if doctrine == Doctrine::V2021 => match d.acceptable_offer_since {
            Some(since) if day > since + Duration::days(365) => Err(
                "R9 (2021) : pas plus de 12 mois après la disponibilité d'une offre acceptable en France"
                    .into(),
            ),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

fn finding(rule: &'static str, status: Status, message: String, remedy: Option<&str>) -> Finding {
    Finding {
        rule,
        status,
        message,
        remedy: remedy.map(str::to_owned),
    }
}

/// A derogation to `rule` in force, if any: `Ok(message)`; otherwise the
/// reasons the existing ones fail.
fn covered(
    facts: &AppFacts,
    rule: Rule,
    day: Date,
    doctrine: Doctrine,
) -> Result<String, Vec<String>> {
    let mut why = Vec::new();
    for d in facts.derogations.iter().filter(|d| d.rule == rule) {
        match derogation_covers(d, rule, day, doctrine, facts.full_cost) {
            Ok(()) => {
                return Ok(format!(
                    "dérogation accordée par {} jusqu'au {}",
                    d.granted_by,
                    d.end.map_or("terme non fixé".into(), |e| e.to_string())
                ));
            }
            Err(e) => why.push(e),
        }
    }
    Err(why)
}

/// Evaluates an application on `day` against the doctrine then in force.
pub fn evaluate(facts: &AppFacts, offers: &[Offer], day: Date) -> Evaluation {
    let mut e = Evaluation {
        day,
        doctrine: Doctrine::in_force(day),
        verdict: Verdict::NotApplicable,
        sensitive: None,
        findings: Vec::new(),
    };
    let Some(doctrine) = e.doctrine else {
        e.findings.push(finding(
            "—",
            Status::Notice,
            "avant la doctrine « Cloud au centre » (10 juillet 2021)".into(),
            None,
        ));
        return e;
    };
    if facts.status == AppStatus::Retired {
        e.findings.push(finding(
            "—",
            Status::Notice,
            "application retirée".into(),
            None,
        ));
        return e;
    }
    let hosted = hosting_on(&facts.hostings, day);
    let offer = |h: &Hosting| offers.iter().find(|o| o.id == h.offer_id);
    let Some(prod) = hosted.get(&Environment::Production).and_then(|h| offer(h)) else {
        e.findings.push(finding(
            "—",
            Status::Notice,
            "pas encore d'hébergement de production".into(),
            None,
        ));
        return e;
    };
    let assessment = assessment_on(&facts.assessments, day);
    e.sensitive = assessment.map(|a| a.answers.sensitive());
    if let Some(a) = assessment
        && a.answers.doctrine() < doctrine
    {
        e.findings.push(finding(
            "R9",
            Status::Notice,
            format!(
                "sensibilité évaluée le {} selon la doctrine de 2021 : à refaire selon les deux critères de 2023",
                a.date
            ),
            None,
        ));
    }

    // R6 (with R7 and R8): cloud by default for new projects and major evolutions.
    if facts.new_or_major && !prod.kind.is_cloud() {
        match covered(facts, Rule::R6, day, doctrine) {
            Ok(m) => e.findings.push(finding("R6", Status::Derogation, format!("nouveau projet ou évolution majeure hors cloud : {m}"), None)),
            Err(why) => e.findings.push(finding(
                "R6",
                Status::Breached,
                format!(
                    "nouveau projet ou évolution majeure hébergé en production sur « {} », qui n'est pas une offre cloud{}",
                    prod.name,
                    if why.is_empty() { String::new() } else { format!(" ; {}", why.join(" ; ")) }
                ),
                Some("héberger sur une offre cloud interne (Pi, Nubo) ou commerciale, ou justifier une dérogation (étude comparative documentée à la DINUM dès 1 M€, R7)"),
            )),
        }
        if facts.full_cost.is_some_and(|c| c > R8_THRESHOLD) {
            e.findings.push(finding("R8", Status::Notice, "plus de 9 M€ : le respect de la doctrine est contrôlé dans l'avis conforme de la DINUM".into(), None));
        }
    } else {
        e.findings.push(finding(
            "R6",
            Status::Met,
            if facts.new_or_major {
                format!("hébergé en production sur l'offre cloud « {} »", prod.name)
            } else {
                "ni nouveau projet ni évolution majeure : R6 ne s'applique pas".into()
            },
            None,
        ));
    }

    // R9 and Diffusion Restreinte, over production and pre-production.
    for env in [Environment::Production, Environment::PreProduction] {
        let Some(o) = hosted.get(&env).and_then(|h| offer(h)) else {
            continue;
        };
        let place = format!("{} sur « {} »", env.label_fr().to_lowercase(), o.name);
        if facts.classification == Classification::DiffusionRestreinte
            && o.max_classification < Classification::DiffusionRestreinte
        {
            e.findings.push(finding(
                "DR",
                Status::Breached,
                format!("données Diffusion Restreinte en {place}, offre qui ne l'accepte pas"),
                Some("héberger les données Diffusion Restreinte sur une offre qui l'accepte (cloud interne Pi)"),
            ));
        }
        match (o.kind, e.sensitive) {
            (OfferKind::Commercial, None) => e.findings.push(finding(
                "R9",
                Status::Breached,
                format!("{place} : sensibilité des données non évaluée"),
                Some("évaluer la sensibilité des données (questionnaire selon les deux critères de 2023)"),
            )),
            (OfferKind::Commercial, Some(true)) if o.qualified_on(day) && o.immune => e.findings.push(finding(
                "R9",
                Status::Met,
                format!("données sensibles en {place}, offre qualifiée SecNumCloud et immunisée"),
                None,
            )),
            (OfferKind::Commercial, Some(true)) => match covered(facts, Rule::R9, day, doctrine) {
                Ok(m) => e.findings.push(finding("R9", Status::Derogation, format!("données sensibles en {place} : {m}"), None)),
                Err(why) => e.findings.push(finding(
                    "R9",
                    Status::Breached,
                    format!(
                        "données sensibles en {place} : offre {}{}",
                        match (o.qualified_on(day), o.immune) {
                            (false, false) => "ni qualifiée SecNumCloud ni immunisée contre le droit extra-européen",
                            (false, true) => "non qualifiée SecNumCloud à cette date",
                            _ => "non immunisée contre le droit extra-européen",
                        },
                        if why.is_empty() { String::new() } else { format!(" ; {}", why.join(" ; ")) }
                    ),
                    Some("migrer vers une offre qualifiée SecNumCloud et immunisée, ou vers un cloud interne (Pi, Nubo)"),
                )),
            },
            (OfferKind::InternalCloud, Some(true)) if !o.accepts_sensitive => e.findings.push(finding(
                "R9",
                Status::Breached,
                format!("données sensibles en {place}, offre qui ne les accepte pas"),
                Some("héberger sur un cloud interne qui accepte les données sensibles (Pi, Nubo)"),
            )),
            (OfferKind::Commercial, Some(false)) => e.findings.push(finding(
                "R9",
                Status::Met,
                format!(
                    "données non sensibles en {place}{}",
                    if doctrine == Doctrine::V2021 { " (SecNumCloud recommandé chaque fois que possible)" } else { " : SecNumCloud non requis" }
                ),
                None,
            )),
            _ => {}
        }
    }
    let any = |s: Status| e.findings.iter().any(|f| f.status == s);
    e.verdict = if any(Status::Breached) {
        Verdict::NonCompliant
    } else if any(Status::Derogation) {
        Verdict::UnderDerogation
    } else {
        Verdict::Compliant
    };
    e
}

#[cfg(test)]
#[path = "compliance_tests.rs"]
mod tests;
