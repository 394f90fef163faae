//! Funding applications ("dossiers"): their fields and workload while they
//! wait for a decision, then the decision (or withdrawal) itself, each
//! audited and guarded by the version read.

use std::collections::BTreeMap;

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::funding::{Application, ApplicationFields, Semester, Status};
use cosinum_domain::money::Euros;
use cosinum_domain::{OrgId, ValidationError};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::among::Among;
use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "funding_application";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    organisation_id: i64,
    window_id: i64,
    title: String,
    description: String,
    total_cost: i64,
    requested: i64,
    project_id: Option<i64>,
    cloud_application_id: Option<i64>,
    planned_start: Date,
    planned_end: Date,
    submitted_on: Date,
    status: String,
    reviewed_on: Option<Date>,
    decided_on: Option<Date>,
    granted: Option<i64>,
    motive: String,
    version: i64,
}

impl Row {
    fn into_domain(self, workload: Vec<(Semester, f64)>) -> StoreResult<Application> {
        Ok(Application {
            id: self.id,
            fields: ApplicationFields {
                organisation_id: OrgId(self.organisation_id),
                window_id: self.window_id,
                title: self.title,
                description: self.description,
                total_cost: Euros(self.total_cost),
                requested: Euros(self.requested),
                project_id: self.project_id,
                inventory_id: self.cloud_application_id,
                planned_start: self.planned_start,
                planned_end: self.planned_end,
                submitted_on: self.submitted_on,
                workload,
            },
            status: Status::parse(&self.status)
                .ok_or_else(|| anyhow::anyhow!("unknown status {}", self.status))?,
            reviewed_on: self.reviewed_on,
            decided_on: self.decided_on,
            granted: self.granted.map(Euros),
            motive: self.motive,
            version: self.version,
        })
    }
}

macro_rules! cols {
    () => {
        "id, organisation_id, window_id, title, description, total_cost, requested, project_id, cloud_application_id, planned_start, \
         planned_end, submitted_on, status, reviewed_on, decided_on, granted, motive, version"
    };
}

fn view(a: &Application) -> Value {
    let f = &a.fields;
    json!({
        "organisation_id": f.organisation_id, "window_id": f.window_id, "title": f.title,
        "description": f.description, "total_cost": f.total_cost.0, "requested": f.requested.0,
        "project_id": f.project_id, "inventory_id": f.inventory_id, "planned_start": f.planned_start.to_string(),
        "planned_end": f.planned_end.to_string(), "submitted_on": f.submitted_on.to_string(),
        "workload": f.workload.iter().map(|(s, pm)| format!("{s}: {pm}")).collect::<Vec<_>>().join(", "),
        "status": a.status.as_str(), "reviewed_on": a.reviewed_on.map(|d| d.to_string()),
        "decided_on": a.decided_on.map(|d| d.to_string()), "granted": a.granted.map(|e| e.0),
        "motive": a.motive,
    })
}

/// Which applications a read takes: some of all, or one fund's.
#[derive(Clone, Copy)]
enum Which {
    Among(Among),
    Fund(i64),
}

impl Which {
    /// The condition on `funding_applications` (aliased `a`) and on rows
    /// whose `application_id` names an application.
    fn conditions(self) -> (String, String) {
        match self {
            Which::Among(among) => (
                among.condition("a.id", "a.organisation_id"),
                among.condition_on("application_id", "funding_applications"),
            ),
            Which::Fund(_) => (
                "a.window_id IN (SELECT id FROM funding_windows WHERE fund_id = $1)".to_owned(),
                "application_id IN (SELECT f.id FROM funding_applications f \
                 JOIN funding_windows w ON w.id = f.window_id WHERE w.fund_id = $1)"
                    .to_owned(),
            ),
        }
    }

    /// The parameters of [`Which::conditions`], in order.
    fn params(self) -> Vec<i64> {
        match self {
            Which::Among(Among::All) => vec![],
            Which::Among(Among::Ids(lo, hi)) => vec![lo, hi],
            Which::Among(Among::Ministry(org)) => vec![org.0],
            Which::Fund(id) => vec![id],
        }
    }
}

/// Runs `sql` with the parameters of `which` bound, fetching every row.
macro_rules! fetch_which {
    ($db:expr, $sql:expr, $which:expr) => {
        on_pool!($db, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe($sql));
            for v in $which.params() {
                q = q.bind(v);
            }
            q.fetch_all(p).await
        })
    };
}

