//! `/api/v1/projects/export`: the portfolio as of a date in CSV (`;`, UTF-8
//! BOM), Excel or JSON — every format says its date and method — and the
//! open-data layout of the DINUM's Panorama (its 15 published columns).

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::projects::edition::{self, DINUM_2017, MethodVersion};
use cosinum_domain::publication::catalog::{WITHHELD_SENTENCE, cost_band};
use cosinum_io::xlsx_out::{Cell, write_xlsx};
use serde::Deserialize;
use time::Date;
use utoipa::IntoParams;

use super::ApiQuery;
use super::projects::project_resource;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;
use crate::portfolio::ProjectLine;

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// `csv` (default), `xlsx` or `json`.
    format: Option<String>,
    /// `cosinum` (default: every figure) or `panorama` (the DINUM's published open-data columns).
    layout: Option<String>,
    as_of: Option<Date>,
    method: Option<String>,
}

const COSINUM_HEADER: [&str; 24] = [
    "Date des données",
    "Méthode",
    "Identifiant",
    "Ministère",
    "Ministère nom complet",
    "Projet",
    "Interministériel",
    "Phase",
    "Zone fonctionnelle",
    "Programmes",
    "Début",
    "Fin prévue",
    "Durée (années)",
    "Coût estimé (M€)",
    "Coût de référence initial (M€)",
    "Coût de référence en vigueur (M€)",
    "Dérive budgétaire (référence initiale)",
    "Dérive calendaire (référence initiale)",
    "Dérive budgétaire (référence en vigueur)",
    "Dérive calendaire (référence en vigueur)",
    "Rebasages",
    "Chiffres non publiés",
    "Description",
    "Liens",
];

/// The Panorama's 15 columns, as in the DINUM's raw files (MP §1.3).
const PANORAMA_HEADER: [&str; 15] = [
    "Ministère porteur",
    "Ministère nom complet",
    "Nom du projet",
    "Projet interministériel",
    "Description et objectifs du projet",
    "En savoir plus sur le projet",
    "Début",
    "Durée prévisionnelle en année",
    "Phase du projet en cours",
    "Coût estimé",
    "Coût estimé par tranche",
    "Zone fonctionnelle",
    "Financement [programme(s)]",
    "Lien vers les Projets Annuels de Performances",
    "Date de publication",
];

fn oui(b: bool) -> Cell {
    Cell::Text(if b { "Oui" } else { "Non" }.into())
}

fn num(v: Option<f64>) -> Cell {
    v.map_or(Cell::Empty, Cell::Number)
}

