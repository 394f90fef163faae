//! Investment plans as files: `GET /api/v1/reuse/plans/{id}/export` (a
//! revision in the import's layout, CSV with `;` and BOM, or Excel) and
//! `POST /api/v1/reuse/plans/import` (the same layout: the whole plan of
//! each ministry and year in the file, all or nothing).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cosinum_domain::authz::{Access, Actor, allows};
use cosinum_io::plans::{plan_export, read_plan_lines};
use cosinum_io::xlsx_out::write_xlsx;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::demarches_files::{CSV, XLSX, csv_bytes, file_response};
use super::plans::{can_write_plan, plan_resource};
use super::{ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::funding_import::{LineChange, LineProblem};
use crate::identity::ApiCaller;
use crate::plan_import::{PlansApplied, apply_plan_lines, plan_plan_lines};

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// `csv` (default) or `xlsx`.
    format: Option<String>,
}

/// A revision of a plan in the import's layout: one row per line, AE and CP
/// per year of credits in euros. Sent back unchanged, it changes nothing.
#[utoipa::path(get, path = "/api/v1/reuse/plans/{id}/export", tag = "reuse", params(("id" = i64, Path), ExportParams),
    security(("bearer" = [])),
    responses((status = 200, description = "CSV or XLSX file"), (status = 400, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let plan = cosinum_store::plans::plan(&state.db, id).await?;
    let resource = plan_resource(plan.organisation_id);
    if !allows(Some(caller.actor()), Access::Read, &resource) {
        return Err(AppError::NotFound.into());
    }
    let orgs = state.organisations(true).await?;
    let code = orgs
        .iter()
        .find(|o| o.id == plan.organisation_id)
        .map_or_else(String::new, |o| o.code.clone());
    let (header, rows) = plan_export(&code, &plan);
    let head: Vec<&str> = header.iter().map(String::as_str).collect();
    let name = format!(
        "plan-{}-{}-r{}",
        code.to_lowercase(),
        plan.year,
        plan.revision
    );
    match p.format.as_deref().unwrap_or("csv") {
        "csv" => Ok(file_response(
            CSV,
            &format!("{name}.csv"),
            csv_bytes(&head, &rows)?,
        )),
        "xlsx" => {
            let notes = vec![
                format!(
                    "Plan d'investissement {code} {}, révision {} ({})",
                    plan.year,
                    plan.revision,
                    plan.status.label_fr()
                ),
                "Une ligne par investissement ; AE (autorisations d'engagement) et CP (crédits de paiement) en euros, par année de crédits".into(),
                "Réimport : le fichier est le plan entier — laissez la clé vide pour une nouvelle ligne ; une ligne absente du fichier est retirée du plan".into(),
            ];
            let bytes = write_xlsx("Plan", &head, &rows, &notes)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok(file_response(XLSX, &format!("{name}.xlsx"), bytes))
        }
        other => {
            Err(AppError::BadRequest(format!("Format inconnu : {other} (csv ou xlsx)")).into())
        }
    }
}

/// Whether `actor` may import plans: it writes some ministry's plans.
pub async fn may_import(state: &AppState, actor: &Actor) -> Result<bool, AppError> {
    Ok(state
        .organisations(false)
        .await?
        .iter()
        .any(|o| can_write_plan(actor, o.id)))
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// `.xlsx` for Excel, anything else is read as CSV.
    file_name: String,
    #[serde(default)]
    dry_run: bool,
}

/// What a plan import did, or would do.
#[derive(Serialize, ToSchema)]
pub struct PlanImportReport {
    pub applied: bool,
    pub ignored_columns: Vec<String>,
    /// Per plan opened and per line: `new_plan`, `new_revision`, `new_line`,
    /// `updated`, `removed` (line 0: not in the file) or `unchanged`.
    pub changes: Vec<LineChange>,
    pub problems: Vec<LineProblem>,
    pub written: PlansApplied,
}

/// Reads, checks and (unless `dry_run` or a problem) applies a plan file.
pub async fn run_import(
    state: &AppState,
    actor: &Actor,
    ctx: &cosinum_store::AuditCtx,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<PlanImportReport, AppError> {
    let mut report = PlanImportReport {
        applied: false,
        ignored_columns: Vec::new(),
        changes: Vec::new(),
        problems: Vec::new(),
        written: PlansApplied::default(),
    };
    let (rows, ignored) = match read_plan_lines(file_name, bytes) {
        Ok(x) => x,
        Err(errors) => {
            report.problems = LineProblem::from_errors(&errors);
            return Ok(report);
        }
    };
    report.ignored_columns = ignored;
    let can = |org| can_write_plan(actor, org);
    let plan = plan_plan_lines(&state.db, &rows, &can).await?;
    report.changes = plan.changes.clone();
    report.problems = plan.problems.clone();
    if report.problems.is_empty() && !dry_run {
        report.written = apply_plan_lines(&state.db, ctx, &plan).await?;
        report.applied = true;
    }
    Ok(report)
}

/// Imports investment plans (CSV or XLSX, the export's layout). The file is
/// the whole plan of each ministry and year it contains: lines without a key
/// are added, lines with a key changed, lines left out removed, in the
/// ministry's draft revision for the year (a new draft is opened when the
/// latest revision was submitted). All or nothing, refused whole (422) on
/// any problem; idempotent.
#[utoipa::path(post, path = "/api/v1/reuse/plans/import", tag = "reuse", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = PlanImportReport), (status = 422, body = PlanImportReport), (status = 401, body = crate::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<PlanImportReport>), ApiError> {
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
