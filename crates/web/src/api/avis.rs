//! `/api/v1/avis`: the DINUM's opinions on projects, their deadlines and
//! recommendations (décret 2019-1088 art. 3, arrêté du 5 juin 2020).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::ValidationError;
use cosinum_domain::authz::{Access, Owner, Resource, allows};
use cosinum_domain::money::Euros;
use cosinum_domain::organisation::OrgKind;
use cosinum_domain::projects::avis::{
    self as rules, AvisKind, AvisStatus, Axis, InfoRequest, Verdict,
};
use cosinum_store::projects::avis::{self, Assessment, AvisFields, AvisRecord, Recommendation};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::projects::project_resource;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// The DINUM instructs avis; ministries read those on their projects.
pub fn instruction_resource() -> Resource {
    Resource::owned_by(Owner::Steering)
}

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// An avis with its computed deadlines and status.
#[derive(Serialize, ToSchema)]
pub struct AvisDto {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    /// `conforme` (ministries) or `simple` (bodies under tutelle).
    #[schema(value_type = String)]
    pub kind: AvisKind,
    pub received_on: Date,
    pub transmitted_on: Option<Date>,
    pub issued_on: Option<Date>,
    #[schema(value_type = Option<String>)]
    pub verdict: Option<Verdict>,
    pub summary: String,
    /// Reception + one month, extended by information requests; `null` while one is unanswered.
    pub decision_deadline: Option<Date>,
    /// Transmission + 25 days (ANSSI and budget directorate).
    pub observations_deadline: Option<Date>,
    pub observations_overdue: bool,
    /// `awaiting_information`, `pending`, `issued` or `deemed_favourable`, with dates.
    #[schema(value_type = Object)]
    pub status: AvisStatus,
    #[schema(value_type = Vec<Object>)]
    pub info_requests: Vec<InfoRequest>,
    #[schema(value_type = Vec<Object>)]
    pub assessments: Vec<Assessment>,
    #[schema(value_type = Vec<Object>)]
    pub recommendations: Vec<Recommendation>,
    /// Recommendations not closed yet.
    pub open_recommendations: usize,
    pub version: i64,
}

pub fn dto(a: AvisRecord, project_name: String, today: Date) -> AvisDto {
    let case = a.case();
    let open_recommendations = a
        .recommendations
        .iter()
        .filter(|r| r.status != "closed")
        .count();
    AvisDto {
        open_recommendations,
        id: a.id,
        project_id: a.project_id,
        project_name,
        kind: a.kind,
        received_on: a.received_on,
        transmitted_on: a.transmitted_on,
        issued_on: a.issued_on,
        verdict: a.verdict,
        summary: a.summary,
        decision_deadline: rules::decision_deadline(&case),
        observations_deadline: rules::observations_deadline(&case),
        observations_overdue: rules::observations_overdue(&case, today),
        status: rules::status(&case, today),
        info_requests: a.info_requests,
        assessments: a.assessments,
        recommendations: a.recommendations,
        version: a.version,
    }
}

/// Every avis on projects the caller may read, with deadlines and status.
#[utoipa::path(get, path = "/api/v1/avis", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = [AvisDto]), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<AvisDto>>, ApiError> {
    let projects = cosinum_store::projects::list(&state.db, true).await?;
    let mut out = Vec::new();
    for a in avis::list_all(&state.db).await? {
        let Some(p) = projects.iter().find(|p| p.id == a.project_id) else {
            continue;
        };
        if allows(
            Some(caller.actor()),
            Access::Read,
            &project_resource(p.organisation_id),
        ) {
            out.push(dto(a, p.name.clone(), today()));
        }
    }
    Ok(Json(out))
}

/// A project that reaches the threshold and has no avis.
#[derive(Serialize, ToSchema)]
pub struct MissingAvis {
    pub project_id: i64,
    pub name: String,
    pub cost_meur: f64,
    #[schema(value_type = String)]
    pub required: AvisKind,
}

/// Projects whose full cost reaches 9 M€ TTC without any avis (arrêté du 5 juin 2020 art. 1).
pub async fn missing(
    state: &AppState,
    visible: impl Fn(cosinum_domain::OrgId) -> bool,
) -> Result<Vec<MissingAvis>, AppError> {
    missing_on(state, today(), visible).await
}

