//! Funding repository: funds and windows (this file), applications and
//! their decisions, credit movements, delivery capacities. Every write is
//! audited in the caller's transaction; versions guard against lost updates.

pub mod applications;
pub mod capacities;
pub mod movements;

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::funding::{Fund, Window};
use cosinum_domain::money::Euros;
use cosinum_domain::validation::required_text;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const FUND_TYPE: &str = "fund";
pub const WINDOW_TYPE: &str = "funding_window";

#[derive(sqlx::FromRow)]
struct FundRow {
    id: i64,
    code: String,
    name: String,
    programme: String,
    envelope: i64,
    start_date: Date,
    end_date: Date,
    rules: String,
    decision_target_days: i64,
    version: i64,
}

impl FundRow {
    fn into_domain(self) -> Fund {
        Fund {
            id: self.id,
            code: self.code,
            name: self.name,
            programme: self.programme,
            envelope: Euros(self.envelope),
            start: self.start_date,
            end: self.end_date,
            rules: self.rules,
            decision_target_days: u32::try_from(self.decision_target_days).unwrap_or(0),
            version: self.version,
        }
    }
}

macro_rules! fund_cols {
    () => {
        "id, code, name, programme, envelope, start_date, end_date, rules, decision_target_days, version"
    };
}

fn fund_view(f: &Fund) -> Value {
    json!({"code": f.code, "name": f.name, "programme": f.programme, "envelope": f.envelope.0,
        "start": f.start.to_string(), "end": f.end.to_string(), "rules": f.rules,
        "decision_target_days": f.decision_target_days})
}

/// Checks a fund's fields.
pub fn validate_fund(mut f: Fund) -> StoreResult<Fund> {
    f.code = required_text("code", &f.code, 40)?.to_uppercase();
    f.name = required_text("name", &f.name, 300)?;
    f.programme = f.programme.trim().to_owned();
    if f.envelope.0 <= 0 {
        return Err(cosinum_domain::ValidationError::new(
            "envelope",
            "l'enveloppe doit être positive",
        )
        .into());
    }
    if f.end < f.start {
        return Err(cosinum_domain::ValidationError::new("end", "la fin précède le début").into());
    }
    Ok(f)
}

pub async fn funds(db: &Db) -> StoreResult<Vec<Fund>> {
    let rows: Vec<FundRow> = on_pool!(db, p => sqlx::query_as(concat!("SELECT ", fund_cols!(), " FROM funds ORDER BY start_date, code"))
        .fetch_all(p).await)?;
    Ok(rows.into_iter().map(FundRow::into_domain).collect())
}

pub async fn create_fund(tx: &mut Tx, ctx: &AuditCtx, f: &Fund) -> StoreResult<Fund> {
    let f = validate_fund(f.clone())?;
    let now = OffsetDateTime::now_utc();
    let row: FundRow = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO funds (code, name, programme, envelope, start_date, end_date, rules, decision_target_days, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING ", fund_cols!()))
        .bind(&f.code).bind(&f.name).bind(&f.programme).bind(f.envelope.0).bind(f.start).bind(f.end).bind(&f.rules)
        .bind(i64::from(f.decision_target_days)).bind(now)
        .fetch_one(c).await)
    .map_err(StoreError::unique("code"))?;
    let fund = row.into_domain();
    audit::record(
        tx,
        ctx,
        FUND_TYPE,
        fund.id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &fund_view(&fund)),
    )
    .await?;
    Ok(fund)
}

pub async fn update_fund(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    f: &Fund,
) -> StoreResult<Fund> {
    let f = validate_fund(f.clone())?;
    let before: Option<FundRow> = on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", fund_cols!(), " FROM funds WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    let before = before.ok_or(StoreError::NotFound)?.into_domain();
    check_version(expected_version, before.version)?;
    let row: Option<FundRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE funds SET code = $1, name = $2, programme = $3, envelope = $4, start_date = $5, end_date = $6, rules = $7, \
         decision_target_days = $8, version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11 RETURNING ", fund_cols!()))
        .bind(&f.code).bind(&f.name).bind(&f.programme).bind(f.envelope.0).bind(f.start).bind(f.end).bind(&f.rules)
        .bind(i64::from(f.decision_target_days)).bind(OffsetDateTime::now_utc()).bind(id).bind(expected_version)
        .fetch_optional(c).await)
    .map_err(StoreError::unique("code"))?;
    let after = stale_if_none(row, expected_version, before.version)?.into_domain();
    audit::record(
        tx,
        ctx,
        FUND_TYPE,
        id,
        after.version,
        AuditAction::Update,
        &diff(&fund_view(&before), &fund_view(&after)),
    )
    .await?;
    Ok(after)
}

#[derive(sqlx::FromRow)]
struct WindowRow {
    id: i64,
    fund_id: i64,
    code: String,
    theme: String,
    max_rate: f64,
    min_size: Option<i64>,
    max_size: Option<i64>,
    opens: Date,
    closes: Date,
    delivery_months: i64,
    version: i64,
}

