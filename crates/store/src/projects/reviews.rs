//! Periodic reviews of projects (and the lines of imported Panorama editions),
//! with their key milestones and top risks.

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::money::Euros;
use futures_util::TryStreamExt;
use std::collections::HashMap;

use cosinum_domain::projects::project::{Milestone, Rating, Review, ReviewFields, Risk};
use cosinum_domain::projects::{Estimate, Phase};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "project_review";
/// The source of reviews entered by people (imports say which file).
pub const SOURCE_REVIEW: &str = "revue";

macro_rules! cols {
    () => {
        "id, project_id, review_date, source, cost_eur, start_on, forecast_end_on, phase, \
         figures_withheld, ministry_rating, dinum_rating, narrative, version"
    };
}

#[derive(sqlx::FromRow)]
pub(super) struct ReviewRow {
    pub(super) id: i64,
    pub(super) project_id: i64,
    review_date: Date,
    source: String,
    cost_eur: Option<i64>,
    start_on: Option<Date>,
    forecast_end_on: Option<Date>,
    phase: String,
    figures_withheld: bool,
    ministry_rating: Option<String>,
    dinum_rating: Option<String>,
    narrative: String,
    version: i64,
}

impl ReviewRow {
    pub(super) fn into_domain(
        self,
        milestones: Vec<Milestone>,
        risks: Vec<Risk>,
    ) -> StoreResult<Review> {
        let phase = Phase::parse(&self.phase)
            .ok_or_else(|| anyhow::anyhow!("review {}: unknown phase {:?}", self.id, self.phase))?;
        Ok(Review {
            id: self.id,
            project_id: self.project_id,
            review_date: self.review_date,
            source: self.source,
            cost: self.cost_eur.map(Euros),
            start: self.start_on,
            forecast_end: self.forecast_end_on,
            phase,
            figures_withheld: self.figures_withheld,
            ministry_rating: self.ministry_rating.as_deref().and_then(Rating::parse),
            dinum_rating: self.dinum_rating.as_deref().and_then(Rating::parse),
            narrative: self.narrative,
            milestones,
            risks,
            version: self.version,
        })
    }
}

pub(super) fn audit_view(r: &Review) -> Value {
    json!({
        "review_date": r.review_date.to_string(),
        "source": r.source,
        "cost_meur": r.cost.map(Euros::meur),
        "start": r.start.map(|d| d.to_string()),
        "forecast_end": r.forecast_end.map(|d| d.to_string()),
        "phase": r.phase.as_str(),
        "figures_withheld": r.figures_withheld,
        "ministry_rating": r.ministry_rating.map(|x| x.0),
        "dinum_rating": r.dinum_rating.map(|x| x.0),
        "narrative": r.narrative,
        "milestones": r.milestones,
        "risks": r.risks,
    })
}

const MILESTONES_SQL: &str = "SELECT label, planned_on, actual_on FROM review_milestones WHERE review_id = $1 ORDER BY position";
const RISKS_SQL: &str =
    "SELECT label, level FROM review_risks WHERE review_id = $1 ORDER BY position";

/// Milestone and risk rows as domain values (loaded by pool or in a transaction).
fn to_parts(
    milestones: Vec<(String, Date, Option<Date>)>,
    risks: Vec<(String, String)>,
) -> (Vec<Milestone>, Vec<Risk>) {
    (
        milestones
            .into_iter()
            .map(|(label, planned_on, actual_on)| Milestone {
                label,
                planned_on,
                actual_on,
            })
            .collect(),
        risks
            .into_iter()
            .map(|(label, level)| Risk { label, level })
            .collect(),
    )
}

/// The reviews of one project, oldest first, with milestones and risks.
pub async fn list(db: &Db, project_id: i64) -> StoreResult<Vec<Review>> {
    let rows: Vec<ReviewRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM project_reviews WHERE project_id = $1 AND archived_at IS NULL \
         ORDER BY review_date, id"))
        .bind(project_id)
        .fetch_all(p)
        .await)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (m, r) = parts(db, row.id).await?;
        out.push(row.into_domain(m, r)?);
    }
    Ok(out)
}

