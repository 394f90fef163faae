use time::macros::date;

use super::*;
use crate::cloud::types::{Answers, Qualification};

const ON_PREM: i64 = 1;
const NUBO: i64 = 2;
const PI: i64 = 3;
const SNC: i64 = 4;
const PLAIN: i64 = 5;

fn offers() -> Vec<Offer> {
    let offer =
        |id, name: &str, kind, accepts_sensitive, max_classification, snc: bool, immune| Offer {
            id,
            name: name.into(),
            provider: "x".into(),
            kind,
            service_model: "IaaS".into(),
            secnumcloud: snc.then(|| Qualification {
                version: "3.2".into(),
                from: date!(2022 - 03 - 08),
                to: None,
            }),
            immune,
            accepts_sensitive,
            max_classification,
        };
    vec![
        offer(
            ON_PREM,
            "Salle ministérielle",
            OfferKind::OnPremise,
            true,
            Classification::DiffusionRestreinte,
            false,
            true,
        ),
        offer(
            NUBO,
            "Nubo",
            OfferKind::InternalCloud,
            true,
            Classification::None,
            false,
            true,
        ),
        offer(
            PI,
            "Pi",
            OfferKind::InternalCloud,
            true,
            Classification::DiffusionRestreinte,
            false,
            true,
        ),
        offer(
            SNC,
            "Cloud qualifié",
            OfferKind::Commercial,
            false,
            Classification::None,
            true,
            true,
        ),
        offer(
            PLAIN,
            "Cloud public",
            OfferKind::Commercial,
            false,
            Classification::None,
            false,
            false,
        ),
    ]
}

fn sensitive_2023(yes: bool) -> Assessment {
    Assessment {
        date: date!(2023 - 09 - 01),
        assessed_by: "RSSI".into(),
        answers: Answers::V2023 {
            legal_secret: yes,
            essential_mission: false,
            breach_public_order: true,
            breach_public_security: false,
            breach_health_life: false,
            breach_intellectual_property: false,
        },
    }
}

fn app(prod: i64, new_or_major: bool, sensitive: Option<bool>) -> AppFacts {
    AppFacts {
        status: AppStatus::InProduction,
        new_or_major,
        full_cost: Some(Euros(2_000_000)),
        classification: Classification::None,
        assessments: sensitive.map(sensitive_2023).into_iter().collect(),
        hostings: vec![Hosting {
            environment: Environment::Production,
            offer_id: prod,
            since: date!(2022 - 01 - 01),
        }],
        derogations: vec![],
    }
}

fn derogation(rule: Rule) -> Derogation {
    Derogation {
        rule,
        justification: "étude".into(),
        comparative_study: true,
        granted_by: "Secrétaire général".into(),
        pm_validated: true,
        start: date!(2023 - 01 - 01),
        end: Some(date!(2025 - 12 - 31)),
        acceptable_offer_since: None,
    }
}

const DAY: time::Date = date!(2024 - 06 - 30);

fn rule_status(e: &Evaluation, rule: &str) -> Vec<Status> {
    e.findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.status)
        .collect()
}

#[test]
fn doctrine_dates() {
    assert_eq!(Doctrine::in_force(date!(2021 - 07 - 09)), None);
    assert_eq!(
        Doctrine::in_force(date!(2021 - 07 - 10)),
        Some(Doctrine::V2021)
    );
    assert_eq!(
        Doctrine::in_force(date!(2023 - 06 - 01)),
        Some(Doctrine::V2023)
    );
    let e = evaluate(
        &app(ON_PREM, true, Some(true)),
        &offers(),
        date!(2020 - 01 - 01),
    );
    assert_eq!(e.verdict, Verdict::NotApplicable);
}

#[test]
fn sensitivity_2023_needs_both_tests() {
    assert!(sensitive_2023(true).answers.sensitive());
    assert!(
        !sensitive_2023(false).answers.sensitive(),
        "no secret nor essential mission"
    );
    let no_breach = Answers::V2023 {
        legal_secret: true,
        essential_mission: true,
        breach_public_order: false,
        breach_public_security: false,
        breach_health_life: false,
        breach_intellectual_property: false,
    };
    assert!(
        !no_breach.sensitive(),
        "a secret whose breach harms none of the four interests"
    );
    let v2021 = Answers::V2021 {
        citizens_personal_data: true,
        companies_economic_data: false,
        agents_business_application: false,
        other: false,
    };
    assert!(v2021.sensitive(), "2021: any example suffices");
}

