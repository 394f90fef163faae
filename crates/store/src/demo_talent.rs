//! Demo HR returns: every demo ministry, three job-market regions, the last
//! four years, with the contrasts the COSINUM discussed — a ministry whose
//! turnover is too high (MININT), one whose turnover is low while it
//! outsources heavily (MEF), the others around the public service's usual
//! 8–15 % (CTR §B.3).

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::money::Euros;
use cosinum_domain::talent::hr_return::{ExitReasons, HrReturn};
use cosinum_domain::talent::salary::{Grid, GridCell};
use time::Date;
use time::macros::date;

use crate::audit::AuditCtx;
use crate::db::Tx;
use crate::demo::Lcg;
use crate::{salary_grids, talent};

const MINISTRIES: [&str; 12] = [
    "MININT", "MEF", "MJ", "MINARM", "MENJ", "MTE", "MTSS", "MC", "MASA", "MEAE", "MTFP", "MESR",
];
const REGIONS: [(&str, f64); 3] = [
    ("Île-de-France", 1.0),
    ("Auvergne-Rhône-Alpes", 0.35),
    ("Occitanie", 0.25),
];

pub(crate) async fn seed(
    tx: &mut Tx,
    ctx: &AuditCtx,
    orgs: &HashMap<&str, OrgId>,
    today: Date,
) -> anyhow::Result<usize> {
    let mut rng = Lcg(0x7A1E_4750);
    let mut n = 0;
    for (k, code) in MINISTRIES.iter().enumerate() {
        let Some(&org) = orgs.get(code) else { continue };
        let (turnover, external) = match *code {
            "MININT" => (0.26, 0.15),
            "MEF" => (0.035, 0.55),
            _ => (
                0.08 + 0.07 * ((k * 7) % 5) as f64 / 4.0,
                0.1 + 0.25 * ((k * 3) % 4) as f64 / 3.0,
            ),
        };
        for (region, size) in REGIONS {
            let mut headcount = (120.0 + 200.0 * rng.next()) * size;
            for year in today.year() - 4..today.year() {
                let start = headcount.round() as u32;
                let t = turnover * (0.85 + 0.3 * rng.next());
                let exits = (start as f64 * t).round() as u32;
                let entries = (start as f64 * t * (0.95 + 0.15 * rng.next())).round() as u32;
                let end = (start + entries).saturating_sub(exits);
                let opened = entries + (start as f64 * (0.03 + 0.06 * rng.next())).round() as u32;
                // Contract staff: a third to a half, more of them among exits.
                let contract = 0.33 + 0.17 * ((k * 5) % 4) as f64 / 3.0;
                let part = |n: u32, share: f64| (n as f64 * share).round() as u32;
                let external_fte = (end as f64 * external / (1.0 - external) * 10.0).round() / 10.0;
                let r = HrReturn {
                    organisation_id: org,
                    region: region.into(),
                    period: year.to_string(),
                    headcount_start: start,
                    headcount_end: end,
                    contract_start: Some(part(start, contract)),
                    contract_end: Some(part(end, contract)),
                    entries,
                    exits,
                    // Cumulative shares 15 %, 50 %, 80 %, 95 %: rounding
                    // never makes the reasons exceed the exits.
                    exit_reasons: ExitReasons {
                        retirement: Some(part(exits, 0.15)),
                        resignation: Some(part(exits, 0.5) - part(exits, 0.15)),
                        end_of_contract: Some(part(exits, 0.8) - part(exits, 0.5)),
                        mobility: Some(part(exits, 0.95) - part(exits, 0.8)),
                    },
                    positions_opened: opened,
                    vacant_end: opened - entries,
                    median_days_to_fill: Some(
                        (60.0 + 90.0 * rng.next() * size.max(0.5)).round() as u32
                    ),
                    external_fte: Some(external_fte),
                    // About 800 € a day for 200 days per external FTE.
                    external_spend: Euros::from_meur(external_fte * 0.16),
                };
                talent::record(tx, ctx, &r, talent::Mode::Upsert).await?;
                headcount = end as f64;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Jobs of the grid, with a market reference (annual gross, euros) for the
/// most junior band. Illustrative: the official amounts are published on
/// data.gouv.fr and imported with `cosinum import grille` (CTR §B.2, §D.2).
const JOBS: [(&str, i64); 12] = [
    ("Administrateur systèmes et réseaux", 38_000),
    ("Architecte technique", 52_000),
    ("Chef de projet maîtrise d'œuvre", 45_000),
    ("Data analyst", 42_000),
    ("Data scientist", 46_000),
    ("Designer UX/UI", 40_000),
    ("Développeur", 38_000),
    ("Expert en sécurité des systèmes d'information", 50_000),
    ("Ingénieur DevOps", 44_000),
    ("Product owner", 46_000),
    (
        "Responsable de la sécurité des systèmes d'information",
        58_000,
    ),
    ("Urbaniste des systèmes d'information", 54_000),
];

/// The two versions of the grid (CTR §B.2): December 2021, a threshold per
/// job and three experience bands; January 2024, a low–high range per job
/// and four bands, with a variable part up to 20 %. Amounts illustrative.
pub(crate) async fn seed_grids(tx: &mut Tx, ctx: &AuditCtx) -> anyhow::Result<usize> {
    let round = |x: f64| ((x / 100.0).round() * 100.0) as i64;
    let source = "Démonstration : métiers réels, montants illustratifs (la grille officielle est publiée sur data.gouv.fr)";
    let g2021 = Grid {
        version: "2021-12".into(),
        valid_from: date!(2021 - 12 - 15),
        variable_max: None,
        source: source.into(),
        cells: JOBS
            .iter()
            .flat_map(|(job, base)| {
                [
                    ("moins de 5 ans", 1.0),
                    ("5 à 10 ans", 1.3),
                    ("plus de 10 ans", 1.65),
                ]
                .map(|(band, k)| GridCell {
                    job: (*job).into(),
                    band: band.into(),
                    low: None,
                    high: round(*base as f64 * k).min(102_000),
                })
            })
            .collect(),
    };
    let g2024 = Grid {
        version: "2024-01".into(),
        valid_from: date!(2024 - 01 - 03),
        variable_max: Some(0.2),
        source: source.into(),
        cells: JOBS
            .iter()
            .flat_map(|(job, base)| {
                [
                    ("0 à 3 ans", 1.1),
                    ("3 à 6 ans", 1.3),
                    ("6 à 10 ans", 1.55),
                    ("plus de 10 ans", 1.8),
                ]
                .map(|(band, k)| {
                    let mid = *base as f64 * k;
                    GridCell {
                        job: (*job).into(),
                        band: band.into(),
                        low: Some(round(mid * 0.87)),
                        high: round(mid * 1.12),
                    }
                })
            })
            .collect(),
    };
    for g in [&g2021, &g2024] {
        salary_grids::store(tx, ctx, g).await?;
    }
    Ok(g2021.cells.len() + g2024.cells.len())
}