/// Every review of every project, without milestones and risks (the
/// portfolio maths needs only the figures).
pub async fn list_all_figures(db: &Db) -> StoreResult<Vec<Review>> {
    let rows: Vec<ReviewRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM project_reviews WHERE archived_at IS NULL ORDER BY project_id, review_date, id"))
        .fetch_all(p)
        .await)?;
    rows.into_iter()
        .map(|r| r.into_domain(Vec::new(), Vec::new()))
        .collect()
}

/// A review's cost as it bears on what is shown of its project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct CostLine {
    pub project_id: i64,
    pub cost_eur: Option<i64>,
    pub figures_withheld: bool,
}

/// The costs of the reviews (archived ones aside) of the projects `among`
/// names, by project then in review order (date, then id): a project's
/// latest known cost without reading every review's narrative.
pub async fn cost_lines(db: &Db, among: crate::among::Among) -> StoreResult<Vec<CostLine>> {
    let sql = format!(
        "SELECT project_id, cost_eur, figures_withheld FROM project_reviews \
         WHERE archived_at IS NULL AND {} ORDER BY project_id, review_date, id",
        among.condition_on("project_id", "projects")
    );
    Ok(
        on_pool!(db, p => crate::among::bind_among!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), among)
        .fetch_all(p)
        .await)?,
    )
}

/// Every project's figures as reviewed (archived reviews aside), by project,
/// each list in review order (date, then id): what the portfolio maths
/// reads. One row per project, its reviews gathered as JSON: reading costs
/// per row, and there are hundreds of thousands of reviews at scale.
pub async fn estimates_by_project(db: &Db) -> StoreResult<HashMap<i64, Vec<Estimate>>> {
    estimates_of_projects(db, crate::among::ProjectScope::All).await
}

/// The same for the projects in `scope` only.
pub(crate) async fn estimates_of_projects(
    db: &Db,
    scope: crate::among::ProjectScope<'_>,
) -> StoreResult<HashMap<i64, Vec<Estimate>>> {
    let scope_sql = scope.condition(db.backend(), "project_id");
    let sql = match db.backend() {
        crate::Backend::Sqlite => format!(
            "SELECT project_id, json_group_array(json_array(id, review_date, cost_eur, start_on, \
             forecast_end_on, phase, figures_withheld)) FROM project_reviews \
             WHERE archived_at IS NULL AND {scope_sql} GROUP BY project_id"
        ),
        crate::Backend::Postgres => format!(
            "SELECT project_id, json_agg(json_build_array(id, review_date, cost_eur, start_on, \
             forecast_end_on, phase, CASE WHEN figures_withheld THEN 1 ELSE 0 END))::text \
             FROM project_reviews WHERE archived_at IS NULL AND {scope_sql} GROUP BY project_id"
        ),
    };
    let mut out = HashMap::new();
    // Streamed, each project's JSON decoded as it comes: fetched whole, the
    // texts of 694,000 reviews were held at once beside what they decode to
    // (~70 MiB at N=1000, issue #11).
    on_pool!(db, p => {
        let query = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql.as_str()));
        let query = match scope.bound() {
            Some(json) => query.bind(json),
            None => query,
        };
        let mut rows = query.fetch(p);
        while let Some((project_id, json)) = rows.try_next().await? {
            out.insert(project_id, estimates_of(project_id, &json)?);
        }
    });
    out.shrink_to_fit();
    Ok(out)
}

/// The dates of the reviews (archived ones aside) of every project, each
/// once: what decides an edition's comparison point, whoever reads it.
pub async fn review_dates(db: &Db) -> StoreResult<std::collections::BTreeSet<Date>> {
    let rows: Vec<(Date,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT DISTINCT review_date FROM project_reviews WHERE archived_at IS NULL")
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(|(d,)| d).collect())
}

