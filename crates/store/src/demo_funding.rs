//! Demo funding: the recovery plan's 500 M€ envelope for the State's digital
//! transformation (2021–2022, windows ITN1–ITN9, CTR §C.2), all decided and
//! mostly paid, and an FTAP call running now (programme 349, DINUM windows of
//! CTR §C.3) with pending applications, credits being consumed, lagging
//! files, and a ministry over its delivery capacity.

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::funding::{
    ApplicationFields, Capacity, Fund, Movement, MovementKind, Semester, Status, Window,
};
use cosinum_domain::money::Euros;
use time::{Date, Duration, Month};

use crate::audit::AuditCtx;
use crate::db::Tx;
use crate::demo::Lcg;
use crate::funding::{self, applications, capacities, movements};

const MINISTRIES: [&str; 12] = [
    "MININT", "MEF", "MJ", "MINARM", "MENJ", "MTE", "MTSS", "MC", "MASA", "MEAE", "MTFP", "MESR",
];

/// (code, theme, max co-funding rate)
const RELANCE_WINDOWS: [(&str, &str, f64); 9] = [
    ("ITN1", "Dématérialisation des procédures", 1.0),
    ("ITN2", "Services numériques aux usagers", 1.0),
    ("ITN3", "Compétences numériques des agents", 0.8),
    ("ITN4", "Passage à l'échelle d'initiatives locales", 1.0),
    ("ITN5", "Développer l'utilisation de la donnée", 0.75),
    (
        "ITN6",
        "Technologies émergentes pour le service public",
        0.75,
    ),
    ("ITN7", "Outils numériques des agents", 0.8),
    (
        "ITN8",
        "Raccordement au réseau interministériel de l'État",
        1.0,
    ),
    ("ITN9", "Migration vers le cloud", 0.8),
];

const FTAP_WINDOWS: [(&str, &str, f64); 4] = [
    ("FTAP-CLOUD", "Adoption du cloud de confiance", 0.5),
    ("FTAP-DESIGN", "Design et accessibilité", 0.5),
    ("FTAP-ECO", "Numérique écoresponsable", 0.5),
    ("FTAP-DATA", "Exploitation et valorisation des données", 0.5),
];

const OBJECTS: [&str; 12] = [
    "Plateforme de dépôt en ligne",
    "Refonte du portail usagers",
    "Entrepôt de données",
    "Outil de gestion des dossiers",
    "Migration applicative vers le cloud",
    "Parcours de formation au numérique",
    "Service de prise de rendez-vous",
    "Tableau de bord de pilotage",
    "Signature électronique des actes",
    "API d'échange de données",
    "Assistant de rédaction",
    "Messagerie sécurisée",
];

fn date(y: i32, m: Month, d: u8) -> Date {
    Date::from_calendar_date(y, m, d).unwrap_or(Date::MIN)
}

/// Spreads `pm` person-months over the semesters of `start..end`.
fn workload(start: Date, end: Date, pm: f64) -> Vec<(Semester, f64)> {
    let semesters = Semester::range(Semester::of(start), Semester::of(end));
    let each = (pm / semesters.len().max(1) as f64 * 10.0).round() / 10.0;
    semesters.into_iter().map(|s| (s, each)).collect()
}

struct Call {
    windows: Vec<Window>,
    opens: Date,
    closes: Date,
    count: usize,
    grant_rate: f64,
}

