//! Cloud-hosting repository: offers, the application inventory, and each
//! application's assessments, hostings and derogations (append-only records:
//! a later one supersedes an earlier one from its date, so the verdict as of
//! any past date can be recomputed). Every write is audited.

pub use facts::{evaluable, evaluable_in_chunks, facts};

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, FieldChange, diff};
use cosinum_domain::cloud::types::{
    AppStatus, Assessment, Classification, CloudApplication, Derogation, Hosting, Offer, OfferKind,
    Qualification, Rule, SecurityNeeds,
};
use cosinum_domain::money::Euros;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::among::{Among, bind_among};
use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};

pub const APPLICATION_TYPE: &str = "cloud_application";
pub const OFFER_TYPE: &str = "cloud_offer";

fn classification(s: &str) -> Classification {
    if s == "diffusion_restreinte" {
        Classification::DiffusionRestreinte
    } else {
        Classification::None
    }
}

fn classification_str(c: Classification) -> &'static str {
    match c {
        Classification::None => "none",
        Classification::DiffusionRestreinte => "diffusion_restreinte",
    }
}

type OfferRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<Date>,
    Option<Date>,
    bool,
    bool,
    String,
);

/// The offers catalogue.
pub async fn offers(db: &Db) -> StoreResult<Vec<Offer>> {
    let rows: Vec<OfferRow> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, name, provider, kind, service_model, snc_version, snc_from, snc_to, immune, accepts_sensitive, \
         max_classification FROM cloud_offers ORDER BY kind, name")
        .fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Offer {
                id: r.0,
                name: r.1,
                provider: r.2,
                kind: OfferKind::parse(&r.3)?,
                service_model: r.4,
                secnumcloud: match (r.5, r.6) {
                    (Some(version), Some(from)) => Some(Qualification {
                        version,
                        from,
                        to: r.7,
                    }),
                    _ => None,
                },
                immune: r.8,
                accepts_sensitive: r.9,
                max_classification: classification(&r.10),
            })
        })
        .collect())
}

/// Adds an offer to the catalogue.
pub async fn create_offer(tx: &mut Tx, ctx: &AuditCtx, o: &Offer) -> StoreResult<i64> {
    let name = cosinum_domain::validation::required_text("name", &o.name, 200)?;
    let now = OffsetDateTime::now_utc();
    let q = o.secnumcloud.as_ref();
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO cloud_offers (name, provider, kind, service_model, snc_version, snc_from, snc_to, immune, \
         accepts_sensitive, max_classification, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) RETURNING id")
        .bind(&name).bind(&o.provider).bind(o.kind.as_str()).bind(&o.service_model)
        .bind(q.map(|q| q.version.clone())).bind(q.map(|q| q.from)).bind(q.and_then(|q| q.to))
        .bind(o.immune).bind(o.accepts_sensitive).bind(classification_str(o.max_classification)).bind(now)
        .fetch_one(c).await)
    .map_err(StoreError::unique("name"))?;
    let after = json!({"name": name, "provider": o.provider, "kind": o.kind.as_str(),
        "secnumcloud": q.map(|q| q.version.clone()), "immune": o.immune});
    audit::record(
        tx,
        ctx,
        OFFER_TYPE,
        id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &after),
    )
    .await?;
    Ok(id)
}

macro_rules! app_cols {
    () => {
        "id, organisation_id, name, description, status, users, project_id, full_cost, new_or_major, \
         need_availability, need_integrity, need_confidentiality, need_traceability, classification, version"
    };
}

#[derive(sqlx::FromRow)]
struct AppRow {
    id: i64,
    organisation_id: i64,
    name: String,
    description: String,
    status: String,
    users: Option<i64>,
    project_id: Option<i64>,
    full_cost: Option<i64>,
    new_or_major: bool,
    need_availability: i64,
    need_integrity: i64,
    need_confidentiality: i64,
    need_traceability: i64,
    classification: String,
    version: i64,
}

