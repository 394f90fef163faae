//! Major projects repository: projects, their baselines ledger, reviews,
//! Panorama editions, avis conforme. Every write is audited in its transaction.

pub mod avis;
pub mod baselines;
pub mod editions;
pub mod import;
mod import_json;
mod import_state;
mod import_write;
pub mod merge;
pub mod portfolio_parts;
pub mod reviews;

use std::collections::HashMap;

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::project::{Project, ProjectFields};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::among::{Among, Owners, bind_among};
use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "project";

macro_rules! cols {
    () => {
        "id, organisation_id, name, description, functional_zone, interministerial, \
         funding_programmes, links, phase, figures_withheld, entered_on, exited_on, archived_at, version, aliases"
    };
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProjectRow {
    id: i64,
    organisation_id: i64,
    name: String,
    description: String,
    functional_zone: String,
    interministerial: bool,
    funding_programmes: String,
    links: String,
    phase: String,
    figures_withheld: bool,
    entered_on: Date,
    exited_on: Option<Date>,
    archived_at: Option<OffsetDateTime>,
    version: i64,
    aliases: String,
}

impl ProjectRow {
    pub(crate) fn into_domain(self) -> StoreResult<Project> {
        let phase = Phase::parse(&self.phase).ok_or_else(|| {
            anyhow::anyhow!("project {}: unknown phase {:?}", self.id, self.phase)
        })?;
        Ok(Project {
            id: self.id,
            organisation_id: OrgId(self.organisation_id),
            name: self.name,
            description: self.description,
            functional_zone: self.functional_zone,
            interministerial: self.interministerial,
            funding_programmes: self.funding_programmes,
            links: self.links,
            phase,
            figures_withheld: self.figures_withheld,
            entered_on: self.entered_on,
            exited_on: self.exited_on,
            archived: self.archived_at.is_some(),
            version: self.version,
            aliases: self.aliases,
        })
    }
}

fn audit_view(p: &Project) -> Value {
    json!({
        "organisation_id": p.organisation_id,
        "name": p.name,
        "description": p.description,
        "functional_zone": p.functional_zone,
        "interministerial": p.interministerial,
        "funding_programmes": p.funding_programmes,
        "links": p.links,
        "phase": p.phase.as_str(),
        "figures_withheld": p.figures_withheld,
        "entered_on": p.entered_on.to_string(),
        "exited_on": p.exited_on.map(|d| d.to_string()),
        "archived": p.archived,
    })
}

/// Every project (archived ones only when asked), by name.
pub async fn list(db: &Db, include_archived: bool) -> StoreResult<Vec<Project>> {
    list_among(db, include_archived, Among::All).await
}

/// The projects `among` names (archived ones only when asked), by name.
pub async fn list_among(
    db: &Db,
    include_archived: bool,
    among: Among,
) -> StoreResult<Vec<Project>> {
    let sql = format!(
        "SELECT {} FROM projects WHERE {} ORDER BY name, id",
        cols!(),
        among.condition("id", "organisation_id")
    );
    let rows: Vec<ProjectRow> = on_pool!(db, p => bind_among!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), among)
        .fetch_all(p)
        .await)?;
    decoded(rows, include_archived)
}

/// The projects of `rows`, archived ones only when asked.
fn decoded(rows: Vec<ProjectRow>, include_archived: bool) -> StoreResult<Vec<Project>> {
    let all = rows
        .into_iter()
        .map(ProjectRow::into_domain)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(all
        .into_iter()
        .filter(|p| include_archived || !p.archived)
        .collect())
}

/// The ids of the projects (archived ones aside) in the order of [`list`]:
/// the portfolio read part by part follows it.
pub(crate) async fn ids_in_order(db: &Db) -> StoreResult<Vec<i64>> {
    let rows: Vec<(i64,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT id FROM projects WHERE archived_at IS NULL ORDER BY name, id")
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The projects `ids` names (archived ones aside), in no given order.
pub(crate) async fn list_ids(db: &Db, ids: &crate::among::ProjectIds) -> StoreResult<Vec<Project>> {
    let sql = format!(
        "SELECT {} FROM projects WHERE {}",
        cols!(),
        crate::among::ProjectScope::Ids(ids).condition(db.backend(), "id")
    );
    let rows: Vec<ProjectRow> = on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(ids.json())
        .fetch_all(p)
        .await)?;
    decoded(rows, false)
}

/// The projects (archived ones aside) of `owners`, by name.
pub async fn list_of(db: &Db, owners: &Owners) -> StoreResult<Vec<Project>> {
    let sql = format!(
        "SELECT {} FROM projects WHERE {} ORDER BY name, id",
        cols!(),
        Owners::condition(db.backend(), "organisation_id")
    );
    let rows: Vec<ProjectRow> = on_pool!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(owners.json())
        .fetch_all(p)
        .await)?;
    decoded(rows, false)
}