/// Files, decides and pays the applications of one call. Returns how many.
async fn run_call(
    tx: &mut Tx,
    ctx: &AuditCtx,
    orgs: &HashMap<&str, OrgId>,
    call: &Call,
    today: Date,
    rng: &mut Lcg,
) -> anyhow::Result<usize> {
    let span = (call.closes - call.opens).whole_days().max(1);
    let mut n = 0;
    for k in 0..call.count {
        let ministry =
            MINISTRIES[(rng.next() * MINISTRIES.len() as f64) as usize % MINISTRIES.len()];
        let Some(&org) = orgs.get(ministry) else {
            continue;
        };
        let w = &call.windows[k % call.windows.len()];
        let submitted = call.opens + Duration::days((rng.next() * span as f64) as i64);
        if submitted > today {
            continue;
        }
        let cost = ((0.15 + rng.next().powi(2) * 4.0) * 1_000_000.0).round() as i64;
        let requested = (cost as f64 * w.max_rate * (0.7 + rng.next() * 0.3)).floor() as i64;
        let start = submitted + Duration::days(60 + (rng.next() * 60.0) as i64);
        let end = start + Duration::days(240 + (rng.next() * 300.0) as i64);
        // The over-capacity ministry asks for a lot.
        let pm = if ministry == "MININT" { 30.0 } else { 6.0 } + rng.next() * 24.0;
        let fields = ApplicationFields {
            organisation_id: org,
            window_id: w.id,
            title: format!(
                "{} — {} ({})",
                OBJECTS[k % OBJECTS.len()],
                w.theme.to_lowercase(),
                k + 1
            ),
            description: format!("Projet déposé au guichet {} par {ministry}.", w.code),
            total_cost: Euros(cost),
            requested: Euros(requested),
            project_id: None,
            inventory_id: None,
            planned_start: start,
            planned_end: end,
            submitted_on: submitted,
            workload: workload(start, end, pm),
        }
        .validated(w)?;
        let a = applications::create(tx, ctx, &fields).await?;
        n += 1;
        let reviewed = submitted + Duration::days(5 + (rng.next() * 20.0) as i64);
        if reviewed > today {
            continue;
        }
        let mut a = applications::decide(
            tx,
            ctx,
            a.id,
            a.version,
            &applications::Decision {
                status: Status::UnderReview,
                date: reviewed,
                granted: None,
                motive: String::new(),
            },
        )
        .await?;
        let decided = reviewed + Duration::days(20 + (rng.next() * 90.0) as i64);
        if decided > today {
            continue;
        }
        let roll = rng.next();
        let (status, granted, motive) = if roll < 0.04 {
            (
                Status::Withdrawn,
                None,
                "Retiré par le ministère".to_owned(),
            )
        } else if roll < 0.04 + call.grant_rate * 0.96 {
            let g = (requested as f64 * (0.8 + rng.next() * 0.2)).round() as i64;
            (
                Status::Granted,
                Some(Euros(g)),
                "Projet retenu par le comité de sélection".to_owned(),
            )
        } else {
            (
                Status::Rejected,
                None,
                "Impact insuffisant au regard des critères du guichet".to_owned(),
            )
        };
        a = applications::decide(
            tx,
            ctx,
            a.id,
            a.version,
            &applications::Decision {
                status,
                date: decided,
                granted,
                motive,
            },
        )
        .await?;
        let Some(granted) = a.granted else { continue };
        // AE engaged within two months; CP paid in instalments over the
        // planned duration, a quarter of the files trailing behind.
        let engaged_on = decided + Duration::days(15 + (rng.next() * 45.0) as i64);
        if engaged_on <= today {
            movements::record(
                tx,
                ctx,
                &Movement {
                    application_id: a.id,
                    kind: MovementKind::Commitment,
                    date: engaged_on,
                    amount: granted,
                    reference: format!("EJ-{}-{:05}", engaged_on.year(), a.id),
                },
            )
            .await?;
            let slow = rng.next() < 0.25;
            let steps = 4;
            let mut paid = 0i64;
            for i in 1..=steps {
                let due = start + Duration::days((end - start).whole_days() * i / steps);
                let due = if slow { due + Duration::days(200) } else { due };
                if due > today || due < engaged_on {
                    continue;
                }
                let amount = if i == steps {
                    granted.0 - paid
                } else {
                    granted.0 / steps
                };
                paid += amount;
                movements::record(
                    tx,
                    ctx,
                    &Movement {
                        application_id: a.id,
                        kind: MovementKind::Payment,
                        date: due,
                        amount: Euros(amount),
                        reference: format!("DP-{}-{:05}-{i}", due.year(), a.id),
                    },
                )
                .await?;
            }
        }
    }
    Ok(n)
}

