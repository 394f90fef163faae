//! Investment-plans repository: revisions of a ministry's plan for a year,
//! their lines with yearly AE/CP, and the DINUM's comments per line. Lines
//! change only in a draft; a submitted revision is frozen. Every write is
//! audited in its transaction.

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::money::Euros;
use cosinum_domain::reuse::plans::{Plan, PlanLine, PlanStatus, YearAmount};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const PLAN_TYPE: &str = "investment_plan";
pub const LINE_TYPE: &str = "plan_line";

type PlanRow = (i64, i64, i64, i64, String, Option<Date>, Option<Date>, i64);
type LineRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<Date>,
    i64,
);
type AmountRow = (i64, i64, i64, i64);

/// A comment on a line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    pub id: i64,
    pub line_id: i64,
    pub author: String,
    pub body: String,
    pub at: OffsetDateTime,
}

fn assemble(
    heads: Vec<PlanRow>,
    lines: Vec<LineRow>,
    amounts: Vec<AmountRow>,
) -> StoreResult<Vec<Plan>> {
    heads
        .into_iter()
        .map(
            |(id, org, year, revision, status, submitted_on, reviewed_on, version)| {
                Ok(Plan {
                    id,
                    organisation_id: OrgId(org),
                    year: year as i32,
                    revision: revision as i32,
                    status: PlanStatus::parse(&status)
                        .ok_or_else(|| anyhow::anyhow!("plan {id}: unknown status {status:?}"))?,
                    submitted_on,
                    reviewed_on,
                    version,
                    lines: lines
                        .iter()
                        .filter(|l| l.1 == id)
                        .map(|l| PlanLine {
                            id: l.0,
                            key: l.2.clone(),
                            title: l.3.clone(),
                            description: l.4.clone(),
                            functional_zone: l.5.clone(),
                            project_id: l.6,
                            application_id: l.7,
                            expected_start: l.8,
                            version: l.9,
                            amounts: amounts
                                .iter()
                                .filter(|a| a.0 == l.0)
                                .map(|a| YearAmount {
                                    year: a.1 as i32,
                                    ae: Euros(a.2),
                                    cp: Euros(a.3),
                                })
                                .collect(),
                        })
                        .collect(),
                })
            },
        )
        .collect()
}

macro_rules! plan_cols {
    () => {
        "SELECT id, organisation_id, year, revision, status, submitted_on, reviewed_on, version FROM investment_plans"
    };
}

macro_rules! line_cols {
    () => {
        "SELECT id, plan_id, line_key, title, description, functional_zone, project_id, \
         cloud_application_id, expected_start, version FROM plan_lines"
    };
}

/// Every revision of every plan, by year, organisation and revision.
pub async fn plans(db: &Db) -> StoreResult<Vec<Plan>> {
    let heads: Vec<PlanRow> = on_pool!(db, p => sqlx::query_as(concat!(plan_cols!(), " ORDER BY year, organisation_id, revision"))
        .fetch_all(p).await)?;
    let lines: Vec<LineRow> = on_pool!(db, p => sqlx::query_as(concat!(line_cols!(), " ORDER BY plan_id, position, id"))
        .fetch_all(p).await)?;
    let amounts: Vec<AmountRow> = on_pool!(db, p => sqlx::query_as(
        "SELECT line_id, year, ae, cp FROM plan_line_amounts ORDER BY line_id, year").fetch_all(p).await)?;
    assemble(heads, lines, amounts)
}

