//! `/api/v1/demarches/targets`: the government's targets for online
//! services — national or for one ministry — with their progress: current
//! value, trend over the last editions, projected date, on track or late.
//! The DINUM sets them.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_domain::demarches::bilan::PackedCounts;
use cosinum_domain::demarches::method;
use cosinum_domain::demarches::shares::{GoalShare, ONLINE, OnlineShare};
use cosinum_domain::demarches::targets::{ProgressStatus, Target, progress};
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::demarches::targets;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::demarches::demarche_resource;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// A target and where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetProgress {
    pub id: i64,
    pub label: String,
    /// `online` (strict online share) or an indicator slug (its goal share).
    pub slug: String,
    /// Share to reach, 0..1.
    pub threshold: f64,
    pub deadline: Date,
    /// The ministry's code, or `None` for every démarche.
    pub scope: Option<String>,
    pub scope_id: Option<i64>,
    pub version: i64,
    pub current: Option<f64>,
    pub slope_per_year: Option<f64>,
    pub projected_date: Option<Date>,
    #[schema(value_type = String)]
    pub status: ProgressStatus,
    /// `[edition, share]` pairs in the target's scope, oldest first.
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub history: Vec<(Date, f64)>,
}

/// The share a target measures in an edition's figures (online rate and goal
/// shares of the démarches in its scope).
fn share(slug: &str, online: &OnlineShare, goals: &[GoalShare]) -> Option<f64> {
    if slug == ONLINE {
        online.strict_share
    } else {
        goals.iter().find(|g| g.slug == slug).and_then(|g| g.share)
    }
}

/// Every target `actor` may see (national ones, and those of ministries it
/// reads) with its progress as of `today`. Shares are computed over every
/// démarche in the target's scope: they are aggregates, the same for whoever
/// asks.
pub async fn progress_all(
    state: &AppState,
    actor: &Actor,
    today: Date,
) -> Result<Vec<TargetProgress>, AppError> {
    if actor.sees_everything() {
        // Every edition's values, read for each target: the same for whoever
        // sees everything, kept while nothing is written.
        let cached = state
            .target_progress
            .get(&state.db, today, || compute_progress(state, actor, today))
            .await?;
        return Ok((*cached).clone());
    }
    compute_progress(state, actor, today).await
}

async fn compute_progress(
    state: &AppState,
    actor: &Actor,
    today: Date,
) -> Result<Vec<TargetProgress>, AppError> {
    let stored = targets::list(&state.db).await?;
    let stored: Vec<_> = stored
        .into_iter()
        .filter(|t| {
            t.target
                .scope
                .is_none_or(|org| allows(Some(actor), Access::Read, &demarche_resource(org)))
        })
        .collect();
    let orgs = state.organisations(true).await?;
    let mut history: BTreeMap<i64, Vec<(Date, f64)>> = BTreeMap::new();
    for e in state.demarche_editions().await?.iter() {
        let Some(m) = method(&e.method) else { continue };
        // Each edition's figures per ministry: a national target reads their
        // sum, a ministry's target its own (a share is over every démarche
        // in the scope, whoever asks).
        let figures = state.demarche_figures(e).await?;
        let national = (stored.iter().any(|t| t.target.scope.is_none()))
            .then(|| PackedCounts::sum(m, figures.values()));
        for t in &stored {
            let value = match (t.target.scope, &national) {
                (None, Some(c)) => share(&t.target.slug, &c.online, &c.goals),
                (Some(org), _) => figures.get(&org).and_then(|c| {
                    let c = c.unpack(m);
                    share(&t.target.slug, &c.online, &c.goals)
                }),
                (None, None) => None,
            };
            if let Some(s) = value {
                history.entry(t.id).or_default().push((e.edition_date, s));
            }
        }
    }
    Ok(stored
        .into_iter()
        .map(|t| {
            let h = history.remove(&t.id).unwrap_or_default();
            let p = progress(&t.target, &h, today);
            TargetProgress {
                id: t.id,
                label: t.target.label_fr,
                slug: t.target.slug,
                threshold: t.target.threshold,
                deadline: t.target.deadline,
                scope: t
                    .target
                    .scope
                    .and_then(|o| orgs.iter().find(|x| x.id == o))
                    .map(|o| o.code.clone()),
                scope_id: t.target.scope.map(|o| o.0),
                version: t.version,
                current: p.current,
                slope_per_year: p.slope_per_year,
                projected_date: p.projected_date,
                status: p.status,
                history: h,
            }
        })
        .collect())
}

