//! The salary reference grid for contract digital staff (CTR §B.2): its
//! versions, the check of a proposed salary against the grid in force at a
//! date (`POST /api/v1/talents/salary-check`), and the grid as files.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_domain::talent::salary::{Check, Grid, check, grid_on};
use cosinum_io::talent::{GRID_HEADER, read_grids};
use cosinum_io::xlsx_out::{Cell, write_xlsx};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::demarches_files::{CSV, XLSX, csv_bytes, file_response};
use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::funding_import::{LineChange, LineProblem};
use crate::identity::ApiCaller;
use crate::talent_import::{TalentApplied, apply_grids, plan_grids};

/// The grid is interministerial: every signed-in user reads it, the DINUM
/// imports it.
fn grid_resource() -> Resource {
    Resource::owned_by(Owner::Interministerial)
}

fn readable(caller: &ApiCaller) -> Result<(), AppError> {
    if allows(Some(caller.actor()), Access::Read, &grid_resource()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Every version of the grid, oldest first.
#[utoipa::path(get, path = "/api/v1/talents/grids", tag = "talents", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Grid>>, ApiError> {
    readable(&caller)?;
    let grids = cosinum_store::salary_grids::grids(&state.db).await?;
    Ok(Json(grids.into_iter().map(|g| g.grid).collect()))
}

/// A salary to check.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SalaryCheckRequest {
    /// A job of the grid, e.g. "Data analyst" (case and spaces ignored).
    pub job: String,
    /// An experience band of the grid in force, e.g. "3 à 6 ans".
    pub band: String,
    /// Proposed fixed annual gross salary, whole euros.
    pub salary: i64,
    /// Date of the recruitment or renewal (default: today).
    pub date: Option<Date>,
}

/// Where the salary stands, with the grid cell it was checked against.
#[derive(Serialize, ToSchema)]
pub struct SalaryCheckResult {
    /// `within_grid`, `below_range`, `above_grid` (prior visa of the budget
    /// controller needed), `unknown_job` or `no_grid`.
    #[schema(value_type = Object)]
    pub check: Check,
    /// The cell's bottom (2024 grids) and top or threshold, euros.
    pub low: Option<i64>,
    pub high: Option<i64>,
    /// Variable part allowed on top of the fixed salary (0.2 = 20 %).
    pub variable_max: Option<f64>,
    /// Whether the budget controller's prior visa is needed.
    pub visa_needed: bool,
    /// The check in words.
    pub message: String,
}

fn euros(x: i64) -> String {
    crate::format::number(x as f64, 0)
}

/// Checks a salary against the grids (pure; shared with the page).
pub fn salary_check(grids: &[Grid], r: &SalaryCheckRequest) -> SalaryCheckResult {
    let day = r
        .date
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let c = check(grids, day, &r.job, &r.band, r.salary);
    let g = grid_on(grids, day);
    let cell = g.and_then(|g| g.cell(&r.job, &r.band));
    let message = match &c {
        Check::WithinGrid { version } => format!(
            "{} € : dans la grille {version} — pas de visa préalable du contrôleur budgétaire.",
            euros(r.salary)
        ),
        Check::BelowRange { version, low } => format!(
            "{} € : sous le bas de la fourchette ({} €) de la grille {version}.",
            euros(r.salary),
            euros(*low)
        ),
        Check::AboveGrid { version, high } => format!(
            "{} € : au-dessus du plafond ({} €) de la grille {version} — visa préalable du contrôleur budgétaire et comptable ministériel (CBCM) nécessaire.",
            euros(r.salary),
            euros(*high)
        ),
        Check::UnknownJob { version } => format!(
            "Aucune ligne « {} », « {} » dans la grille {version}.",
            r.job, r.band
        ),
        Check::NoGrid => format!("Aucune grille en vigueur le {day}."),
    };
    SalaryCheckResult {
        visa_needed: matches!(c, Check::AboveGrid { .. }),
        low: cell.and_then(|c| c.low),
        high: cell.map(|c| c.high),
        variable_max: g.and_then(|g| g.variable_max),
        check: c,
        message,
    }
}