pub(crate) async fn plan_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Plan> {
    let heads: Vec<PlanRow> = on_tx!(tx, c => sqlx::query_as(concat!(plan_cols!(), " WHERE id = $1")).bind(id).fetch_all(c).await)?;
    let lines: Vec<LineRow> = on_tx!(tx, c => sqlx::query_as(concat!(line_cols!(), " WHERE plan_id = $1 ORDER BY position, id"))
        .bind(id).fetch_all(c).await)?;
    let amounts: Vec<AmountRow> = on_tx!(tx, c => sqlx::query_as(
        "SELECT a.line_id, a.year, a.ae, a.cp FROM plan_line_amounts a JOIN plan_lines l ON l.id = a.line_id \
         WHERE l.plan_id = $1 ORDER BY a.line_id, a.year").bind(id).fetch_all(c).await)?;
    assemble(heads, lines, amounts)?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// One revision with its lines.
pub async fn plan(db: &Db, id: i64) -> StoreResult<Plan> {
    let mut tx = db.begin().await?;
    let p = plan_in_tx(&mut tx, id).await;
    drop(tx);
    p
}

/// The plan a line belongs to.
pub async fn plan_of_line(db: &Db, line_id: i64) -> StoreResult<Plan> {
    let row: Option<(i64,)> = on_pool!(db, p => sqlx::query_as("SELECT plan_id FROM plan_lines WHERE id = $1")
        .bind(line_id).fetch_optional(p).await)?;
    plan(db, row.ok_or(StoreError::NotFound)?.0).await
}

fn line_view(l: &PlanLine) -> Value {
    json!({"title": l.title, "description": l.description, "functional_zone": l.functional_zone,
        "project_id": l.project_id, "application_id": l.application_id, "expected_start": l.expected_start,
        "amounts": l.amounts.iter().map(|a| format!("{}: AE {} € / CP {} €", a.year, a.ae.0, a.cp.0)).collect::<Vec<_>>().join(" ; ")})
}

async fn write_amounts(tx: &mut Tx, line_id: i64, amounts: &[YearAmount]) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM plan_line_amounts WHERE line_id = $1").bind(line_id).execute(c).await.map(|_| ()))?;
    for a in amounts {
        on_tx!(tx, c => sqlx::query("INSERT INTO plan_line_amounts (line_id, year, ae, cp) VALUES ($1, $2, $3, $4)")
            .bind(line_id).bind(i64::from(a.year)).bind(a.ae.0).bind(a.cp.0).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Inserts a line (validated by the caller) with `key`, or a new key when none.
async fn insert_line(
    tx: &mut Tx,
    plan_id: i64,
    position: i64,
    key: Option<&str>,
    l: &PlanLine,
) -> StoreResult<i64> {
    let now = OffsetDateTime::now_utc();
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO plan_lines (plan_id, position, line_key, title, description, functional_zone, project_id, \
         cloud_application_id, expected_start, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) RETURNING id")
        .bind(plan_id).bind(position).bind(key.unwrap_or("")).bind(&l.title).bind(&l.description).bind(&l.functional_zone)
        .bind(l.project_id).bind(l.application_id).bind(l.expected_start).bind(now)
        .fetch_one(c).await)?;
    if key.is_none() {
        // A new investment: its key is its first line's id, kept by later revisions.
        on_tx!(tx, c => sqlx::query("UPDATE plan_lines SET line_key = $1 WHERE id = $2")
            .bind(format!("L{id}")).bind(id).execute(c).await.map(|_| ()))?;
    }
    write_amounts(tx, id, &l.amounts).await?;
    Ok(id)
}

/// Opens a new revision (a draft) of `org`'s plan for `year`: a copy of the
/// latest revision's lines, or empty. Refused while a draft is open.
pub async fn open_revision(
    tx: &mut Tx,
    ctx: &AuditCtx,
    org: OrgId,
    year: i32,
) -> StoreResult<Plan> {
    if !(2000..=2100).contains(&year) {
        return Err(cosinum_domain::ValidationError::new("year", "année invalide").into());
    }
    let latest: Option<(i64, i64, String)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, revision, status FROM investment_plans WHERE organisation_id = $1 AND year = $2 ORDER BY revision DESC LIMIT 1")
        .bind(org.0).bind(i64::from(year)).fetch_optional(c).await)?;
    if latest
        .as_ref()
        .is_some_and(|l| l.2 == PlanStatus::Draft.as_str())
    {
        return Err(StoreError::Duplicate {
            field: "year".into(),
        });
    }
    let revision = latest.as_ref().map_or(1, |l| l.1 + 1);
    let now = OffsetDateTime::now_utc();
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO investment_plans (organisation_id, year, revision, status, version, created_at, updated_at) \
         VALUES ($1, $2, $3, 'draft', 1, $4, $4) RETURNING id")
        .bind(org.0).bind(i64::from(year)).bind(revision).bind(now)
        .fetch_one(c).await).map_err(StoreError::unique("year"))?;
    if let Some((previous, _, _)) = latest {
        let old = plan_in_tx(tx, previous).await?;
        for (i, l) in old.lines.iter().enumerate() {
            insert_line(tx, id, i as i64, Some(&l.key), l).await?;
        }
        crate::reuse_feedback::carry_over_plan_lines(tx, previous, id).await?;
    }
    audit::record(
        tx,
        ctx,
        PLAN_TYPE,
        id,
        1,
        AuditAction::Create,
        &diff(
            &Value::Null,
            &json!({"year": year, "revision": revision, "status": "draft"}),
        ),
    )
    .await?;
    plan_in_tx(tx, id).await
}

