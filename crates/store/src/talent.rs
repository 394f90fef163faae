//! Digital-talent repository: HR returns, one per organisation, region and
//! period, audited field by field. The salary grid lives in
//! [`crate::salary_grids`].

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::money::Euros;
use cosinum_domain::talent::hr_return::{ExitReasons, HrReturn};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};

pub const OBJECT_TYPE: &str = "hr_return";

macro_rules! cols {
    () => {
        "id, version, organisation_id, region, period, headcount_start, headcount_end, contract_start, contract_end, \
         entries, exits, exits_retirement, exits_resignation, exits_end_of_contract, exits_mobility, positions_opened, \
         vacant_end, median_days_to_fill, external_fte, external_spend"
    };
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    version: i64,
    organisation_id: i64,
    region: String,
    period: String,
    headcount_start: i64,
    headcount_end: i64,
    contract_start: Option<i64>,
    contract_end: Option<i64>,
    entries: i64,
    exits: i64,
    exits_retirement: Option<i64>,
    exits_resignation: Option<i64>,
    exits_end_of_contract: Option<i64>,
    exits_mobility: Option<i64>,
    positions_opened: i64,
    vacant_end: i64,
    median_days_to_fill: Option<i64>,
    external_fte: Option<f64>,
    external_spend: Option<i64>,
}

/// A return as stored, with its identity and version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredReturn {
    pub id: i64,
    pub version: i64,
    #[serde(flatten)]
    pub r: HrReturn,
}

fn u(x: i64) -> u32 {
    u32::try_from(x).unwrap_or(0)
}

fn ou(x: Option<i64>) -> Option<u32> {
    x.map(u)
}

impl Row {
    fn into_stored(self) -> StoredReturn {
        StoredReturn {
            id: self.id,
            version: self.version,
            r: HrReturn {
                organisation_id: OrgId(self.organisation_id),
                region: self.region,
                period: self.period,
                headcount_start: u(self.headcount_start),
                headcount_end: u(self.headcount_end),
                contract_start: ou(self.contract_start),
                contract_end: ou(self.contract_end),
                entries: u(self.entries),
                exits: u(self.exits),
                exit_reasons: ExitReasons {
                    retirement: ou(self.exits_retirement),
                    resignation: ou(self.exits_resignation),
                    end_of_contract: ou(self.exits_end_of_contract),
                    mobility: ou(self.exits_mobility),
                },
                positions_opened: u(self.positions_opened),
                vacant_end: u(self.vacant_end),
                median_days_to_fill: ou(self.median_days_to_fill),
                external_fte: self.external_fte,
                external_spend: self.external_spend.map(Euros),
            },
        }
    }
}

/// Every return with its id and version, by period then organisation and region.
pub async fn stored_returns(db: &Db) -> StoreResult<Vec<StoredReturn>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(
        concat!("SELECT ", cols!(), " FROM hr_returns ORDER BY period, organisation_id, region"))
        .fetch_all(p).await)?;
    Ok(rows.into_iter().map(Row::into_stored).collect())
}

/// Every return, in a transaction (campaigns read them while opening).
pub(crate) async fn stored_returns_in_tx(tx: &mut Tx) -> StoreResult<Vec<StoredReturn>> {
    let rows: Vec<Row> = on_tx!(tx, c => sqlx::query_as(
        concat!("SELECT ", cols!(), " FROM hr_returns ORDER BY period, organisation_id, region"))
        .fetch_all(c).await)?;
    Ok(rows.into_iter().map(Row::into_stored).collect())
}

/// Every return, by period then organisation and region.
///
/// The talent dashboard keeps the list, so it is built at its size, row by
/// row as they come (issue #11): fetched whole, the rows (three times the
/// size of the returns: 46 MiB for 144,000 returns at N=1000) were held
/// while they were converted, and the list collected in place kept their
/// allocation.
pub async fn returns(db: &Db) -> StoreResult<Vec<HrReturn>> {
    let (count,): (i64,) = on_pool!(db, p => sqlx::query_as("SELECT COUNT(*) FROM hr_returns")
        .fetch_one(p).await)?;
    // A return written between the count and the read only grows the list.
    let mut returns = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    each_return(db, |r| returns.push(r)).await?;
    returns.shrink_to_fit();
    Ok(returns)
}

/// Gives every return to `f`, by period then organisation and region, one
/// at a time: what sums them holds none of them.
pub async fn each_return(db: &Db, mut f: impl FnMut(HrReturn)) -> StoreResult<()> {
    use futures_util::TryStreamExt;
    on_pool!(db, p => {
        let mut rows = sqlx::query_as::<_, Row>(concat!(
            "SELECT ", cols!(), " FROM hr_returns ORDER BY period, organisation_id, region"))
            .fetch(p);
        while let Some(row) = rows.try_next().await? {
            f(row.into_stored().r);
        }
    });
    Ok(())
}

