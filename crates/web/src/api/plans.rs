//! `/api/v1/reuse/plans`: ministries' investment plans — revisions opened,
//! lines written while a revision is a draft, submitted by the ministry,
//! reviewed and commented by the DINUM — and the consolidated State-wide
//! view of a year, with the changes since each ministry's previous plan.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_domain::money::Euros;
use cosinum_domain::reuse::plans::{
    Consolidation, LineDiff, Plan, PlanLine, PlanStatus, YearAmount, changes, consolidate,
    plan_in_force, previous_plan,
};
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::plans::{self, Comment};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::streamed::StreamedJson;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// A plan belongs to its ministry.
pub fn plan_resource(org: OrgId) -> Resource {
    Resource::owned_by(Owner::Organisation(org))
}

/// The DINUM reviews plans.
pub fn reviews_plans(actor: &Actor) -> bool {
    allows(
        Some(actor),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    )
}

fn can_read(actor: &Actor, p: &Plan) -> bool {
    allows(Some(actor), Access::Read, &plan_resource(p.organisation_id))
}

/// Whether `actor` may write `org`'s plans (open, edit, submit).
pub fn can_write_plan(actor: &Actor, org: OrgId) -> bool {
    can_write(actor, org)
}

fn can_write(actor: &Actor, org: OrgId) -> bool {
    allows(Some(actor), Access::Write, &plan_resource(org))
}

/// A revision with what it is compared with.
#[derive(Serialize, ToSchema)]
pub struct PlanView {
    #[schema(value_type = Object)]
    pub plan: Plan,
    pub ministry: String,
    pub ministry_name: String,
    /// Σ AE and CP per year, euros.
    #[schema(value_type = Object)]
    pub totals: std::collections::BTreeMap<i32, (Euros, Euros)>,
    /// The plan compared with: `[year, revision]`, if any.
    #[schema(value_type = Option<Vec<i32>>)]
    pub previous: Option<(i32, i32)>,
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<LineDiff>,
    #[schema(value_type = Vec<Object>)]
    pub comments: Vec<Comment>,
}

/// Builds the view of plan `id` for `actor` (404 if it may not read it).
pub async fn view(state: &AppState, actor: &Actor, id: i64) -> Result<PlanView, AppError> {
    let all = plans::plans(&state.db).await?;
    let p = all.iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    if !can_read(actor, p) {
        return Err(AppError::NotFound);
    }
    let orgs = state.organisations(true).await?;
    let org = orgs.iter().find(|o| o.id == p.organisation_id);
    let previous = previous_plan(&all, p);
    Ok(PlanView {
        ministry: org.map_or_else(String::new, |o| o.code.clone()),
        ministry_name: org.map_or_else(String::new, |o| o.name.clone()),
        totals: consolidate([p], |_, _| String::new())
            .remove("")
            .unwrap_or_default(),
        previous: previous.map(|x| (x.year, x.revision)),
        changes: changes(previous.map_or(&[][..], |x| &x.lines), &p.lines),
        comments: plans::comments(&state.db, id).await?,
        plan: p.clone(),
    })
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    year: Option<i32>,
    organisation_id: Option<i64>,
}

/// Every revision the caller reads.
#[utoipa::path(get, path = "/api/v1/reuse/plans", tag = "reuse", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<StreamedJson<Vec<Plan>>, ApiError> {
    let out = plans::plans(&state.db)
        .await?
        .into_iter()
        .filter(|p| can_read(caller.actor(), p))
        .filter(|p| {
            q.year.is_none_or(|y| p.year == y)
                && q.organisation_id.is_none_or(|o| p.organisation_id.0 == o)
        })
        .collect();
    Ok(StreamedJson::new(out))
}

/// A revision with its totals, the changes since the previous plan and the comments.
#[utoipa::path(get, path = "/api/v1/reuse/plans/{id}", tag = "reuse", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PlanView), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PlanView>, ApiError> {
    Ok(Json(view(&state, caller.actor(), id).await?))
}

/// A new revision to open.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRevision {
    pub organisation_id: i64,
    pub year: i32,
}

