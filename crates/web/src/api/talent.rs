//! `/api/v1/talents/summary`: the digital teams' movement, vacancy and
//! outsourcing rates per ministry and region for a period, their dispersion
//! across ministries, and the alerts (CTR §B).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use cosinum_domain::authz::{Access, Owner, Resource, allows};
use cosinum_domain::talent::dispersion::{Alert, Bands, Summary, alerts, percentile_rank, summary};
use cosinum_domain::talent::rates::{HrReturn, Rates, rates};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// HR returns belong to their ministry; the DINUM reads every ministry's.
pub fn hr_resource(org: cosinum_domain::OrgId) -> Resource {
    Resource::owned_by(Owner::Organisation(org))
}

#[derive(Deserialize, IntoParams)]
pub struct SummaryParams {
    /// "2025" or "2025S1" (default: the latest period with returns).
    period: Option<String>,
}

/// A ministry's figures for the period.
#[derive(Serialize, ToSchema)]
pub struct MinistryTalent {
    ministry: String,
    #[schema(value_type = Object)]
    rates: Rates,
    /// Share of ministries with a strictly lower turnover.
    turnover_rank: Option<f64>,
    #[schema(value_type = Vec<String>)]
    alerts: Vec<Alert>,
}

/// The summary of a period.
#[derive(Serialize, ToSchema)]
pub struct TalentSummary {
    period: String,
    #[schema(value_type = Object)]
    overall: Rates,
    by_ministry: Vec<MinistryTalent>,
    /// Rates per region (job-market area), all ministries together.
    #[schema(value_type = Object)]
    by_region: BTreeMap<String, Rates>,
    /// Dispersion of turnover across ministries.
    #[schema(value_type = Object)]
    turnover_dispersion: Option<Summary>,
    #[schema(value_type = Object)]
    vacancy_dispersion: Option<Summary>,
    #[schema(value_type = Object)]
    bands: Bands,
}

/// Movement, vacancy and outsourcing rates of a period, per ministry and
/// region, with their dispersion and the alerts.
#[utoipa::path(get, path = "/api/v1/talents/summary", tag = "talents", params(SummaryParams), security(("bearer" = [])),
    responses((status = 200, body = TalentSummary), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn summary_of(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<SummaryParams>,
) -> Result<Json<TalentSummary>, ApiError> {
    let all: Vec<HrReturn> = cosinum_store::talent::returns(&state.db)
        .await?
        .into_iter()
        .filter(|r| {
            allows(
                Some(caller.actor()),
                Access::Read,
                &hr_resource(r.organisation_id),
            )
        })
        .collect();
    let period = match p.period {
        Some(x) => x,
        None => all
            .iter()
            .map(|r| r.period.clone())
            .max()
            .ok_or(AppError::NotFound)?,
    };
    let of_period: Vec<&HrReturn> = all.iter().filter(|r| r.period == period).collect();
    if of_period.is_empty() {
        return Err(AppError::NotFound.into());
    }
    let orgs = cosinum_store::organisations::list(&state.db, true).await?;
    let mut per_ministry: BTreeMap<String, Vec<&HrReturn>> = BTreeMap::new();
    let mut per_region: BTreeMap<String, Vec<&HrReturn>> = BTreeMap::new();
    for r in &of_period {
        let code = orgs
            .iter()
            .find(|o| o.id == r.organisation_id)
            .map_or_else(|| r.organisation_id.to_string(), |o| o.code.clone());
        per_ministry.entry(code).or_default().push(r);
        per_region.entry(r.region.clone()).or_default().push(r);
    }
    let bands = Bands::default();
    let ministry_rates: Vec<(String, Rates)> = per_ministry
        .into_iter()
        .map(|(m, rs)| (m, rates(rs)))
        .collect();
    let turnovers: Vec<f64> = ministry_rates
        .iter()
        .filter_map(|(_, r)| r.turnover)
        .collect();
    let vacancies: Vec<f64> = ministry_rates
        .iter()
        .filter_map(|(_, r)| r.vacancy_rate)
        .collect();
    Ok(Json(TalentSummary {
        overall: rates(of_period.iter().copied()),
        by_ministry: ministry_rates
            .iter()
            .map(|(m, r)| MinistryTalent {
                ministry: m.clone(),
                rates: *r,
                turnover_rank: r.turnover.and_then(|t| percentile_rank(&turnovers, t)),
                alerts: alerts(r.turnover, r.external_share, &bands),
            })
            .collect(),
        by_region: per_region
            .into_iter()
            .map(|(k, rs)| (k, rates(rs)))
            .collect(),
        turnover_dispersion: summary(&turnovers),
        vacancy_dispersion: summary(&vacancies),
        bands,
        period,
    }))
}