/// The estimates of one project from its reviews as the JSON of
/// [`estimates_by_project`]'s query, oldest first.
fn estimates_of(project_id: i64, json: &str) -> StoreResult<Vec<Estimate>> {
    type Figures = (
        i64,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
        i64,
    );
    let day = |project: i64, s: &str| {
        Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|e| anyhow::anyhow!("project {project}: review date {s:?}: {e}"))
    };
    let mut figures: Vec<Figures> = serde_json::from_str(json)
        .map_err(|e| anyhow::anyhow!("reviews of project {project_id}: {e}"))?;
    figures.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
    let mut estimates = Vec::with_capacity(figures.len());
    for (id, date, cost, start, end, phase, withheld) in figures {
        estimates.push(Estimate {
            date: day(project_id, &date)?,
            cost: cost.map(Euros),
            start: start.as_deref().map(|s| day(project_id, s)).transpose()?,
            forecast_end: end.as_deref().map(|s| day(project_id, s)).transpose()?,
            phase: Phase::parse(&phase)
                .ok_or_else(|| anyhow::anyhow!("review {id}: unknown phase {phase:?}"))?,
            figures_withheld: withheld != 0,
        });
    }
    Ok(estimates)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Review> {
    let row: Option<ReviewRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM project_reviews WHERE id = $1"))
        .bind(id)
        .fetch_optional(p)
        .await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let (m, r) = parts(db, row.id).await?;
    row.into_domain(m, r)
}

async fn parts(db: &Db, review_id: i64) -> StoreResult<(Vec<Milestone>, Vec<Risk>)> {
    let milestones: Vec<(String, Date, Option<Date>)> = on_pool!(db, p => sqlx::query_as(MILESTONES_SQL)
        .bind(review_id)
        .fetch_all(p)
        .await)?;
    let risks: Vec<(String, String)> = on_pool!(db, p => sqlx::query_as(RISKS_SQL)
        .bind(review_id)
        .fetch_all(p)
        .await)?;
    Ok(to_parts(milestones, risks))
}

/// The review of `project_id` at `date` from `source`, if any.
pub async fn find(
    tx: &mut Tx,
    project_id: i64,
    date: Date,
    source: &str,
) -> StoreResult<Option<Review>> {
    let id: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id FROM project_reviews WHERE project_id = $1 AND review_date = $2 AND source = $3")
        .bind(project_id)
        .bind(date)
        .bind(source)
        .fetch_optional(c)
        .await)?;
    match id {
        Some((id,)) => Ok(Some(get_in_tx(tx, id).await?)),
        None => Ok(None),
    }
}

async fn get_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Review> {
    let row: Option<ReviewRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM project_reviews WHERE id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let milestones: Vec<(String, Date, Option<Date>)> = on_tx!(tx, c => sqlx::query_as(MILESTONES_SQL)
        .bind(id)
        .fetch_all(c)
        .await)?;
    let risks: Vec<(String, String)> = on_tx!(tx, c => sqlx::query_as(RISKS_SQL)
        .bind(id)
        .fetch_all(c)
        .await)?;
    let (milestones, risks) = to_parts(milestones, risks);
    row.into_domain(milestones, risks)
}