/// Opens a new revision (a draft, a copy of the latest one) of a ministry's
/// plan for a year; refused while a draft is open.
#[utoipa::path(post, path = "/api/v1/reuse/plans", tag = "reuse", request_body = OpenRevision, security(("bearer" = [])),
    responses((status = 201, body = PlanView), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<OpenRevision>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    let id = open_revision(
        &state,
        caller.actor(),
        &caller.audit(),
        OrgId(body.organisation_id),
        body.year,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state, caller.actor(), id).await?),
    ))
}

/// Opens a revision for the caller; shared with the pages.
pub async fn open_revision(
    state: &AppState,
    actor: &Actor,
    ctx: &cosinum_store::AuditCtx,
    org: OrgId,
    year: i32,
) -> Result<i64, AppError> {
    if !can_write(actor, org) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let p = plans::open_revision(&mut tx, ctx, org, year)
        .await
        .map_err(|e| match e {
            cosinum_store::StoreError::Duplicate { .. } => AppError::Invalid(ValidationError::new(
                "year",
                "une révision de ce plan est déjà en brouillon : terminez-la d'abord",
            )),
            e => e.into(),
        })?;
    tx.commit().await?;
    Ok(p.id)
}

/// A line as written; amounts in whole euros.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineWrite {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub functional_zone: String,
    pub project_id: Option<i64>,
    pub application_id: Option<i64>,
    pub expected_start: Option<Date>,
    /// `[{"year": 2026, "ae": 1000000, "cp": 500000}, …]`
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub amounts: Vec<YearAmount>,
    /// Required on update.
    pub version: Option<i64>,
}

impl LineWrite {
    pub fn line(&self) -> PlanLine {
        PlanLine {
            id: 0,
            key: String::new(),
            title: self.title.clone(),
            description: self.description.clone(),
            functional_zone: self.functional_zone.clone(),
            project_id: self.project_id,
            application_id: self.application_id,
            expected_start: self.expected_start,
            amounts: self.amounts.clone(),
            version: self.version.unwrap_or(1),
        }
    }
}

/// The plan of a line or of an id, if the actor may write it.
async fn writable(
    state: &AppState,
    actor: &Actor,
    plan_id: Option<i64>,
    line_id: Option<i64>,
) -> Result<Plan, AppError> {
    let p = match (plan_id, line_id) {
        (Some(id), _) => plans::plan(&state.db, id).await?,
        (None, Some(l)) => plans::plan_of_line(&state.db, l).await?,
        _ => return Err(AppError::NotFound),
    };
    if !can_read(actor, &p) {
        return Err(AppError::NotFound);
    }
    if !can_write(actor, p.organisation_id) {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

/// Writes a line of a draft: a new one in plan `plan_id`, or line `line_id`.
pub async fn write_line(
    state: &AppState,
    actor: &Actor,
    ctx: &cosinum_store::AuditCtx,
    plan_id: Option<i64>,
    line_id: Option<i64>,
    body: &LineWrite,
) -> Result<PlanLine, AppError> {
    let p = writable(state, actor, plan_id, line_id).await?;
    check_links(state, p.organisation_id, body).await?;
    let mut tx = state.db.begin().await?;
    let l = match line_id {
        None => plans::add_line(&mut tx, ctx, p.id, &body.line()).await?,
        Some(id) => {
            let version = body.version.ok_or_else(|| {
                AppError::BadRequest("version requise pour modifier une ligne".into())
            })?;
            plans::update_line(&mut tx, ctx, id, version, &body.line()).await?
        }
    };
    tx.commit().await?;
    Ok(l)
}

/// A linked project or application must exist and belong to the ministry.
async fn check_links(state: &AppState, org: OrgId, body: &LineWrite) -> Result<(), AppError> {
    if let Some(id) = body.project_id {
        let p = cosinum_store::projects::get(&state.db, id)
            .await
            .map_err(|_| {
                AppError::Invalid(ValidationError::new(
                    "project_id",
                    format!("aucun grand projet {id}"),
                ))
            })?;
        if p.organisation_id != org {
            return Err(AppError::Invalid(ValidationError::new(
                "project_id",
                "ce grand projet est celui d'un autre ministère",
            )));
        }
    }
    if let Some(id) = body.application_id {
        let a = cosinum_store::cloud::application(&state.db, id)
            .await
            .map_err(|_| {
                AppError::Invalid(ValidationError::new(
                    "application_id",
                    format!("aucune application {id}"),
                ))
            })?;
        if a.organisation_id != org {
            return Err(AppError::Invalid(ValidationError::new(
                "application_id",
                "cette application est celle d'un autre ministère",
            )));
        }
    }
    Ok(())
}

/// Adds a line to a draft.
#[utoipa::path(post, path = "/api/v1/reuse/plans/{id}/lines", tag = "reuse", request_body = LineWrite, params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_line(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<LineWrite>,
) -> Result<(StatusCode, Json<PlanLine>), ApiError> {
    let l = write_line(
        &state,
        caller.actor(),
        &caller.audit(),
        Some(id),
        None,
        &body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(l)))
}

