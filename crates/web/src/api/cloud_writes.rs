//! `/api/v1/cloud/applications` writes: a ministry declares its
//! applications, their sensitivity assessments, their hosting (a future
//! date is a planned migration) and the derogations it was granted; the
//! DINUM may correct any ministry's inventory.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::cloud::types::{
    Answers, AppStatus, Assessment, Classification, CloudApplication, Derogation, Environment,
    Hosting, Rule, SecurityNeeds,
};
use cosinum_domain::money::Euros;
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::cloud;
use serde::Deserialize;
use time::Date;
use utoipa::ToSchema;

use super::cloud::cloud_resource;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

fn check(caller: &ApiCaller, org: OrgId) -> Result<(), AppError> {
    if allows(Some(caller.actor()), Access::Write, &cloud_resource(org)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The application, if the caller may write it.
async fn writable(
    state: &AppState,
    caller: &ApiCaller,
    id: i64,
) -> Result<CloudApplication, AppError> {
    let a = cloud::application(&state.db, id).await?;
    if !allows(
        Some(caller.actor()),
        Access::Read,
        &cloud_resource(a.organisation_id),
    ) {
        return Err(AppError::NotFound);
    }
    check(caller, a.organisation_id)?;
    Ok(a)
}

/// An application of the inventory, as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudApplicationWrite {
    organisation_id: i64,
    name: String,
    #[serde(default)]
    description: String,
    /// `planned`, `in_production`, `being_migrated`, `retired`.
    status: String,
    users: Option<i64>,
    project_id: Option<i64>,
    /// Full project cost, euros.
    full_cost: Option<i64>,
    /// New project or major evolution (≥ 50 % of the initial build cost, or a change of provider).
    #[serde(default)]
    new_or_major: bool,
    /// DICT, each 1–4: availability, integrity, confidentiality, traceability.
    needs: [u8; 4],
    #[serde(default)]
    diffusion_restreinte: bool,
    /// Required on update.
    version: Option<i64>,
}

impl CloudApplicationWrite {
    fn application(&self) -> Result<CloudApplication, AppError> {
        Ok(CloudApplication {
            id: 0,
            organisation_id: OrgId(self.organisation_id),
            name: self.name.clone(),
            description: self.description.clone(),
            status: AppStatus::parse(&self.status).ok_or_else(|| {
                AppError::Invalid(ValidationError::new(
                    "status",
                    format!("statut inconnu : {}", self.status),
                ))
            })?,
            users: self.users,
            project_id: self.project_id,
            full_cost: self.full_cost.map(Euros),
            new_or_major: self.new_or_major,
            needs: SecurityNeeds {
                availability: self.needs[0],
                integrity: self.needs[1],
                confidentiality: self.needs[2],
                traceability: self.needs[3],
            },
            classification: if self.diffusion_restreinte {
                Classification::DiffusionRestreinte
            } else {
                Classification::None
            },
            version: self.version.unwrap_or(1),
        })
    }
}

/// Declares an application of a ministry the caller edits.
#[utoipa::path(post, path = "/api/v1/cloud/applications", tag = "cloud", request_body = CloudApplicationWrite, security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CloudApplicationWrite>,
) -> Result<(StatusCode, Json<CloudApplication>), ApiError> {
    let a = body.application()?;
    check(&caller, a.organisation_id)?;
    super::cloud::check_project(&state, &a).await?;
    let mut tx = state.db.begin().await?;
    let a = cloud::create_application(&mut tx, &caller.audit(), &a).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Changes an application read at `version`.
#[utoipa::path(put, path = "/api/v1/cloud/applications/{id}", tag = "cloud", params(("id" = i64, Path)), request_body = CloudApplicationWrite,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CloudApplicationWrite>,
) -> Result<Json<CloudApplication>, ApiError> {
    writable(&state, &caller, id).await?;
    let a = body.application()?;
    check(&caller, a.organisation_id)?;
    super::cloud::check_project(&state, &a).await?;
    let version = body.version.ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "version",
            "la version lue est obligatoire",
        ))
    })?;
    let mut tx = state.db.begin().await?;
    let a = cloud::update_application(&mut tx, &caller.audit(), id, version, &a).await?;
    tx.commit().await?;
    Ok(Json(a))
}

/// The 2023 questionnaire: two cumulative tests.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensitivityAssessmentWrite {
    date: Date,
    assessed_by: String,
    /// A secret protected by law (CRPA L.311-5, L.311-6).
    legal_secret: bool,
    /// Necessary to an essential State mission (national security, public order, health and life).
    essential_mission: bool,
    breach_public_order: bool,
    breach_public_security: bool,
    breach_health_life: bool,
    breach_intellectual_property: bool,
}