/// Where a proposed salary stands in the grid in force at the date.
#[utoipa::path(post, path = "/api/v1/talents/salary-check", tag = "talents", request_body = SalaryCheckRequest, security(("bearer" = [])),
    responses((status = 200, body = SalaryCheckResult), (status = 401, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn salary_check_api(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<SalaryCheckRequest>,
) -> Result<Json<SalaryCheckResult>, ApiError> {
    readable(&caller)?;
    if body.salary <= 0 {
        return Err(AppError::Invalid(cosinum_domain::ValidationError::new(
            "salary",
            "salaire annuel brut positif attendu",
        ))
        .into());
    }
    let grids: Vec<Grid> = cosinum_store::salary_grids::grids(&state.db)
        .await?
        .into_iter()
        .map(|g| g.grid)
        .collect();
    Ok(Json(salary_check(&grids, &body)))
}

#[derive(Deserialize, IntoParams)]
pub struct GridExportParams {
    /// `csv` (default) or `xlsx`.
    format: Option<String>,
}

/// Every version of the grid, in the import's layout.
#[utoipa::path(get, path = "/api/v1/talents/grids/export", tag = "talents", params(GridExportParams), security(("bearer" = [])),
    responses((status = 200, description = "CSV or XLSX file"), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<GridExportParams>,
) -> Result<Response, ApiError> {
    readable(&caller)?;
    let grids = cosinum_store::salary_grids::grids(&state.db).await?;
    let head: Vec<&str> = GRID_HEADER.iter().map(|(h, _)| *h).collect();
    let rows: Vec<Vec<Cell>> = grids
        .iter()
        .flat_map(|s| {
            let g = &s.grid;
            g.cells.iter().map(move |c| {
                vec![
                    Cell::Text(g.version.clone()),
                    Cell::Date(g.valid_from),
                    Cell::Text(c.job.clone()),
                    Cell::Text(c.band.clone()),
                    c.low.map_or(Cell::Empty, |x| Cell::Number(x as f64)),
                    Cell::Number(c.high as f64),
                    g.variable_max
                        .map_or(Cell::Empty, |v| Cell::Number((v * 100.0).round())),
                    Cell::Text(g.source.clone()),
                ]
            })
        })
        .collect();
    match p.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(file_response(
            CSV,
            "grille-remuneration.csv",
            csv_bytes(&head, &rows)?,
        )),
        "xlsx" => {
            let notes = vec!["Référentiel de rémunération des agents contractuels du numérique (montants bruts annuels, euros)".into()];
            let bytes = write_xlsx("Grille", &head, &rows, &notes)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok(file_response(XLSX, "grille-remuneration.xlsx", bytes))
        }
        other => {
            Err(AppError::BadRequest(format!("Format inconnu : {other} (csv ou xlsx)")).into())
        }
    }
}

/// What a grid import did, or would do.
#[derive(Serialize, ToSchema)]
pub struct GridImportReport {
    pub applied: bool,
    pub ignored_columns: Vec<String>,
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    pub written: TalentApplied,
}

/// Reads, checks and (unless `dry_run` or a problem) stores a grid file.
pub async fn run_import(
    state: &AppState,
    actor: &Actor,
    ctx: &cosinum_store::AuditCtx,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<GridImportReport, AppError> {
    if !allows(Some(actor), Access::Write, &grid_resource()) {
        return Err(AppError::Forbidden);
    }
    let mut report = GridImportReport {
        applied: false,
        ignored_columns: Vec::new(),
        changes: Vec::new(),
        problems: Vec::new(),
        written: TalentApplied::default(),
    };
    let (grids, ignored) = match read_grids(file_name, bytes) {
        Ok(x) => x,
        Err(errors) => {
            report.problems = LineProblem::from_errors(&errors);
            return Ok(report);
        }
    };
    report.ignored_columns = ignored;
    let plan = plan_grids(&state.db, grids).await?;
    report.changes = plan.changes.clone();
    if !dry_run {
        report.written = apply_grids(&state.db, ctx, &plan).await?;
        report.applied = true;
    }
    Ok(report)
}

#[derive(Deserialize, IntoParams)]
pub struct GridImportParams {
    /// `.xlsx` for Excel, anything else is read as CSV.
    file_name: String,
    #[serde(default)]
    dry_run: bool,
}

/// Imports versions of the grid (CSV or XLSX, the export's layout), the
/// DINUM only: all or nothing, refused whole (422) on any problem; a version
/// imported again replaces its amounts; idempotent.
#[utoipa::path(post, path = "/api/v1/talents/grids/import", tag = "talents", params(GridImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = GridImportReport), (status = 422, body = GridImportReport), (status = 403, body = crate::ErrorBody),
        (status = 401, body = crate::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<GridImportParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<GridImportReport>), ApiError> {
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