/// Whether `actor` sets targets (the DINUM).
pub fn can_set_targets(actor: &Actor) -> bool {
    allows(
        Some(actor),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    )
}

/// The targets and their progress.
#[utoipa::path(get, path = "/api/v1/demarches/targets", tag = "demarches", security(("bearer" = [])),
    responses((status = 200, body = [TargetProgress]), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<TargetProgress>>, ApiError> {
    let today = time::OffsetDateTime::now_utc().date();
    Ok(Json(progress_all(&state, caller.actor(), today).await?))
}

/// A target, as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetWrite {
    label: String,
    /// `online` or an indicator slug with a goal level.
    slug: String,
    /// Share to reach, 0..1.
    threshold: f64,
    deadline: Date,
    /// A ministry's id, or none for every démarche.
    organisation_id: Option<i64>,
    /// Required on update: the version read.
    version: Option<i64>,
}

impl TargetWrite {
    pub fn target(&self) -> Target {
        Target {
            label_fr: self.label.clone(),
            slug: self.slug.clone(),
            threshold: self.threshold,
            deadline: self.deadline,
            scope: self.organisation_id.map(OrgId),
        }
    }
}

async fn check_scope(state: &AppState, t: &Target) -> Result<(), AppError> {
    if let Some(org) = t.scope {
        cosinum_store::organisations::get(&state.db, org)
            .await
            .map_err(|_| {
                AppError::Invalid(ValidationError::new(
                    "organisation_id",
                    "organisation inconnue",
                ))
            })?;
    }
    Ok(())
}

async fn one(state: &AppState, caller: &ApiCaller, id: i64) -> Result<TargetProgress, AppError> {
    let today = time::OffsetDateTime::now_utc().date();
    progress_all(state, caller.actor(), today)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)
}

/// Sets a new target (the DINUM).
#[utoipa::path(post, path = "/api/v1/demarches/targets", tag = "demarches", request_body = TargetWrite, security(("bearer" = [])),
    responses((status = 201, body = TargetProgress), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<TargetWrite>,
) -> Result<(StatusCode, Json<TargetProgress>), ApiError> {
    if !can_set_targets(caller.actor()) {
        return Err(AppError::Forbidden.into());
    }
    let t = body.target();
    check_scope(&state, &t).await?;
    let mut tx = state.db.begin().await?;
    let stored = targets::create(&mut tx, &caller.audit(), &t).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(one(&state, &caller, stored.id).await?),
    ))
}

/// Changes a target read at `version`; 409 if it changed since.
#[utoipa::path(put, path = "/api/v1/demarches/targets/{id}", tag = "demarches", params(("id" = i64, Path)), request_body = TargetWrite,
    security(("bearer" = [])),
    responses((status = 200, body = TargetProgress), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TargetWrite>,
) -> Result<Json<TargetProgress>, ApiError> {
    if !can_set_targets(caller.actor()) {
        return Err(AppError::Forbidden.into());
    }
    let version = body.version.ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "version",
            "la version lue est obligatoire",
        ))
    })?;
    let t = body.target();
    check_scope(&state, &t).await?;
    let mut tx = state.db.begin().await?;
    targets::update(&mut tx, &caller.audit(), id, version, &t).await?;
    tx.commit().await?;
    Ok(Json(one(&state, &caller, id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct WithdrawParams {
    /// The version read.
    version: i64,
}

/// Withdraws a target (kept in the history).
#[utoipa::path(delete, path = "/api/v1/demarches/targets/{id}", tag = "demarches", params(("id" = i64, Path), WithdrawParams),
    security(("bearer" = [])),
    responses((status = 204), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<WithdrawParams>,
) -> Result<StatusCode, ApiError> {
    if !can_set_targets(caller.actor()) {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    targets::withdraw(&mut tx, &caller.audit(), id, p.version).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
