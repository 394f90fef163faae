//! `/api/v1/projects/portfolio` and `/api/v1/projects/editions`: the
//! portfolio's figures as of a date, and their evolution across editions.

use axum::Json;
use axum::extract::State;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::projects::edition::{self, DINUM_2017, MethodVersion};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::projects::project_resource;
use super::streamed::StreamedJson;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;
use crate::portfolio::PortfolioReport;

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// The method version named `code` (the DINUM's by default).
fn method_of(code: Option<&str>) -> Result<&'static MethodVersion, AppError> {
    match code {
        None => Ok(&DINUM_2017),
        Some(code) => edition::method(code)
            .ok_or_else(|| AppError::BadRequest(format!("Méthode inconnue : {code}"))),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct PortfolioParams {
    /// The date of the edition (default: today).
    as_of: Option<Date>,
    /// Method version (`dinum-2017` by default, or `baseline-courante-2026`).
    method: Option<String>,
}

/// The portfolio edition as of a date: key figures, breakdowns, changes.
#[utoipa::path(get, path = "/api/v1/projects/portfolio", tag = "projects", params(PortfolioParams),
    security(("bearer" = [])),
    responses((status = 200, body = PortfolioReport), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn portfolio(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(params): ApiQuery<PortfolioParams>,
) -> Result<StreamedJson<PortfolioReport>, ApiError> {
    let method = method_of(params.method.as_deref())?;
    let actor = caller.actor().clone();
    let as_of = params.as_of.unwrap_or_else(today);
    let spec = crate::portfolio::FoldSpec::report(as_of, method);
    if actor.sees_everything() {
        // The same for whoever sees everything: kept while nothing is written.
        let r = state
            .portfolio_reports
            .get(&state.db, (as_of, method.code), || async {
                Ok(crate::portfolio::folded(&state, None, &spec, |_| true)
                    .await?
                    .report)
            })
            .await?;
        return Ok(StreamedJson(r));
    }
    let r = crate::portfolio::folded(&state, actor.reads_only(), &spec, |org| {
        allows(Some(&actor), Access::Read, &project_resource(org))
    })
    .await?
    .report;
    Ok(StreamedJson::new(r))
}

#[derive(Deserialize, IntoParams)]
pub struct EditionsParams {
    /// Method version (`dinum-2017` by default).
    method: Option<String>,
}

/// The figures of one edition of the evolution.
#[derive(Serialize, ToSchema)]
pub struct EditionPoint {
    as_of: Date,
    /// `published` for an imported or frozen edition, `half_year` for a
    /// 30 June / 31 December computed from the reviews.
    kind: &'static str,
    /// The method version that produced these figures.
    method: &'static str,
    #[serde(flatten)]
    figures: crate::portfolio::Figures,
}

/// The evolution across editions: every published edition, and every half-year
/// end since the first data, under one method version.
#[utoipa::path(get, path = "/api/v1/projects/editions", tag = "projects", params(EditionsParams), security(("bearer" = [])),
    responses((status = 200, body = [EditionPoint]), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn editions(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<EditionsParams>,
) -> Result<Json<Vec<EditionPoint>>, ApiError> {
    let method = method_of(p.method.as_deref())?;
    let actor = caller.actor().clone();
    let inputs = state.portfolio_inputs_of(actor.reads_only()).await?;
    let data = &inputs.data;
    let visible = |o| allows(Some(&actor), Access::Read, &project_resource(o));
    let today = today();
    let mut dates: std::collections::BTreeMap<Date, &'static str> =
        data.editions.keys().map(|d| (*d, "published")).collect();
    if let Some(first) = data.first_review() {
        for year in first.year()..=today.year() {
            for (m, d) in [(time::Month::June, 30), (time::Month::December, 31)] {
                if let Ok(day) = Date::from_calendar_date(year, m, d)
                    && day >= first
                    && day <= today
                {
                    dates.entry(day).or_insert("half_year");
                }
            }
        }
    }
    Ok(Json(
        dates
            .into_iter()
            .map(|(as_of, kind)| {
                let snaps: Vec<_> = data
                    .snapshots(as_of)
                    .into_iter()
                    .filter(|s| visible(s.ministry))
                    .collect();
                EditionPoint {
                    as_of,
                    kind,
                    method: method.code,
                    figures: (&edition::edition(&snaps, as_of, method)).into(),
                }
            })
            .collect(),
    ))
}
