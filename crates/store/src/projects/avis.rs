//! The DINUM's opinions on projects (avis conforme, décret 2019-1088 art. 3):
//! referral, information requests, transmission for observations, verdict,
//! five-axis assessment, recommendations followed up to closure.

use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::projects::avis::{AvisCase, AvisKind, Axis, InfoRequest, Verdict};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "avis";
pub const RECOMMENDATION_TYPE: &str = "avis_recommendation";

/// The rating of one axis of the assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub axis: Axis,
    /// "satisfaisant", "à améliorer" or "insuffisant".
    pub rating: String,
    pub comment: String,
}

pub const AXIS_RATINGS: [&str; 3] = ["satisfaisant", "à améliorer", "insuffisant"];

/// A recommendation and its follow-up.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Recommendation {
    pub id: i64,
    pub avis_id: i64,
    pub axis: String,
    pub text: String,
    /// "open", "in_progress" or "closed".
    pub status: String,
    pub closed_on: Option<Date>,
    pub follow_up: String,
    pub version: i64,
}

/// An avis with everything attached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AvisRecord {
    pub id: i64,
    pub project_id: i64,
    pub kind: AvisKind,
    pub received_on: Date,
    pub transmitted_on: Option<Date>,
    pub issued_on: Option<Date>,
    pub verdict: Option<Verdict>,
    pub summary: String,
    pub version: i64,
    pub info_requests: Vec<InfoRequest>,
    pub assessments: Vec<Assessment>,
    pub recommendations: Vec<Recommendation>,
}

impl AvisRecord {
    /// The case as the deadline rules see it.
    pub fn case(&self) -> AvisCase {
        AvisCase {
            received_on: self.received_on,
            info_requests: self.info_requests.clone(),
            transmitted_for_observations_on: self.transmitted_on,
            issued_on: self.issued_on,
            verdict: self.verdict,
        }
    }
}

/// What the DINUM records as the instruction goes on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AvisFields {
    pub transmitted_on: Option<Date>,
    pub issued_on: Option<Date>,
    pub verdict: Option<Verdict>,
    pub summary: String,
    pub info_requests: Vec<InfoRequest>,
    pub assessments: Vec<Assessment>,
}

impl AvisFields {
    pub fn check(&self, received_on: Date) -> Result<(), cosinum_domain::ValidationError> {
        use cosinum_domain::ValidationError as V;
        if self.issued_on.is_some() != self.verdict.is_some() {
            return Err(V::new("verdict", "un avis rendu a une date et un sens"));
        }
        for d in [self.transmitted_on, self.issued_on].into_iter().flatten() {
            if d < received_on {
                return Err(V::new(
                    "issued_on",
                    "une date précède la réception du dossier",
                ));
            }
        }
        for r in &self.info_requests {
            if r.sent_on < received_on || r.answered_on.is_some_and(|a| a < r.sent_on) {
                return Err(V::new(
                    "info_requests",
                    "dates de demande de compléments incohérentes",
                ));
            }
        }
        for a in &self.assessments {
            if !AXIS_RATINGS.contains(&a.rating.as_str()) {
                return Err(V::new(
                    "assessments",
                    format!("appréciation inconnue : {}", a.rating),
                ));
            }
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct AvisRow {
    id: i64,
    project_id: i64,
    kind: String,
    received_on: Date,
    transmitted_on: Option<Date>,
    issued_on: Option<Date>,
    verdict: Option<String>,
    summary: String,
    version: i64,
}

macro_rules! cols {
    () => {
        "id, project_id, kind, received_on, transmitted_on, issued_on, verdict, summary, version"
    };
}

fn kind_of(s: &str) -> AvisKind {
    if s == "simple" {
        AvisKind::Simple
    } else {
        AvisKind::Conforme
    }
}

fn kind_str(k: AvisKind) -> &'static str {
    match k {
        AvisKind::Conforme => "conforme",
        AvisKind::Simple => "simple",
    }
}

const REQUESTS_SQL: &str =
    "SELECT sent_on, answered_on FROM avis_info_requests WHERE avis_id = $1 ORDER BY sent_on, id";
const ASSESSMENTS_SQL: &str =
    "SELECT axis, rating, comment FROM avis_assessments WHERE avis_id = $1";

/// Information-request and assessment rows as domain values (loaded by pool
/// or in a transaction); assessments in axis order, unknown axes skipped.
fn to_parts(
    requests: Vec<(Date, Option<Date>)>,
    assessments: Vec<(String, String, String)>,
) -> (Vec<InfoRequest>, Vec<Assessment>) {
    let mut assessments: Vec<Assessment> = assessments
        .into_iter()
        .filter_map(|(axis, rating, comment)| {
            Axis::parse(&axis).map(|axis| Assessment {
                axis,
                rating,
                comment,
            })
        })
        .collect();
    assessments.sort_by_key(|a| a.axis);
    let requests = requests
        .into_iter()
        .map(|(sent_on, answered_on)| InfoRequest {
            sent_on,
            answered_on,
        })
        .collect();
    (requests, assessments)
}

async fn complete(db: &Db, row: AvisRow) -> StoreResult<AvisRecord> {
    let requests: Vec<(Date, Option<Date>)> = on_pool!(db, p => sqlx::query_as(REQUESTS_SQL)
        .bind(row.id).fetch_all(p).await)?;
    let assessments: Vec<(String, String, String)> = on_pool!(db, p => sqlx::query_as(ASSESSMENTS_SQL)
        .bind(row.id).fetch_all(p).await)?;
    let recommendations: Vec<Recommendation> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, avis_id, axis, text, status, closed_on, follow_up, version FROM avis_recommendations \
         WHERE avis_id = $1 ORDER BY id")
        .bind(row.id).fetch_all(p).await)?;
    let (requests, assessments) = to_parts(requests, assessments);
    Ok(AvisRecord {
        recommendations,
        ..record(&row, requests, assessments)
    })
}

/// The avis of one project, oldest first.
pub async fn list_for_project(db: &Db, project_id: i64) -> StoreResult<Vec<AvisRecord>> {
    let rows: Vec<AvisRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM avis WHERE project_id = $1 AND archived_at IS NULL ORDER BY received_on, id"))
        .bind(project_id).fetch_all(p).await)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(complete(db, r).await?);
    }
    Ok(out)
}

