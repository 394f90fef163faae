//! Publication rules and open-data releases. A release is stored with the
//! inputs it was built from and its files; published releases, discarded
//! ones and every file are immutable (triggers on both backends).

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::publication::changelog::Changelog;
use cosinum_domain::publication::{Dataset, ReleaseInputs, ReleaseStatus, Rules};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const RULES_TYPE: &str = "publication_rules";
pub const RELEASE_TYPE: &str = "publication_release";

/// The rules in force for a dataset and their version (0 before any change).
pub async fn rules(db: &Db, dataset: Dataset) -> StoreResult<(Rules, i64)> {
    let row: Option<(String, i64)> = on_pool!(db, p => sqlx::query_as(
        "SELECT rules, version FROM publication_rules WHERE dataset = $1")
        .bind(dataset.as_str()).fetch_optional(p).await)?;
    match row {
        None => Ok((Rules::default(), 0)),
        Some((json, version)) => Ok((parse_rules(&json)?, version)),
    }
}

/// The dataset whose rules row is `id` (for the history page).
pub async fn rules_dataset(db: &Db, id: i64) -> StoreResult<Dataset> {
    let row: Option<(String,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT dataset FROM publication_rules WHERE id = $1")
        .bind(id).fetch_optional(p).await)?;
    let (code,) = row.ok_or(StoreError::NotFound)?;
    Dataset::parse(&code)
        .ok_or_else(|| anyhow::anyhow!("publication rules {id}: bad dataset").into())
}

fn parse_rules(json: &str) -> StoreResult<Rules> {
    serde_json::from_str(json).map_err(|e| anyhow::anyhow!("publication rules: {e}").into())
}

/// Replaces a dataset's rules (already checked against its catalog).
/// `version` is the version read (0 when none was stored yet).
pub async fn set_rules(
    tx: &mut Tx,
    ctx: &AuditCtx,
    dataset: Dataset,
    rules: &Rules,
    version: i64,
) -> StoreResult<i64> {
    let old: Option<(i64, String, i64)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, rules, version FROM publication_rules WHERE dataset = $1")
        .bind(dataset.as_str()).fetch_optional(c).await)?;
    let json = serde_json::to_string(rules).map_err(anyhow::Error::from)?;
    let now = OffsetDateTime::now_utc();
    let (id, before, new_version) = match old {
        None => {
            check_version(version, 0)?;
            let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
                "INSERT INTO publication_rules (dataset, rules, version, updated_by, updated_at) \
                 VALUES ($1, $2, 1, $3, $4) RETURNING id")
                .bind(dataset.as_str()).bind(&json).bind(&ctx.actor_label).bind(now)
                .fetch_one(c).await)
            .map_err(StoreError::unique("dataset"))
            .map_err(|e| match e {
                StoreError::Duplicate { .. } => StoreError::Conflict {
                    expected: 0,
                    current: 1,
                },
                other => other,
            })?;
            (id, Rules::default(), 1)
        }
        Some((id, before, current)) => {
            check_version(version, current)?;
            let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
                "UPDATE publication_rules SET rules = $1, updated_by = $2, updated_at = $3, version = version + 1 \
                 WHERE id = $4 AND version = $5 RETURNING version")
                .bind(&json).bind(&ctx.actor_label).bind(now).bind(id).bind(version)
                .fetch_optional(c).await)?;
            let (v,) = stale_if_none(row, version, current)?;
            (id, parse_rules(&before)?, v)
        }
    };
    let view = |r: &Rules| {
        let map: serde_json::Map<String, Value> =
            r.0.iter()
                .map(|(k, v)| (k.clone(), json!(v.as_str())))
                .collect();
        json!({"dataset": dataset.as_str(), "rules": map})
    };
    let action = if new_version == 1 {
        AuditAction::Create
    } else {
        AuditAction::Update
    };
    let changes = diff(&view(&before), &view(rules));
    audit::record(tx, ctx, RULES_TYPE, id, new_version, action, &changes).await?;
    Ok(new_version)
}

/// A file of a release, without its content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileMeta {
    pub name: String,
    pub media_type: String,
    pub sha256: String,
    pub bytes: i64,
}

/// A release as stored (its inputs and file contents are read apart).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Release {
    pub id: i64,
    pub dataset: Dataset,
    pub number: i64,
    pub status: ReleaseStatus,
    pub as_of: Date,
    pub prepared_on: Date,
    pub methodology: String,
    pub changelog: Changelog,
    pub row_count: i64,
    pub digest: String,
    pub prepared_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub prepared_at: OffsetDateTime,
    pub published_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    pub public_from: Option<Date>,
    pub version: i64,
    pub files: Vec<FileMeta>,
}