fn date(v: Option<Date>) -> Cell {
    v.map_or(Cell::Empty, Cell::Date)
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

fn cosinum_row(l: &ProjectLine, as_of: Date, method: &MethodVersion) -> Vec<Cell> {
    vec![
        Cell::Date(as_of),
        text(method.code),
        Cell::Number(l.project_id as f64),
        text(&l.ministry_code),
        text(&l.ministry_name),
        text(&l.name),
        oui(l.interministerial),
        text(l.phase_label),
        text(&l.functional_zone),
        text(&l.funding_programmes),
        date(l.start),
        date(l.forecast_end),
        num(l.duration_years),
        num(l.cost_meur),
        num(l.original_cost_meur),
        num(l.current_baseline_cost_meur),
        num(l.budget_drift_original),
        num(l.calendar_drift_original),
        num(l.budget_drift_current),
        num(l.calendar_drift_current),
        Cell::Number(l.rebaselines as f64),
        oui(l.figures_withheld),
        text(&l.description),
        text(&l.links),
    ]
}

fn panorama_row(l: &ProjectLine, as_of: Date) -> Vec<Cell> {
    let (phase, cost, band_label) = if l.figures_withheld {
        (WITHHELD_SENTENCE.to_owned(), Cell::Empty, String::new())
    } else if l.phase == "cadrage" {
        (
            l.phase_label.to_owned(),
            text("En cadrage"),
            "En cadrage".to_owned(),
        )
    } else {
        (
            l.phase_label.to_owned(),
            num(l.cost_meur),
            l.cost_meur
                .map_or_else(String::new, |c| cost_band(c).to_owned()),
        )
    };
    vec![
        text(&l.ministry_code),
        text(&l.ministry_name),
        text(&l.name),
        oui(l.interministerial),
        text(&l.description),
        text(l.links.lines().next().unwrap_or_default()),
        date(l.start),
        num(l.duration_years),
        Cell::Text(phase),
        cost,
        Cell::Text(band_label),
        text(&l.functional_zone),
        text(&l.funding_programmes),
        Cell::Empty,
        Cell::Date(as_of),
    ]
}

/// The portfolio as of a date, as a file.
#[utoipa::path(get, path = "/api/v1/projects/export", tag = "projects", params(ExportParams), security(("bearer" = [])),
    responses((status = 200, description = "CSV, XLSX or JSON file"), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let as_of = p
        .as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let method = match p.method.as_deref() {
        None => &DINUM_2017,
        Some(code) => edition::method(code)
            .ok_or_else(|| AppError::BadRequest(format!("Méthode inconnue : {code}")))?,
    };
    let panorama = match p.layout.as_deref() {
        None | Some("cosinum") => false,
        Some("panorama") => true,
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "Présentation inconnue : {other} (cosinum ou panorama)"
            ))
            .into());
        }
    };
    let actor = caller.actor().clone();
    let lines = crate::portfolio::lines_with_texts(&state, actor.reads_only(), as_of, |o| {
        allows(Some(&actor), Access::Read, &project_resource(o))
    })
    .await?;
    let stem = format!(
        "{}-{as_of}",
        if panorama {
            "panorama"
        } else {
            "grands-projets"
        }
    );
    let (header, rows): (&[&str], Vec<Vec<Cell>>) = if panorama {
        (
            &PANORAMA_HEADER,
            lines.iter().map(|l| panorama_row(l, as_of)).collect(),
        )
    } else {
        (
            &COSINUM_HEADER,
            lines
                .iter()
                .map(|l| cosinum_row(l, as_of, method))
                .collect(),
        )
    };
    let attachment = |ext: &str| format!("attachment; filename=\"{stem}.{ext}\"");
    match p.format.as_deref().unwrap_or("csv") {
        "csv" => {
            let mut out = Vec::new();
            cosinum_io::csv_out::write_csv(
                &mut out,
                header,
                rows.iter().map(|r| r.iter().map(Cell::csv_text).collect()),
            )
            .map_err(anyhow::Error::from)?;
            Ok((
                [
                    (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (CONTENT_DISPOSITION, attachment("csv")),
                ],
                out,
            )
                .into_response())
        }
        "xlsx" => {
            let notes = vec![
                format!("Données au {:02}/{:02}/{}", as_of.day(), u8::from(as_of.month()), as_of.year()),
                format!("Méthode : {} — {}", method.code, method.label_fr),
                "Montants en millions d'euros TTC (coût complet : construction et 24 premiers mois de fonctionnement). Dérives en proportion (0,25 = +25 %).".to_owned(),
                "Licence Ouverte / Etalab 2.0".to_owned(),
            ];
            let bytes = write_xlsx("Projets", header, &rows, &notes)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok((
                [
                    (
                        CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (CONTENT_DISPOSITION, attachment("xlsx")),
                ],
                bytes,
            )
                .into_response())
        }
        "json" => {
            let body = serde_json::json!({"as_of": as_of, "method": method.code, "layout": if panorama { "panorama" } else { "cosinum" }, "projects": lines});
            Ok((
                [
                    (CONTENT_TYPE, "application/json".to_owned()),
                    (CONTENT_DISPOSITION, attachment("json")),
                ],
                serde_json::to_vec_pretty(&body).map_err(anyhow::Error::from)?,
            )
                .into_response())
        }
        other => Err(
            AppError::BadRequest(format!("Format inconnu : {other} (csv, xlsx ou json)")).into(),
        ),
    }
}