/// Changes a line of a draft at the version read.
#[utoipa::path(put, path = "/api/v1/reuse/plans/lines/{id}", tag = "reuse", request_body = LineWrite, params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update_line(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<LineWrite>,
) -> Result<Json<PlanLine>, ApiError> {
    Ok(Json(
        write_line(
            &state,
            caller.actor(),
            &caller.audit(),
            None,
            Some(id),
            &body,
        )
        .await?,
    ))
}

/// A step of a revision.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `submitted` (the ministry) or `reviewed` (the DINUM).
    pub status: String,
    pub version: i64,
}

/// Moves a revision one step, by whoever may take it; shared with the pages.
pub async fn change_status(
    state: &AppState,
    actor: &Actor,
    ctx: &cosinum_store::AuditCtx,
    id: i64,
    body: &StatusChange,
) -> Result<Plan, AppError> {
    let next = PlanStatus::parse(&body.status).ok_or_else(|| {
        AppError::Invalid(ValidationError::new("status", "submitted ou reviewed"))
    })?;
    let p = plans::plan(&state.db, id).await?;
    if !can_read(actor, &p) {
        return Err(AppError::NotFound);
    }
    let allowed = match next {
        PlanStatus::Reviewed => reviews_plans(actor),
        _ => can_write(actor, p.organisation_id),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let today = time::OffsetDateTime::now_utc().date();
    let mut tx = state.db.begin().await?;
    let p = plans::set_status(&mut tx, ctx, id, body.version, next, today).await?;
    tx.commit().await?;
    Ok(p)
}

/// Submits a draft (its ministry) or marks a submitted plan reviewed (the DINUM).
#[utoipa::path(post, path = "/api/v1/reuse/plans/{id}/status", tag = "reuse", request_body = StatusChange, params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<Json<Plan>, ApiError> {
    Ok(Json(
        change_status(&state, caller.actor(), &caller.audit(), id, &body).await?,
    ))
}

/// A comment on a line.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentWrite {
    pub body: String,
}

/// Comments on a line: the DINUM, or the ministry's editors answering it.
pub async fn comment(
    state: &AppState,
    actor: &Actor,
    ctx: &cosinum_store::AuditCtx,
    line_id: i64,
    body: &str,
) -> Result<Comment, AppError> {
    let p = plans::plan_of_line(&state.db, line_id).await?;
    if !can_read(actor, &p) {
        return Err(AppError::NotFound);
    }
    if !(reviews_plans(actor) || can_write(actor, p.organisation_id)) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let c = plans::add_comment(&mut tx, ctx, line_id, body).await?;
    tx.commit().await?;
    Ok(c)
}

