//! `/api/v1/funding`: funds and their windows (set by the DINUM), and a
//! fund's summary as of a date — decisions, consumption, forecast, lagging
//! applications — over the applications the caller may read.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::ValidationError;
use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_domain::funding::report::{Figures, FundReport, Lagging, MonthPoint, fund_report};
use cosinum_domain::funding::{Application, Fund, Window};
use cosinum_domain::money::Euros;
use cosinum_store::funding::{self, applications, movements};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// An application belongs to its ministry, which files and edits it; the
/// DINUM instructs every ministry's (a referential record).
pub fn application_resource(org: cosinum_domain::OrgId) -> Resource {
    Resource {
        referential: true,
        ..Resource::owned_by(Owner::Organisation(org))
    }
}

/// Whether `actor` runs the funds: sets them up, decides, records credits.
pub fn runs_funds(actor: &Actor) -> bool {
    allows(
        Some(actor),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    )
}

fn only_dinum(caller: &ApiCaller) -> Result<(), AppError> {
    if runs_funds(caller.actor()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The applications `actor` may read.
pub async fn readable_applications(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<Application>, AppError> {
    Ok(applications::list(&state.db)
        .await?
        .into_iter()
        .filter(|a| reads_application(actor, a))
        .collect())
}

fn reads_application(actor: &Actor, a: &Application) -> bool {
    allows(
        Some(actor),
        Access::Read,
        &application_resource(a.fields.organisation_id),
    )
}

/// A fund and its windows.
#[derive(Serialize, ToSchema)]
pub struct FundDto {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    fund: Fund,
    #[schema(value_type = Vec<Object>)]
    windows: Vec<Window>,
}

/// The funds and their windows.
#[utoipa::path(get, path = "/api/v1/funding/funds", tag = "funding", security(("bearer" = [])),
    responses((status = 200, body = [FundDto]), (status = 401, body = crate::ErrorBody)))]
pub async fn list_funds(
    State(state): State<AppState>,
    _caller: ApiCaller,
) -> Result<Json<Vec<FundDto>>, ApiError> {
    let windows = funding::windows(&state.db).await?;
    Ok(Json(
        funding::funds(&state.db)
            .await?
            .into_iter()
            .map(|f| FundDto {
                windows: windows
                    .iter()
                    .filter(|w| w.fund_id == f.id)
                    .cloned()
                    .collect(),
                fund: f,
            })
            .collect(),
    ))
}

/// A fund, as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundWrite {
    code: String,
    name: String,
    programme: String,
    /// Envelope of AE, euros.
    envelope: i64,
    start: Date,
    end: Date,
    #[serde(default)]
    rules: String,
    #[serde(default = "sixty")]
    decision_target_days: u32,
    /// Required on update.
    version: Option<i64>,
}

fn sixty() -> u32 {
    60
}

impl FundWrite {
    fn fund(&self) -> Fund {
        Fund {
            id: 0,
            code: self.code.clone(),
            name: self.name.clone(),
            programme: self.programme.clone(),
            envelope: Euros(self.envelope),
            start: self.start,
            end: self.end,
            rules: self.rules.clone(),
            decision_target_days: self.decision_target_days,
            version: self.version.unwrap_or(1),
        }
    }
}

fn version(v: Option<i64>) -> Result<i64, AppError> {
    v.ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "version",
            "la version lue est obligatoire",
        ))
    })
}

/// Creates a fund (the DINUM).
#[utoipa::path(post, path = "/api/v1/funding/funds", tag = "funding", request_body = FundWrite, security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create_fund(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<FundWrite>,
) -> Result<(StatusCode, Json<Fund>), ApiError> {
    only_dinum(&caller)?;
    let mut tx = state.db.begin().await?;
    let f = funding::create_fund(&mut tx, &caller.audit(), &body.fund()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(f)))
}

