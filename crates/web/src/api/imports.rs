//! `POST /api/v1/projects/import`: the template, sent by a program. With
//! `dry_run=true` nothing is written; otherwise the file is applied all or
//! nothing, and refused whole (422) if any line has a problem.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_io::template::read_template;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::AppState;
use crate::error::ApiError;
use crate::identity::ApiCaller;
use crate::template_import::{Change, Problem, apply, plan};

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// The file's name: `.xlsx` for Excel, anything else is read as CSV.
    file_name: String,
    /// Check and preview only.
    #[serde(default)]
    dry_run: bool,
}

/// What the import did, or would do.
#[derive(Serialize, ToSchema)]
pub struct TemplateImportReport {
    applied: bool,
    changes: Vec<Change>,
    problems: Vec<Problem>,
    projects_created: usize,
    reviews_written: usize,
}

/// Imports the projects-and-reviews template (CSV or XLSX body).
#[utoipa::path(post, path = "/api/v1/projects/import", tag = "projects", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = TemplateImportReport), (status = 422, body = TemplateImportReport), (status = 401, body = crate::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<TemplateImportReport>), ApiError> {
    let rows = match read_template(&p.file_name, &body) {
        Ok(rows) => rows,
        Err(errors) => {
            let problems = errors.0.iter().map(Problem::from).collect();
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(TemplateImportReport {
                    applied: false,
                    changes: vec![],
                    problems,
                    projects_created: 0,
                    reviews_written: 0,
                }),
            ));
        }
    };
    let plan = plan(&state, caller.actor(), &p.file_name, &rows).await?;
    let (changes, problems) = (plan.changes.clone(), plan.problems.clone());
    if !problems.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(TemplateImportReport {
                applied: false,
                changes,
                problems,
                projects_created: 0,
                reviews_written: 0,
            }),
        ));
    }
    if p.dry_run {
        return Ok((
            StatusCode::OK,
            Json(TemplateImportReport {
                applied: false,
                changes,
                problems,
                projects_created: 0,
                reviews_written: 0,
            }),
        ));
    }
    let (projects_created, reviews_written) = apply(&state, &caller.audit(), plan).await?;
    Ok((
        StatusCode::OK,
        Json(TemplateImportReport {
            applied: true,
            changes,
            problems,
            projects_created,
            reviews_written,
        }),
    ))
}
