//! Demo cloud inventory: the internal clouds (Pi, Nubo), commercial offers
//! with and without SecNumCloud, ministries' own data centres, and a few
//! hundred applications with a realistic mix of hosting, assessments under
//! both doctrines, some non-compliant cases, derogations and planned
//! migrations.

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::cloud::types::{
    Answers, AppStatus, Assessment, Classification, CloudApplication, Derogation, Environment,
    Hosting, Offer, OfferKind, Qualification, Rule, SecurityNeeds,
};
use cosinum_domain::money::Euros;
use time::{Date, Duration, Month};

use crate::audit::AuditCtx;
use crate::cloud;
use crate::db::Tx;
use crate::demo::Lcg;

const MINISTRIES: [&str; 12] = [
    "MININT", "MEF", "MJ", "MINARM", "MENJ", "MTE", "MTSS", "MC", "MASA", "MEAE", "MTFP", "MESR",
];

const KINDS: [&str; 10] = [
    "Gestion des dossiers",
    "Portail usagers",
    "Référentiel",
    "Entrepôt de données",
    "Messagerie métier",
    "Paie et ressources humaines",
    "Suivi des contrôles",
    "Outil collaboratif",
    "Application mobile",
    "Gestion des habilitations",
];

fn date(y: i32, m: Month, d: u8) -> Date {
    Date::from_calendar_date(y, m, d).unwrap_or(Date::MIN)
}

fn offer(
    name: &str,
    provider: &str,
    kind: OfferKind,
    snc: Option<Date>,
    immune: bool,
    accepts_sensitive: bool,
    dr: bool,
) -> Offer {
    Offer {
        id: 0,
        name: name.into(),
        provider: provider.into(),
        kind,
        service_model: if kind == OfferKind::OnPremise {
            "Hébergement".into()
        } else {
            "IaaS".into()
        },
        secnumcloud: snc.map(|from| Qualification {
            version: "3.2".into(),
            from,
            to: None,
        }),
        immune,
        accepts_sensitive,
        max_classification: if dr {
            Classification::DiffusionRestreinte
        } else {
            Classification::None
        },
    }
}

