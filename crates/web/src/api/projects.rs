//! `/api/v1/projects`: major projects, their baselines and reviews, and the portfolio.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::authz::{Access, Owner, Resource, allows};
use cosinum_domain::money::Euros;
use cosinum_domain::projects::drift::{ProjectDrift, project_drift};
use cosinum_domain::projects::forecast::{ReferenceClassForecast, forecast};
use cosinum_domain::projects::project::{Milestone, Project, ProjectInput, Review, Risk};
use cosinum_domain::projects::{Phase, portfolio::snapshot};
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::projects::{self, baselines, reviews};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::streamed::StreamedJson;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// Who may read and write a project: the ministry (or body) carrying it.
pub fn project_resource(organisation: OrgId) -> Resource {
    Resource::owned_by(Owner::Organisation(organisation))
}

pub(super) fn check(
    caller: &ApiCaller,
    access: Access,
    resource: &Resource,
) -> Result<(), ApiError> {
    if allows(Some(caller.actor()), access, resource) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// A project with its latest figures.
#[derive(Serialize, ToSchema)]
pub struct ProjectDto {
    id: i64,
    organisation_id: i64,
    name: String,
    description: String,
    functional_zone: String,
    interministerial: bool,
    funding_programmes: String,
    links: String,
    /// `cadrage`, `conception_realisation`, `experimentation`, `deploiement`, `termine`, `abandonne`.
    phase: String,
    figures_withheld: bool,
    entered_on: Date,
    exited_on: Option<Date>,
    archived: bool,
    version: i64,
}

impl From<&Project> for ProjectDto {
    fn from(p: &Project) -> Self {
        Self {
            id: p.id,
            organisation_id: p.organisation_id.0,
            name: p.name.clone(),
            description: p.description.clone(),
            functional_zone: p.functional_zone.clone(),
            interministerial: p.interministerial,
            funding_programmes: p.funding_programmes.clone(),
            links: p.links.clone(),
            phase: p.phase.as_str().into(),
            figures_withheld: p.figures_withheld,
            entered_on: p.entered_on,
            exited_on: p.exited_on,
            archived: p.archived,
            version: p.version,
        }
    }
}

/// Drifts of a project, as ratios (0.25 = +25 %).
#[derive(Serialize, ToSchema)]
pub struct DriftDto {
    budget_vs_original: Option<f64>,
    calendar_vs_original: Option<f64>,
    budget_vs_current: Option<f64>,
    calendar_vs_current: Option<f64>,
    /// Change over the last 6 months.
    budget_recent: Option<f64>,
    calendar_recent: Option<f64>,
    rebaselines: usize,
}

impl From<&ProjectDrift> for DriftDto {
    fn from(d: &ProjectDrift) -> Self {
        Self {
            budget_vs_original: d.vs_original.budget,
            calendar_vs_original: d.vs_original.calendar,
            budget_vs_current: d.vs_current.budget,
            calendar_vs_current: d.vs_current.calendar,
            budget_recent: d.recent.budget,
            calendar_recent: d.recent.calendar,
            rebaselines: d.rebaselines,
        }
    }
}

/// One line of the projects list.
#[derive(Serialize, ToSchema)]
pub struct ProjectSummary {
    #[serde(flatten)]
    project: ProjectDto,
    cost_meur: Option<f64>,
    forecast_end: Option<Date>,
    drift: DriftDto,
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Only the projects of this organisation (code, e.g. `MININT`) and its children.
    ministry: Option<String>,
    /// Only projects in this phase.
    phase: Option<String>,
    /// Figures as of this date (default: today).
    as_of: Option<Date>,
}

/// Lists the projects the caller may read, with their figures as of a date.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = [ProjectSummary]), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<StreamedJson<Vec<ProjectSummary>>, ApiError> {
    let db = &state.db;
    let as_of = params.as_of.unwrap_or_else(today);
    let ministry_scope = match &params.ministry {
        Some(code) => {
            let org = cosinum_store::organisations::get_by_code(db, code)
                .await
                .map_err(|_| AppError::BadRequest(format!("Organisation inconnue : {code}")))?;
            Some(cosinum_store::organisations::subtree(db, org.id).await?)
        }
        None => None,
    };
    let phase = match &params.phase {
        Some(p) => Some(
            Phase::parse(p).ok_or_else(|| AppError::BadRequest(format!("Phase inconnue : {p}")))?,
        ),
        None => None,
    };
    // The ministry asked for, or else what the caller reads: only those
    // projects' are read when the whole portfolio's inputs are not at hand.
    let owners = ministry_scope
        .as_ref()
        .or_else(|| caller.actor().reads_only());
    let inputs = state.portfolio_inputs_of(owners).await?;
    let data = &inputs.data;
    let mut out = Vec::new();
    for p in &data.projects {
        if !allows(
            Some(caller.actor()),
            Access::Read,
            &project_resource(p.organisation_id),
        ) || ministry_scope
            .as_ref()
            .is_some_and(|s| !s.contains(&p.organisation_id))
            || phase.is_some_and(|ph| ph != p.phase)
        {
            continue;
        }
        let b = data.baselines.get(&p.id).map_or(&[][..], Vec::as_slice);
        let e = data.estimates.get(&p.id).map_or(&[][..], Vec::as_slice);
        let snap = snapshot(p, b, e, as_of);
        out.push(ProjectSummary {
            project: p.into(),
            cost_meur: snap.as_ref().and_then(|s| s.cost).map(Euros::meur),
            forecast_end: snap.as_ref().and_then(|s| s.forecast_end),
            drift: (&project_drift(b, e, as_of, 182)).into(),
        });
    }
    Ok(StreamedJson::new(out))
}

