//! `/api/v1/talents/returns`: a ministry's HR returns, read, declared and
//! corrected one at a time (files go through `/api/v1/talents/import`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::OrgId;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::money::Euros;
use cosinum_domain::talent::hr_return::{ExitReasons, HrReturn};
use cosinum_domain::talent::rates::{Rates, rates};
use cosinum_store::talent::{self, Mode, StoredReturn};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::streamed::StreamedJson;
use super::talent::hr_resource;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Only this period ("2025", "2025S1").
    period: Option<String>,
    /// Only this organisation.
    organisation_id: Option<i64>,
}

/// A stored return with its own rates.
#[derive(Serialize, ToSchema)]
pub struct HrReturnView {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    stored: StoredReturn,
    #[schema(value_type = Object)]
    rates: Rates,
}

/// The returns the caller reads, by period, organisation and region.
#[utoipa::path(get, path = "/api/v1/talents/returns", tag = "talents", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<HrReturnView>), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<StreamedJson<Vec<HrReturnView>>, ApiError> {
    let out = talent::stored_returns(&state.db)
        .await?
        .into_iter()
        .filter(|s| {
            allows(
                Some(caller.actor()),
                Access::Read,
                &hr_resource(s.r.organisation_id),
            )
        })
        .filter(|s| p.period.as_ref().is_none_or(|x| s.r.period == *x))
        .filter(|s| p.organisation_id.is_none_or(|o| s.r.organisation_id.0 == o))
        .map(|stored| HrReturnView {
            rates: rates([&stored.r]),
            stored,
        })
        .collect();
    Ok(StreamedJson::new(out))
}

/// An HR return as written. Counts are whole numbers; blank optional
/// figures are unknown, not zero.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HrReturnWrite {
    pub organisation_id: i64,
    /// Job-market area, e.g. "Île-de-France".
    pub region: String,
    /// "2025" or "2025S1".
    pub period: String,
    pub headcount_start: u32,
    pub headcount_end: u32,
    pub contract_start: Option<u32>,
    pub contract_end: Option<u32>,
    pub entries: u32,
    pub exits: u32,
    pub exits_retirement: Option<u32>,
    pub exits_resignation: Option<u32>,
    pub exits_end_of_contract: Option<u32>,
    pub exits_mobility: Option<u32>,
    pub positions_opened: u32,
    pub vacant_end: u32,
    pub median_days_to_fill: Option<u32>,
    pub external_fte: Option<f64>,
    /// External IT spend over the period, whole euros.
    pub external_spend: Option<i64>,
    /// Required on update: the version read.
    pub version: Option<i64>,
}

impl HrReturnWrite {
    pub fn to_domain(&self) -> HrReturn {
        HrReturn {
            organisation_id: OrgId(self.organisation_id),
            region: self.region.clone(),
            period: self.period.clone(),
            headcount_start: self.headcount_start,
            headcount_end: self.headcount_end,
            contract_start: self.contract_start,
            contract_end: self.contract_end,
            entries: self.entries,
            exits: self.exits,
            exit_reasons: ExitReasons {
                retirement: self.exits_retirement,
                resignation: self.exits_resignation,
                end_of_contract: self.exits_end_of_contract,
                mobility: self.exits_mobility,
            },
            positions_opened: self.positions_opened,
            vacant_end: self.vacant_end,
            median_days_to_fill: self.median_days_to_fill,
            external_fte: self.external_fte,
            external_spend: self.external_spend.map(Euros),
        }
    }

    pub fn of(s: &StoredReturn) -> HrReturnWrite {
        let r = &s.r;
        HrReturnWrite {
            organisation_id: r.organisation_id.0,
            region: r.region.clone(),
            period: r.period.clone(),
            headcount_start: r.headcount_start,
            headcount_end: r.headcount_end,
            contract_start: r.contract_start,
            contract_end: r.contract_end,
            entries: r.entries,
            exits: r.exits,
            exits_retirement: r.exit_reasons.retirement,
            exits_resignation: r.exit_reasons.resignation,
            exits_end_of_contract: r.exit_reasons.end_of_contract,
            exits_mobility: r.exit_reasons.mobility,
            positions_opened: r.positions_opened,
            vacant_end: r.vacant_end,
            median_days_to_fill: r.median_days_to_fill,
            external_fte: r.external_fte,
            external_spend: r.external_spend.map(|e| e.0),
            version: Some(s.version),
        }
    }
}

/// Writes a return for the caller: a new one (`id` none) or a correction of
/// return `id` at the version read. Shared by the API and the pages.
pub async fn write(
    state: &AppState,
    actor: &cosinum_domain::authz::Actor,
    ctx: &cosinum_store::AuditCtx,
    id: Option<i64>,
    body: &HrReturnWrite,
) -> Result<StoredReturn, AppError> {
    let mut r = body.to_domain();
    let mode = match id {
        None => Mode::Create,
        Some(id) => {
            let old = talent::get(&state.db, id).await?;
            if !allows(
                Some(actor),
                Access::Read,
                &hr_resource(old.r.organisation_id),
            ) {
                return Err(AppError::NotFound);
            }
            // The key (ministry, region, period) identifies the return.
            r.organisation_id = old.r.organisation_id;
            r.region = old.r.region;
            r.period = old.r.period;
            Mode::UpdateAt(body.version.ok_or_else(|| {
                AppError::BadRequest("version requise pour modifier un retour".into())
            })?)
        }
    };
    if !allows(Some(actor), Access::Write, &hr_resource(r.organisation_id)) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let done = talent::record(&mut tx, ctx, &r, mode)
        .await
        .map_err(|e| match e {
            cosinum_store::StoreError::Duplicate { .. } => {
                AppError::Invalid(cosinum_domain::ValidationError::new(
                    "period",
                    "un retour existe déjà pour ce ministère, cette région et cette période : corrigez-le",
                ))
            }
            e => e.into(),
        })?;
    tx.commit().await?;
    Ok(talent::get(&state.db, done.id).await?)
}

/// Declares a return for a ministry the caller edits; one per ministry,
/// region and period (422 on `period` if it exists: correct it instead).
#[utoipa::path(post, path = "/api/v1/talents/returns", tag = "talents", request_body = HrReturnWrite, security(("bearer" = [])),
    responses((status = 201, body = HrReturnView), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<HrReturnWrite>,
) -> Result<(StatusCode, Json<HrReturnView>), ApiError> {
    let stored = write(&state, caller.actor(), &caller.audit(), None, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(HrReturnView {
            rates: rates([&stored.r]),
            stored,
        }),
    ))
}

/// Corrects a return at the version read (409 if it changed since).
#[utoipa::path(put, path = "/api/v1/talents/returns/{id}", tag = "talents", request_body = HrReturnWrite,
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = HrReturnView), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<HrReturnWrite>,
) -> Result<Json<HrReturnView>, ApiError> {
    let stored = write(&state, caller.actor(), &caller.audit(), Some(id), &body).await?;
    Ok(Json(HrReturnView {
        rates: rates([&stored.r]),
        stored,
    }))
}