async fn workloads(db: &Db, which: Which) -> StoreResult<BTreeMap<i64, Vec<(Semester, f64)>>> {
    let sql = format!(
        "SELECT application_id, semester, person_months FROM funding_workloads WHERE {} \
         ORDER BY application_id, semester",
        which.conditions().1
    );
    let rows: Vec<(i64, String, f64)> = fetch_which!(db, sql.as_str(), which)?;
    let mut out: BTreeMap<i64, Vec<(Semester, f64)>> = BTreeMap::new();
    for (id, s, pm) in rows {
        if let Some(s) = Semester::parse(&s) {
            out.entry(id).or_default().push((s, pm));
        }
    }
    Ok(out)
}

/// Every application, oldest submission first.
pub async fn list(db: &Db) -> StoreResult<Vec<Application>> {
    list_among(db, Among::All).await
}

/// The applications `among` names, oldest submission first.
pub async fn list_among(db: &Db, among: Among) -> StoreResult<Vec<Application>> {
    read(db, Which::Among(among)).await
}

/// The applications to the windows of one fund, oldest submission first,
/// as a fund's report reads them: without their workload, description and
/// decision motive, which it does not use. At scale a fund has hundreds of
/// thousands of applications, and their workloads millions of rows (issue
/// #11: ~40 MB read for nothing at N=1000). Read row by row into
/// applications, so the rows are not held beside them.
pub async fn of_fund_for_report(db: &Db, fund_id: i64) -> StoreResult<Vec<Application>> {
    use futures_util::TryStreamExt;
    let sql = format!(
        "SELECT {} FROM funding_applications a WHERE {} ORDER BY submitted_on, id",
        cols!()
            .replace("description", "'' AS description")
            .replace("motive", "'' AS motive"),
        Which::Fund(fund_id).conditions().0
    );
    on_pool!(db, p => sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(fund_id)
        .fetch(p)
        .map_err(StoreError::from)
        .and_then(|r| std::future::ready(r.into_domain(Vec::new())))
        .try_collect()
        .await)
}

async fn read(db: &Db, which: Which) -> StoreResult<Vec<Application>> {
    let sql = format!(
        "SELECT {} FROM funding_applications a WHERE {} ORDER BY submitted_on, id",
        cols!(),
        which.conditions().0
    );
    let rows: Vec<Row> = fetch_which!(db, sql.as_str(), which)?;
    let mut w = workloads(db, which).await?;
    rows.into_iter()
        .map(|r| {
            let wl = w.remove(&r.id).unwrap_or_default();
            r.into_domain(wl)
        })
        .collect()
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Application> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!("SELECT ", cols!(), " FROM funding_applications WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let wl: Vec<(String, f64)> = on_pool!(db, p => sqlx::query_as(
        "SELECT semester, person_months FROM funding_workloads WHERE application_id = $1 ORDER BY semester")
        .bind(id).fetch_all(p).await)?;
    row.into_domain(
        wl.into_iter()
            .filter_map(|(s, pm)| Semester::parse(&s).map(|s| (s, pm)))
            .collect(),
    )
}

async fn get_tx(tx: &mut Tx, id: i64) -> StoreResult<Application> {
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", cols!(), " FROM funding_applications WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let wl: Vec<(String, f64)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT semester, person_months FROM funding_workloads WHERE application_id = $1 ORDER BY semester")
        .bind(id).fetch_all(c).await)?;
    row.into_domain(
        wl.into_iter()
            .filter_map(|(s, pm)| Semester::parse(&s).map(|s| (s, pm)))
            .collect(),
    )
}

async fn write_workload(tx: &mut Tx, id: i64, w: &[(Semester, f64)]) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM funding_workloads WHERE application_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    for (s, pm) in w {
        on_tx!(tx, c => sqlx::query("INSERT INTO funding_workloads (application_id, semester, person_months) VALUES ($1, $2, $3)")
            .bind(id).bind(s.to_string()).bind(*pm).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Files an application (status "submitted"); `fields` must have been
/// validated against its window.
pub async fn create(
    tx: &mut Tx,
    ctx: &AuditCtx,
    f: &ApplicationFields,
) -> StoreResult<Application> {
    let now = OffsetDateTime::now_utc();
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO funding_applications (organisation_id, window_id, title, description, total_cost, requested, project_id, \
         planned_start, planned_end, submitted_on, status, motive, version, created_at, updated_at, cloud_application_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'submitted', '', 1, $11, $11, $12) RETURNING id")
        .bind(f.organisation_id.0).bind(f.window_id).bind(&f.title).bind(&f.description).bind(f.total_cost.0)
        .bind(f.requested.0).bind(f.project_id).bind(f.planned_start).bind(f.planned_end).bind(f.submitted_on).bind(now)
        .bind(f.inventory_id)
        .fetch_one(c).await)
    .map_err(StoreError::unique("title"))?;
    write_workload(tx, id, &f.workload).await?;
    let a = get_tx(tx, id).await?;
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &view(&a)),
    )
    .await?;
    Ok(a)
}