/// A baseline of the ledger.
#[derive(Serialize, ToSchema)]
pub struct BaselineDto {
    pub(super) id: i64,
    pub(super) approved_on: Date,
    pub(super) cost_meur: f64,
    pub(super) start: Date,
    pub(super) planned_end: Date,
    pub(super) reason: String,
    pub(super) approved_by: String,
}

/// A review, with milestones and risks.
#[derive(Serialize, ToSchema)]
pub struct ReviewDto {
    id: i64,
    review_date: Date,
    source: String,
    cost_meur: Option<f64>,
    start: Option<Date>,
    forecast_end: Option<Date>,
    phase: String,
    figures_withheld: bool,
    /// 1 (best) to 4.
    ministry_rating: Option<u8>,
    dinum_rating: Option<u8>,
    narrative: String,
    #[schema(value_type = Vec<Object>)]
    milestones: Vec<Milestone>,
    #[schema(value_type = Vec<Object>)]
    risks: Vec<Risk>,
    version: i64,
}

impl From<&Review> for ReviewDto {
    fn from(r: &Review) -> Self {
        Self {
            id: r.id,
            review_date: r.review_date,
            source: r.source.clone(),
            cost_meur: r.cost.map(Euros::meur),
            start: r.start,
            forecast_end: r.forecast_end,
            phase: r.phase.as_str().into(),
            figures_withheld: r.figures_withheld,
            ministry_rating: r.ministry_rating.map(|x| x.0),
            dinum_rating: r.dinum_rating.map(|x| x.0),
            narrative: r.narrative.clone(),
            milestones: r.milestones.clone(),
            risks: r.risks.clone(),
            version: r.version,
        }
    }
}

/// Reference-class forecast of the final cost and end date.
#[derive(Serialize, ToSchema)]
pub struct ForecastDto {
    class_size: usize,
    same_size_band: bool,
    cost_p50_meur: f64,
    cost_p80_meur: f64,
    end_p50: Date,
    end_p80: Date,
}

impl From<&ReferenceClassForecast> for ForecastDto {
    fn from(f: &ReferenceClassForecast) -> Self {
        Self {
            class_size: f.class_size,
            same_size_band: f.same_size_band,
            cost_p50_meur: f.cost_p50.meur(),
            cost_p80_meur: f.cost_p80.meur(),
            end_p50: f.end_p50,
            end_p80: f.end_p80,
        }
    }
}

/// A project with everything known about it.
#[derive(Serialize, ToSchema)]
pub struct ProjectDetail {
    project: ProjectDto,
    baselines: Vec<BaselineDto>,
    reviews: Vec<ReviewDto>,
    drift: DriftDto,
    /// `null` when the reference class is too small or the project has no baseline.
    forecast: Option<ForecastDto>,
}

/// The project `id`, if the caller may `access` it: 404 when they may not
/// even read it (another ministry cannot learn it exists, as in every
/// module), 403 when they read it but may not change it.
pub(super) async fn project_for(
    state: &AppState,
    caller: &ApiCaller,
    id: i64,
    access: Access,
) -> Result<Project, ApiError> {
    let project = projects::get(&state.db, id).await?;
    let resource = project_resource(project.organisation_id);
    if !allows(Some(caller.actor()), Access::Read, &resource) {
        return Err(AppError::NotFound.into());
    }
    check(caller, access, &resource)?;
    Ok(project)
}

/// Minimum number of comparable projects for a reference-class forecast.
pub const MIN_REFERENCE_CLASS: usize = 5;

/// Everything the project page and `GET /projects/{id}` show.
pub async fn detail(
    state: &AppState,
    id: i64,
    as_of: Date,
) -> Result<
    (
        Project,
        Vec<baselines::BaselineRecord>,
        Vec<Review>,
        ProjectDrift,
        Option<ReferenceClassForecast>,
    ),
    AppError,