/// The plan, if it is a draft at `version`.
async fn draft(tx: &mut Tx, plan_id: i64) -> StoreResult<Plan> {
    let p = plan_in_tx(tx, plan_id).await?;
    if p.status != PlanStatus::Draft {
        return Err(cosinum_domain::ValidationError::new(
            "status",
            "ce plan a été transmis : ouvrez une nouvelle révision pour le modifier",
        )
        .into());
    }
    Ok(p)
}

/// Adds a line to a draft.
pub async fn add_line(
    tx: &mut Tx,
    ctx: &AuditCtx,
    plan_id: i64,
    line: &PlanLine,
) -> StoreResult<PlanLine> {
    let l = line.validated()?;
    let p = draft(tx, plan_id).await?;
    let id = insert_line(tx, plan_id, p.lines.len() as i64, None, &l).await?;
    audit::record(
        tx,
        ctx,
        LINE_TYPE,
        id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &line_view(&l)),
    )
    .await?;
    let p = plan_in_tx(tx, plan_id).await?;
    p.lines
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(StoreError::NotFound)
}

/// Changes a line of a draft, at the version read.
pub async fn update_line(
    tx: &mut Tx,
    ctx: &AuditCtx,
    line_id: i64,
    version: i64,
    line: &PlanLine,
) -> StoreResult<PlanLine> {
    let l = line.validated()?;
    let plan_id: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as("SELECT plan_id FROM plan_lines WHERE id = $1")
        .bind(line_id).fetch_optional(c).await)?;
    let p = draft(tx, plan_id.ok_or(StoreError::NotFound)?.0).await?;
    let old = p
        .lines
        .iter()
        .find(|x| x.id == line_id)
        .ok_or(StoreError::NotFound)?;
    check_version(version, old.version)?;
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE plan_lines SET title = $1, description = $2, functional_zone = $3, project_id = $4, cloud_application_id = $5, \
         expected_start = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9 RETURNING version")
        .bind(&l.title).bind(&l.description).bind(&l.functional_zone).bind(l.project_id).bind(l.application_id)
        .bind(l.expected_start).bind(OffsetDateTime::now_utc()).bind(line_id).bind(version)
        .fetch_optional(c).await)?;
    let (new_version,) = stale_if_none(row, version, old.version)?;
    write_amounts(tx, line_id, &l.amounts).await?;
    audit::record(
        tx,
        ctx,
        LINE_TYPE,
        line_id,
        new_version,
        AuditAction::Update,
        &diff(&line_view(old), &line_view(&l)),
    )
    .await?;
    let p = plan_in_tx(tx, p.id).await?;
    p.lines
        .into_iter()
        .find(|x| x.id == line_id)
        .ok_or(StoreError::NotFound)
}

/// Removes a line from a draft (the history keeps what it said).
pub async fn remove_line(
    tx: &mut Tx,
    ctx: &AuditCtx,
    line_id: i64,
    version: i64,
) -> StoreResult<()> {
    let plan_id: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as("SELECT plan_id FROM plan_lines WHERE id = $1")
        .bind(line_id).fetch_optional(c).await)?;
    let p = draft(tx, plan_id.ok_or(StoreError::NotFound)?.0).await?;
    let old = p
        .lines
        .iter()
        .find(|x| x.id == line_id)
        .ok_or(StoreError::NotFound)?;
    check_version(version, old.version)?;
    let comments: (i64,) = on_tx!(tx, c => sqlx::query_as("SELECT COUNT(*) FROM plan_comments WHERE line_id = $1")
        .bind(line_id).fetch_one(c).await)?;
    if comments.0 > 0 {
        return Err(cosinum_domain::ValidationError::new(
            "line",
            "cette ligne a des commentaires : elle ne peut plus être retirée",
        )
        .into());
    }
    on_tx!(tx, c => sqlx::query("DELETE FROM plan_line_amounts WHERE line_id = $1").bind(line_id).execute(c).await.map(|_| ()))?;
    on_tx!(tx, c => sqlx::query("DELETE FROM plan_lines WHERE id = $1").bind(line_id).execute(c).await.map(|_| ()))?;
    audit::record(
        tx,
        ctx,
        LINE_TYPE,
        line_id,
        old.version + 1,
        AuditAction::Archive,
        &diff(&line_view(old), &Value::Null),
    )
    .await
}

