//! `/api/v1/funding/applications` and `/api/v1/funding/capacity`: a
//! ministry files and edits its applications; the DINUM moves them along the
//! pipeline and records their credits; each ministry declares its capacity,
//! and sees what a new application would do to its load.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::authz::{Access, Actor, allows};
use cosinum_domain::funding::consumption::{Consumption, LAG_TOLERANCE, Lag, consumption, lag};
use cosinum_domain::funding::{
    Application, ApplicationFields, Movement, MovementKind, Semester, Status,
};
use cosinum_domain::money::Euros;
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::funding::{self, applications, movements};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::funding::{application_resource, readable_applications, runs_funds};
use super::streamed::StreamedJson;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// An application with its ministry and window.
#[derive(Serialize, ToSchema)]
pub struct FundingApplicationDto {
    ministry: String,
    window: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    application: Application,
    #[schema(value_type = Object)]
    consumption: Consumption,
}

impl FundingApplicationDto {
    pub fn application(&self) -> &Application {
        &self.application
    }

    pub fn window(&self) -> &str {
        &self.window
    }

    pub fn ministry(&self) -> &str {
        &self.ministry
    }

    pub fn consumption(&self) -> &Consumption {
        &self.consumption
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// A fund's code.
    fund: Option<String>,
    /// A ministry's code.
    ministry: Option<String>,
    /// `submitted`, `under_review`, `granted`, `rejected`, `withdrawn`.
    status: Option<String>,
}

impl ListParams {
    pub fn new(fund: Option<String>, ministry: Option<String>) -> Self {
        Self {
            fund,
            ministry,
            status: None,
        }
    }
}

/// The applications the caller may read, filtered.
#[utoipa::path(get, path = "/api/v1/funding/applications", tag = "funding", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = [FundingApplicationDto]), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<StreamedJson<Vec<FundingApplicationDto>>, ApiError> {
    Ok(StreamedJson::new(
        dtos(&state, caller.actor(), &p, today()).await?,
    ))
}

/// The applications `actor` reads, as of `as_of`, filtered.
pub async fn dtos(
    state: &AppState,
    actor: &Actor,
    p: &ListParams,
    as_of: Date,
) -> Result<Vec<FundingApplicationDto>, AppError> {
    let orgs = state.organisations(true).await?;
    let funds = funding::funds(&state.db).await?;
    let windows = funding::windows(&state.db).await?;
    let moves = movements::list(&state.db).await?;
    let status = match p.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| AppError::BadRequest(format!("Statut inconnu : {s}")))?,
        ),
    };
    Ok(readable_applications(state, actor)
        .await?
        .into_iter()
        .filter_map(|a| {
            let w = windows.iter().find(|w| w.id == a.fields.window_id)?;
            let f = funds.iter().find(|f| f.id == w.fund_id)?;
            let code = orgs
                .iter()
                .find(|o| o.id == a.fields.organisation_id)?
                .code
                .clone();
            let keep = p
                .fund
                .as_deref()
                .is_none_or(|x| x.eq_ignore_ascii_case(&f.code))
                && p.ministry
                    .as_deref()
                    .is_none_or(|x| x.eq_ignore_ascii_case(&code))
                && status.is_none_or(|s| a.status == s);
            keep.then(|| {
                let mine: Vec<Movement> = moves
                    .iter()
                    .filter(|m| m.application_id == a.id)
                    .cloned()
                    .collect();
                let granted = if a.status == Status::Granted {
                    a.granted.unwrap_or(Euros(0))
                } else {
                    Euros(0)
                };
                FundingApplicationDto {
                    ministry: code,
                    window: w.code.clone(),
                    consumption: consumption(granted, &mine, as_of),
                    application: a,
                }
            })
        })
        .collect())
}

/// An application with its movements and where it stands.
#[derive(Serialize, ToSchema)]
pub struct FundingApplicationDetail {
    #[serde(flatten)]
    base: FundingApplicationDto,
    #[schema(value_type = Vec<Object>)]
    movements: Vec<Movement>,
    /// Set when its payments trail its schedule.
    #[schema(value_type = Option<Object>)]
    lag: Option<Lag>,
}

pub async fn readable(state: &AppState, actor: &Actor, id: i64) -> Result<Application, AppError> {
    let a = applications::get(&state.db, id).await?;
    if !allows(
        Some(actor),
        Access::Read,
        &application_resource(a.fields.organisation_id),
    ) {
        return Err(AppError::NotFound);
    }
    Ok(a)
}