/// Every avis (the steering view of deadlines).
pub async fn list_all(db: &Db) -> StoreResult<Vec<AvisRecord>> {
    let rows: Vec<AvisRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM avis WHERE archived_at IS NULL ORDER BY received_on, id"))
        .fetch_all(p).await)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(complete(db, r).await?);
    }
    Ok(out)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<AvisRecord> {
    let row: Option<AvisRow> = on_pool!(db, p => sqlx::query_as(concat!("SELECT ", cols!(), " FROM avis WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    complete(db, row.ok_or(StoreError::NotFound)?).await
}

fn audit_view(a: &AvisRecord) -> Value {
    json!({
        "kind": kind_str(a.kind),
        "received_on": a.received_on.to_string(),
        "transmitted_on": a.transmitted_on.map(|d| d.to_string()),
        "issued_on": a.issued_on.map(|d| d.to_string()),
        "verdict": a.verdict.map(Verdict::as_str),
        "summary": a.summary,
        "info_requests": a.info_requests.iter().map(|r| json!({"sent_on": r.sent_on.to_string(), "answered_on": r.answered_on.map(|d| d.to_string())})).collect::<Vec<_>>(),
        "assessments": a.assessments.iter().map(|x| json!({"axis": x.axis.as_str(), "rating": x.rating, "comment": x.comment})).collect::<Vec<_>>(),
    })
}

async fn get_in_tx(
    tx: &mut Tx,
    id: i64,
) -> StoreResult<(AvisRow, Vec<InfoRequest>, Vec<Assessment>)> {
    let row: Option<AvisRow> = on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", cols!(), " FROM avis WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    let row = row.ok_or(StoreError::NotFound)?;
    let requests: Vec<(Date, Option<Date>)> = on_tx!(tx, c => sqlx::query_as(REQUESTS_SQL)
        .bind(id).fetch_all(c).await)?;
    let assessments: Vec<(String, String, String)> = on_tx!(tx, c => sqlx::query_as(ASSESSMENTS_SQL)
        .bind(id).fetch_all(c).await)?;
    let (requests, assessments) = to_parts(requests, assessments);
    Ok((row, requests, assessments))
}

fn record(
    row: &AvisRow,
    info_requests: Vec<InfoRequest>,
    assessments: Vec<Assessment>,
) -> AvisRecord {
    AvisRecord {
        id: row.id,
        project_id: row.project_id,
        kind: kind_of(&row.kind),
        received_on: row.received_on,
        transmitted_on: row.transmitted_on,
        issued_on: row.issued_on,
        verdict: row.verdict.as_deref().and_then(Verdict::parse),
        summary: row.summary.clone(),
        version: row.version,
        info_requests,
        assessments,
        recommendations: Vec::new(),
    }
}

/// Records a referral (the DINUM received the project's file).
pub async fn create(
    tx: &mut Tx,
    ctx: &AuditCtx,
    project_id: i64,
    kind: AvisKind,
    received_on: Date,
    summary: &str,
) -> StoreResult<AvisRecord> {
    super::get_in_tx(tx, project_id).await?;
    let now = OffsetDateTime::now_utc();
    let row: AvisRow = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO avis (project_id, kind, received_on, summary, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING ", cols!()))
        .bind(project_id).bind(kind_str(kind)).bind(received_on).bind(summary.trim()).bind(now)
        .fetch_one(c).await)?;
    let avis = record(&row, Vec::new(), Vec::new());
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        avis.id,
        avis.version,
        AuditAction::Create,
        &diff(&Value::Null, &audit_view(&avis)),
    )
    .await?;
    Ok(avis)
}

/// Updates the instruction of an avis read at `expected_version`.
pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    f: &AvisFields,
) -> StoreResult<AvisRecord> {
    let (before_row, before_req, before_ass) = get_in_tx(tx, id).await?;
    check_version(expected_version, before_row.version)?;
    f.check(before_row.received_on)?;
    let before = record(&before_row, before_req, before_ass);
    let row: Option<AvisRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE avis SET transmitted_on = $1, issued_on = $2, verdict = $3, summary = $4, version = version + 1, \
         updated_at = $5 WHERE id = $6 AND version = $7 RETURNING ", cols!()))
        .bind(f.transmitted_on).bind(f.issued_on).bind(f.verdict.map(Verdict::as_str)).bind(f.summary.trim())
        .bind(OffsetDateTime::now_utc()).bind(id).bind(expected_version)
        .fetch_optional(c).await)?;
    let row = stale_if_none(row, expected_version, before_row.version)?;
    on_tx!(tx, c => sqlx::query("DELETE FROM avis_info_requests WHERE avis_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("DELETE FROM avis_assessments WHERE avis_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    for r in &f.info_requests {
        on_tx!(tx, c => sqlx::query("INSERT INTO avis_info_requests (avis_id, sent_on, answered_on) VALUES ($1, $2, $3)")
            .bind(id).bind(r.sent_on).bind(r.answered_on).execute(c).await.map(|r| r.rows_affected()))?;
    }
    for a in &f.assessments {
        on_tx!(tx, c => sqlx::query("INSERT INTO avis_assessments (avis_id, axis, rating, comment) VALUES ($1, $2, $3, $4)")
            .bind(id).bind(a.axis.as_str()).bind(&a.rating).bind(&a.comment).execute(c).await.map(|r| r.rows_affected()))?;
    }
    let after = record(&row, f.info_requests.clone(), f.assessments.clone());
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

/// Adds a recommendation to an avis.
pub async fn add_recommendation(
    tx: &mut Tx,
    ctx: &AuditCtx,
    avis_id: i64,
    axis: Axis,
    text: &str,
) -> StoreResult<Recommendation> {
    get_in_tx(tx, avis_id).await?;
    let text = cosinum_domain::validation::required_text("text", text, 2000)?;
    let now = OffsetDateTime::now_utc();
    let r: Recommendation = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO avis_recommendations (avis_id, axis, text, status, follow_up, version, created_at, updated_at) \
         VALUES ($1, $2, $3, 'open', '', 1, $4, $4) RETURNING id, avis_id, axis, text, status, closed_on, follow_up, version")
        .bind(avis_id).bind(axis.as_str()).bind(&text).bind(now).fetch_one(c).await)?;
    audit::record(
        tx,
        ctx,
        RECOMMENDATION_TYPE,
        r.id,
        r.version,
        AuditAction::Create,
        &diff(
            &Value::Null,
            &json!({"avis_id": avis_id, "axis": r.axis, "text": r.text, "status": r.status}),
        ),
    )
    .await?;
    Ok(r)
}

pub async fn get_recommendation(db: &Db, id: i64) -> StoreResult<Recommendation> {
    let r: Option<Recommendation> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, avis_id, axis, text, status, closed_on, follow_up, version FROM avis_recommendations WHERE id = $1")
        .bind(id).fetch_optional(p).await)?;
    r.ok_or(StoreError::NotFound)
}

/// Follows a recommendation up: its status and what was done.
pub async fn follow_up(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    status: &str,
    follow_up: &str,
    on: Date,
) -> StoreResult<Recommendation> {
    if !["open", "in_progress", "closed"].contains(&status) {
        return Err(cosinum_domain::ValidationError::new(
            "status",
            "statut inconnu (open, in_progress, closed)",
        )
        .into());
    }
    let before: Option<Recommendation> = on_tx!(tx, c => sqlx::query_as(
        "SELECT id, avis_id, axis, text, status, closed_on, follow_up, version FROM avis_recommendations WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    let before = before.ok_or(StoreError::NotFound)?;
    check_version(expected_version, before.version)?;
    let closed_on = (status == "closed").then(|| before.closed_on.unwrap_or(on));
    let after: Option<Recommendation> = on_tx!(tx, c => sqlx::query_as(
        "UPDATE avis_recommendations SET status = $1, follow_up = $2, closed_on = $3, version = version + 1, updated_at = $4 \
         WHERE id = $5 AND version = $6 RETURNING id, avis_id, axis, text, status, closed_on, follow_up, version")
        .bind(status).bind(follow_up.trim()).bind(closed_on).bind(OffsetDateTime::now_utc()).bind(id).bind(expected_version)
        .fetch_optional(c).await)?;
    let after = stale_if_none(after, expected_version, before.version)?;
    let view = |r: &Recommendation| json!({"status": r.status, "follow_up": r.follow_up, "closed_on": r.closed_on.map(|d| d.to_string())});
    audit::record(
        tx,
        ctx,
        RECOMMENDATION_TYPE,
        id,
        after.version,
        AuditAction::Update,
        &diff(&view(&before), &view(&after)),
    )
    .await?;
    Ok(after)
}