/// Changes a fund read at `version`.
#[utoipa::path(put, path = "/api/v1/funding/funds/{id}", tag = "funding", params(("id" = i64, Path)), request_body = FundWrite,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update_fund(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<FundWrite>,
) -> Result<Json<Fund>, ApiError> {
    only_dinum(&caller)?;
    let v = version(body.version)?;
    let mut tx = state.db.begin().await?;
    let f = funding::update_fund(&mut tx, &caller.audit(), id, v, &body.fund()).await?;
    tx.commit().await?;
    Ok(Json(f))
}

/// A window, as written.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowWrite {
    fund_id: i64,
    code: String,
    theme: String,
    /// Maximum co-funding rate, 0..1.
    max_rate: f64,
    min_size: Option<i64>,
    max_size: Option<i64>,
    opens: Date,
    closes: Date,
    #[serde(default = "eighteen")]
    delivery_months: u32,
    /// Required on update.
    version: Option<i64>,
}

fn eighteen() -> u32 {
    18
}

impl WindowWrite {
    fn window(&self) -> Window {
        Window {
            id: 0,
            fund_id: self.fund_id,
            code: self.code.clone(),
            theme: self.theme.clone(),
            max_rate: self.max_rate,
            min_size: self.min_size.map(Euros),
            max_size: self.max_size.map(Euros),
            opens: self.opens,
            closes: self.closes,
            delivery_months: self.delivery_months,
            version: self.version.unwrap_or(1),
        }
    }
}

/// Opens a window of a fund (the DINUM).
#[utoipa::path(post, path = "/api/v1/funding/windows", tag = "funding", request_body = WindowWrite, security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create_window(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<WindowWrite>,
) -> Result<(StatusCode, Json<Window>), ApiError> {
    only_dinum(&caller)?;
    if !funding::funds(&state.db)
        .await?
        .iter()
        .any(|f| f.id == body.fund_id)
    {
        return Err(AppError::Invalid(ValidationError::new("fund_id", "fonds inconnu")).into());
    }
    let mut tx = state.db.begin().await?;
    let w = funding::create_window(&mut tx, &caller.audit(), &body.window()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(w)))
}

/// Changes a window read at `version`.
#[utoipa::path(put, path = "/api/v1/funding/windows/{id}", tag = "funding", params(("id" = i64, Path)), request_body = WindowWrite,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update_window(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<WindowWrite>,
) -> Result<Json<Window>, ApiError> {
    only_dinum(&caller)?;
    let v = version(body.version)?;
    let mut tx = state.db.begin().await?;
    let w = funding::update_window(&mut tx, &caller.audit(), id, v, &body.window()).await?;
    tx.commit().await?;
    Ok(Json(w))
}

#[derive(Deserialize, IntoParams)]
pub struct FundingSummaryParams {
    /// The fund's code (default: the most recent fund).
    fund: Option<String>,
    /// Default: today.
    as_of: Option<Date>,
}

/// Figures of a group, named.
#[derive(Serialize, ToSchema)]
pub struct NamedFigures {
    code: String,
    name: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    figures: Figures,
}

/// A lagging application, with its ministry's code.
#[derive(Serialize, ToSchema)]
pub struct LaggingDto {
    ministry: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    lagging: Lagging,
}

/// A fund's summary as of a date.
#[derive(Serialize, ToSchema)]
pub struct FundingSummary {
    fund: String,
    fund_name: String,
    as_of: Date,
    /// Envelope of AE, euros.
    #[schema(value_type = i64)]
    envelope: Euros,
    /// Amount granted ÷ envelope.
    envelope_granted_rate: Option<f64>,
    /// Decisions and consumption over every application the caller reads.
    #[schema(value_type = Object)]
    overall: Figures,
    /// CP paid by 31 December at the current pace, euros.
    #[schema(value_type = i64)]
    paid_forecast_year_end: Euros,
    by_window: Vec<NamedFigures>,
    by_ministry: Vec<NamedFigures>,
    /// By semester of submission ("2021S1").
    by_semester: Vec<NamedFigures>,
    lagging: Vec<LaggingDto>,
    /// Cumulated amounts granted, engaged and paid at each month end.
    #[schema(value_type = Vec<Object>)]
    curve: Vec<MonthPoint>,
}