> {
    let db = &state.db;
    let project = projects::get(db, id).await?;
    let ledger = baselines::list(db, id).await?;
    let history = reviews::list(db, id).await?;
    let b: Vec<_> = ledger.iter().map(|r| r.baseline()).collect();
    let e: Vec<_> = history.iter().map(Review::estimate).collect();
    let drift = project_drift(&b, &e, as_of, 182);
    let portfolio = state.portfolio_inputs().await?.data.snapshots(as_of);
    let fc = snapshot(&project, &b, &e, as_of)
        .and_then(|s| forecast(&s, &portfolio, MIN_REFERENCE_CLASS));
    Ok((project, ledger, history, drift, fc))
}

/// One project, its baselines ledger, reviews, drift and forecast.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ProjectDetail), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ProjectDetail>, ApiError> {
    project_for(&state, &caller, id, Access::Read).await?;
    let (project, ledger, history, drift, fc) = detail(&state, id, today()).await?;
    Ok(Json(ProjectDetail {
        project: (&project).into(),
        baselines: ledger
            .iter()
            .map(|b| BaselineDto {
                id: b.id,
                approved_on: b.approved_on,
                cost_meur: Euros(b.cost_eur).meur(),
                start: b.start_on,
                planned_end: b.planned_end_on,
                reason: b.reason.clone(),
                approved_by: b.approved_by.clone(),
            })
            .collect(),
        reviews: history.iter().map(ReviewDto::from).collect(),
        drift: (&drift).into(),
        forecast: fc.as_ref().map(ForecastDto::from),
    }))
}

/// The fields of a project.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectWrite {
    organisation_id: i64,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    functional_zone: String,
    #[serde(default)]
    interministerial: bool,
    #[serde(default)]
    funding_programmes: String,
    #[serde(default)]
    links: String,
    phase: String,
    #[serde(default)]
    figures_withheld: bool,
    entered_on: Option<Date>,
    exited_on: Option<Date>,
    /// Required on update: the version read.
    version: Option<i64>,
}

impl ProjectWrite {
    fn input(self) -> (ProjectInput, Option<i64>) {
        (
            ProjectInput {
                organisation_id: self.organisation_id,
                name: self.name,
                description: self.description,
                functional_zone: self.functional_zone,
                interministerial: self.interministerial,
                funding_programmes: self.funding_programmes,
                links: self.links,
                phase: self.phase,
                figures_withheld: self.figures_withheld,
                entered_on: self.entered_on,
                exited_on: self.exited_on,
            },
            self.version,
        )
    }
}

/// Creates a project of an organisation the caller edits.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectWrite, security(("bearer" = [])),
    responses((status = 201, body = ProjectDto), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ProjectWrite>,
) -> Result<(StatusCode, Json<ProjectDto>), ApiError> {
    let (input, _) = body.input();
    check(
        &caller,
        Access::Write,
        &project_resource(OrgId(input.organisation_id)),
    )?;
    let fields = input.validate(today()).map_err(AppError::from)?;
    let mut tx = state.db.begin().await?;
    let p = projects::create(&mut tx, &caller.audit(), &fields).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json((&p).into())))
}

/// Updates a project read at `version`; 409 if it changed since.
#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)), request_body = ProjectWrite,
    security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ProjectWrite>,
) -> Result<Json<ProjectDto>, ApiError> {
    let current = project_for(&state, &caller, id, Access::Write).await?;
    let (input, version) = body.input();
    check(
        &caller,
        Access::Write,
        &project_resource(OrgId(input.organisation_id)),
    )?;
    let version = version.ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "version",
            "la version lue est obligatoire",
        ))
    })?;
    let fields = input.validate(current.entered_on).map_err(AppError::from)?;
    let mut tx = state.db.begin().await?;
    let p = projects::update(&mut tx, &caller.audit(), id, version, &fields).await?;
    tx.commit().await?;
    Ok(Json((&p).into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The other record of the same project, to be merged into this one and archived.
    from: i64,
}

/// Merges another record of the same project into this one (a project renamed
/// between editions): reviews, editions and baselines move; the other name
/// becomes an alias; the other record is archived.
#[utoipa::path(post, path = "/api/v1/projects/{id}/merge", tag = "projects", params(("id" = i64, Path)), request_body = MergeBody,
    security(("bearer" = [])),
    responses((status = 200, body = ProjectDto), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MergeBody>,
) -> Result<Json<ProjectDto>, ApiError> {
    let into = projects::get(&state.db, id).await?;
    let from = projects::get(&state.db, body.from).await?;
    check(
        &caller,
        Access::Write,
        &project_resource(into.organisation_id),
    )?;
    check(
        &caller,
        Access::Write,
        &project_resource(from.organisation_id),
    )?;
    let mut tx = state.db.begin().await?;
    projects::merge::merge(&mut tx, &caller.audit(), id, body.from).await?;
    tx.commit().await?;
    Ok(Json((&projects::get(&state.db, id).await?).into()))
}
