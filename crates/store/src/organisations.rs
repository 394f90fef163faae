//! Organisations repository: the hierarchy of ministries, directions and operators.

use std::collections::BTreeSet;

use cosinum_domain::OrgId;
use cosinum_domain::ValidationError;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::organisation::{Hierarchy, OrgKind, Organisation, OrganisationFields};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};

/// The object type under which organisations appear in the audit history.
pub const OBJECT_TYPE: &str = "organisation";

macro_rules! cols {
    () => {
        "id, code, name, kind, parent_id, valid_from, valid_to, archived_at, version"
    };
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
    parent_id: Option<i64>,
    valid_from: Date,
    valid_to: Option<Date>,
    archived_at: Option<OffsetDateTime>,
    version: i64,
}

impl OrgRow {
    fn into_domain(self) -> StoreResult<Organisation> {
        let kind = OrgKind::parse(&self.kind).ok_or_else(|| {
            anyhow::anyhow!("organisation {}: unknown kind {:?}", self.id, self.kind)
        })?;
        Ok(Organisation {
            id: OrgId(self.id),
            code: self.code,
            name: self.name,
            kind,
            parent_id: self.parent_id.map(OrgId),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            archived: self.archived_at.is_some(),
            version: self.version,
        })
    }
}

/// The audited view of an organisation: the fields a person edits.
fn audit_view(o: &Organisation) -> Value {
    json!({
        "code": o.code,
        "name": o.name,
        "kind": o.kind.as_str(),
        "parent_id": o.parent_id,
        "valid_from": o.valid_from.to_string(),
        "valid_to": o.valid_to.map(|d| d.to_string()),
        "archived": o.archived,
    })
}

/// Every organisation, archived ones included when asked, ordered by code.
pub async fn list(db: &Db, include_archived: bool) -> StoreResult<Vec<Organisation>> {
    let rows: Vec<OrgRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM organisations ORDER BY code"))
        .fetch_all(p)
        .await)?;
    let orgs = rows
        .into_iter()
        .map(OrgRow::into_domain)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(orgs
        .into_iter()
        .filter(|o| include_archived || !o.archived)
        .collect())
}

pub async fn get(db: &Db, id: OrgId) -> StoreResult<Organisation> {
    let row: Option<OrgRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM organisations WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(p)
        .await)?;
    row.ok_or(StoreError::NotFound)?.into_domain()
}

pub async fn get_by_code(db: &Db, code: &str) -> StoreResult<Organisation> {
    let row: Option<OrgRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM organisations WHERE code = $1"))
        .bind(code.to_ascii_uppercase())
        .fetch_optional(p)
        .await)?;
    row.ok_or(StoreError::NotFound)?.into_domain()
}

/// The organisation with `code`, inside a transaction.
pub async fn get_by_code_in_tx(tx: &mut Tx, code: &str) -> StoreResult<Option<Organisation>> {
    let row: Option<OrgRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM organisations WHERE code = $1"))
        .bind(code.to_ascii_uppercase())
        .fetch_optional(c)
        .await)?;
    row.map(OrgRow::into_domain).transpose()
}

async fn get_in_tx(tx: &mut Tx, id: OrgId) -> StoreResult<Organisation> {
    let row: Option<OrgRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM organisations WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
    row.ok_or(StoreError::NotFound)?.into_domain()
}

/// `org` and every organisation below it (the scope of a ministry role).
pub async fn subtree(db: &Db, org: OrgId) -> StoreResult<BTreeSet<OrgId>> {
    let ids: Vec<(i64,)> = on_pool!(db, p => sqlx::query_as(
        "WITH RECURSIVE scope(id) AS ( \
            SELECT id FROM organisations WHERE id = $1 \
            UNION ALL \
            SELECT o.id FROM organisations o JOIN scope s ON o.parent_id = s.id) \
         SELECT id FROM scope")
        .bind(org.0)
        .fetch_all(p)
        .await)?;
    Ok(ids.into_iter().map(|(id,)| OrgId(id)).collect())
}

/// Checks the parent of an organisation exists, is not archived and closes no cycle.
async fn check_parent(
    tx: &mut Tx,
    id: Option<OrgId>,
    fields: &OrganisationFields,
) -> StoreResult<()> {
    let Some(parent) = fields.parent_id else {
        return Ok(());
    };
    let parent_org = match get_in_tx(tx, parent).await {
        Err(StoreError::NotFound) => {
            return Err(
                ValidationError::new("parent_id", "organisation de rattachement inconnue").into(),
            );
        }
        other => other?,
    };
    if parent_org.archived {
        return Err(
            ValidationError::new("parent_id", "organisation de rattachement archivée").into(),
        );
    }
    if let Some(id) = id {
        let links: Vec<(i64, Option<i64>)> = on_tx!(tx, c => sqlx::query_as(
            "SELECT id, parent_id FROM organisations")
            .fetch_all(c)
            .await)?;
        let h = Hierarchy::new(links.into_iter().map(|(i, p)| (OrgId(i), p.map(OrgId))));
        if h.would_cycle(id, parent) {
            return Err(ValidationError::new(
                "parent_id",
                "une organisation ne peut pas être rattachée à elle-même ou à l'une de ses subdivisions",
            )
            .into());
        }
    }
    Ok(())
}