/// [`missing`] as of `as_of`: the portfolio of that day, and the avis
/// received by then.
pub async fn missing_on(
    state: &AppState,
    as_of: Date,
    visible: impl Fn(cosinum_domain::OrgId) -> bool,
) -> Result<Vec<MissingAvis>, AppError> {
    let inputs = state.portfolio_inputs().await?;
    let data = &inputs.data;
    let orgs = state.organisations(true).await?;
    let with_avis: std::collections::HashSet<i64> = avis::list_all(&state.db)
        .await?
        .iter()
        .filter(|a| a.received_on <= as_of)
        .map(|a| a.project_id)
        .collect();
    let mut out = Vec::new();
    for s in data.snapshots(as_of) {
        if !visible(s.ministry) || with_avis.contains(&s.project_id) {
            continue;
        }
        let cost = s
            .cost
            .or(s.original.as_ref().map(|b| b.cost))
            .unwrap_or(Euros(0));
        let operator = orgs
            .iter()
            .any(|o| o.id == s.ministry && o.kind == OrgKind::Operator);
        if let Some(required) = rules::avis_required(cost, operator) {
            let name = data
                .projects
                .iter()
                .find(|p| p.id == s.project_id)
                .map_or_else(String::new, |p| p.name.clone());
            out.push(MissingAvis {
                project_id: s.project_id,
                name,
                cost_meur: cost.meur(),
                required,
            });
        }
    }
    out.sort_by(|a, b| b.cost_meur.total_cmp(&a.cost_meur));
    Ok(out)
}

/// Projects of 9 M€ or more without any avis.
#[utoipa::path(get, path = "/api/v1/avis/missing", tag = "projects", security(("bearer" = [])),
    responses((status = 200, body = [MissingAvis]), (status = 401, body = crate::ErrorBody)))]
pub async fn list_missing(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<MissingAvis>>, ApiError> {
    let actor = caller.actor().clone();
    Ok(Json(
        missing(&state, |o| {
            allows(Some(&actor), Access::Read, &project_resource(o))
        })
        .await?,
    ))
}

/// A referral received by the DINUM.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    received_on: Date,
    #[serde(default)]
    summary: String,
}

fn check(caller: &ApiCaller, access: Access, resource: &Resource) -> Result<(), ApiError> {
    if allows(Some(caller.actor()), access, resource) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

/// The kind of avis a project calls for: simple for a body under tutelle.
pub async fn kind_for(
    state: &AppState,
    project: &cosinum_domain::projects::project::Project,
) -> Result<AvisKind, AppError> {
    let org = cosinum_store::organisations::get(&state.db, project.organisation_id).await?;
    Ok(if org.kind == OrgKind::Operator {
        AvisKind::Simple
    } else {
        AvisKind::Conforme
    })
}

/// Records a referral of a project to the DINUM (steering only).
#[utoipa::path(post, path = "/api/v1/projects/{id}/avis", tag = "projects", params(("id" = i64, Path)), request_body = Referral,
    security(("bearer" = [])),
    responses((status = 201, body = AvisDto), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Referral>,
) -> Result<(StatusCode, Json<AvisDto>), ApiError> {
    check(&caller, Access::Write, &instruction_resource())?;
    let project = cosinum_store::projects::get(&state.db, id).await?;
    let kind = kind_for(&state, &project).await?;
    let mut tx = state.db.begin().await?;
    let a = avis::create(
        &mut tx,
        &caller.audit(),
        id,
        kind,
        body.received_on,
        &body.summary,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(dto(a, project.name, today()))))
}

