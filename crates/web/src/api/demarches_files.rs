//! Online services as files: an edition imported in the Observatoire's
//! open-data layout, an edition exported (CSV `;` + BOM, Excel, JSON — each
//! naming the edition and its method), and the year-end bilan.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use cosinum_domain::authz::{Access, Actor, allows};
use cosinum_domain::demarches::bilan::{BilanLine, bilan, edition_for_year_end};
use cosinum_domain::demarches::demarche::{EditionCell, EditionRow};
use cosinum_domain::demarches::{Method, method};
use cosinum_io::observatoire::{header, level_label, to_cells};
use cosinum_io::xlsx_out::{Cell, write_xlsx};
use cosinum_store::demarches::{self, Edition};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::demarches::demarche_resource;
use crate::AppState;
use crate::demarche_import::{Preview, apply, check};
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// The edition the file holds (a new date opens an edition: DINUM only).
    edition: Date,
    /// The file's name: `.xlsx` for Excel, anything else is read as CSV.
    file_name: String,
    /// Check and preview only.
    #[serde(default)]
    dry_run: bool,
}

/// What the import did, or would do.
#[derive(Serialize, ToSchema)]
pub struct ObservatoireImportReport {
    applied: bool,
    preview: Preview,
    created: usize,
    updated: usize,
    values_written: usize,
}

/// Imports an edition in the Observatoire's layout (CSV or XLSX body): all
/// or nothing, refused whole (422) if any line has a problem; importing the
/// same file again writes nothing.
#[utoipa::path(post, path = "/api/v1/demarches/import", tag = "demarches", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = ObservatoireImportReport), (status = 422, body = ObservatoireImportReport), (status = 401, body = crate::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<ObservatoireImportReport>), ApiError> {
    let (preview, plan) = check(&state, caller.actor(), &p.file_name, &body, p.edition).await?;
    let mut report = ObservatoireImportReport {
        applied: false,
        preview,
        created: 0,
        updated: 0,
        values_written: 0,
    };
    let Some(plan) = plan else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(report)));
    };
    if !p.dry_run {
        let done = apply(&state, &caller.audit(), &plan, &p.file_name).await?;
        report.applied = true;
        report.created = done.created;
        report.updated = done.updated;
        report.values_written = done.values_written;
    }
    Ok((StatusCode::OK, Json(report)))
}

/// The edition dated `date`, or the latest.
pub async fn find_edition(
    state: &AppState,
    date: Option<Date>,
) -> Result<(Edition, &'static Method), AppError> {
    let all = state.demarche_editions().await?;
    let e = match date {
        Some(d) => all.iter().find(|e| e.edition_date == d).cloned(),
        None => all.last().cloned(),
    }
    .ok_or(AppError::NotFound)?;
    let m = method(&e.method)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown method {}", e.method)))?;
    Ok((e, m))
}

/// Every démarche `actor` may read (of one ministry if `ministry` is a code),
/// with its values in the edition: a démarche without values is listed with
/// blank ones, so the file doubles as the form of the next edition.
pub async fn export_rows(
    state: &AppState,
    actor: &Actor,
    edition: Date,
    ministry: Option<&str>,
) -> Result<Vec<EditionRow>, AppError> {
    let orgs = state.organisations(true).await?;
    let raw = demarches::raw_values(&state.db, edition).await?;
    let mut by_demarche: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
    for ((d, slug), r) in raw {
        by_demarche.entry(d).or_default().push((slug, r));
    }
    let m = demarches::import::method_for(&state.db, edition).await?;
    let mut rows = Vec::new();
    for d in demarches::list(&state.db).await? {
        if !allows(
            Some(actor),
            Access::Read,
            &demarche_resource(d.organisation_id),
        ) {
            continue;
        }
        let code = orgs
            .iter()
            .find(|o| o.id == d.organisation_id)
            .map_or_else(|| d.organisation_id.to_string(), |o| o.code.clone());
        if ministry.is_some_and(|c| !c.eq_ignore_ascii_case(&code)) {
            continue;
        }
        let stored = by_demarche.remove(&d.id).unwrap_or_default();
        let values = m
            .indicators
            .iter()
            .filter_map(|i| {
                stored
                    .iter()
                    .find(|(s, _)| s == i.slug)
                    .map(|(_, r)| EditionCell {
                        slug: i.slug,
                        raw: r.clone(),
                        column: i.label_fr.to_owned(),
                    })
            })
            .collect();
        rows.push(EditionRow {
            line: rows.len() + 2,
            id: Some(d.id),
            ministry: code,
            administration: Some(d.administration),
            name: d.name,
            audiences: Some(d.audiences),
            url: Some(d.url).filter(|u| !u.is_empty()),
            annual_volume: d.annual_volume,
            online_volume: d.online_volume,
            online_since: d.online_since,
            values,
        });
    }
    rows.sort_by(|a, b| (&a.ministry, &a.name).cmp(&(&b.ministry, &b.name)));
    Ok(rows)
}

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// Date of the edition (default: the latest).
    edition: Option<Date>,
    /// `csv` (default), `xlsx` or `json`.
    format: Option<String>,
    /// A ministry's code: only its démarches.
    ministry: Option<String>,
}