/// The detail of an application `actor` reads.
pub async fn detail(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<FundingApplicationDetail, AppError> {
    let a = readable(state, actor, id).await?;
    let moves = movements::of_application(&state.db, id).await?;
    let windows = funding::windows(&state.db).await?;
    let org = cosinum_store::organisations::get(&state.db, a.fields.organisation_id).await?;
    let granted = a
        .granted
        .filter(|_| a.status == Status::Granted)
        .unwrap_or(Euros(0));
    Ok(FundingApplicationDetail {
        lag: lag(
            granted,
            &moves,
            (a.fields.planned_start, a.fields.planned_end),
            today(),
            LAG_TOLERANCE,
        ),
        base: FundingApplicationDto {
            ministry: org.code,
            window: windows
                .iter()
                .find(|w| w.id == a.fields.window_id)
                .map_or_else(String::new, |w| w.code.clone()),
            consumption: consumption(granted, &moves, today()),
            application: a,
        },
        movements: moves,
    })
}

/// An application, its movements and its lag.
#[utoipa::path(get, path = "/api/v1/funding/applications/{id}", tag = "funding", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = FundingApplicationDetail), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<FundingApplicationDetail>, ApiError> {
    Ok(Json(detail(&state, caller.actor(), id).await?))
}

/// Workload of one semester.
#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct WorkloadEntry {
    /// "2022S2".
    semester: String,
    person_months: f64,
}

/// An application, as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingApplicationWrite {
    organisation_id: i64,
    window_id: i64,
    title: String,
    #[serde(default)]
    description: String,
    /// Euros.
    total_cost: i64,
    /// Euros.
    requested: i64,
    project_id: Option<i64>,
    /// An application of the inventory (cloud hosting) it concerns.
    inventory_id: Option<i64>,
    planned_start: Date,
    planned_end: Date,
    /// Default: today.
    submitted_on: Option<Date>,
    #[serde(default)]
    workload: Vec<WorkloadEntry>,
    /// Required on update.
    version: Option<i64>,
}

/// Reads workload entries ("2022S2" → person-months).
pub fn parse_workload(entries: &[WorkloadEntry]) -> Result<Vec<(Semester, f64)>, AppError> {
    entries
        .iter()
        .map(|e| {
            Semester::parse(&e.semester)
                .map(|s| (s, e.person_months))
                .ok_or_else(|| {
                    AppError::Invalid(ValidationError::new(
                        "workload",
                        format!(
                            "semestre invalide : « {} » (par exemple 2022S2)",
                            e.semester
                        ),
                    ))
                })
        })
        .collect()
}

/// Validated fields, against the window's rules and the caller's rights.
pub async fn checked_fields(
    state: &AppState,
    actor: &Actor,
    f: ApplicationFields,
) -> Result<ApplicationFields, AppError> {
    if !allows(
        Some(actor),
        Access::Write,
        &application_resource(f.organisation_id),
    ) {
        return Err(AppError::Forbidden);
    }
    let window = funding::window(&state.db, f.window_id)
        .await
        .map_err(|_| AppError::Invalid(ValidationError::new("window_id", "guichet inconnu")))?;
    if let Some(p) = f.project_id {
        cosinum_store::projects::get(&state.db, p)
            .await
            .map_err(|_| {
                AppError::Invalid(ValidationError::new("project_id", "grand projet inconnu"))
            })?;
    }
    if let Some(i) = f.inventory_id {
        cosinum_store::cloud::application(&state.db, i)
            .await
            .map_err(|_| {
                AppError::Invalid(ValidationError::new(
                    "inventory_id",
                    "application inconnue de l'inventaire",
                ))
            })?;
    }
    Ok(f.validated(&window)?)
}

impl FundingApplicationWrite {
    fn fields(&self) -> Result<ApplicationFields, AppError> {
        Ok(ApplicationFields {
            organisation_id: OrgId(self.organisation_id),
            window_id: self.window_id,
            title: self.title.clone(),
            description: self.description.clone(),
            total_cost: Euros(self.total_cost),
            requested: Euros(self.requested),
            project_id: self.project_id,
            inventory_id: self.inventory_id,
            planned_start: self.planned_start,
            planned_end: self.planned_end,
            submitted_on: self.submitted_on.unwrap_or_else(today),
            workload: parse_workload(&self.workload)?,
        })
    }
}

/// Files an application of a ministry the caller edits, checked against its
/// window (co-funding rate, project size, dates).
#[utoipa::path(post, path = "/api/v1/funding/applications", tag = "funding", request_body = FundingApplicationWrite, security(("bearer" = [])),
    responses((status = 201, body = FundingApplicationDetail), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<FundingApplicationWrite>,
) -> Result<(StatusCode, Json<FundingApplicationDetail>), ApiError> {
    let f = checked_fields(&state, caller.actor(), body.fields()?).await?;
    let mut tx = state.db.begin().await?;
    let a = applications::create(&mut tx, &caller.audit(), &f).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(detail(&state, caller.actor(), a.id).await?),
    ))
}

