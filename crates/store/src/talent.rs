//! Digital-talent repository: HR returns, one per organisation, region and
//! period; recording one again replaces it (audited, field by field).

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::talent::rates::HrReturn;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::StoreResult;

pub const OBJECT_TYPE: &str = "hr_return";

type Row = (
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<f64>,
);

fn u(x: i64) -> u32 {
    u32::try_from(x).unwrap_or(0)
}

/// Every return, by period then organisation and region.
pub async fn returns(db: &Db) -> StoreResult<Vec<HrReturn>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, organisation_id, region, period, headcount_start, headcount_end, entries, exits, positions_opened, \
         vacant_end, external_fte FROM hr_returns ORDER BY period, organisation_id, region")
        .fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| HrReturn {
            organisation_id: OrgId(r.1),
            region: r.2,
            period: r.3,
            headcount_start: u(r.4),
            headcount_end: u(r.5),
            entries: u(r.6),
            exits: u(r.7),
            positions_opened: u(r.8),
            vacant_end: u(r.9),
            external_fte: r.10,
        })
        .collect())
}

fn view(r: &HrReturn) -> Value {
    json!({"region": r.region, "period": r.period, "headcount_start": r.headcount_start, "headcount_end": r.headcount_end,
        "entries": r.entries, "exits": r.exits, "positions_opened": r.positions_opened, "vacant_end": r.vacant_end,
        "external_fte": r.external_fte})
}

/// Records a return, replacing the one of the same organisation, region and
/// period. Returns whether anything changed.
pub async fn record(tx: &mut Tx, ctx: &AuditCtx, r: &HrReturn) -> StoreResult<bool> {
    let region = cosinum_domain::validation::required_text("region", &r.region, 100)?;
    if cosinum_domain::funding::Semester::parse(&r.period).is_none()
        && !(r.period.len() == 4 && r.period.parse::<u16>().is_ok())
    {
        return Err(cosinum_domain::ValidationError::new(
            "period",
            "période attendue : une année (2024) ou un semestre (2024S1)",
        )
        .into());
    }
    if r.external_fte.is_some_and(|x| !x.is_finite() || x < 0.0) {
        return Err(cosinum_domain::ValidationError::new(
            "external_fte",
            "nombre d'ETP externes positif attendu",
        )
        .into());
    }
    let r = HrReturn {
        region,
        ..r.clone()
    };
    let before: Option<Row> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, organisation_id, region, period, headcount_start, headcount_end, entries, exits, positions_opened, \
         vacant_end, external_fte FROM hr_returns WHERE organisation_id = $1 AND region = $2 AND period = $3")
        .bind(r.organisation_id.0).bind(&r.region).bind(&r.period).fetch_optional(c).await)?;
    let now = OffsetDateTime::now_utc();
    let n = |x: u32| i64::from(x);
    match before {
        None => {
            let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
                "INSERT INTO hr_returns (organisation_id, region, period, headcount_start, headcount_end, entries, exits, \
                 positions_opened, vacant_end, external_fte, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) RETURNING id")
                .bind(r.organisation_id.0).bind(&r.region).bind(&r.period).bind(n(r.headcount_start)).bind(n(r.headcount_end))
                .bind(n(r.entries)).bind(n(r.exits)).bind(n(r.positions_opened)).bind(n(r.vacant_end)).bind(r.external_fte).bind(now)
                .fetch_one(c).await)?;
            audit::record(
                tx,
                ctx,
                OBJECT_TYPE,
                id,
                1,
                AuditAction::Create,
                &diff(&Value::Null, &view(&r)),
            )
            .await?;
            Ok(true)
        }
        Some(b) => {
            let old = HrReturn {
                organisation_id: OrgId(b.1),
                region: b.2.clone(),
                period: b.3.clone(),
                headcount_start: u(b.4),
                headcount_end: u(b.5),
                entries: u(b.6),
                exits: u(b.7),
                positions_opened: u(b.8),
                vacant_end: u(b.9),
                external_fte: b.10,
            };
            if old == r {
                return Ok(false);
            }
            let (version,): (i64,) = on_tx!(tx, c => sqlx::query_as(
                "UPDATE hr_returns SET headcount_start = $1, headcount_end = $2, entries = $3, exits = $4, positions_opened = $5, \
                 vacant_end = $6, external_fte = $7, version = version + 1, updated_at = $8 WHERE id = $9 RETURNING version")
                .bind(n(r.headcount_start)).bind(n(r.headcount_end)).bind(n(r.entries)).bind(n(r.exits))
                .bind(n(r.positions_opened)).bind(n(r.vacant_end)).bind(r.external_fte).bind(now).bind(b.0)
                .fetch_one(c).await)?;
            audit::record(
                tx,
                ctx,
                OBJECT_TYPE,
                b.0,
                version,
                AuditAction::Update,
                &diff(&view(&old), &view(&r)),
            )
            .await?;
            Ok(true)
        }
    }
}