impl AppRow {
    fn into_domain(self) -> CloudApplication {
        let n = |x: i64| u8::try_from(x).unwrap_or(1);
        CloudApplication {
            id: self.id,
            organisation_id: OrgId(self.organisation_id),
            name: self.name,
            description: self.description,
            status: AppStatus::parse(&self.status).unwrap_or(AppStatus::InProduction),
            users: self.users,
            project_id: self.project_id,
            full_cost: self.full_cost.map(Euros),
            new_or_major: self.new_or_major,
            needs: SecurityNeeds {
                availability: n(self.need_availability),
                integrity: n(self.need_integrity),
                confidentiality: n(self.need_confidentiality),
                traceability: n(self.need_traceability),
            },
            classification: classification(&self.classification),
            version: self.version,
        }
    }
}

fn view(a: &CloudApplication) -> Value {
    json!({"organisation_id": a.organisation_id, "name": a.name, "description": a.description,
        "status": a.status.as_str(), "users": a.users, "project_id": a.project_id,
        "full_cost": a.full_cost.map(|e| e.0), "new_or_major": a.new_or_major,
        "dict": format!("D{} I{} C{} T{}", a.needs.availability, a.needs.integrity, a.needs.confidentiality, a.needs.traceability),
        "classification": classification_str(a.classification)})
}

/// The inventory.
pub async fn applications(db: &Db) -> StoreResult<Vec<CloudApplication>> {
    applications_among(db, Among::All).await
}

/// The applications `among` names, by name (without their facts).
pub async fn applications_among(db: &Db, among: Among) -> StoreResult<Vec<CloudApplication>> {
    let sql = format!(
        "SELECT {} FROM cloud_applications WHERE {} ORDER BY name, id",
        app_cols!(),
        among.condition("id", "organisation_id")
    );
    let rows: Vec<AppRow> = on_pool!(db, p => bind_among!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), among)
        .fetch_all(p).await)?;
    Ok(rows.into_iter().map(AppRow::into_domain).collect())
}