#[test]
fn r6_new_projects_go_to_the_cloud_unless_derogation() {
    let e = evaluate(&app(ON_PREM, true, Some(false)), &offers(), DAY);
    assert_eq!(
        (e.verdict, rule_status(&e, "R6")),
        (Verdict::NonCompliant, vec![Status::Breached])
    );
    assert!(
        e.findings
            .iter()
            .any(|f| f.remedy.as_deref().is_some_and(|r| r.contains("R7")))
    );
    // Existing application without major evolution: R6 does not apply.
    assert_eq!(
        evaluate(&app(ON_PREM, false, Some(false)), &offers(), DAY).verdict,
        Verdict::Compliant
    );
    // On the internal cloud: met.
    assert_eq!(
        evaluate(&app(NUBO, true, Some(false)), &offers(), DAY).verdict,
        Verdict::Compliant
    );
    // Derogation: needs a comparative study from 1 M€ (R7).
    let mut a = app(ON_PREM, true, Some(false));
    a.derogations.push(Derogation {
        comparative_study: false,
        ..derogation(Rule::R6)
    });
    assert_eq!(evaluate(&a, &offers(), DAY).verdict, Verdict::NonCompliant);
    a.derogations.push(derogation(Rule::R6));
    assert_eq!(
        evaluate(&a, &offers(), DAY).verdict,
        Verdict::UnderDerogation
    );
    // ... which expires.
    assert_eq!(
        evaluate(&a, &offers(), date!(2026 - 01 - 01)).verdict,
        Verdict::NonCompliant
    );
    // Below 1 M€, the ministry decides alone.
    let mut small = app(ON_PREM, true, Some(false));
    small.full_cost = Some(Euros(500_000));
    small.derogations.push(Derogation {
        comparative_study: false,
        ..derogation(Rule::R6)
    });
    assert_eq!(
        evaluate(&small, &offers(), DAY).verdict,
        Verdict::UnderDerogation
    );
    // Above 9 M€: the avis conforme checks it (R8).
    let mut big = app(ON_PREM, true, Some(false));
    big.full_cost = Some(Euros(12_000_000));
    assert_eq!(
        rule_status(&evaluate(&big, &offers(), DAY), "R8"),
        vec![Status::Notice]
    );
}

#[test]
fn r9_sensitive_data_on_commercial_cloud() {
    // Qualified and immune: met.
    assert_eq!(
        evaluate(&app(SNC, true, Some(true)), &offers(), DAY).verdict,
        Verdict::Compliant
    );
    // Plain commercial cloud: breached, says why and what to do.
    let e = evaluate(&app(PLAIN, true, Some(true)), &offers(), DAY);
    assert_eq!(e.verdict, Verdict::NonCompliant);
    let f = e.findings.iter().find(|f| f.rule == "R9").unwrap();
    assert!(
        f.message.contains("ni qualifiée SecNumCloud ni immunisée"),
        "{}",
        f.message
    );
    assert!(f.remedy.as_deref().unwrap().contains("Pi, Nubo"));
    // Not sensitive: SecNumCloud not required (2023).
    assert_eq!(
        evaluate(&app(PLAIN, true, Some(false)), &offers(), DAY).verdict,
        Verdict::Compliant
    );
    // Not assessed: breached.
    let e = evaluate(&app(PLAIN, true, None), &offers(), DAY);
    assert!(
        e.findings
            .iter()
            .any(|f| f.rule == "R9" && f.message.contains("non évaluée"))
    );
    // Before its qualification, the qualified offer is not qualified.
    let mut early = app(SNC, true, Some(true));
    early.assessments[0].date = date!(2021 - 09 - 01);
    early.assessments[0].answers = Answers::V2021 {
        citizens_personal_data: true,
        companies_economic_data: false,
        agents_business_application: false,
        other: false,
    };
    assert_eq!(
        evaluate(&early, &offers(), date!(2022 - 01 - 15)).verdict,
        Verdict::NonCompliant
    );
    assert_eq!(
        evaluate(&early, &offers(), date!(2022 - 06 - 15)).verdict,
        Verdict::Compliant
    );
}