/// The functional zone of every project not archived, by id: what
/// applications and funding requests borrow from their project, without
/// reading every project's texts.
pub async fn zones(db: &Db) -> StoreResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, functional_zone FROM projects WHERE archived_at IS NULL")
        .fetch_all(p)
        .await)?;
    Ok(rows.into_iter().collect())
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Project> {
    let row: Option<ProjectRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM projects WHERE id = $1"))
        .bind(id)
        .fetch_optional(p)
        .await)?;
    row.ok_or(StoreError::NotFound)?.into_domain()
}

pub(crate) async fn get_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Project> {
    let row: Option<ProjectRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM projects WHERE id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await)?;
    row.ok_or(StoreError::NotFound)?.into_domain()
}

/// Every project, inside a transaction.
pub(crate) async fn list_in_tx(tx: &mut Tx) -> StoreResult<Vec<Project>> {
    let rows: Vec<ProjectRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM projects ORDER BY id"))
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(ProjectRow::into_domain).collect()
}

pub async fn create(tx: &mut Tx, ctx: &AuditCtx, f: &ProjectFields) -> StoreResult<Project> {
    let now = OffsetDateTime::now_utc();
    let row: ProjectRow = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO projects (organisation_id, name, description, functional_zone, interministerial, \
         funding_programmes, links, phase, figures_withheld, entered_on, exited_on, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING ", cols!()))
        .bind(f.organisation_id.0)
        .bind(&f.name)
        .bind(&f.description)
        .bind(&f.functional_zone)
        .bind(f.interministerial)
        .bind(&f.funding_programmes)
        .bind(&f.links)
        .bind(f.phase.as_str())
        .bind(f.figures_withheld)
        .bind(f.entered_on)
        .bind(f.exited_on)
        .bind(now)
        .fetch_one(c)
        .await)
    .map_err(StoreError::unique("name"))?;
    let project = row.into_domain()?;
    let changes = diff(&Value::Null, &audit_view(&project));
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        project.id,
        project.version,
        AuditAction::Create,
        &changes,
    )
    .await?;
    Ok(project)
}

/// Updates a project read at `expected_version`; refuses a stale update.
pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    f: &ProjectFields,
) -> StoreResult<Project> {
    let before = get_in_tx(tx, id).await?;
    check_version(expected_version, before.version)?;
    let row: Option<ProjectRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE projects SET organisation_id = $1, name = $2, description = $3, functional_zone = $4, \
         interministerial = $5, funding_programmes = $6, links = $7, phase = $8, figures_withheld = $9, \
         entered_on = $10, exited_on = $11, version = version + 1, updated_at = $12 \
         WHERE id = $13 AND version = $14 RETURNING ", cols!()))
        .bind(f.organisation_id.0)
        .bind(&f.name)
        .bind(&f.description)
        .bind(&f.functional_zone)
        .bind(f.interministerial)
        .bind(&f.funding_programmes)
        .bind(&f.links)
        .bind(f.phase.as_str())
        .bind(f.figures_withheld)
        .bind(f.entered_on)
        .bind(f.exited_on)
        .bind(OffsetDateTime::now_utc())
        .bind(id)
        .bind(expected_version)
        .fetch_optional(c)
        .await)
    .map_err(StoreError::unique("name"))?;
    let after = stale_if_none(row, expected_version, before.version)?.into_domain()?;
    let changes = diff(&audit_view(&before), &audit_view(&after));
    if !changes.is_empty() {
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
    }
    Ok(after)
}

/// The fields of a stored project, to change a few of them.
pub fn fields_of(p: &Project) -> ProjectFields {
    ProjectFields {
        organisation_id: p.organisation_id,
        name: p.name.clone(),
        description: p.description.clone(),
        functional_zone: p.functional_zone.clone(),
        interministerial: p.interministerial,
        funding_programmes: p.funding_programmes.clone(),
        links: p.links.clone(),
        phase: p.phase,
        figures_withheld: p.figures_withheld,
        entered_on: p.entered_on,
        exited_on: p.exited_on,
    }
}