/// The lines of a plan that were commented on themselves (which
/// [`remove_line`] keeps).
pub async fn commented_lines(db: &Db, plan_id: i64) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT DISTINCT l.id FROM plan_lines l JOIN plan_comments c ON c.line_id = l.id WHERE l.plan_id = $1 ORDER BY l.id")
        .bind(plan_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Moves a revision one step (submitted by its ministry, reviewed by the
/// DINUM), at the version read.
pub async fn set_status(
    tx: &mut Tx,
    ctx: &AuditCtx,
    plan_id: i64,
    version: i64,
    next: PlanStatus,
    today: Date,
) -> StoreResult<Plan> {
    let p = plan_in_tx(tx, plan_id).await?;
    check_version(version, p.version)?;
    if !p.status.can_become(next) {
        return Err(cosinum_domain::ValidationError::new(
            "status",
            format!(
                "un plan « {} » ne peut pas passer à « {} »",
                p.status.label_fr(),
                next.label_fr()
            ),
        )
        .into());
    }
    if next == PlanStatus::Submitted && p.lines.is_empty() {
        return Err(cosinum_domain::ValidationError::new(
            "status",
            "un plan sans ligne ne peut pas être transmis",
        )
        .into());
    }
    let (submitted, reviewed) = match next {
        PlanStatus::Submitted => (Some(today), None),
        _ => (p.submitted_on, Some(today)),
    };
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE investment_plans SET status = $1, submitted_on = $2, reviewed_on = $3, version = version + 1, updated_at = $4 \
         WHERE id = $5 AND version = $6 RETURNING version")
        .bind(next.as_str()).bind(submitted).bind(reviewed).bind(OffsetDateTime::now_utc()).bind(plan_id).bind(version)
        .fetch_optional(c).await)?;
    let (v,) = stale_if_none(row, version, p.version)?;
    audit::record(
        tx,
        ctx,
        PLAN_TYPE,
        plan_id,
        v,
        AuditAction::Update,
        &diff(
            &json!({"status": p.status.as_str()}),
            &json!({"status": next.as_str()}),
        ),
    )
    .await?;
    plan_in_tx(tx, plan_id).await
}

/// Comments on a line (any revision: the DINUM reviews submitted plans).
pub async fn add_comment(
    tx: &mut Tx,
    ctx: &AuditCtx,
    line_id: i64,
    body: &str,
) -> StoreResult<Comment> {
    let body = cosinum_domain::validation::required_text("body", body, 4000)?;
    let exists: Option<(i64, i64)> = on_tx!(tx, c => sqlx::query_as("SELECT id, version FROM plan_lines WHERE id = $1")
        .bind(line_id).fetch_optional(c).await)?;
    let (_, version) = exists.ok_or(StoreError::NotFound)?;
    let at = OffsetDateTime::now_utc();
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO plan_comments (line_id, author_id, author_label, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(line_id).bind(ctx.actor.map(|u| u.0)).bind(&ctx.actor_label).bind(&body).bind(at)
        .fetch_one(c).await)?;
    audit::record(
        tx,
        ctx,
        LINE_TYPE,
        line_id,
        version,
        AuditAction::Update,
        &diff(&json!({}), &json!({"comment": body})),
    )
    .await?;
    Ok(Comment {
        id,
        line_id,
        author: ctx.actor_label.clone(),
        body,
        at,
    })
}

/// The comments on the lines of a plan, including those made on the same
/// lines in earlier revisions (matched by key), oldest first; `line_id` is
/// the line of this plan.
pub async fn comments(db: &Db, plan_id: i64) -> StoreResult<Vec<Comment>> {
    let rows: Vec<(i64, i64, String, String, OffsetDateTime)> = on_pool!(db, p => sqlx::query_as(
        "SELECT c.id, here.id, c.author_label, c.body, c.created_at FROM plan_comments c \
         JOIN plan_lines l ON l.id = c.line_id JOIN plan_lines here ON here.line_key = l.line_key \
         WHERE here.plan_id = $1 ORDER BY c.created_at, c.id")
        .bind(plan_id).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, line_id, author, body, at)| Comment {
            id,
            line_id,
            author,
            body,
            at,
        })
        .collect())
}
