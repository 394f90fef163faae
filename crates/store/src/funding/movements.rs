//! Credit movements of granted applications: AE engaged and CP paid,
//! append-only (a correction is a new, negative movement with its own
//! reference). A movement is identified by (application, kind, reference):
//! recording the same one twice changes nothing, so imports are idempotent.

use cosinum_domain::ValidationError;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::funding::consumption::check_totals;
use cosinum_domain::funding::{Movement, MovementKind, Status};
use cosinum_domain::money::Euros;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};

pub const OBJECT_TYPE: &str = "credit_movement";

#[derive(sqlx::FromRow)]
struct Row {
    application_id: i64,
    kind: String,
    movement_date: Date,
    amount: i64,
    reference: String,
}

impl Row {
    fn into_domain(self) -> Option<Movement> {
        Some(Movement {
            application_id: self.application_id,
            kind: MovementKind::parse(&self.kind)?,
            date: self.movement_date,
            amount: Euros(self.amount),
            reference: self.reference,
        })
    }
}

/// Every movement, by application then date.
pub async fn list(db: &Db) -> StoreResult<Vec<Movement>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(
        "SELECT application_id, kind, movement_date, amount, reference FROM credit_movements ORDER BY application_id, movement_date, id")
        .fetch_all(p).await)?;
    Ok(rows.into_iter().filter_map(Row::into_domain).collect())
}

/// The movements of the applications to one fund's windows, by
/// application then date, without their accounting references (a fund's
/// report does not show them). Read row by row into movements: at scale a
/// fund has hundreds of thousands, and holding the rows beside them doubled
/// the funding dashboard's memory while it was computed (issue #11).
pub async fn of_fund_for_report(db: &Db, fund_id: i64) -> StoreResult<Vec<Movement>> {
    use futures_util::TryStreamExt;
    let sql = "SELECT application_id, kind, movement_date, amount, '' AS reference \
         FROM credit_movements WHERE application_id IN (SELECT a.id FROM funding_applications a \
         JOIN funding_windows w ON w.id = a.window_id WHERE w.fund_id = $1) \
         ORDER BY application_id, movement_date, id";
    let moves: Vec<Movement> = on_pool!(db, p => sqlx::query_as::<_, Row>(sql)
        .bind(fund_id)
        .fetch(p)
        .try_filter_map(|r| std::future::ready(Ok(r.into_domain())))
        .try_collect()
        .await)?;
    Ok(moves)
}

/// One application's movements, by date.
pub async fn of_application(db: &Db, application_id: i64) -> StoreResult<Vec<Movement>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(
        "SELECT application_id, kind, movement_date, amount, reference FROM credit_movements WHERE application_id = $1 ORDER BY movement_date, id")
        .bind(application_id).fetch_all(p).await)?;
    Ok(rows.into_iter().filter_map(Row::into_domain).collect())
}

/// What recording a movement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    New,
    /// The same movement (kind, reference, date, amount) was already there.
    AlreadyThere,
}

/// Records a movement of a granted application. Refused: an application not
/// granted, a zero amount, a reference reused with another date or amount,
/// commitments above the amount granted, payments above the commitments, or
/// totals below zero (a correction larger than what it corrects).
pub async fn record(tx: &mut Tx, ctx: &AuditCtx, m: &Movement) -> StoreResult<Recorded> {
    let reference = m.reference.trim();
    if reference.is_empty() {
        return Err(
            ValidationError::new("reference", "la référence comptable est obligatoire").into(),
        );
    }
    if m.amount.0 == 0 {
        return Err(ValidationError::new("amount", "un mouvement a un montant non nul").into());
    }
    let app: Option<(String, Option<i64>, Date)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT status, granted, submitted_on FROM funding_applications WHERE id = $1")
        .bind(m.application_id).fetch_optional(c).await)?;
    let (status, granted, submitted) = app.ok_or(StoreError::NotFound)?;
    if Status::parse(&status) != Some(Status::Granted) {
        return Err(ValidationError::new(
            "application_id",
            "seul un dossier retenu consomme des crédits",
        )
        .into());
    }
    if m.date < submitted {
        return Err(
            ValidationError::new("date", "le mouvement précède le dépôt du dossier").into(),
        );
    }
    let existing: Option<(Date, i64)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT movement_date, amount FROM credit_movements WHERE application_id = $1 AND kind = $2 AND reference = $3")
        .bind(m.application_id).bind(m.kind.as_str()).bind(reference).fetch_optional(c).await)?;
    if let Some((date, amount)) = existing {
        if date == m.date && amount == m.amount.0 {
            return Ok(Recorded::AlreadyThere);
        }
        return Err(ValidationError::new(
            "reference",
            format!("la référence {reference} est déjà utilisée pour un autre mouvement ({amount} € le {date})"),
        )
        .into());
    }
    let totals: Vec<(String, i64)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT kind, CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM credit_movements WHERE application_id = $1 GROUP BY kind")
        .bind(m.application_id).fetch_all(c).await)?;
    let total = |k: MovementKind| {
        totals
            .iter()
            .find(|(x, _)| x == k.as_str())
            .map_or(0, |(_, s)| *s)
    };
    let (mut engaged, mut paid) = (
        total(MovementKind::Commitment),
        total(MovementKind::Payment),
    );
    match m.kind {
        MovementKind::Commitment => engaged += m.amount.0,
        MovementKind::Payment => paid += m.amount.0,
    }
    check_totals(Euros(granted.unwrap_or(0)), Euros(engaged), Euros(paid))
        .map_err(|message| ValidationError::new("amount", message))?;
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO credit_movements (application_id, kind, movement_date, amount, reference, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(m.application_id).bind(m.kind.as_str()).bind(m.date).bind(m.amount.0).bind(reference)
        .bind(OffsetDateTime::now_utc()).fetch_one(c).await)?;
    let after = json!({"application_id": m.application_id, "kind": m.kind.as_str(), "date": m.date.to_string(),
        "amount": m.amount.0, "reference": reference});
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &after),
    )
    .await?;
    // The application's history shows its money too.
    let change = cosinum_domain::audit::FieldChange {
        field: format!("{} {reference}", m.kind.label_fr()),
        before: Value::Null,
        after: json!(format!("{} € le {}", m.amount.0, m.date)),
    };
    let (version,): (i64,) = on_tx!(tx, c => sqlx::query_as("SELECT version FROM funding_applications WHERE id = $1")
        .bind(m.application_id).fetch_one(c).await)?;
    audit::record(
        tx,
        ctx,
        super::applications::OBJECT_TYPE,
        m.application_id,
        version,
        AuditAction::Update,
        &[change],
    )
    .await?;
    Ok(Recorded::New)
}
