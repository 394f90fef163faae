//! Online services repository: démarches, quarterly editions and the raw
//! value of each indicator per démarche and edition.

use std::collections::BTreeMap;

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, FieldChange, diff};
use cosinum_domain::demarches::demarche::{Demarche, DemarcheFields};
use cosinum_domain::demarches::method::same_value;
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "demarche";
pub const EDITION_TYPE: &str = "demarche_edition";

pub mod import;
pub mod targets;
mod values;

pub use values::{
    Among, administrations, edition_pair_in_chunks, edition_values, edition_values_among,
    edition_values_in_chunks, names,
};

macro_rules! cols {
    () => {
        "id, organisation_id, administration, name, audiences, url, annual_volume, online_volume, \
         online_since, archived_at, version"
    };
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    organisation_id: i64,
    administration: String,
    name: String,
    audiences: String,
    url: String,
    annual_volume: Option<i64>,
    online_volume: Option<i64>,
    online_since: Option<Date>,
    archived_at: Option<OffsetDateTime>,
    version: i64,
}

impl Row {
    fn into_domain(self) -> Demarche {
        Demarche {
            id: self.id,
            organisation_id: OrgId(self.organisation_id),
            administration: self.administration,
            name: self.name,
            audiences: self
                .audiences
                .split(',')
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
            url: self.url,
            annual_volume: self.annual_volume,
            online_volume: self.online_volume,
            online_since: self.online_since,
            archived: self.archived_at.is_some(),
            version: self.version,
        }
    }
}

fn audit_view(d: &Demarche) -> Value {
    json!({
        "organisation_id": d.organisation_id, "administration": d.administration, "name": d.name,
        "audiences": d.audiences.join(","), "url": d.url, "annual_volume": d.annual_volume,
        "online_volume": d.online_volume, "online_since": d.online_since.map(|x| x.to_string()),
    })
}

pub async fn list(db: &Db) -> StoreResult<Vec<Demarche>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM demarches WHERE archived_at IS NULL ORDER BY name, id"))
        .fetch_all(p).await)?;
    Ok(rows.into_iter().map(Row::into_domain).collect())
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Demarche> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!("SELECT ", cols!(), " FROM demarches WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    Ok(row.ok_or(StoreError::NotFound)?.into_domain())
}

pub async fn create(tx: &mut Tx, ctx: &AuditCtx, f: &DemarcheFields) -> StoreResult<Demarche> {
    let f = f.clone().validated()?;
    let now = OffsetDateTime::now_utc();
    let row: Row = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO demarches (organisation_id, administration, name, audiences, url, annual_volume, online_volume, \
         online_since, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING ", cols!()))
        .bind(f.organisation_id.0).bind(&f.administration).bind(&f.name).bind(f.audiences.join(",")).bind(&f.url)
        .bind(f.annual_volume).bind(f.online_volume).bind(f.online_since).bind(now)
        .fetch_one(c).await)
    .map_err(StoreError::unique("name"))?;
    let d = row.into_domain();
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        d.id,
        d.version,
        AuditAction::Create,
        &diff(&Value::Null, &audit_view(&d)),
    )
    .await?;
    Ok(d)
}

pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    f: &DemarcheFields,
) -> StoreResult<Demarche> {
    let f = f.clone().validated()?;
    let before: Option<Row> = on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", cols!(), " FROM demarches WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    let before = before.ok_or(StoreError::NotFound)?.into_domain();
    check_version(expected_version, before.version)?;
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE demarches SET organisation_id = $1, administration = $2, name = $3, audiences = $4, url = $5, \
         annual_volume = $6, online_volume = $7, online_since = $8, version = version + 1, updated_at = $9 \
         WHERE id = $10 AND version = $11 RETURNING ", cols!()))
        .bind(f.organisation_id.0).bind(&f.administration).bind(&f.name).bind(f.audiences.join(",")).bind(&f.url)
        .bind(f.annual_volume).bind(f.online_volume).bind(f.online_since).bind(OffsetDateTime::now_utc())
        .bind(id).bind(expected_version)
        .fetch_optional(c).await)
    .map_err(StoreError::unique("name"))?;
    let after = stale_if_none(row, expected_version, before.version)?.into_domain();
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id,
        after.version,
        AuditAction::Update,
        &diff(&audit_view(&before), &audit_view(&after)),
    )
    .await?;
    Ok(after)
}

/// A quarterly edition of the observatory.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Edition {
    pub id: i64,
    pub edition_date: Date,
    /// The method code in force for this edition (`v2019`, `v2023`).
    pub method: String,
    pub source: String,
    /// Démarches with at least one value in the edition.
    pub demarches: i64,
}

pub async fn editions(db: &Db) -> StoreResult<Vec<Edition>> {
    Ok(on_pool!(db, p => sqlx::query_as(
        "SELECT e.id, e.edition_date, e.method, e.source, \
         (SELECT COUNT(DISTINCT v.demarche_id) FROM demarche_values v WHERE v.edition_id = e.id) AS demarches \
         FROM demarche_editions e ORDER BY e.edition_date")
        .fetch_all(p).await)?)
}

/// Creates the edition dated `date` (or returns it if it exists).
pub async fn upsert_edition(
    tx: &mut Tx,
    ctx: &AuditCtx,
    date: Date,
    method: &str,
    source: &str,
) -> StoreResult<i64> {
    let existing: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as("SELECT id FROM demarche_editions WHERE edition_date = $1")
        .bind(date).fetch_optional(c).await)?;
    if let Some((id,)) = existing {
        return Ok(id);
    }
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO demarche_editions (edition_date, method, source, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(date).bind(method).bind(source).bind(OffsetDateTime::now_utc()).fetch_one(c).await)?;
    let change = FieldChange {
        field: "édition".into(),
        before: Value::Null,
        after: json!({"date": date.to_string(), "method": method, "source": source}),
    };
    audit::record(tx, ctx, EDITION_TYPE, id, 1, AuditAction::Create, &[change]).await?;
    Ok(id)
}