impl Release {
    /// Whether the public may see it on `today`.
    pub fn is_public(&self, today: Date) -> bool {
        self.status == ReleaseStatus::Published && self.public_from.is_some_and(|d| d <= today)
    }
}

type Row = (
    i64,
    String,
    i64,
    String,
    Date,
    Date,
    String,
    String,
    i64,
    String,
    String,
    OffsetDateTime,
    Option<String>,
    Option<OffsetDateTime>,
    Option<Date>,
    i64,
);

macro_rules! release_cols {
    () => {
        "SELECT id, dataset, number, status, as_of, prepared_on, methodology, changelog, row_count, digest, \
         prepared_by, prepared_at, published_by, published_at, public_from, version FROM publication_releases"
    };
}

fn from_row(r: Row, files: Vec<FileMeta>) -> StoreResult<Release> {
    let bad = |what: &str| anyhow::anyhow!("release {}: bad {what}", r.0);
    Ok(Release {
        id: r.0,
        dataset: Dataset::parse(&r.1).ok_or_else(|| bad("dataset"))?,
        number: r.2,
        status: ReleaseStatus::parse(&r.3).ok_or_else(|| bad("status"))?,
        as_of: r.4,
        prepared_on: r.5,
        methodology: r.6,
        changelog: serde_json::from_str(&r.7).map_err(|_| bad("changelog"))?,
        row_count: r.8,
        digest: r.9,
        prepared_by: r.10,
        prepared_at: r.11,
        published_by: r.12,
        published_at: r.13,
        public_from: r.14,
        version: r.15,
        files,
    })
}

async fn with_files(db: &Db, rows: Vec<Row>) -> StoreResult<Vec<Release>> {
    let metas: Vec<(i64, String, String, String, i64)> = on_pool!(db, p => sqlx::query_as(
        "SELECT release_id, name, media_type, sha256, bytes FROM publication_files ORDER BY release_id, position")
        .fetch_all(p).await)?;
    rows.into_iter()
        .map(|r| {
            let files = metas
                .iter()
                .filter(|m| m.0 == r.0)
                .map(|m| FileMeta {
                    name: m.1.clone(),
                    media_type: m.2.clone(),
                    sha256: m.3.clone(),
                    bytes: m.4,
                })
                .collect();
            from_row(r, files)
        })
        .collect()
}

/// Every release (all statuses), newest first; one dataset's if given.
pub async fn releases(db: &Db, dataset: Option<Dataset>) -> StoreResult<Vec<Release>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(release_cols!(),
        " ORDER BY prepared_at DESC, id DESC")).fetch_all(p).await)?;
    let rows = rows
        .into_iter()
        .filter(|r| dataset.is_none_or(|d| d.as_str() == r.1))
        .collect();
    with_files(db, rows).await
}

/// The releases the public sees on `today`, newest number first.
pub async fn public_releases(
    db: &Db,
    dataset: Option<Dataset>,
    today: Date,
) -> StoreResult<Vec<Release>> {
    let rows: Vec<Row> = on_pool!(db, p => sqlx::query_as(concat!(release_cols!(),
        " WHERE status = 'published' AND public_from <= $1 ORDER BY dataset, number DESC"))
        .bind(today).fetch_all(p).await)?;
    let rows = rows
        .into_iter()
        .filter(|r| dataset.is_none_or(|d| d.as_str() == r.1))
        .collect();
    with_files(db, rows).await
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Release> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!(release_cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    let mut all = with_files(db, vec![row.ok_or(StoreError::NotFound)?]).await?;
    all.pop().ok_or(StoreError::NotFound)
}

/// The inputs a release was built from.
pub async fn inputs(db: &Db, id: i64) -> StoreResult<ReleaseInputs> {
    let row: Option<(String,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT inputs FROM publication_releases WHERE id = $1")
        .bind(id).fetch_optional(p).await)?;
    let (json,) = row.ok_or(StoreError::NotFound)?;
    serde_json::from_str(&json).map_err(|e| anyhow::anyhow!("release {id}: inputs: {e}").into())
}

/// A file's content with its metadata.
pub async fn file(db: &Db, release_id: i64, name: &str) -> StoreResult<(FileMeta, Vec<u8>)> {
    let row: Option<(String, String, String, i64, Vec<u8>)> = on_pool!(db, p => sqlx::query_as(
        "SELECT name, media_type, sha256, bytes, content FROM publication_files WHERE release_id = $1 AND name = $2")
        .bind(release_id).bind(name).fetch_optional(p).await)?;
    let (name, media_type, sha256, bytes, content) = row.ok_or(StoreError::NotFound)?;
    Ok((
        FileMeta {
            name,
            media_type,
            sha256,
            bytes,
        },
        content,
    ))
}

/// The number the next release of a dataset takes, and the last published
/// release (what the next one's changelog compares with).
/// (Two preparations racing for a number: the unique index refuses one.)
pub async fn next_number(db: &Db, dataset: Dataset) -> StoreResult<(i64, Option<i64>)> {
    let (max,): (Option<i64>,) = on_pool!(db, p => sqlx::query_as(
        "SELECT MAX(number) FROM publication_releases WHERE dataset = $1 AND status <> 'discarded'")
        .bind(dataset.as_str()).fetch_one(p).await)?;
    let last: Option<(i64,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT id FROM publication_releases WHERE dataset = $1 AND status = 'published' ORDER BY number DESC LIMIT 1")
        .bind(dataset.as_str()).fetch_optional(p).await)?;
    Ok((max.unwrap_or(0) + 1, last.map(|(id,)| id)))
}

/// A file to store with a new release.
pub struct NewFile<'a> {
    pub name: &'a str,
    pub media_type: &'a str,
    pub bytes: &'a [u8],
    pub sha256: String,
}