pub(crate) async fn seed(
    tx: &mut Tx,
    ctx: &AuditCtx,
    orgs: &HashMap<&str, OrgId>,
    today: Date,
) -> anyhow::Result<usize> {
    let mut rng = Lcg(0xC10D_0CE4);
    let catalogue = [
        offer(
            "Pi",
            "Ministère de l'Intérieur",
            OfferKind::InternalCloud,
            None,
            true,
            true,
            true,
        ),
        offer(
            "Nubo",
            "DGFiP",
            OfferKind::InternalCloud,
            None,
            true,
            true,
            false,
        ),
        offer(
            "IaaS qualifié SecNumCloud (fournisseur A)",
            "Fournisseur A",
            OfferKind::Commercial,
            Some(date(2022, Month::March, 8)),
            true,
            true,
            false,
        ),
        offer(
            "PaaS qualifié SecNumCloud (fournisseur B)",
            "Fournisseur B",
            OfferKind::Commercial,
            Some(date(2024, Month::June, 1)),
            true,
            true,
            false,
        ),
        offer(
            "IaaS public (fournisseur C)",
            "Fournisseur C",
            OfferKind::Commercial,
            None,
            false,
            false,
            false,
        ),
        offer(
            "Suite collaborative SaaS (fournisseur D)",
            "Fournisseur D",
            OfferKind::Commercial,
            None,
            false,
            false,
            false,
        ),
        offer(
            "Centre de données ministériel",
            "Ministère",
            OfferKind::OnPremise,
            None,
            true,
            true,
            true,
        ),
    ];
    let mut ids = Vec::new();
    for o in &catalogue {
        ids.push(cloud::create_offer(tx, ctx, o).await?);
    }
    let (pi, nubo, snc_a, snc_b, public_c, saas_d, on_prem) =
        (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6]);
    let mut n = 0;
    for k in 0..280usize {
        let ministry = MINISTRIES[k % MINISTRIES.len()];
        let Some(&org) = orgs.get(ministry) else {
            continue;
        };
        let roll = rng.next();
        let status = if roll < 0.06 {
            AppStatus::Retired
        } else if roll < 0.12 {
            AppStatus::Planned
        } else if roll < 0.2 {
            AppStatus::BeingMigrated
        } else {
            AppStatus::InProduction
        };
        let cost = (10f64.powf(5.0 + rng.next() * 2.3)).round() as i64;
        let sensitive_kind = rng.next() < 0.45;
        let dr = (ministry == "MININT" && rng.next() < 0.3)
            || (ministry == "MINARM" && rng.next() < 0.5);
        let app = cloud::create_application(
            tx,
            ctx,
            &CloudApplication {
                id: 0,
                organisation_id: org,
                name: format!(
                    "{} — {ministry} n° {}",
                    KINDS[k % KINDS.len()],
                    k / KINDS.len() + 1
                ),
                description: format!(
                    "Application {} de {ministry}.",
                    KINDS[k % KINDS.len()].to_lowercase()
                ),
                status,
                users: Some((10f64.powf(2.0 + rng.next() * 4.0)).round() as i64),
                project_id: None,
                full_cost: Some(Euros(cost)),
                new_or_major: rng.next() < 0.45,
                needs: SecurityNeeds {
                    availability: 1 + (rng.next() * 4.0) as u8 % 4,
                    integrity: 1 + (rng.next() * 4.0) as u8 % 4,
                    confidentiality: if sensitive_kind {
                        3 + (rng.next() * 2.0) as u8 % 2
                    } else {
                        1 + (rng.next() * 2.0) as u8
                    },
                    traceability: 1 + (rng.next() * 4.0) as u8 % 4,
                },
                classification: if dr {
                    Classification::DiffusionRestreinte
                } else {
                    Classification::None
                },
                version: 1,
            },
        )
        .await?;
        n += 1;
        // Hosting: internal clouds for most sensitive ones, a mix otherwise.
        let since = date(2019 + (rng.next() * 5.0) as i32, Month::January, 1)
            + Duration::days((rng.next() * 300.0) as i64);
        let pick = rng.next();
        let prod = if dr {
            if pick < 0.8 { pi } else { nubo }
        } else if sensitive_kind {
            [pi, nubo, snc_a, snc_b, public_c, on_prem][(pick * 6.0) as usize % 6]
        } else {
            [on_prem, on_prem, nubo, public_c, saas_d, snc_a][(pick * 6.0) as usize % 6]
        };
        if status != AppStatus::Planned {
            cloud::add_hosting(
                tx,
                ctx,
                app.id,
                &Hosting {
                    environment: Environment::Production,
                    offer_id: prod,
                    since,
                },
            )
            .await?;
            cloud::add_hosting(
                tx,
                ctx,
                app.id,
                &Hosting {
                    environment: Environment::PreProduction,
                    offer_id: prod,
                    since,
                },
            )
            .await?;
        }
        // Assessments: most under 2023, some still under 2021, some none.
        let assess = rng.next();
        if assess < 0.15 {
            cloud::add_assessment(
                tx,
                ctx,
                app.id,
                &Assessment {
                    date: date(2022, Month::March, 15),
                    assessed_by: format!("RSSI {ministry}"),
                    answers: Answers::V2021 {
                        citizens_personal_data: sensitive_kind,
                        companies_economic_data: false,
                        agents_business_application: false,
                        other: false,
                    },
                },
            )
            .await?;
        } else if assess < 0.9 {
            cloud::add_assessment(
                tx,
                ctx,
                app.id,
                &Assessment {
                    date: date(2023, Month::October, 1)
                        + Duration::days((rng.next() * 600.0) as i64),
                    assessed_by: format!("RSSI {ministry}"),
                    answers: Answers::V2023 {
                        legal_secret: sensitive_kind,
                        essential_mission: sensitive_kind && rng.next() < 0.5,
                        breach_public_order: sensitive_kind,
                        breach_public_security: false,
                        breach_health_life: false,
                        breach_intellectual_property: false,
                    },
                },
            )
            .await?;
        }
        // Derogations and planned migrations for some of the problem cases.
        let on_public = prod == public_c || prod == saas_d;
        if sensitive_kind && on_public && rng.next() < 0.5 {
            let start = date(2024, Month::January, 1) + Duration::days((rng.next() * 300.0) as i64);
            cloud::add_derogation(tx, ctx, app.id, &Derogation {
                rule: Rule::R9,
                justification: "Migration vers une offre qualifiée engagée ; étude des garanties équivalentes".into(),
                comparative_study: true,
                granted_by: format!("Ministre ({ministry})"),
                pm_validated: rng.next() < 0.7,
                start,
                end: Some(today + Duration::days((rng.next() * 400.0) as i64 - 60)),
                acceptable_offer_since: None,
            })
            .await?;
            let target = today + Duration::days(30 + (rng.next() * 500.0) as i64);
            cloud::add_hosting(
                tx,
                ctx,
                app.id,
                &Hosting {
                    environment: Environment::Production,
                    offer_id: snc_a,
                    since: target,
                },
            )
            .await?;
        }
        if prod == on_prem && rng.next() < 0.25 {
            cloud::add_derogation(tx, ctx, app.id, &Derogation {
                rule: Rule::R6,
                justification: "Contraintes d'exploitation temps réel ; étude comparative transmise à la DINUM".into(),
                comparative_study: rng.next() < 0.8,
                granted_by: format!("Secrétaire général ({ministry})"),
                pm_validated: false,
                start: since,
                end: Some(today + Duration::days((rng.next() * 200.0) as i64 + 10)),
                acceptable_offer_since: None,
            })
            .await?;
        }
        if prod == on_prem && status == AppStatus::BeingMigrated {
            let target = today + Duration::days(60 + (rng.next() * 700.0) as i64);
            cloud::add_hosting(
                tx,
                ctx,
                app.id,
                &Hosting {
                    environment: Environment::Production,
                    offer_id: nubo,
                    since: target,
                },
            )
            .await?;
        }
    }
    Ok(n)
}
