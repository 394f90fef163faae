//! HR returns as files: `GET /api/v1/talents/export` (CSV with `;` and BOM,
//! Excel, JSON; the import's layout plus the computed rates) and
//! `POST /api/v1/talents/import` (the same layout, all or nothing).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cosinum_domain::authz::{Access, Actor, allows};
use cosinum_domain::talent::rates::rates;
use cosinum_io::talent::{HR_DERIVED, HR_HEADER, read_hr_returns};
use cosinum_io::xlsx_out::{Cell, write_xlsx};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::demarches_files::{CSV, XLSX, csv_bytes, file_response};
use super::talent::hr_resource;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::funding_import::{LineChange, LineProblem};
use crate::identity::ApiCaller;
use crate::talent_import::{TalentApplied, apply_returns, plan_returns};

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// Only this period ("2025", "2025S1"); default: every period.
    period: Option<String>,
    /// `csv` (default), `xlsx` or `json`.
    format: Option<String>,
}

/// The returns the caller reads, in the import's layout, with their rates.
#[utoipa::path(get, path = "/api/v1/talents/export", tag = "talents", params(ExportParams), security(("bearer" = [])),
    responses((status = 200, description = "CSV, XLSX or JSON file"), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let returns: Vec<_> = cosinum_store::talent::returns(&state.db)
        .await?
        .into_iter()
        .filter(|r| {
            allows(
                Some(caller.actor()),
                Access::Read,
                &hr_resource(r.organisation_id),
            )
        })
        .filter(|r| p.period.as_ref().is_none_or(|x| r.period == *x))
        .collect();
    let orgs = state.organisations(true).await?;
    let code = |id| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(String::new, |o| o.code.clone())
    };
    let mut head: Vec<&str> = HR_HEADER.iter().map(|(h, _)| *h).collect();
    head.extend(HR_DERIVED);
    let n = |x: u32| Cell::Number(f64::from(x));
    let on = |x: Option<u32>| x.map_or(Cell::Empty, n);
    let ratio = |x: Option<f64>| {
        x.map_or(Cell::Empty, |v| {
            Cell::Number((v * 10_000.0).round() / 10_000.0)
        })
    };
    let rows: Vec<Vec<Cell>> = returns
        .iter()
        .map(|r| {
            let x = rates([r]);
            let e = r.exit_reasons;
            vec![
                Cell::Text(code(r.organisation_id)),
                Cell::Text(r.region.clone()),
                Cell::Text(r.period.clone()),
                n(r.headcount_start),
                on(r.contract_start),
                n(r.headcount_end),
                on(r.contract_end),
                n(r.entries),
                n(r.exits),
                on(e.retirement),
                on(e.resignation),
                on(e.end_of_contract),
                on(e.mobility),
                n(r.positions_opened),
                n(r.vacant_end),
                on(r.median_days_to_fill),
                r.external_fte.map_or(Cell::Empty, Cell::Number),
                r.external_spend
                    .map_or(Cell::Empty, |s| Cell::Number(s.meur())),
                ratio(x.entry_rate),
                ratio(x.exit_rate),
                ratio(x.turnover),
                ratio(x.vacancy_rate),
                ratio(x.external_share),
            ]
        })
        .collect();
    let name = match &p.period {
        Some(x) => format!("retours-rh-{x}"),
        None => "retours-rh".into(),
    };
    match p.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(file_response(CSV, &format!("{name}.csv"), csv_bytes(&head, &rows)?)),
        "xlsx" => {
            let notes = vec![
                "Retours RH des équipes numériques, par ministère, région et période".into(),
                "Taux de rotation (DGAFP) = (taux d'entrée + taux de sortie) / 2, sur l'effectif moyen ; taux de vacance = postes vacants / (effectif fin + postes vacants)".into(),
            ];
            let bytes = write_xlsx("Retours RH", &head, &rows, &notes).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok(file_response(XLSX, &format!("{name}.xlsx"), bytes))
        }
        "json" => Ok(Json(serde_json::json!({
            "returns": returns.iter().map(|r| serde_json::json!({"ministry": code(r.organisation_id), "return": r, "rates": rates([r])})).collect::<Vec<_>>(),
        }))
        .into_response()),
        other => Err(AppError::BadRequest(format!("Format inconnu : {other} (csv, xlsx ou json)")).into()),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// `.xlsx` for Excel, anything else is read as CSV.
    file_name: String,
    #[serde(default)]
    dry_run: bool,
}

/// What an HR-returns import did, or would do.
#[derive(Serialize, ToSchema)]
pub struct HrImportReport {
    pub applied: bool,
    pub ignored_columns: Vec<String>,
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    pub written: TalentApplied,
}

/// Reads, checks and (unless `dry_run` or a problem) applies an HR-returns file.
pub async fn run_import(
    state: &AppState,
    actor: &Actor,
    ctx: &cosinum_store::AuditCtx,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<HrImportReport, AppError> {
    let mut report = HrImportReport {
        applied: false,
        ignored_columns: Vec::new(),
        changes: Vec::new(),
        problems: Vec::new(),
        written: TalentApplied::default(),
    };
    let (rows, ignored) = match read_hr_returns(file_name, bytes) {
        Ok(x) => x,
        Err(errors) => {
            report.problems = LineProblem::from_errors(&errors);
            return Ok(report);
        }
    };
    report.ignored_columns = ignored;
    let can = |org| allows(Some(actor), Access::Write, &hr_resource(org));
    let plan = plan_returns(&state.db, &rows, &can).await?;
    report.changes = plan.changes.clone();
    report.problems = plan.problems.clone();
    if report.problems.is_empty() && !dry_run {
        report.written = apply_returns(&state.db, ctx, &plan).await?;
        report.applied = true;
    }
    Ok(report)
}

/// Imports HR returns (CSV or XLSX, the export's layout): all or nothing,
/// refused whole (422) on any problem; a return sent again replaces the one
/// of the same ministry, region and period; idempotent.
#[utoipa::path(post, path = "/api/v1/talents/import", tag = "talents", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = HrImportReport), (status = 422, body = HrImportReport), (status = 401, body = crate::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<HrImportReport>), ApiError> {
    let report = run_import(
        &state,
        caller.actor(),
        &caller.audit(),
        &p.file_name,
        &body,
        p.dry_run,
    )
    .await?;
    Ok((LineProblem::status_of(&report.problems), Json(report)))
}
