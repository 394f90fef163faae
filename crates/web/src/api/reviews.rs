//! `/api/v1/projects/{id}/baselines` and reviews: the baselines ledger and
//! the periodic follow-up of a project, with the DINUM's own rating.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::ValidationError;
use cosinum_domain::authz::{Access, Owner, Resource};
use cosinum_domain::money::Euros;
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::project::{BaselineFields, Milestone, Rating, ReviewFields, Risk};
use cosinum_store::projects::{baselines, reviews};
use serde::Deserialize;
use time::Date;
use utoipa::ToSchema;

use super::projects::{BaselineDto, ReviewDto, check, project_for};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// A new baseline (the original one, or a re-baseline with its reason).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BaselineWrite {
    approved_on: Date,
    /// Full cost in M€ TTC: build + first 24 months of run, internal staff included.
    cost_meur: f64,
    start: Date,
    planned_end: Date,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    approved_by: String,
    /// The project's version as read.
    project_version: i64,
}

/// Adds a baseline to the project's ledger (never overwritten).
#[utoipa::path(post, path = "/api/v1/projects/{id}/baselines", tag = "projects", params(("id" = i64, Path)), request_body = BaselineWrite,
    security(("bearer" = [])),
    responses((status = 201, body = BaselineDto), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_baseline(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<BaselineWrite>,
) -> Result<(StatusCode, Json<BaselineDto>), ApiError> {
    project_for(&state, &caller, id, Access::Write).await?;
    let cost = Euros::from_meur(b.cost_meur)
        .ok_or_else(|| AppError::Invalid(ValidationError::new("cost_meur", "montant invalide")))?;
    let fields = BaselineFields {
        approved_on: b.approved_on,
        cost,
        start: b.start,
        planned_end: b.planned_end,
        reason: b.reason,
        approved_by: b.approved_by,
    };
    let mut tx = state.db.begin().await?;
    let r = baselines::add(&mut tx, &caller.audit(), id, b.project_version, &fields).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(BaselineDto {
            id: r.id,
            approved_on: r.approved_on,
            cost_meur: Euros(r.cost_eur).meur(),
            start: r.start_on,
            planned_end: r.planned_end_on,
            reason: r.reason,
            approved_by: r.approved_by,
        }),
    ))
}

/// A review as sent by a ministry.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewWrite {
    review_date: Date,
    cost_meur: Option<f64>,
    start: Option<Date>,
    forecast_end: Option<Date>,
    phase: String,
    #[serde(default)]
    figures_withheld: bool,
    /// 1 (best) to 4: the ministry's own rating.
    ministry_rating: Option<u8>,
    /// Mandatory when a drift crosses the configured threshold.
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    milestones: Vec<Milestone>,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    risks: Vec<Risk>,
    /// Required on update: the version read.
    version: Option<i64>,
}

/// Validates a review against the baseline in force at its date.
pub async fn review_fields(
    state: &AppState,
    project_id: i64,
    w: ReviewWrite,
    dinum_rating: Option<Rating>,
) -> Result<(ReviewFields, Option<i64>), AppError> {
    let phase = Phase::parse(&w.phase)
        .ok_or_else(|| AppError::Invalid(ValidationError::new("phase", "phase inconnue")))?;
    let cost = match w.cost_meur {
        Some(c) => Some(Euros::from_meur(c).ok_or_else(|| {
            AppError::Invalid(ValidationError::new("cost_meur", "montant invalide"))
        })?),
        None => None,
    };
    let ministry_rating = match w.ministry_rating {
        Some(r) => Some(Rating::parse(&r.to_string()).ok_or_else(|| {
            AppError::Invalid(ValidationError::new("ministry_rating", "note de 1 à 4"))
        })?),
        None => None,
    };
    let fields = ReviewFields {
        review_date: w.review_date,
        cost,
        start: w.start,
        forecast_end: w.forecast_end,
        phase,
        figures_withheld: w.figures_withheld,
        ministry_rating,
        dinum_rating,
        narrative: w.narrative.trim().to_owned(),
        milestones: w.milestones,
        risks: w.risks,
    };
    let ledger: Vec<_> = baselines::list(&state.db, project_id)
        .await?
        .iter()
        .map(|b| b.baseline())
        .collect();
    let in_force = cosinum_domain::projects::drift::baseline_in_force(&ledger, fields.review_date);
    fields.check(in_force, state.config.narrative_drift_threshold)?;
    Ok((fields, w.version))
}

