//! The application inventory as files: `GET /api/v1/cloud/export` (CSV with
//! `;` and BOM, Excel, JSON; each naming its date, with the verdict of that
//! date) and `POST /api/v1/cloud/import` (the same layout, all or nothing).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cosinum_domain::authz::{Access, Actor, allows};
use cosinum_domain::cloud::compliance::{Status, hosting_on};
use cosinum_domain::cloud::types::{Classification, Environment};
use cosinum_io::inventory::{DERIVED, HEADER, read_inventory};
use cosinum_io::xlsx_out::{Cell, write_xlsx};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::cloud::{cloud_resource, evaluated};
use super::demarches_files::{CSV, XLSX, csv_bytes, file_response};
use crate::AppState;
use crate::cloud_import::{InventoryApplied, apply, plan};
use crate::error::{ApiError, AppError};
use crate::funding_import::{LineChange, LineProblem};
use crate::identity::ApiCaller;

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// Default: today.
    as_of: Option<Date>,
    /// `csv` (default), `xlsx` or `json`.
    format: Option<String>,
}

/// The inventory the caller reads, as a file in the import's layout, with
/// the verdict of `as_of`.
#[utoipa::path(get, path = "/api/v1/cloud/export", tag = "cloud", params(ExportParams), security(("bearer" = [])),
    responses((status = 200, description = "CSV, XLSX or JSON file"), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let as_of = p
        .as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let (offers, apps) = evaluated(&state, caller.actor(), as_of).await?;
    let orgs = state.organisations(true).await?;
    let mut head: Vec<&str> = HEADER.iter().map(|(h, _)| *h).collect();
    head.extend(DERIVED);
    let yes = |b: bool| Cell::Text(if b { "Oui" } else { "Non" }.into());
    let rows: Vec<Vec<Cell>> = apps
        .iter()
        .map(|(a, f, e)| {
            let prod = hosting_on(&f.hostings, as_of)
                .get(&Environment::Production)
                .map(|h| (*h).clone());
            let offer = prod
                .as_ref()
                .and_then(|h| offers.iter().find(|o| o.id == h.offer_id));
            let n = a.needs;
            vec![
                Cell::Number(a.id as f64),
                Cell::Text(
                    orgs.iter()
                        .find(|o| o.id == a.organisation_id)
                        .map_or_else(String::new, |o| o.code.clone()),
                ),
                Cell::Text(a.name.clone()),
                Cell::Text(a.description.clone()),
                Cell::Text(a.status.label_fr().into()),
                a.users.map_or(Cell::Empty, |u| Cell::Number(u as f64)),
                a.full_cost
                    .map_or(Cell::Empty, |c| Cell::Number(c.0 as f64)),
                yes(a.new_or_major),
                Cell::Number(f64::from(n.availability)),
                Cell::Number(f64::from(n.integrity)),
                Cell::Number(f64::from(n.confidentiality)),
                Cell::Number(f64::from(n.traceability)),
                yes(a.classification == Classification::DiffusionRestreinte),
                offer.map_or(Cell::Empty, |o| Cell::Text(o.name.clone())),
                prod.map_or(Cell::Empty, |h| Cell::Date(h.since)),
                Cell::Date(as_of),
                match e.sensitive {
                    Some(s) => yes(s),
                    None => Cell::Text("Non évaluée".into()),
                },
                Cell::Text(e.verdict.label_fr().into()),
                Cell::Text(
                    e.findings
                        .iter()
                        .filter(|f| f.status == Status::Breached)
                        .map(|f| format!("{} : {}", f.rule, f.message))
                        .collect::<Vec<_>>()
                        .join(" ; "),
                ),
            ]
        })
        .collect();
    let name = format!("inventaire-{as_of}");
    match p.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(file_response(CSV, &format!("{name}.csv"), csv_bytes(&head, &rows)?)),
        "xlsx" => {
            let notes = vec![
                format!("Inventaire des applications, situation au {as_of}"),
                "Verdict selon la doctrine « Cloud au centre » en vigueur à cette date.".into(),
            ];
            let bytes = write_xlsx("Inventaire", &head, &rows, &notes).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok(file_response(XLSX, &format!("{name}.xlsx"), bytes))
        }
        "json" => Ok(Json(serde_json::json!({
            "as_of": as_of,
            "applications": apps.iter().map(|(a, _, e)| serde_json::json!({"application": a, "evaluation": e})).collect::<Vec<_>>(),
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

/// What an inventory import did, or would do.
#[derive(Serialize, ToSchema)]
pub struct InventoryImportReport {
    pub applied: bool,
    pub ignored_columns: Vec<String>,
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    pub written: InventoryApplied,
}

/// Reads, checks and (unless `dry_run` or a problem) applies an inventory file.
pub async fn run_import(
    state: &AppState,
    actor: &Actor,
    ctx: &cosinum_store::AuditCtx,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<InventoryImportReport, AppError> {
    let mut report = InventoryImportReport {
        applied: false,
        ignored_columns: Vec::new(),
        changes: Vec::new(),
        problems: Vec::new(),
        written: InventoryApplied::default(),
    };
    let (rows, ignored) = match read_inventory(file_name, bytes) {
        Ok(x) => x,
        Err(errors) => {
            report.problems = LineProblem::from_errors(&errors);
            return Ok(report);
        }
    };
    report.ignored_columns = ignored;
    let can = |org| allows(Some(actor), Access::Write, &cloud_resource(org));
    let p = plan(&state.db, &rows, &can).await?;
    report.changes = p.changes.clone();
    report.problems = p.problems.clone();
    if report.problems.is_empty() && !dry_run {
        report.written = apply(&state.db, ctx, &p).await?;
        report.applied = true;
    }
    Ok(report)
}

/// Imports an application inventory (CSV or XLSX, the export's layout): all
/// or nothing, refused whole (422) on any problem; idempotent.
#[utoipa::path(post, path = "/api/v1/cloud/import", tag = "cloud", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = InventoryImportReport), (status = 422, body = InventoryImportReport), (status = 401, body = crate::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<InventoryImportReport>), ApiError> {
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