/// Changes an application's fields while it waits for a decision.
pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    f: &ApplicationFields,
) -> StoreResult<Application> {
    let before = get_tx(tx, id).await?;
    check_version(expected_version, before.version)?;
    if !before.status.pending() {
        return Err(ValidationError::new(
            "status",
            "le dossier a reçu une décision : ses éléments ne changent plus",
        )
        .into());
    }
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE funding_applications SET organisation_id = $1, window_id = $2, title = $3, description = $4, total_cost = $5, \
         requested = $6, project_id = $7, planned_start = $8, planned_end = $9, submitted_on = $10, version = version + 1, \
         updated_at = $11, cloud_application_id = $14 WHERE id = $12 AND version = $13 RETURNING id")
        .bind(f.organisation_id.0).bind(f.window_id).bind(&f.title).bind(&f.description).bind(f.total_cost.0)
        .bind(f.requested.0).bind(f.project_id).bind(f.planned_start).bind(f.planned_end).bind(f.submitted_on)
        .bind(OffsetDateTime::now_utc()).bind(id).bind(expected_version).bind(f.inventory_id)
        .fetch_optional(c).await)
    .map_err(StoreError::unique("title"))?;
    stale_if_none(row, expected_version, before.version)?;
    write_workload(tx, id, &f.workload).await?;
    let after = get_tx(tx, id).await?;
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        after.version,
        AuditAction::Update,
        &diff(&view(&before), &view(&after)),
    )
    .await?;
    Ok(after)
}

/// A step of the pipeline: under review, granted (with the amount), rejected
/// or withdrawn, dated, with its motive.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub status: Status,
    pub date: Date,
    pub granted: Option<Euros>,
    pub motive: String,
}

/// Moves an application along the pipeline; refuses a move the pipeline
/// does not allow, a date before the submission, a grant above the request.
pub async fn decide(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    d: &Decision,
) -> StoreResult<Application> {
    let before = get_tx(tx, id).await?;
    check_version(expected_version, before.version)?;
    if !before.status.can_move_to(d.status) {
        return Err(ValidationError::new(
            "status",
            format!(
                "un dossier « {} » ne peut pas passer à « {} »",
                before.status.label_fr(),
                d.status.label_fr()
            ),
        )
        .into());
    }
    if d.date < before.fields.submitted_on {
        return Err(ValidationError::new("date", "la date précède le dépôt du dossier").into());
    }
    let granted = match (d.status, d.granted) {
        (Status::Granted, Some(g)) if g.0 > 0 && g <= before.fields.requested => Some(g),
        (Status::Granted, _) => {
            return Err(ValidationError::new(
                "granted",
                "le montant accordé est obligatoire, positif et au plus égal au montant demandé",
            )
            .into());
        }
        _ => None,
    };
    let motive = d.motive.trim().to_owned();
    if d.status == Status::Rejected && motive.is_empty() {
        return Err(ValidationError::new("motive", "un rejet doit être motivé").into());
    }
    let (reviewed_on, decided_on) = if d.status == Status::UnderReview {
        (Some(d.date), None)
    } else {
        (before.reviewed_on, Some(d.date))
    };
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE funding_applications SET status = $1, reviewed_on = $2, decided_on = $3, granted = $4, motive = $5, \
         version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8 RETURNING id")
        .bind(d.status.as_str()).bind(reviewed_on).bind(decided_on).bind(granted.map(|g| g.0))
        .bind(if motive.is_empty() { before.motive.clone() } else { motive })
        .bind(OffsetDateTime::now_utc()).bind(id).bind(expected_version)
        .fetch_optional(c).await)?;
    stale_if_none(row, expected_version, before.version)?;
    let after = get_tx(tx, id).await?;
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        after.version,
        AuditAction::Update,
        &diff(&view(&before), &view(&after)),
    )
    .await?;
    Ok(after)
}