async fn windows_of(
    tx: &mut Tx,
    ctx: &AuditCtx,
    fund: &Fund,
    list: &[(&str, &str, f64)],
    opens: Date,
    closes: Date,
) -> anyhow::Result<Vec<Window>> {
    let mut out = Vec::new();
    for (code, theme, rate) in list {
        let w = Window {
            id: 0,
            fund_id: fund.id,
            code: (*code).into(),
            theme: (*theme).into(),
            max_rate: *rate,
            min_size: Some(Euros(100_000)),
            max_size: None,
            opens,
            closes,
            delivery_months: 18,
            version: 1,
        };
        out.push(funding::create_window(tx, ctx, &w).await?);
    }
    Ok(out)
}

pub(crate) async fn seed(
    tx: &mut Tx,
    ctx: &AuditCtx,
    orgs: &HashMap<&str, OrgId>,
    today: Date,
) -> anyhow::Result<usize> {
    let mut rng = Lcg(0xF0_4D1E_5EED);
    let relance = funding::create_fund(
        tx,
        ctx,
        &Fund {
            id: 0,
            code: "RELANCE-TNET".into(),
            name: "France Relance — Transformation numérique de l'État et des territoires".into(),
            programme: "363".into(),
            envelope: Euros(500_000_000),
            start: date(2021, Month::January, 1),
            end: date(2022, Month::December, 31),
            rules:
                "Résultats concrets sous 18 mois ; services de l'État, opérateurs et collectivités."
                    .into(),
            decision_target_days: 60,
            version: 1,
        },
    )
    .await?;
    let this_year = today.year();
    let ftap = funding::create_fund(
        tx,
        ctx,
        &Fund {
            id: 0,
            code: format!("FTAP-{}", this_year - 1),
            name: format!(
                "Fonds pour la transformation de l'action publique — appel {}",
                this_year - 1
            ),
            programme: "349".into(),
            envelope: Euros(80_000_000),
            start: date(this_year - 1, Month::January, 1),
            end: date(this_year + 1, Month::December, 31),
            rules: "Contrat de transformation ; 1 € investi, 1 € d'économies pérennes à 3 ans."
                .into(),
            decision_target_days: 60,
            version: 1,
        },
    )
    .await?;
    let relance_windows = windows_of(
        tx,
        ctx,
        &relance,
        &RELANCE_WINDOWS,
        date(2021, Month::January, 4),
        date(2021, Month::December, 15),
    )
    .await?;
    let ftap_open = date(this_year - 1, Month::September, 1);
    let ftap_windows = windows_of(
        tx,
        ctx,
        &ftap,
        &FTAP_WINDOWS,
        ftap_open,
        date(this_year + 1, Month::March, 31),
    )
    .await?;
    let mut n = run_call(
        tx,
        ctx,
        orgs,
        &Call {
            windows: relance_windows,
            opens: date(2021, Month::January, 4),
            closes: date(2021, Month::December, 15),
            count: 220,
            grant_rate: 0.66,
        },
        today,
        &mut rng,
    )
    .await?;
    n += run_call(
        tx,
        ctx,
        orgs,
        &Call {
            windows: ftap_windows,
            opens: ftap_open,
            closes: today,
            count: 110,
            grant_rate: 0.55,
        },
        today,
        &mut rng,
    )
    .await?;
    // Capacities: most ministries comfortable; MININT short.
    for (i, code) in MINISTRIES.iter().enumerate() {
        let Some(&org) = orgs.get(code) else { continue };
        let base = if *code == "MININT" {
            60.0
        } else {
            140.0 + 20.0 * (i % 4) as f64
        };
        for s in Semester::range(
            Semester {
                year: 2021,
                half: 1,
            },
            Semester {
                year: this_year + 1,
                half: 2,
            },
        ) {
            capacities::set(
                tx,
                ctx,
                &Capacity {
                    organisation_id: org,
                    semester: s,
                    capacity: base,
                    committed: (base * (0.3 + rng.next() * 0.2)).round(),
                },
                None,
            )
            .await?;
        }
    }
    Ok(n)
}
