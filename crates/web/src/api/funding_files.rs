//! `/api/v1/funding/export`: a fund's applications with their decisions and
//! consumption as of a date, as CSV (`;` + BOM), Excel or JSON — each naming
//! the fund and the date.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use cosinum_io::xlsx_out::{Cell, write_xlsx};
use serde::Deserialize;
use time::Date;
use utoipa::IntoParams;

use super::ApiQuery;
use axum::body::Bytes;
use axum::http::StatusCode;
use cosinum_domain::authz::{Access, allows};
use cosinum_io::funding::read_funding;
use serde::Serialize;
use utoipa::ToSchema;

use super::demarches_files::{CSV, XLSX, csv_bytes, file_response};
use super::funding::{application_resource, runs_funds};
use super::funding_applications::{ListParams, dtos};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::funding_import::{FundingApplied, LineChange, LineProblem, Rights, apply, plan};
use crate::identity::ApiCaller;

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// The fund's code (default: every fund).
    fund: Option<String>,
    /// A ministry's code.
    ministry: Option<String>,
    /// Default: today.
    as_of: Option<Date>,
    /// `csv` (default), `xlsx` or `json`.
    format: Option<String>,
}

const HEADER: [&str; 20] = [
    "Situation au",
    "Identifiant",
    "Guichet",
    "Ministère",
    "Intitulé",
    "Statut",
    "Déposé le",
    "Instruit le",
    "Décision le",
    "Coût total (€)",
    "Demandé (€)",
    "Accordé (€)",
    "AE engagées (€)",
    "CP payés (€)",
    "Restes à payer (€)",
    "Début prévu",
    "Fin prévue",
    "Motif",
    "Description",
    "Charge interne",
];

/// The applications the caller reads, as a file.
#[utoipa::path(get, path = "/api/v1/funding/export", tag = "funding", params(ExportParams), security(("bearer" = [])),
    responses((status = 200, description = "CSV, XLSX or JSON file"), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let as_of = p
        .as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let rows = dtos(
        &state,
        caller.actor(),
        &ListParams::new(p.fund.clone(), p.ministry.clone()),
        as_of,
    )
    .await?;
    let name = format!(
        "financements-{}-{as_of}",
        p.fund.as_deref().unwrap_or("tous").to_lowercase()
    );
    let date = |d: Option<Date>| d.map_or(Cell::Empty, Cell::Date);
    let euros = |e: i64| Cell::Number(e as f64);
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let a = r.application();
            let c = r.consumption();
            vec![
                Cell::Date(as_of),
                Cell::Number(a.id as f64),
                Cell::Text(r.window().to_owned()),
                Cell::Text(r.ministry().to_owned()),
                Cell::Text(a.fields.title.clone()),
                Cell::Text(a.status_on(as_of).unwrap_or(a.status).label_fr().to_owned()),
                Cell::Date(a.fields.submitted_on),
                date(a.reviewed_on),
                date(a.decided_on),
                euros(a.fields.total_cost.0),
                euros(a.fields.requested.0),
                a.granted.map_or(Cell::Empty, |g| euros(g.0)),
                euros(c.engaged.0),
                euros(c.paid.0),
                euros(c.restes_a_payer.0),
                Cell::Date(a.fields.planned_start),
                Cell::Date(a.fields.planned_end),
                Cell::Text(a.motive.clone()),
                Cell::Text(a.fields.description.clone()),
                Cell::Text(
                    a.fields
                        .workload
                        .iter()
                        .map(|(s, pm)| format!("{s}: {pm}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ]
        })
        .collect();
    match p.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(file_response(
            CSV,
            &format!("{name}.csv"),
            csv_bytes(&HEADER, &cells)?,
        )),
        "xlsx" => {
            let notes = vec![
                format!("Dossiers de financement, situation au {as_of}"),
                format!("Fonds : {}", p.fund.as_deref().unwrap_or("tous")),
                "AE engagées et CP payés cumulés à la date ; restes à payer = AE engagées − CP payés.".into(),
            ];
            let bytes = write_xlsx("Dossiers", &HEADER, &cells, &notes)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok(file_response(XLSX, &format!("{name}.xlsx"), bytes))
        }
        "json" => Ok(Json(serde_json::json!({
            "as_of": as_of,
            "fund": p.fund,
            "applications": rows,
        }))
        .into_response()),
        other => Err(
            AppError::BadRequest(format!("Format inconnu : {other} (csv, xlsx ou json)")).into(),
        ),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// The file's name: `.xlsx` for Excel, anything else is read as CSV.
    file_name: String,
    /// Check and preview only.
    #[serde(default)]
    dry_run: bool,
}

/// What a funding import did, or would do.
#[derive(Serialize, ToSchema)]
pub struct FundingImportReport {
    pub applied: bool,
    /// `applications` or `movements`.
    pub layout: &'static str,
    pub ignored_columns: Vec<String>,
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    pub written: FundingApplied,
}

/// Reads and checks a funding file for `actor`; applies it unless `dry_run`
/// or a problem.
pub async fn run_import(
    state: &AppState,
    actor: &cosinum_domain::authz::Actor,
    ctx: &cosinum_store::AuditCtx,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<FundingImportReport, AppError> {
    let mut report = FundingImportReport {
        applied: false,
        layout: "",
        ignored_columns: Vec::new(),
        changes: Vec::new(),
        problems: Vec::new(),
        written: FundingApplied::default(),
    };
    let (file, ignored) = match read_funding(file_name, bytes) {
        Ok(x) => x,
        Err(errors) => {
            report.problems = LineProblem::from_errors(&errors);
            return Ok(report);
        }
    };
    report.layout = match file {
        cosinum_io::funding::FundingFile::Applications(_) => "applications",
        cosinum_io::funding::FundingFile::Movements(_) => "movements",
    };
    report.ignored_columns = ignored;
    let write = |org| allows(Some(actor), Access::Write, &application_resource(org));
    let rights = Rights {
        write: &write,
        run_funds: runs_funds(actor),
    };
    let p = plan(&state.db, &file, &rights).await?;
    report.changes = p.changes.clone();
    report.problems = p.problems.clone();
    if report.problems.is_empty() && !dry_run {
        report.written = apply(&state.db, ctx, &p).await?;
        report.applied = true;
    }
    Ok(report)
}

/// Imports applications (with their decisions) or credit movements from CSV
/// or XLSX, recognised by their headers; all or nothing, refused whole (422)
/// if any line has a problem; a file applied twice changes nothing.
#[utoipa::path(post, path = "/api/v1/funding/import", tag = "funding", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = FundingImportReport), (status = 422, body = FundingImportReport), (status = 401, body = crate::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<FundingImportReport>), ApiError> {
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