/// Stores a prepared release (under embargo) with its inputs and files.
/// Refused while another release of the dataset is under embargo.
pub async fn create(
    tx: &mut Tx,
    ctx: &AuditCtx,
    inputs: &ReleaseInputs,
    changelog: &Changelog,
    row_count: usize,
    files: &[NewFile<'_>],
    digest: &str,
) -> StoreResult<i64> {
    let id = &inputs.id;
    let inputs_json = serde_json::to_string(inputs).map_err(anyhow::Error::from)?;
    let log_json = serde_json::to_string(changelog).map_err(anyhow::Error::from)?;
    let inserted: Result<(i64,), StoreError> = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO publication_releases (dataset, number, status, as_of, prepared_on, methodology, inputs, changelog, \
         row_count, digest, prepared_by, prepared_at, version) \
         VALUES ($1, $2, 'embargoed', $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) RETURNING id")
        .bind(id.dataset.as_str()).bind(id.number).bind(id.as_of).bind(id.prepared_on)
        .bind(&inputs.methodology.code).bind(&inputs_json).bind(&log_json).bind(row_count as i64)
        .bind(digest).bind(&ctx.actor_label).bind(OffsetDateTime::now_utc())
        .fetch_one(c).await).map_err(StoreError::unique("dataset"));
    let (release_id,) = match inserted {
        Err(StoreError::Duplicate { .. }) => {
            return Err(StoreError::Stale(
                "une version de ce jeu de données est déjà en préparation (sous embargo) : publiez-la ou abandonnez-la d'abord".into(),
            ));
        }
        other => other?,
    };
    for (position, f) in files.iter().enumerate() {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO publication_files (release_id, name, position, media_type, content, sha256, bytes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(release_id).bind(f.name).bind(position as i64).bind(f.media_type).bind(f.bytes)
            .bind(&f.sha256).bind(f.bytes.len() as i64).execute(c).await.map(|_| ()))?;
    }
    let after = json!({"dataset": id.dataset.as_str(), "number": id.number, "as_of": id.as_of.to_string(),
        "status": "embargoed", "methodology": inputs.methodology.code, "rows": row_count, "digest": digest});
    audit::record(
        tx,
        ctx,
        RELEASE_TYPE,
        release_id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &after),
    )
    .await?;
    Ok(release_id)
}

/// Publishes (public from `public_from`) or discards a release under embargo.
pub async fn decide(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    to: ReleaseStatus,
    public_from: Option<Date>,
    version: i64,
) -> StoreResult<()> {
    let old: Option<(String, i64)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT status, version FROM publication_releases WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    let (status, current) = old.ok_or(StoreError::NotFound)?;
    check_version(version, current)?;
    if status != ReleaseStatus::Embargoed.as_str() || to == ReleaseStatus::Embargoed {
        return Err(StoreError::Stale(
            "seule une version sous embargo se publie ou s'abandonne".into(),
        ));
    }
    let now = OffsetDateTime::now_utc();
    let (published_by, published_at, public_from) = match to {
        ReleaseStatus::Published => (
            Some(ctx.actor_label.clone()),
            Some(now),
            Some(public_from.unwrap_or(now.date())),
        ),
        _ => (None, None, None),
    };
    let row: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE publication_releases SET status = $1, published_by = $2, published_at = $3, public_from = $4, \
         version = version + 1 WHERE id = $5 AND version = $6 RETURNING version")
        .bind(to.as_str()).bind(&published_by).bind(published_at).bind(public_from).bind(id).bind(version)
        .fetch_optional(c).await)?;
    let (v,) = stale_if_none(row, version, current)?;
    let changes = diff(
        &json!({"status": status}),
        &json!({"status": to.as_str(), "public_from": public_from.map(|d| d.to_string())}),
    );
    audit::record(tx, ctx, RELEASE_TYPE, id, v, AuditAction::Update, &changes).await?;
    Ok(())
}