/// Comments on a line of a plan.
#[utoipa::path(post, path = "/api/v1/reuse/plans/lines/{id}/comments", tag = "reuse", request_body = CommentWrite,
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)))]
pub async fn add_comment(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CommentWrite>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let c = comment(&state, caller.actor(), &caller.audit(), id, &body.body).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// One ministry's plan in force for the year.
#[derive(Serialize, ToSchema)]
pub struct PlanSummary {
    pub plan_id: i64,
    pub ministry: String,
    pub revision: i32,
    pub status: String,
    pub lines: usize,
    /// Euros.
    #[schema(value_type = i64)]
    pub total_ae: Euros,
    /// Euros.
    #[schema(value_type = i64)]
    pub total_cp: Euros,
    /// Lines added, removed or changed since the ministry's previous plan.
    pub changed_lines: usize,
    /// Total AE after minus before, euros.
    #[schema(value_type = i64)]
    pub ae_delta: Euros,
}

/// The State-wide view of a year.
#[derive(Serialize, ToSchema)]
pub struct Consolidated {
    pub year: i32,
    pub plans: Vec<PlanSummary>,
    /// Σ AE and CP per ministry and per year of credits, euros.
    #[schema(value_type = Object)]
    pub by_ministry: Consolidation,
    #[schema(value_type = Object)]
    pub by_zone: Consolidation,
    /// Ministries whose latest revision is still a draft (nothing in force).
    pub drafts_only: Vec<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ConsolidatedParams {
    /// Default: this year.
    year: Option<i32>,
}

/// Builds the consolidated view of `year` for `actor`; shared with the pages.
pub async fn consolidated_of(
    state: &AppState,
    actor: &Actor,
    year: i32,
) -> Result<Consolidated, AppError> {
    let all: Vec<Plan> = plans::plans(&state.db)
        .await?
        .into_iter()
        .filter(|p| can_read(actor, p))
        .collect();
    let orgs = state.organisations(true).await?;
    let code = |id: OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.code.clone())
    };
    let mut ministries: Vec<OrgId> = all
        .iter()
        .filter(|p| p.year == year)
        .map(|p| p.organisation_id)
        .collect();
    ministries.sort();
    ministries.dedup();
    let in_force: Vec<&Plan> = ministries
        .iter()
        .filter_map(|o| plan_in_force(&all, *o, year))
        .collect();
    let mut summaries: Vec<PlanSummary> = in_force
        .iter()
        .map(|p| {
            let diff = changes(
                previous_plan(&all, p).map_or(&[][..], |x| &x.lines),
                &p.lines,
            );
            let (ae, cp) = p
                .lines
                .iter()
                .map(PlanLine::total)
                .fold((Euros(0), Euros(0)), |a, b| (a.0 + b.0, a.1 + b.1));
            PlanSummary {
                plan_id: p.id,
                ministry: code(p.organisation_id),
                revision: p.revision,
                status: p.status.as_str().into(),
                lines: p.lines.len(),
                total_ae: ae,
                total_cp: cp,
                changed_lines: diff.len(),
                ae_delta: diff.iter().map(|d| d.ae_delta).sum(),
            }
        })
        .collect();
    summaries.sort_by(|a, b| a.ministry.cmp(&b.ministry));
    Ok(Consolidated {
        year,
        by_ministry: consolidate(in_force.iter().copied(), |p, _| code(p.organisation_id)),
        by_zone: consolidate(in_force.iter().copied(), |_, l| {
            if l.functional_zone.is_empty() {
                "(sans zone)".into()
            } else {
                l.functional_zone.clone()
            }
        }),
        drafts_only: ministries
            .iter()
            .filter(|o| plan_in_force(&all, **o, year).is_none())
            .map(|o| code(*o))
            .collect(),
        plans: summaries,
    })
}

/// The plans in force for a year, per ministry and functional zone, with
/// the changes since each ministry's previous plan.
#[utoipa::path(get, path = "/api/v1/reuse/plans/consolidated", tag = "reuse", params(ConsolidatedParams), security(("bearer" = [])),
    responses((status = 200, body = Consolidated), (status = 401, body = crate::ErrorBody)))]
pub async fn consolidated(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ConsolidatedParams>,
) -> Result<Json<Consolidated>, ApiError> {
    let year = q
        .year
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().year());
    Ok(Json(consolidated_of(&state, caller.actor(), year).await?))
}