#[test]
fn r9_derogations_differ_between_doctrines() {
    let mut a = app(PLAIN, true, Some(true));
    a.derogations.push(Derogation {
        pm_validated: false,
        ..derogation(Rule::R9)
    });
    assert_eq!(
        evaluate(&a, &offers(), DAY).verdict,
        Verdict::NonCompliant,
        "2023: the Prime Minister validates"
    );
    a.derogations[0].pm_validated = true;
    assert_eq!(
        evaluate(&a, &offers(), DAY).verdict,
        Verdict::UnderDerogation
    );
    // 2021: the minister decides, but not beyond 12 months after an acceptable offer.
    let mut old = app(PLAIN, true, None);
    old.assessments.push(Assessment {
        date: date!(2021 - 09 - 01),
        assessed_by: "x".into(),
        answers: Answers::V2021 {
            citizens_personal_data: true,
            companies_economic_data: false,
            agents_business_application: false,
            other: false,
        },
    });
    old.derogations.push(Derogation {
        pm_validated: false,
        start: date!(2021 - 09 - 01),
        acceptable_offer_since: Some(date!(2022 - 03 - 08)),
        ..derogation(Rule::R9)
    });
    assert_eq!(
        evaluate(&old, &offers(), date!(2022 - 06 - 01)).verdict,
        Verdict::UnderDerogation
    );
    assert_eq!(
        evaluate(&old, &offers(), date!(2023 - 04 - 01)).verdict,
        Verdict::NonCompliant
    );
}

#[test]
fn internal_clouds_and_diffusion_restreinte() {
    let mut dr = app(NUBO, true, Some(true));
    dr.classification = Classification::DiffusionRestreinte;
    let e = evaluate(&dr, &offers(), DAY);
    assert_eq!(
        (e.verdict, rule_status(&e, "DR")),
        (Verdict::NonCompliant, vec![Status::Breached])
    );
    dr.hostings[0].offer_id = PI;
    assert_eq!(
        evaluate(&dr, &offers(), DAY).verdict,
        Verdict::Compliant,
        "Pi takes Diffusion Restreinte"
    );
    // Pre-production counts with production.
    let mut pre = app(SNC, true, Some(true));
    pre.hostings.push(Hosting {
        environment: Environment::PreProduction,
        offer_id: PLAIN,
        since: date!(2022 - 01 - 01),
    });
    assert_eq!(
        evaluate(&pre, &offers(), DAY).verdict,
        Verdict::NonCompliant
    );
    // ... development does not.
    pre.hostings[1].environment = Environment::Development;
    assert_eq!(evaluate(&pre, &offers(), DAY).verdict, Verdict::Compliant);
}

#[test]
fn history_reads_the_hosting_and_assessment_of_the_date() {
    let mut a = app(PLAIN, true, Some(true));
    a.hostings.push(Hosting {
        environment: Environment::Production,
        offer_id: PI,
        since: date!(2024 - 03 - 01),
    });
    assert_eq!(
        evaluate(&a, &offers(), date!(2024 - 01 - 01)).verdict,
        Verdict::NonCompliant
    );
    assert_eq!(
        evaluate(&a, &offers(), date!(2024 - 06 - 01)).verdict,
        Verdict::Compliant,
        "migrated to Pi"
    );
    // Before its assessment, sensitivity is unknown.
    assert_eq!(
        evaluate(&a, &offers(), date!(2023 - 08 - 01)).sensitive,
        None
    );
    let mut retired = a.clone();
    retired.status = AppStatus::Retired;
    assert_eq!(
        evaluate(&retired, &offers(), DAY).verdict,
        Verdict::NotApplicable
    );
}

#[test]
fn an_old_assessment_is_flagged_for_review() {
    let mut a = app(PI, true, None);
    a.assessments.push(Assessment {
        date: date!(2022 - 01 - 01),
        assessed_by: "x".into(),
        answers: Answers::V2021 {
            citizens_personal_data: true,
            companies_economic_data: false,
            agents_business_application: false,
            other: false,
        },
    });
    let e = evaluate(&a, &offers(), DAY);
    assert_eq!(e.verdict, Verdict::Compliant);
    assert!(
        e.findings
            .iter()
            .any(|f| f.status == Status::Notice && f.message.contains("à refaire"))
    );
}