async fn write_parts(tx: &mut Tx, review_id: i64, f: &ReviewFields) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM review_milestones WHERE review_id = $1").bind(review_id).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("DELETE FROM review_risks WHERE review_id = $1").bind(review_id).execute(c).await.map(|r| r.rows_affected()))?;
    for (i, m) in f.milestones.iter().enumerate() {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO review_milestones (review_id, position, label, planned_on, actual_on) VALUES ($1, $2, $3, $4, $5)")
            .bind(review_id)
            .bind(i as i64)
            .bind(&m.label)
            .bind(m.planned_on)
            .bind(m.actual_on)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    for (i, r) in f.risks.iter().enumerate() {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO review_risks (review_id, position, label, level) VALUES ($1, $2, $3, $4)")
            .bind(review_id)
            .bind(i as i64)
            .bind(&r.label)
            .bind(&r.level)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Records a review of `project_id` (validated by the caller with
/// [`ReviewFields::check`]); the project's phase and "figures withheld" flag
/// follow the latest review.
pub async fn create(
    tx: &mut Tx,
    ctx: &AuditCtx,
    project_id: i64,
    source: &str,
    f: &ReviewFields,
) -> StoreResult<Review> {
    let now = OffsetDateTime::now_utc();
    let row: ReviewRow = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO project_reviews (project_id, review_date, source, cost_eur, start_on, forecast_end_on, phase, \
         figures_withheld, ministry_rating, dinum_rating, narrative, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING ", cols!()))
        .bind(project_id)
        .bind(f.review_date)
        .bind(source)
        .bind(f.cost.map(|c| c.0))
        .bind(f.start)
        .bind(f.forecast_end)
        .bind(f.phase.as_str())
        .bind(f.figures_withheld)
        .bind(f.ministry_rating.map(|r| r.0.to_string()))
        .bind(f.dinum_rating.map(|r| r.0.to_string()))
        .bind(&f.narrative)
        .bind(now)
        .fetch_one(c)
        .await)
    .map_err(StoreError::unique("review_date"))?;
    write_parts(tx, row.id, f).await?;
    let review = row.into_domain(f.milestones.clone(), f.risks.clone())?;
    let changes = diff(&Value::Null, &audit_view(&review));
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        review.id,
        review.version,
        AuditAction::Create,
        &changes,
    )
    .await?;
    follow_latest(tx, ctx, project_id).await?;
    Ok(review)
}

/// Updates a review read at `expected_version`.
pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    f: &ReviewFields,
) -> StoreResult<Review> {
    let before = get_in_tx(tx, id).await?;
    check_version(expected_version, before.version)?;
    let row: Option<ReviewRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE project_reviews SET review_date = $1, cost_eur = $2, start_on = $3, forecast_end_on = $4, phase = $5, \
         figures_withheld = $6, ministry_rating = $7, dinum_rating = $8, narrative = $9, version = version + 1, \
         updated_at = $10 WHERE id = $11 AND version = $12 RETURNING ", cols!()))
        .bind(f.review_date)
        .bind(f.cost.map(|c| c.0))
        .bind(f.start)
        .bind(f.forecast_end)
        .bind(f.phase.as_str())
        .bind(f.figures_withheld)
        .bind(f.ministry_rating.map(|r| r.0.to_string()))
        .bind(f.dinum_rating.map(|r| r.0.to_string()))
        .bind(&f.narrative)
        .bind(OffsetDateTime::now_utc())
        .bind(id)
        .bind(expected_version)
        .fetch_optional(c)
        .await)
    .map_err(StoreError::unique("review_date"))?;
    let row = stale_if_none(row, expected_version, before.version)?;
    write_parts(tx, id, f).await?;
    let after = row.into_domain(f.milestones.clone(), f.risks.clone())?;
    let changes = diff(&audit_view(&before), &audit_view(&after));
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        after.version,
        AuditAction::Update,
        &changes,
    )
    .await?;
    follow_latest(tx, ctx, before.project_id).await?;
    Ok(after)
}

/// Keeps the project's phase and "figures withheld" flag equal to its latest review's.
async fn follow_latest(tx: &mut Tx, ctx: &AuditCtx, project_id: i64) -> StoreResult<()> {
    let latest: Option<(String, bool)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT phase, figures_withheld FROM project_reviews WHERE project_id = $1 AND archived_at IS NULL \
         ORDER BY review_date DESC, id DESC LIMIT 1")
        .bind(project_id)
        .fetch_optional(c)
        .await)?;
    let Some((phase, withheld)) = latest else {
        return Ok(());
    };
    let project = super::get_in_tx(tx, project_id).await?;
    if project.phase.as_str() == phase && project.figures_withheld == withheld {
        return Ok(());
    }
    let mut fields = super::fields_of(&project);
    fields.phase = Phase::parse(&phase).unwrap_or(project.phase);
    fields.figures_withheld = withheld;
    super::update(tx, ctx, project_id, project.version, &fields).await?;
    Ok(())
}