/// Records a review of the project.
#[utoipa::path(post, path = "/api/v1/projects/{id}/reviews", tag = "projects", params(("id" = i64, Path)), request_body = ReviewWrite,
    security(("bearer" = [])),
    responses((status = 201, body = ReviewDto), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_review(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(w): ApiJson<ReviewWrite>,
) -> Result<(StatusCode, Json<ReviewDto>), ApiError> {
    project_for(&state, &caller, id, Access::Write).await?;
    let (fields, _) = review_fields(&state, id, w, None).await?;
    let mut tx = state.db.begin().await?;
    let r = reviews::create(
        &mut tx,
        &caller.audit(),
        id,
        reviews::SOURCE_REVIEW,
        &fields,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json((&r).into())))
}

/// Updates a review read at `version` (the DINUM's rating is kept).
#[utoipa::path(put, path = "/api/v1/reviews/{id}", tag = "projects", params(("id" = i64, Path)), request_body = ReviewWrite,
    security(("bearer" = [])),
    responses((status = 200, body = ReviewDto), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update_review(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(w): ApiJson<ReviewWrite>,
) -> Result<Json<ReviewDto>, ApiError> {
    let current = reviews::get(&state.db, id).await?;
    let project = project_for(&state, &caller, current.project_id, Access::Write).await?;
    let (fields, version) = review_fields(&state, project.id, w, current.dinum_rating).await?;
    let version = version.ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "version",
            "la version lue est obligatoire",
        ))
    })?;
    let mut tx = state.db.begin().await?;
    let r = reviews::update(&mut tx, &caller.audit(), id, version, &fields).await?;
    tx.commit().await?;
    Ok(Json((&r).into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DinumRatingWrite {
    /// 1 (best) to 4, or null to clear.
    dinum_rating: Option<u8>,
    version: i64,
}

/// The DINUM's own rating of a review (steering only).
#[utoipa::path(put, path = "/api/v1/reviews/{id}/dinum-rating", tag = "projects", params(("id" = i64, Path)), request_body = DinumRatingWrite,
    security(("bearer" = [])),
    responses((status = 200, body = ReviewDto), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub async fn set_dinum_rating(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(w): ApiJson<DinumRatingWrite>,
) -> Result<Json<ReviewDto>, ApiError> {
    check(&caller, Access::Write, &Resource::owned_by(Owner::Steering))?;
    let current = reviews::get(&state.db, id).await?;
    let rating = match w.dinum_rating {
        Some(r) => Some(Rating::parse(&r.to_string()).ok_or_else(|| {
            AppError::Invalid(ValidationError::new("dinum_rating", "note de 1 à 4"))
        })?),
        None => None,
    };
    let fields = ReviewFields {
        review_date: current.review_date,
        cost: current.cost,
        start: current.start,
        forecast_end: current.forecast_end,
        phase: current.phase,
        figures_withheld: current.figures_withheld,
        ministry_rating: current.ministry_rating,
        dinum_rating: rating,
        narrative: current.narrative.clone(),
        milestones: current.milestones.clone(),
        risks: current.risks.clone(),
    };
    let mut tx = state.db.begin().await?;
    let r = reviews::update(&mut tx, &caller.audit(), id, w.version, &fields).await?;
    tx.commit().await?;
    Ok(Json((&r).into()))
}