/// Creates an organisation and records it in the audit history.
pub async fn create(
    tx: &mut Tx,
    ctx: &AuditCtx,
    fields: &OrganisationFields,
) -> StoreResult<Organisation> {
    check_parent(tx, None, fields).await?;
    let now = OffsetDateTime::now_utc();
    let row: OrgRow = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO organisations (code, name, kind, parent_id, valid_from, valid_to, version, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7) RETURNING ", cols!()))
        .bind(&fields.code)
        .bind(&fields.name)
        .bind(fields.kind.as_str())
        .bind(fields.parent_id.map(|p| p.0))
        .bind(fields.valid_from)
        .bind(fields.valid_to)
        .bind(now)
        .fetch_one(c)
        .await)
    .map_err(StoreError::unique("code"))?;
    let org = row.into_domain()?;
    let changes = diff(&Value::Null, &audit_view(&org));
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        org.id.0,
        org.version,
        AuditAction::Create,
        &changes,
    )
    .await?;
    Ok(org)
}

/// Updates an organisation opened at `expected_version`; refuses a stale update.
pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: OrgId,
    expected_version: i64,
    fields: &OrganisationFields,
) -> StoreResult<Organisation> {
    let before = get_in_tx(tx, id).await?;
    check_version(expected_version, before.version)?;
    check_parent(tx, Some(id), fields).await?;
    let row: Option<OrgRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE organisations SET code = $1, name = $2, kind = $3, parent_id = $4, valid_from = $5, \
         valid_to = $6, version = version + 1, updated_at = $7 \
         WHERE id = $8 AND version = $9 RETURNING ", cols!()))
        .bind(&fields.code)
        .bind(&fields.name)
        .bind(fields.kind.as_str())
        .bind(fields.parent_id.map(|p| p.0))
        .bind(fields.valid_from)
        .bind(fields.valid_to)
        .bind(OffsetDateTime::now_utc())
        .bind(id.0)
        .bind(expected_version)
        .fetch_optional(c)
        .await)
    .map_err(StoreError::unique("code"))?;
    let after = stale_if_none(row, expected_version, before.version)?.into_domain()?;
    let changes = diff(&audit_view(&before), &audit_view(&after));
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id.0,
        after.version,
        AuditAction::Update,
        &changes,
    )
    .await?;
    Ok(after)
}

/// Archives (or restores) an organisation: it is never deleted, because
/// history and other records keep pointing at it.
pub async fn set_archived(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: OrgId,
    expected_version: i64,
    archived: bool,
) -> StoreResult<Organisation> {
    let before = get_in_tx(tx, id).await?;
    check_version(expected_version, before.version)?;
    if archived {
        let (active_children,): (i64,) = on_tx!(tx, c => sqlx::query_as(
            "SELECT COUNT(*) FROM organisations WHERE parent_id = $1 AND archived_at IS NULL")
            .bind(id.0)
            .fetch_one(c)
            .await)?;
        if active_children > 0 {
            return Err(ValidationError::new(
                "archived",
                format!("{active_children} organisation(s) rattachée(s) sont encore actives : archivez-les d'abord"),
            )
            .into());
        }
    }
    let now = OffsetDateTime::now_utc();
    let row: Option<OrgRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE organisations SET archived_at = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 RETURNING ", cols!()))
        .bind(archived.then_some(now))
        .bind(now)
        .bind(id.0)
        .bind(expected_version)
        .fetch_optional(c)
        .await)?;
    let after = stale_if_none(row, expected_version, before.version)?.into_domain()?;
    let changes = diff(&audit_view(&before), &audit_view(&after));
    let action = if archived {
        AuditAction::Archive
    } else {
        AuditAction::Restore
    };
    audit::record(tx, ctx, OBJECT_TYPE, id.0, after.version, action, &changes).await?;
    Ok(after)
}

/// The organisation a cell of an imported file names: its code (or a
/// former acronym of a ministry, see `projects::import::MINISTRY_ALIASES`),
/// or its name, case and spacing aside.
pub fn resolve<'a>(orgs: &'a [Organisation], raw: &str) -> Option<&'a Organisation> {
    let code = crate::projects::import::canonical_code(raw);
    let key = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    orgs.iter()
        .find(|o| o.code == code)
        .or_else(|| orgs.iter().find(|o| key(&o.name) == key(raw)))
}

pub(crate) fn check_version(expected: i64, current: i64) -> StoreResult<()> {
    if expected == current {
        Ok(())
    } else {
        Err(StoreError::Conflict { expected, current })
    }
}

/// A guarded UPDATE that matched no row lost a race with a concurrent writer.
pub(crate) fn stale_if_none<T>(row: Option<T>, expected: i64, seen: i64) -> StoreResult<T> {
    row.ok_or(StoreError::Conflict {
        expected,
        current: seen + 1,
    })
}
