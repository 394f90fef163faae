//! Demo HR returns: every demo ministry, three job-market regions, the last
//! four years, with the contrasts the COSINUM discussed — a ministry whose
//! turnover is too high (MININT), one whose turnover is low while it
//! outsources heavily (MEF), the others around the public service's usual
//! 8–15 % (CTR §B.3).

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::talent::rates::HrReturn;
use time::Date;

use crate::audit::AuditCtx;
use crate::db::Tx;
use crate::demo::Lcg;
use crate::talent;

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
                talent::record(
                    tx,
                    ctx,
                    &HrReturn {
                        organisation_id: org,
                        region: region.into(),
                        period: year.to_string(),
                        headcount_start: start,
                        headcount_end: end,
                        entries,
                        exits,
                        positions_opened: opened,
                        vacant_end: opened - entries,
                        external_fte: Some(
                            (end as f64 * external / (1.0 - external) * 10.0).round() / 10.0,
                        ),
                    },
                )
                .await?;
                headcount = end as f64;
                n += 1;
            }
        }
    }
    Ok(n)
}