/// One return.
pub async fn get(db: &Db, id: i64) -> StoreResult<StoredReturn> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(
        concat!("SELECT ", cols!(), " FROM hr_returns WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    row.map(Row::into_stored).ok_or(StoreError::NotFound)
}

/// One return, in a transaction.
pub(crate) async fn get_in_tx(tx: &mut Tx, id: i64) -> StoreResult<StoredReturn> {
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(
        concat!("SELECT ", cols!(), " FROM hr_returns WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    row.map(Row::into_stored).ok_or(StoreError::NotFound)
}

/// The audited view of a return: every field a person can change.
fn view(r: &HrReturn) -> Value {
    json!({"region": r.region, "period": r.period, "headcount_start": r.headcount_start, "headcount_end": r.headcount_end,
        "contract_start": r.contract_start, "contract_end": r.contract_end, "entries": r.entries, "exits": r.exits,
        "exits_retirement": r.exit_reasons.retirement, "exits_resignation": r.exit_reasons.resignation,
        "exits_end_of_contract": r.exit_reasons.end_of_contract, "exits_mobility": r.exit_reasons.mobility,
        "positions_opened": r.positions_opened, "vacant_end": r.vacant_end, "median_days_to_fill": r.median_days_to_fill,
        "external_fte": r.external_fte, "external_spend": r.external_spend})
}

/// How a write meets an existing return of the same organisation, region and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Create or replace (imports, whose preview showed the change).
    Upsert,
    /// Create only: an existing return is a duplicate (the "new return" form).
    Create,
    /// Replace the return read at this version (the edit form).
    UpdateAt(i64),
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub id: i64,
    pub version: i64,
    pub changed: bool,
}

/// Records a return (validated here). The key (organisation, region,
/// period) is the return's identity: an edit cannot move it.
pub async fn record(
    tx: &mut Tx,
    ctx: &AuditCtx,
    r: &HrReturn,
    mode: Mode,
) -> StoreResult<Recorded> {
    let r = r.validated()?;
    let before: Option<Row> = on_tx!(tx, c => sqlx::query_as(
        concat!("SELECT ", cols!(), " FROM hr_returns WHERE organisation_id = $1 AND region = $2 AND period = $3"))
        .bind(r.organisation_id.0).bind(&r.region).bind(&r.period).fetch_optional(c).await)?;
    let before = before.map(Row::into_stored);
    match (&before, mode) {
        (Some(_), Mode::Create) => {
            return Err(StoreError::Duplicate {
                field: "period".into(),
            });
        }
        (None, Mode::UpdateAt(_)) => return Err(StoreError::NotFound),
        (Some(b), Mode::UpdateAt(v)) if b.version != v => {
            return Err(StoreError::Conflict {
                expected: v,
                current: b.version,
            });
        }
        _ => {}
    }
    let now = OffsetDateTime::now_utc();
    let n = |x: u32| i64::from(x);
    let on = |x: Option<u32>| x.map(i64::from);
    let e = r.exit_reasons;
    let Some(b) = before else {
        let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
            "INSERT INTO hr_returns (organisation_id, region, period, headcount_start, headcount_end, contract_start, contract_end, \
             entries, exits, exits_retirement, exits_resignation, exits_end_of_contract, exits_mobility, positions_opened, \
             vacant_end, median_days_to_fill, external_fte, external_spend, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $19, $19) RETURNING id")
            .bind(r.organisation_id.0).bind(&r.region).bind(&r.period).bind(n(r.headcount_start)).bind(n(r.headcount_end))
            .bind(on(r.contract_start)).bind(on(r.contract_end)).bind(n(r.entries)).bind(n(r.exits))
            .bind(on(e.retirement)).bind(on(e.resignation)).bind(on(e.end_of_contract)).bind(on(e.mobility))
            .bind(n(r.positions_opened)).bind(n(r.vacant_end)).bind(on(r.median_days_to_fill)).bind(r.external_fte)
            .bind(r.external_spend.map(|x| x.0)).bind(now)
            .fetch_one(c).await).map_err(StoreError::unique("period"))?;
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
        return Ok(Recorded {
            id,
            version: 1,
            changed: true,
        });
    };
    if b.r == r {
        return Ok(Recorded {
            id: b.id,
            version: b.version,
            changed: false,
        });
    }
    let updated: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE hr_returns SET headcount_start = $1, headcount_end = $2, contract_start = $3, contract_end = $4, entries = $5, \
         exits = $6, exits_retirement = $7, exits_resignation = $8, exits_end_of_contract = $9, exits_mobility = $10, \
         positions_opened = $11, vacant_end = $12, median_days_to_fill = $13, external_fte = $14, external_spend = $15, \
         version = version + 1, updated_at = $16 WHERE id = $17 AND version = $18 RETURNING version")
        .bind(n(r.headcount_start)).bind(n(r.headcount_end)).bind(on(r.contract_start)).bind(on(r.contract_end))
        .bind(n(r.entries)).bind(n(r.exits)).bind(on(e.retirement)).bind(on(e.resignation)).bind(on(e.end_of_contract))
        .bind(on(e.mobility)).bind(n(r.positions_opened)).bind(n(r.vacant_end)).bind(on(r.median_days_to_fill))
        .bind(r.external_fte).bind(r.external_spend.map(|x| x.0)).bind(now).bind(b.id).bind(b.version)
        .fetch_optional(c).await)?;
    // A concurrent writer got there between the read and the write.
    let Some((version,)) = updated else {
        return Err(StoreError::Conflict {
            expected: b.version,
            current: b.version + 1,
        });
    };
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        b.id,
        version,
        AuditAction::Update,
        &diff(&view(&b.r), &view(&r)),
    )
    .await?;
    Ok(Recorded {
        id: b.id,
        version,
        changed: true,
    })
}