/// One avis.
#[utoipa::path(get, path = "/api/v1/avis/{id}", tag = "projects", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = AvisDto), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AvisDto>, ApiError> {
    let a = avis::get(&state.db, id).await?;
    let p = cosinum_store::projects::get(&state.db, a.project_id).await?;
    check(&caller, Access::Read, &project_resource(p.organisation_id))?;
    Ok(Json(dto(a, p.name, today())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentWrite {
    /// `strategie`, `finances`, `gouvernance`, `realisation` or `planning`.
    axis: String,
    /// `satisfaisant`, `à améliorer` or `insuffisant`.
    rating: String,
    #[serde(default)]
    comment: String,
}

/// The instruction of an avis, and the version read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AvisWrite {
    transmitted_on: Option<Date>,
    issued_on: Option<Date>,
    /// `favourable`, `favourable_with_recommendations`, `unfavourable` (or null while pending).
    verdict: Option<String>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    info_requests: Vec<InfoRequest>,
    #[serde(default)]
    assessments: Vec<AssessmentWrite>,
    version: i64,
}

/// Turns the written instruction into validated fields.
pub fn avis_fields(w: AvisWrite) -> Result<(AvisFields, i64), AppError> {
    let verdict = match w.verdict.as_deref() {
        None | Some("") => None,
        Some(v) => Some(
            Verdict::parse(v)
                .filter(|v| *v != Verdict::DeemedFavourable)
                .ok_or_else(|| {
                    AppError::Invalid(ValidationError::new(
                        "verdict",
                        "sens inconnu (favourable, favourable_with_recommendations, unfavourable)",
                    ))
                })?,
        ),
    };
    let mut assessments = Vec::new();
    for a in w.assessments {
        let axis = Axis::parse(&a.axis).ok_or_else(|| {
            AppError::Invalid(ValidationError::new(
                "assessments",
                format!("axe inconnu : {}", a.axis),
            ))
        })?;
        assessments.push(Assessment {
            axis,
            rating: a.rating,
            comment: a.comment,
        });
    }
    Ok((
        AvisFields {
            transmitted_on: w.transmitted_on,
            issued_on: w.issued_on,
            verdict,
            summary: w.summary,
            info_requests: w.info_requests,
            assessments,
        },
        w.version,
    ))
}

/// Records the instruction of an avis (steering only); 409 if stale.
#[utoipa::path(put, path = "/api/v1/avis/{id}", tag = "projects", params(("id" = i64, Path)), request_body = AvisWrite,
    security(("bearer" = [])),
    responses((status = 200, body = AvisDto), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(w): ApiJson<AvisWrite>,
) -> Result<Json<AvisDto>, ApiError> {
    check(&caller, Access::Write, &instruction_resource())?;
    let (fields, version) = avis_fields(w)?;
    let mut tx = state.db.begin().await?;
    avis::update(&mut tx, &caller.audit(), id, version, &fields).await?;
    tx.commit().await?;
    let a = avis::get(&state.db, id).await?;
    let p = cosinum_store::projects::get(&state.db, a.project_id).await?;
    Ok(Json(dto(a, p.name, today())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationWrite {
    axis: String,
    text: String,
}

/// Adds a recommendation to an avis (steering only).
#[utoipa::path(post, path = "/api/v1/avis/{id}/recommendations", tag = "projects", params(("id" = i64, Path)), request_body = RecommendationWrite,
    security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_recommendation(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(w): ApiJson<RecommendationWrite>,
) -> Result<(StatusCode, Json<Recommendation>), ApiError> {
    check(&caller, Access::Write, &instruction_resource())?;
    let axis = Axis::parse(&w.axis)
        .ok_or_else(|| AppError::Invalid(ValidationError::new("axis", "axe inconnu")))?;
    let mut tx = state.db.begin().await?;
    let r = avis::add_recommendation(&mut tx, &caller.audit(), id, axis, &w.text).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpWrite {
    /// `open`, `in_progress` or `closed`.
    status: String,
    #[serde(default)]
    follow_up: String,
    version: i64,
}

/// Follows a recommendation up (the DINUM, or the project's ministry); 409 if stale.
#[utoipa::path(put, path = "/api/v1/recommendations/{id}", tag = "projects", params(("id" = i64, Path)), request_body = FollowUpWrite,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(w): ApiJson<FollowUpWrite>,
) -> Result<Json<Recommendation>, ApiError> {
    let r = avis::get_recommendation(&state.db, id).await?;
    let a = avis::get(&state.db, r.avis_id).await?;
    let p = cosinum_store::projects::get(&state.db, a.project_id).await?;
    let actor = Some(caller.actor());
    if !allows(actor, Access::Write, &instruction_resource())
        && !allows(actor, Access::Write, &project_resource(p.organisation_id))
    {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    let r = avis::follow_up(
        &mut tx,
        &caller.audit(),
        id,
        w.version,
        &w.status,
        &w.follow_up,
        today(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(r))
}