/// A value in the JSON export, with its level under the edition's method.
#[derive(Serialize, ToSchema)]
pub struct ExportValue {
    raw: String,
    level: &'static str,
}

/// A démarche in the JSON export.
#[derive(Serialize, ToSchema)]
pub struct ExportDemarche {
    id: i64,
    ministry: String,
    administration: Option<String>,
    name: String,
    audiences: Vec<String>,
    url: Option<String>,
    annual_volume: Option<i64>,
    online_volume: Option<i64>,
    online_since: Option<Date>,
    values: BTreeMap<String, ExportValue>,
}

/// The JSON export of an edition.
#[derive(Serialize, ToSchema)]
pub struct EditionExport {
    edition: Date,
    method: &'static str,
    method_label: &'static str,
    demarches: Vec<ExportDemarche>,
}

/// Sends a file for download.
pub fn file_response(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV: &str = "text/csv; charset=utf-8";

/// Writes cells as a French CSV.
pub fn csv_bytes(header: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    cosinum_io::csv_out::write_csv(
        &mut out,
        header,
        rows.iter().map(|r| r.iter().map(Cell::csv_text).collect()),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(out)
}

/// An edition of the observatory as a file, in the layout the import reads.
#[utoipa::path(get, path = "/api/v1/demarches/export", tag = "demarches", params(ExportParams), security(("bearer" = [])),
    responses((status = 200, description = "CSV, XLSX or JSON file"), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let (e, m) = find_edition(&state, p.edition).await?;
    let rows = export_rows(
        &state,
        caller.actor(),
        e.edition_date,
        p.ministry.as_deref(),
    )
    .await?;
    Ok(edition_file(e.edition_date, m, &rows, p.format.as_deref())?)
}

/// An edition's rows in `format` (`csv`, `xlsx`, `json`).
pub fn edition_file(
    edition: Date,
    m: &'static Method,
    rows: &[EditionRow],
    format: Option<&str>,
) -> Result<Response, AppError> {
    let name = format!("demarches-{edition}-{}", m.code);
    let head = header(m);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let cells: Vec<Vec<Cell>> = rows.iter().map(|r| to_cells(edition, m, r)).collect();
    match format.unwrap_or("csv") {
        "csv" => Ok(file_response(
            CSV,
            &format!("{name}.csv"),
            csv_bytes(&head, &cells)?,
        )),
        "xlsx" => {
            let notes = vec![
                format!("Édition de l'observatoire du {edition}"),
                format!("Méthode : {} ({})", m.label_fr, m.code),
                "Chaque valeur est suivie de son niveau selon la méthode de l'édition.".into(),
                "Source : cosinum (référence : shared/reference/demarches.md).".into(),
            ];
            let bytes = write_xlsx("Démarches", &head, &cells, &notes)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok(file_response(XLSX, &format!("{name}.xlsx"), bytes))
        }
        "json" => {
            let demarches = rows
                .iter()
                .map(|r| ExportDemarche {
                    id: r.id.unwrap_or_default(),
                    ministry: r.ministry.clone(),
                    administration: r.administration.clone(),
                    name: r.name.clone(),
                    audiences: r.audiences.clone().unwrap_or_default(),
                    url: r.url.clone(),
                    annual_volume: r.annual_volume,
                    online_volume: r.online_volume,
                    online_since: r.online_since,
                    values: r
                        .values
                        .iter()
                        .filter_map(|v| {
                            let i = m.indicator(v.slug)?;
                            Some((
                                v.slug.to_owned(),
                                ExportValue {
                                    raw: v.raw.clone(),
                                    level: level_label(i, &v.raw),
                                },
                            ))
                        })
                        .collect(),
                })
                .collect();
            Ok(Json(EditionExport {
                edition,
                method: m.code,
                method_label: m.label_fr,
                demarches,
            })
            .into_response())
        }
        other => Err(AppError::BadRequest(format!(
            "Format inconnu : {other} (csv, xlsx ou json)"
        ))),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct BilanParams {
    /// The year: the bilan reads the last edition dated on or before 31 December.
    year: i32,
    /// `json` (default), `csv` or `xlsx`.
    format: Option<String>,
}

/// The year-end bilan.
#[derive(Serialize, ToSchema)]
pub struct Bilan {
    pub year: i32,
    /// The edition read: the last one on or before 31 December.
    pub edition: Date,
    pub method: &'static str,
    pub method_label: &'static str,
    /// The year is not over: the figures are those of the latest edition so
    /// far, not a year-end bilan yet.
    pub provisional: bool,
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<BilanLine>,
}

/// The bilan of `year` over the démarches `actor` may read.
pub async fn year_bilan(state: &AppState, actor: &Actor, year: i32) -> Result<Bilan, AppError> {
    let all = state.demarche_editions().await?;
    let dated: Vec<(Date, &Edition)> = all.iter().map(|e| (e.edition_date, e)).collect();
    let (date, e) = edition_for_year_end(&dated, year).ok_or_else(|| {
        AppError::BadRequest(format!("Aucune édition au plus tard le 31/12/{year}."))
    })?;
    let m = method(&e.method)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown method {}", e.method)))?;
    let rows: Vec<_> = demarches::edition_values(&state.db, *date)
        .await?
        .map(|(_, r)| r)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| allows(Some(actor), Access::Read, &demarche_resource(r.ministry)))
        .collect();
    let today = time::OffsetDateTime::now_utc().date();
    Ok(Bilan {
        year,
        provisional: cosinum_domain::demarches::bilan::year_end(year)
            .is_none_or(|end| today <= end),
        edition: *date,
        method: m.code,
        method_label: m.label_fr,
        lines: bilan(m, &rows),
    })
}

/// The bilan as a file: one line per figure, its definition and denominator.
pub fn bilan_file(b: &Bilan, format: &str) -> Result<Response, AppError> {
    let head = [
        "Indicateur",
        "Définition",
        "Effectif",
        "Dénominateur",
        "Part (%)",
    ];
    let cells: Vec<Vec<Cell>> = b
        .lines
        .iter()
        .map(|l| {
            vec![
                Cell::Text(l.label_fr.clone()),
                Cell::Text(l.definition_fr.clone()),
                Cell::Number(l.numerator),
                Cell::Number(l.denominator as f64),
                l.share
                    .map_or(Cell::Empty, |s| Cell::Number((s * 1000.0).round() / 10.0)),
            ]
        })
        .collect();
    let name = format!("bilan-demarches-{}", b.year);
    match format {
        "csv" => Ok(file_response(
            CSV,
            &format!("{name}.csv"),
            csv_bytes(&head, &cells)?,
        )),
        "xlsx" => {
            let mut notes = vec![format!(
                "Bilan au 31 décembre {} : édition de l'observatoire du {}",
                b.year, b.edition
            )];
            if b.provisional {
                notes.push("Bilan provisoire : l'année n'est pas terminée.".into());
            }
            notes.extend([

                format!("Méthode : {} ({})", b.method_label, b.method),
                "Chaque ligne dit ce qu'elle compte et sur quel dénominateur : le comptage strict et le taux pondéré ne se confondent pas.".into(),
            ]);
            let bytes = write_xlsx("Bilan", &head, &cells, &notes)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok(file_response(XLSX, &format!("{name}.xlsx"), bytes))
        }
        other => Err(AppError::BadRequest(format!(
            "Format inconnu : {other} (json, csv ou xlsx)"
        ))),
    }
}

/// The year-end bilan (JSON, CSV or Excel), stating each line's definition
/// and denominator, with the strict and weighted online counts side by side.
#[utoipa::path(get, path = "/api/v1/demarches/bilan", tag = "demarches", params(BilanParams), security(("bearer" = [])),
    responses((status = 200, body = Bilan), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn year_end(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<BilanParams>,
) -> Result<Response, ApiError> {
    let b = year_bilan(&state, caller.actor(), p.year).await?;
    match p.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(b).into_response()),
        f => Ok(bilan_file(&b, f)?),
    }
}