impl WindowRow {
    fn into_domain(self) -> Window {
        Window {
            id: self.id,
            fund_id: self.fund_id,
            code: self.code,
            theme: self.theme,
            max_rate: self.max_rate,
            min_size: self.min_size.map(Euros),
            max_size: self.max_size.map(Euros),
            opens: self.opens,
            closes: self.closes,
            delivery_months: u32::try_from(self.delivery_months).unwrap_or(0),
            version: self.version,
        }
    }
}

macro_rules! window_cols {
    () => {
        "id, fund_id, code, theme, max_rate, min_size, max_size, opens, closes, delivery_months, version"
    };
}

fn window_view(w: &Window) -> Value {
    json!({"fund_id": w.fund_id, "code": w.code, "theme": w.theme, "max_rate": w.max_rate,
        "min_size": w.min_size.map(|e| e.0), "max_size": w.max_size.map(|e| e.0),
        "opens": w.opens.to_string(), "closes": w.closes.to_string(), "delivery_months": w.delivery_months})
}

/// Checks a window's fields.
pub fn validate_window(mut w: Window) -> StoreResult<Window> {
    use cosinum_domain::ValidationError;
    w.code = required_text("code", &w.code, 40)?.to_uppercase();
    w.theme = required_text("theme", &w.theme, 300)?;
    if !(w.max_rate > 0.0 && w.max_rate <= 1.0) {
        return Err(ValidationError::new(
            "max_rate",
            "le taux de cofinancement est entre 0 et 100 %",
        )
        .into());
    }
    if let (Some(a), Some(b)) = (w.min_size, w.max_size)
        && b < a
    {
        return Err(ValidationError::new(
            "max_size",
            "la taille maximale est inférieure à la minimale",
        )
        .into());
    }
    if w.closes < w.opens {
        return Err(ValidationError::new("closes", "la clôture précède l'ouverture").into());
    }
    Ok(w)
}

pub async fn windows(db: &Db) -> StoreResult<Vec<Window>> {
    let rows: Vec<WindowRow> = on_pool!(db, p => sqlx::query_as(concat!("SELECT ", window_cols!(), " FROM funding_windows ORDER BY code"))
        .fetch_all(p).await)?;
    Ok(rows.into_iter().map(WindowRow::into_domain).collect())
}

pub async fn window(db: &Db, id: i64) -> StoreResult<Window> {
    let row: Option<WindowRow> = on_pool!(db, p => sqlx::query_as(concat!("SELECT ", window_cols!(), " FROM funding_windows WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    Ok(row.ok_or(StoreError::NotFound)?.into_domain())
}

pub async fn create_window(tx: &mut Tx, ctx: &AuditCtx, w: &Window) -> StoreResult<Window> {
    let w = validate_window(w.clone())?;
    let now = OffsetDateTime::now_utc();
    let row: WindowRow = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO funding_windows (fund_id, code, theme, max_rate, min_size, max_size, opens, closes, delivery_months, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) RETURNING ", window_cols!()))
        .bind(w.fund_id).bind(&w.code).bind(&w.theme).bind(w.max_rate).bind(w.min_size.map(|e| e.0)).bind(w.max_size.map(|e| e.0))
        .bind(w.opens).bind(w.closes).bind(i64::from(w.delivery_months)).bind(now)
        .fetch_one(c).await)
    .map_err(StoreError::unique("code"))?;
    let window = row.into_domain();
    audit::record(
        tx,
        ctx,
        WINDOW_TYPE,
        window.id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &window_view(&window)),
    )
    .await?;
    Ok(window)
}

pub async fn update_window(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    w: &Window,
) -> StoreResult<Window> {
    let w = validate_window(w.clone())?;
    let before: Option<WindowRow> = on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", window_cols!(), " FROM funding_windows WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    let before = before.ok_or(StoreError::NotFound)?.into_domain();
    check_version(expected_version, before.version)?;
    let row: Option<WindowRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE funding_windows SET fund_id = $1, code = $2, theme = $3, max_rate = $4, min_size = $5, max_size = $6, opens = $7, \
         closes = $8, delivery_months = $9, version = version + 1, updated_at = $10 WHERE id = $11 AND version = $12 RETURNING ", window_cols!()))
        .bind(w.fund_id).bind(&w.code).bind(&w.theme).bind(w.max_rate).bind(w.min_size.map(|e| e.0)).bind(w.max_size.map(|e| e.0))
        .bind(w.opens).bind(w.closes).bind(i64::from(w.delivery_months)).bind(OffsetDateTime::now_utc()).bind(id).bind(expected_version)
        .fetch_optional(c).await)
    .map_err(StoreError::unique("code"))?;
    let after = stale_if_none(row, expected_version, before.version)?.into_domain();
    audit::record(
        tx,
        ctx,
        WINDOW_TYPE,
        id,
        after.version,
        AuditAction::Update,
        &diff(&window_view(&before), &window_view(&after)),
    )
    .await?;
    Ok(after)
}
