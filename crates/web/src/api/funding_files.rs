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
use super::demarches_files::{CSV, XLSX, csv_bytes, file_response};
use super::funding_applications::{ListParams, dtos};
use crate::AppState;
use crate::error::{ApiError, AppError};
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

const HEADER: [&str; 18] = [
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