/// Records a sensitivity assessment under the 2023 doctrine.
#[utoipa::path(post, path = "/api/v1/cloud/applications/{id}/assessments", tag = "cloud", params(("id" = i64, Path)), request_body = SensitivityAssessmentWrite,
    security(("bearer" = [])),
    responses((status = 201, description = "Recorded"), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_assessment(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<SensitivityAssessmentWrite>,
) -> Result<StatusCode, ApiError> {
    writable(&state, &caller, id).await?;
    let a = Assessment {
        date: b.date,
        assessed_by: b.assessed_by,
        answers: Answers::V2023 {
            legal_secret: b.legal_secret,
            essential_mission: b.essential_mission,
            breach_public_order: b.breach_public_order,
            breach_public_security: b.breach_public_security,
            breach_health_life: b.breach_health_life,
            breach_intellectual_property: b.breach_intellectual_property,
        },
    };
    let mut tx = state.db.begin().await?;
    cloud::add_assessment(&mut tx, &caller.audit(), id, &a).await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// Where an environment is hosted from a date.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostingWrite {
    /// `production`, `pre_production`, `development`, `backup`.
    environment: String,
    offer_id: i64,
    /// A future date is a planned migration.
    since: Date,
}

/// Records a hosting (or a planned migration).
#[utoipa::path(post, path = "/api/v1/cloud/applications/{id}/hostings", tag = "cloud", params(("id" = i64, Path)), request_body = HostingWrite,
    security(("bearer" = [])),
    responses((status = 201, description = "Recorded"), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_hosting(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<HostingWrite>,
) -> Result<StatusCode, ApiError> {
    writable(&state, &caller, id).await?;
    let environment = Environment::parse(&b.environment).ok_or_else(|| {
        AppError::Invalid(ValidationError::new("environment", "environnement inconnu"))
    })?;
    if !cloud::offers(&state.db)
        .await?
        .iter()
        .any(|o| o.id == b.offer_id)
    {
        return Err(AppError::Invalid(ValidationError::new("offer_id", "offre inconnue")).into());
    }
    let mut tx = state.db.begin().await?;
    cloud::add_hosting(
        &mut tx,
        &caller.audit(),
        id,
        &Hosting {
            environment,
            offer_id: b.offer_id,
            since: b.since,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// A derogation, as granted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DerogationWrite {
    /// `R6` or `R9`.
    rule: String,
    justification: String,
    #[serde(default)]
    comparative_study: bool,
    granted_by: String,
    #[serde(default)]
    pm_validated: bool,
    start: Date,
    end: Option<Date>,
    acceptable_offer_since: Option<Date>,
}

/// Records a derogation granted to the application.
#[utoipa::path(post, path = "/api/v1/cloud/applications/{id}/derogations", tag = "cloud", params(("id" = i64, Path)), request_body = DerogationWrite,
    security(("bearer" = [])),
    responses((status = 201, description = "Recorded"), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_derogation(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DerogationWrite>,
) -> Result<StatusCode, ApiError> {
    writable(&state, &caller, id).await?;
    let rule = match b.rule.as_str() {
        "R6" => Rule::R6,
        "R9" => Rule::R9,
        other => {
            return Err(AppError::Invalid(ValidationError::new(
                "rule",
                format!("règle {other} : R6 ou R9"),
            ))
            .into());
        }
    };
    let d = Derogation {
        rule,
        justification: b.justification,
        comparative_study: b.comparative_study,
        granted_by: b.granted_by,
        pm_validated: b.pm_validated,
        start: b.start,
        end: b.end,
        acceptable_offer_since: b.acceptable_offer_since,
    };
    let mut tx = state.db.begin().await?;
    cloud::add_derogation(&mut tx, &caller.audit(), id, &d).await?;
    tx.commit().await?;
    Ok(StatusCode::CREATED)
}

/// An offer of the catalogue, as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferWrite {
    name: String,
    provider: String,
    /// `internal_cloud`, `commercial` or `on_premise`.
    kind: String,
    /// "IaaS", "PaaS", "SaaS"…
    service_model: String,
    /// SecNumCloud référentiel version, with the qualification's validity.
    secnumcloud_version: Option<String>,
    secnumcloud_from: Option<Date>,
    secnumcloud_to: Option<Date>,
    /// Immune to access by third-country authorities.
    #[serde(default)]
    immune: bool,
    #[serde(default)]
    accepts_sensitive: bool,
    #[serde(default)]
    accepts_diffusion_restreinte: bool,
}

/// Adds an offer to the catalogue (the DINUM).
#[utoipa::path(post, path = "/api/v1/cloud/offers", tag = "cloud", request_body = OfferWrite, security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create_offer(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<OfferWrite>,
) -> Result<(StatusCode, Json<cosinum_domain::cloud::types::Offer>), ApiError> {
    use cosinum_domain::authz::{Owner, Resource};
    use cosinum_domain::cloud::types::{Offer, OfferKind, Qualification};
    if !allows(
        Some(caller.actor()),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    ) {
        return Err(AppError::Forbidden.into());
    }
    let kind = OfferKind::parse(&b.kind).ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "kind",
            "internal_cloud, commercial ou on_premise",
        ))
    })?;
    let secnumcloud = match (b.secnumcloud_version, b.secnumcloud_from) {
        (Some(version), Some(from)) => Some(Qualification {
            version,
            from,
            to: b.secnumcloud_to,
        }),
        (None, None) => None,
        _ => {
            return Err(AppError::Invalid(ValidationError::new(
                "secnumcloud_from",
                "une qualification SecNumCloud a une version et une date de début",
            ))
            .into());
        }
    };
    let mut offer = Offer {
        id: 0,
        name: b.name,
        provider: b.provider,
        kind,
        service_model: b.service_model,
        secnumcloud,
        immune: b.immune,
        accepts_sensitive: b.accepts_sensitive,
        max_classification: if b.accepts_diffusion_restreinte {
            Classification::DiffusionRestreinte
        } else {
            Classification::None
        },
    };
    let mut tx = state.db.begin().await?;
    offer.id = cloud::create_offer(&mut tx, &caller.audit(), &offer).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(offer)))
}