pub async fn application(db: &Db, id: i64) -> StoreResult<CloudApplication> {
    let row: Option<AppRow> = on_pool!(db, p => sqlx::query_as(concat!("SELECT ", app_cols!(), " FROM cloud_applications WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    Ok(row.ok_or(StoreError::NotFound)?.into_domain())
}

pub async fn create_application(
    tx: &mut Tx,
    ctx: &AuditCtx,
    a: &CloudApplication,
) -> StoreResult<CloudApplication> {
    let a = a.clone().validated()?;
    let now = OffsetDateTime::now_utc();
    let row: AppRow = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO cloud_applications (organisation_id, name, description, status, users, project_id, full_cost, new_or_major, \
         need_availability, need_integrity, need_confidentiality, need_traceability, classification, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $14) RETURNING ", app_cols!()))
        .bind(a.organisation_id.0).bind(&a.name).bind(&a.description).bind(a.status.as_str()).bind(a.users).bind(a.project_id)
        .bind(a.full_cost.map(|e| e.0)).bind(a.new_or_major).bind(i64::from(a.needs.availability)).bind(i64::from(a.needs.integrity))
        .bind(i64::from(a.needs.confidentiality)).bind(i64::from(a.needs.traceability)).bind(classification_str(a.classification)).bind(now)
        .fetch_one(c).await)
    .map_err(StoreError::unique("name"))?;
    let created = row.into_domain();
    audit::record(
        tx,
        ctx,
        APPLICATION_TYPE,
        created.id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &view(&created)),
    )
    .await?;
    Ok(created)
}

pub async fn update_application(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    a: &CloudApplication,
) -> StoreResult<CloudApplication> {
    let a = a.clone().validated()?;
    let before: Option<AppRow> = on_tx!(tx, c => sqlx::query_as(concat!("SELECT ", app_cols!(), " FROM cloud_applications WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    let before = before.ok_or(StoreError::NotFound)?.into_domain();
    check_version(expected_version, before.version)?;
    let row: Option<AppRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE cloud_applications SET organisation_id = $1, name = $2, description = $3, status = $4, users = $5, project_id = $6, \
         full_cost = $7, new_or_major = $8, need_availability = $9, need_integrity = $10, need_confidentiality = $11, \
         need_traceability = $12, classification = $13, version = version + 1, updated_at = $14 WHERE id = $15 AND version = $16 RETURNING ", app_cols!()))
        .bind(a.organisation_id.0).bind(&a.name).bind(&a.description).bind(a.status.as_str()).bind(a.users).bind(a.project_id)
        .bind(a.full_cost.map(|e| e.0)).bind(a.new_or_major).bind(i64::from(a.needs.availability)).bind(i64::from(a.needs.integrity))
        .bind(i64::from(a.needs.confidentiality)).bind(i64::from(a.needs.traceability)).bind(classification_str(a.classification))
        .bind(OffsetDateTime::now_utc()).bind(id).bind(expected_version)
        .fetch_optional(c).await)
    .map_err(StoreError::unique("name"))?;
    let after = stale_if_none(row, expected_version, before.version)?.into_domain();
    audit::record(
        tx,
        ctx,
        APPLICATION_TYPE,
        id,
        after.version,
        AuditAction::Update,
        &diff(&view(&before), &view(&after)),
    )
    .await?;
    Ok(after)
}

/// Records one event of an application's life in its history (the
/// application's version is unchanged: assessments, hostings and
/// derogations are records of their own).
async fn note(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    field: String,
    after: Value,
) -> StoreResult<()> {
    let (version,): (i64,) =
        on_tx!(tx, c => sqlx::query_as("SELECT version FROM cloud_applications WHERE id = $1")
        .bind(id).fetch_optional(c).await)?
        .ok_or(StoreError::NotFound)?;
    let change = FieldChange {
        field,
        before: Value::Null,
        after,
    };
    audit::record(
        tx,
        ctx,
        APPLICATION_TYPE,
        id,
        version,
        AuditAction::Update,
        &[change],
    )
    .await
}

/// Adds a sensitivity assessment.
pub async fn add_assessment(
    tx: &mut Tx,
    ctx: &AuditCtx,
    app: i64,
    a: &Assessment,
) -> StoreResult<()> {
    let by = cosinum_domain::validation::required_text("assessed_by", &a.assessed_by, 200)?;
    let answers = serde_json::to_string(&a.answers).map_err(anyhow::Error::from)?;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO cloud_assessments (application_id, assessed_on, assessed_by, doctrine, answers, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(app).bind(a.date).bind(&by).bind(a.answers.doctrine().as_str()).bind(&answers).bind(OffsetDateTime::now_utc())
        .execute(c).await.map(|r| r.rows_affected()))?;
    note(tx, ctx, app, format!("évaluation de sensibilité du {}", a.date),
        json!({"par": by, "sensibles": a.answers.sensitive(), "doctrine": a.answers.doctrine().as_str()})).await
}

/// Records where an environment is hosted from a date (a future date is a
/// planned migration).
pub async fn add_hosting(tx: &mut Tx, ctx: &AuditCtx, app: i64, h: &Hosting) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO cloud_hostings (application_id, environment, offer_id, since, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(app).bind(h.environment.as_str()).bind(h.offer_id).bind(h.since).bind(OffsetDateTime::now_utc())
        .execute(c).await.map(|r| r.rows_affected()))
    .map_err(StoreError::unique("since"))?;
    note(
        tx,
        ctx,
        app,
        format!("hébergement {} au {}", h.environment.label_fr(), h.since),
        json!({"offre": h.offer_id}),
    )
    .await
}

/// Records a derogation.
pub async fn add_derogation(
    tx: &mut Tx,
    ctx: &AuditCtx,
    app: i64,
    d: &Derogation,
) -> StoreResult<()> {
    let justification =
        cosinum_domain::validation::required_text("justification", &d.justification, 4000)?;
    if d.end.is_some_and(|e| e < d.start) {
        return Err(cosinum_domain::ValidationError::new("end", "la fin précède le début").into());
    }
    let rule = match d.rule {
        Rule::R6 => "R6",
        Rule::R9 => "R9",
    };
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO cloud_derogations (application_id, rule, justification, comparative_study, granted_by, pm_validated, \
         start_date, end_date, acceptable_offer_since, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(app).bind(rule).bind(&justification).bind(d.comparative_study).bind(&d.granted_by).bind(d.pm_validated)
        .bind(d.start).bind(d.end).bind(d.acceptable_offer_since).bind(OffsetDateTime::now_utc())
        .execute(c).await.map(|r| r.rows_affected()))?;
    note(
        tx,
        ctx,
        app,
        format!("dérogation {rule}"),
        json!({"accordée par": d.granted_by, "du": d.start.to_string(),
        "au": d.end.map(|e| e.to_string())}),
    )
    .await
}

// After `app_cols!`, which it reads.
mod facts;