/// The fund with this code (default: the most recent one), and its report
/// as of `as_of` over the applications `actor` reads.
/// A fund, the windows, and the fund's report as of a day.
pub type FundReportFor = (Fund, Vec<Window>, FundReport);

pub async fn report_for(
    state: &AppState,
    actor: &Actor,
    code: Option<&str>,
    as_of: Date,
) -> Result<std::sync::Arc<FundReportFor>, AppError> {
    if actor.sees_everything() {
        // The same for whoever sees everything: kept while nothing is written.
        let key = (code.map(str::to_ascii_lowercase), as_of);
        return state
            .fund_reports
            .get(&state.db, key, || build_report(state, actor, code, as_of))
            .await;
    }
    Ok(std::sync::Arc::new(
        build_report(state, actor, code, as_of).await?,
    ))
}

async fn build_report(
    state: &AppState,
    actor: &Actor,
    code: Option<&str>,
    as_of: Date,
) -> Result<FundReportFor, AppError> {
    let funds = funding::funds(&state.db).await?;
    let fund = match code {
        Some(c) => funds.into_iter().find(|f| f.code.eq_ignore_ascii_case(c)),
        None => funds.into_iter().max_by_key(|f| f.start),
    }
    .ok_or(AppError::NotFound)?;
    let windows = funding::windows(&state.db).await?;
    // The fund's applications only, with their movements: a portfolio at
    // scale has hundreds of thousands of both over its funds.
    let apps: Vec<Application> = applications::of_fund_for_report(&state.db, fund.id)
        .await?
        .into_iter()
        .filter(|a| reads_application(actor, a))
        .collect();
    let moves = movements::of_fund_for_report(&state.db, fund.id).await?;
    let report = fund_report(&fund, &windows, &apps, moves, as_of);
    Ok((fund, windows, report))
}

/// A fund's summary: envelope, decisions, AE engaged and CP paid, restes à
/// payer, year-end forecast, per window and ministry, lagging applications.
#[utoipa::path(get, path = "/api/v1/funding/summary", tag = "funding", params(FundingSummaryParams), security(("bearer" = [])),
    responses((status = 200, body = FundingSummary), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<FundingSummaryParams>,
) -> Result<Json<FundingSummary>, ApiError> {
    let as_of = p
        .as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let shared = report_for(&state, caller.actor(), p.fund.as_deref(), as_of).await?;
    let (fund, windows, r) = (*shared).clone();
    let orgs = state.organisations(true).await?;
    let org = |id: cosinum_domain::OrgId| {
        orgs.iter().find(|o| o.id == id).map_or_else(
            || (id.to_string(), String::new()),
            |o| (o.code.clone(), o.name.clone()),
        )
    };
    Ok(Json(FundingSummary {
        fund: fund.code,
        fund_name: fund.name,
        as_of,
        envelope: r.envelope,
        envelope_granted_rate: r.envelope_granted_rate,
        overall: r.overall,
        paid_forecast_year_end: r.paid_forecast_year_end,
        by_window: r
            .by_window
            .into_iter()
            .map(|(code, figures)| NamedFigures {
                name: windows
                    .iter()
                    .find(|w| w.code == code)
                    .map_or_else(String::new, |w| w.theme.clone()),
                code,
                figures,
            })
            .collect(),
        by_ministry: r
            .by_ministry
            .into_iter()
            .map(|(id, figures)| {
                let (code, name) = org(id);
                NamedFigures {
                    code,
                    name,
                    figures,
                }
            })
            .collect(),
        by_semester: r
            .by_semester
            .into_iter()
            .map(|(s, figures)| NamedFigures {
                code: s.to_string(),
                name: String::new(),
                figures,
            })
            .collect(),
        lagging: r
            .lagging
            .into_iter()
            .map(|l| LaggingDto {
                ministry: org(l.organisation_id).0,
                lagging: l,
            })
            .collect(),
        curve: r.curve,
    }))
}