/// Changes an application read at `version`, while it waits for a decision.
#[utoipa::path(put, path = "/api/v1/funding/applications/{id}", tag = "funding", params(("id" = i64, Path)), request_body = FundingApplicationWrite,
    security(("bearer" = [])),
    responses((status = 200, body = FundingApplicationDetail), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FundingApplicationWrite>,
) -> Result<Json<FundingApplicationDetail>, ApiError> {
    let current = readable(&state, caller.actor(), id).await?;
    if !allows(
        Some(caller.actor()),
        Access::Write,
        &application_resource(current.fields.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    let version = body.version.ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "version",
            "la version lue est obligatoire",
        ))
    })?;
    let mut fields = body.fields()?;
    if body.submitted_on.is_none() {
        fields.submitted_on = current.fields.submitted_on;
    }
    let f = checked_fields(&state, caller.actor(), fields).await?;
    let mut tx = state.db.begin().await?;
    applications::update(&mut tx, &caller.audit(), id, version, &f).await?;
    tx.commit().await?;
    Ok(Json(detail(&state, caller.actor(), id).await?))
}

/// A step of the pipeline.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionWrite {
    /// `under_review`, `granted`, `rejected` or `withdrawn`.
    status: String,
    date: Date,
    /// Euros; required to grant.
    granted: Option<i64>,
    #[serde(default)]
    motive: String,
    version: i64,
}

/// Moves an application along the pipeline: the DINUM instructs and decides;
/// a ministry may withdraw its own.
#[utoipa::path(post, path = "/api/v1/funding/applications/{id}/decision", tag = "funding", params(("id" = i64, Path)), request_body = DecisionWrite,
    security(("bearer" = [])),
    responses((status = 200, body = FundingApplicationDetail), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DecisionWrite>,
) -> Result<Json<FundingApplicationDetail>, ApiError> {
    let a = readable(&state, caller.actor(), id).await?;
    let status = Status::parse(&body.status).ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "status",
            format!("statut inconnu : {}", body.status),
        ))
    })?;
    let own_withdrawal = status == Status::Withdrawn
        && allows(
            Some(caller.actor()),
            Access::Write,
            &application_resource(a.fields.organisation_id),
        );
    if !(runs_funds(caller.actor()) || own_withdrawal) {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    applications::decide(
        &mut tx,
        &caller.audit(),
        id,
        body.version,
        &applications::Decision {
            status,
            date: body.date,
            granted: body.granted.map(Euros),
            motive: body.motive,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(detail(&state, caller.actor(), id).await?))
}

/// A credit movement, as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovementWrite {
    /// `commitment` (AE) or `payment` (CP).
    kind: String,
    date: Date,
    /// Euros; negative for a correction.
    amount: i64,
    /// Accounting reference; the same movement recorded twice is kept once.
    reference: String,
}

/// Records AE engaged or CP paid on a granted application (the DINUM).
#[utoipa::path(post, path = "/api/v1/funding/applications/{id}/movements", tag = "funding", params(("id" = i64, Path)), request_body = MovementWrite,
    security(("bearer" = [])),
    responses((status = 201, body = FundingApplicationDetail), (status = 200, body = FundingApplicationDetail), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_movement(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MovementWrite>,
) -> Result<(StatusCode, Json<FundingApplicationDetail>), ApiError> {
    readable(&state, caller.actor(), id).await?;
    if !runs_funds(caller.actor()) {
        return Err(AppError::Forbidden.into());
    }
    let kind = MovementKind::parse(&body.kind).ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "kind",
            "commitment (AE) ou payment (CP)",
        ))
    })?;
    let m = Movement {
        application_id: id,
        kind,
        date: body.date,
        amount: Euros(body.amount),
        reference: body.reference,
    };
    let mut tx = state.db.begin().await?;
    let recorded = movements::record(&mut tx, &caller.audit(), &m).await?;
    tx.commit().await?;
    let status = match recorded {
        movements::Recorded::New => StatusCode::CREATED,
        movements::Recorded::AlreadyThere => StatusCode::OK,
    };
    Ok((status, Json(detail(&state, caller.actor(), id).await?)))
}

impl FundingApplicationDetail {
    pub fn base(&self) -> &FundingApplicationDto {
        &self.base
    }

    pub fn movements(&self) -> &[Movement] {
        &self.movements
    }

    pub fn lag(&self) -> Option<&Lag> {
        self.lag.as_ref()
    }
}