/// Rows per INSERT: well under SQLite's and PostgreSQL's bind limits.
const BATCH: usize = 300;

/// One indicator value to write in an edition.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueWrite {
    pub demarche_id: i64,
    pub slug: String,
    pub raw: String,
    /// The value the writer saw (`""` for none): the write is refused if the
    /// stored value differs, so two people entering the same edition do not
    /// overwrite each other unknowingly. `None` overwrites (imports, whose
    /// preview is checked again on confirmation).
    pub expected: Option<String>,
}

/// The stored raw values of an edition: (démarche, slug) → raw.
pub async fn stored_values(
    tx: &mut Tx,
    edition_id: i64,
) -> StoreResult<BTreeMap<(i64, String), String>> {
    let rows: Vec<(i64, String, String)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT demarche_id, slug, raw FROM demarche_values WHERE edition_id = $1")
        .bind(edition_id).fetch_all(c).await)?;
    Ok(rows.into_iter().map(|(d, s, r)| ((d, s), r)).collect())
}

/// Writes indicator values of an edition in batches (insert or replace),
/// skipping those equal to what is stored, and records in the same
/// transaction one audit line per démarche listing each value changed
/// (before → after), so the démarche's history shows its figures. Returns
/// the number of values written.
pub async fn write_values(
    tx: &mut Tx,
    ctx: &AuditCtx,
    edition_id: i64,
    values: &[ValueWrite],
) -> StoreResult<usize> {
    let stored = stored_values(tx, edition_id).await?;
    let (date,): (Date,) = on_tx!(tx, c => sqlx::query_as("SELECT edition_date FROM demarche_editions WHERE id = $1")
        .bind(edition_id).fetch_one(c).await)?;
    let mut changed: BTreeMap<i64, Vec<FieldChange>> = BTreeMap::new();
    let mut rows: Vec<&ValueWrite> = Vec::new();
    for v in values {
        let before = stored.get(&(v.demarche_id, v.slug.clone()));
        if let Some(expected) = &v.expected
            && before.map_or("", String::as_str) != expected
        {
            return Err(StoreError::Stale(format!(
                "la valeur « {} » de la démarche {} dans l'édition du {date} vaut désormais « {} »",
                v.slug,
                v.demarche_id,
                before.map_or("", String::as_str)
            )));
        }
        // Unchanged, or blank where nothing is stored (both read "not measured").
        if same_value(before.map(String::as_str), Some(&v.raw)) {
            continue;
        }
        changed.entry(v.demarche_id).or_default().push(FieldChange {
            field: format!("{date} · {}", v.slug),
            before: before.map_or(Value::Null, |b| json!(b)),
            after: json!(v.raw),
        });
        rows.push(v);
    }
    for chunk in rows.chunks(BATCH) {
        let mut sql = String::from(
            "INSERT INTO demarche_values (edition_id, demarche_id, slug, raw) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 4;
            sql.push_str(&format!(
                "{}(${}, ${}, ${}, ${})",
                if i > 0 { ", " } else { "" },
                b + 1,
                b + 2,
                b + 3,
                b + 4
            ));
        }
        sql.push_str(
            " ON CONFLICT (edition_id, demarche_id, slug) DO UPDATE SET raw = excluded.raw",
        );
        on_tx!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for v in chunk {
                q = q.bind(edition_id).bind(v.demarche_id).bind(v.slug.as_str()).bind(v.raw.as_str());
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    let versions: Vec<(i64, i64)> = on_tx!(tx, c => sqlx::query_as("SELECT id, version FROM demarches")
        .fetch_all(c).await)?;
    let versions: BTreeMap<i64, i64> = versions.into_iter().collect();
    for (demarche_id, changes) in &changed {
        let version = versions.get(demarche_id).copied().unwrap_or(1);
        audit::record(
            tx,
            ctx,
            OBJECT_TYPE,
            *demarche_id,
            version,
            AuditAction::Update,
            changes,
        )
        .await?;
    }
    Ok(rows.len())
}

/// The raw values stored for the edition dated `date`: (démarche, slug) → raw.
pub async fn raw_values(db: &Db, date: Date) -> StoreResult<BTreeMap<(i64, String), String>> {
    let rows: Vec<(i64, String, String)> = on_pool!(db, p => sqlx::query_as(
        "SELECT v.demarche_id, v.slug, v.raw FROM demarche_values v \
         JOIN demarche_editions e ON e.id = v.edition_id WHERE e.edition_date = $1")
        .bind(date).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(d, s, r)| ((d, s), r)).collect())
}

/// One démarche's raw values in every edition, oldest first: (date, method, slug → raw).
pub async fn history(
    db: &Db,
    demarche_id: i64,
) -> StoreResult<Vec<(Date, String, BTreeMap<String, String>)>> {
    let rows: Vec<(Date, String, String, String)> = on_pool!(db, p => sqlx::query_as(
        "SELECT e.edition_date, e.method, v.slug, v.raw FROM demarche_values v \
         JOIN demarche_editions e ON e.id = v.edition_id WHERE v.demarche_id = $1 ORDER BY e.edition_date, v.slug")
        .bind(demarche_id).fetch_all(p).await)?;
    let mut out: Vec<(Date, String, BTreeMap<String, String>)> = Vec::new();
    for (date, method, slug, raw) in rows {
        match out.last_mut() {
            Some((d, _, values)) if *d == date => {
                values.insert(slug, raw);
            }
            _ => out.push((date, method, BTreeMap::from([(slug, raw)]))),
        }
    }
    Ok(out)
}
