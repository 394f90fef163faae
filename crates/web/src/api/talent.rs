//! `/api/v1/talents/summary`: the digital teams' movement, vacancy and
//! outsourcing rates per ministry and region for a period, their trend and
//! dispersion across ministries, the alerts, and the link to the delivery
//! of major projects (CTR §B).

use axum::extract::State;
use cosinum_domain::authz::{Access, Owner, Resource, allows};
use cosinum_domain::talent::dispersion::Bands;
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiQuery;
use super::streamed::StreamedJson;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;
use crate::talent_report::TalentSummary;

/// HR returns belong to their ministry; the DINUM reads every ministry's.
pub fn hr_resource(org: cosinum_domain::OrgId) -> Resource {
    Resource::owned_by(Owner::Organisation(org))
}

#[derive(Deserialize, IntoParams)]
pub struct SummaryParams {
    /// "2025" or "2025S1" (default: the latest period with returns).
    period: Option<String>,
    /// Override of the configured alert band: turnover above is too high (0.20 = 20 %).
    turnover_high: Option<f64>,
    /// Override: turnover below is too low (with high outsourcing).
    turnover_low: Option<f64>,
    /// Override: external share above is high outsourcing.
    external_high: Option<f64>,
}

/// The bands in force: the configuration's, with the request's overrides.
pub fn bands(
    state: &AppState,
    high: Option<f64>,
    low: Option<f64>,
    external: Option<f64>,
) -> Result<Bands, AppError> {
    let d = state.config.talent_bands;
    let b = Bands {
        turnover_high: high.unwrap_or(d.turnover_high),
        turnover_low: low.unwrap_or(d.turnover_low),
        external_high: external.unwrap_or(d.external_high),
    };
    let ok = |x: f64| (0.0..=1.0).contains(&x);
    if !(ok(b.turnover_high) && ok(b.turnover_low) && ok(b.external_high))
        || b.turnover_low > b.turnover_high
    {
        return Err(AppError::BadRequest(
            "Seuils entre 0 et 1, le seuil bas sous le seuil haut".into(),
        ));
    }
    Ok(b)
}

/// Loads everything and builds the report of `period` for `actor`.
pub async fn load(
    state: &AppState,
    actor: &cosinum_domain::authz::Actor,
    period: Option<&str>,
    bands: Bands,
) -> Result<TalentSummary, AppError> {
    let visible = |org| allows(Some(actor), Access::Read, &hr_resource(org));
    let mut tally = crate::talent_report::Tally::new(visible);
    // The returns kept for other pages when they are light; otherwise
    // summed as they are read, none held (issue #11).
    match state.hr_returns.held(&state.db, &()).await? {
        Some(all) => all.iter().for_each(|r| tally.add(r)),
        None => cosinum_store::talent::each_return(&state.db, |r| tally.add(&r)).await?,
    }
    let orgs = state.organisations(true).await?;
    let summary = tally
        .summary(&orgs, period, bands)
        .ok_or(AppError::NotFound)?;
    // The sums are let go before the portfolio's inputs are read.
    with_delivery(state, summary, actor.reads_only(), visible).await
}

/// `summary` with its link to delivery, from the portfolio at the end of
/// its period over the ministries `visible` accepts (among `owners`, when
/// the reader is limited to some: only their projects need be read).
pub async fn with_delivery(
    state: &AppState,
    summary: TalentSummary,
    owners: Option<&std::collections::BTreeSet<cosinum_domain::OrgId>>,
    visible: impl Fn(cosinum_domain::OrgId) -> bool + Sync,
) -> Result<TalentSummary, AppError> {
    let Some(end) = summary.period_end() else {
        return Ok(summary);
    };
    let spec =
        crate::portfolio::FoldSpec::report(end, &cosinum_domain::projects::edition::DINUM_2017);
    let report = crate::portfolio::folded(state, owners, &spec, visible)
        .await?
        .report;
    Ok(summary.with_delivery(&report))
}

/// [`load`] with the configured alert bands, shared between those who see
/// everything while nothing is written (it reads every HR return and the
/// portfolio's drifts).
pub async fn load_configured(
    state: &AppState,
    actor: &cosinum_domain::authz::Actor,
    period: Option<&str>,
) -> Result<std::sync::Arc<TalentSummary>, AppError> {
    let bands = state.config.talent_bands;
    if actor.sees_everything() {
        return state
            .talent_summaries
            .get(&state.db, period.map(str::to_owned), || {
                load(state, actor, period, bands)
            })
            .await;
    }
    load(state, actor, period, bands)
        .await
        .map(std::sync::Arc::new)
}

/// Movement, vacancy and outsourcing rates of a period, per ministry and
/// region, with their trend, dispersion, alerts and the link to delivery.
/// A ministry sees its own figures and where it stands among all ministries.
#[utoipa::path(get, path = "/api/v1/talents/summary", tag = "talents", params(SummaryParams), security(("bearer" = [])),
    responses((status = 200, body = TalentSummary), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 401, body = crate::ErrorBody)))]
pub async fn summary_of(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<SummaryParams>,
) -> Result<StreamedJson<TalentSummary>, ApiError> {
    let b = bands(&state, p.turnover_high, p.turnover_low, p.external_high)?;
    Ok(StreamedJson::new(
        load(&state, caller.actor(), p.period.as_deref(), b).await?,
    ))
}
