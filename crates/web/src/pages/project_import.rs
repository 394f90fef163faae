//! Sending projects and reviews with the template: download it pre-filled,
//! upload it, check the preview, confirm.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cosinum_domain::authz::{Access, allows};
use cosinum_io::template::{HEADER, TemplateRow, read_template, to_cells};
use cosinum_io::xlsx_out::write_xlsx;
use serde::Deserialize;

use super::projects::today;
use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::api::projects::project_resource;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;
use crate::template_import::{Change, Problem, apply, plan};

#[derive(Template)]
#[template(path = "projects/import.html")]
struct ImportPage {
    layout: Layout,
    file_name: String,
    changes: Vec<Change>,
    problems: Vec<Problem>,
    content: String,
    uploaded: bool,
}

fn page_layout(page: &SignedPage) -> Layout {
    Layout::new(
        &page.ctx,
        "Envoyer des projets et des revues",
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Grands projets", "/projets"),
            Crumb::here("Import"),
        ],
    )
}

pub async fn form(page: SignedPage) -> Result<Response, PageError> {
    render(&ImportPage {
        layout: page_layout(&page),
        file_name: String::new(),
        changes: vec![],
        problems: vec![],
        content: String::new(),
        uploaded: false,
    })
}

/// Reads and checks a file: the preview shows the changes or the problems.
async fn preview(
    state: &AppState,
    page: &SignedPage,
    file_name: String,
    bytes: Vec<u8>,
) -> Result<Response, PageError> {
    let (changes, problems) = match read_template(&file_name, &bytes) {
        Err(errors) => (
            Vec::new(),
            errors.0.iter().map(Problem::from).collect::<Vec<_>>(),
        ),
        Ok(rows) => {
            let p = plan(state, page.actor(), &file_name, &rows).await?;
            (p.changes.clone(), p.problems.clone())
        }
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = ImportPage {
        layout: page_layout(page),
        content: STANDARD.encode(&bytes),
        file_name,
        changes,
        problems,
        uploaded: true,
    };
    render_status(status, &view)
}

pub async fn upload(
    State(state): State<AppState>,
    page: SignedPage,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let u = super::upload::read_upload(multipart).await?;
    preview(&state, &page, u.name, u.bytes).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    file_name: String,
    content: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let bytes = STANDARD
        .decode(f.content.as_bytes())
        .map_err(|_| AppError::BadRequest("Contenu du fichier altéré : renvoyez-le.".into()))?;
    // Checked again: the database may have changed since the preview.
    let rows = match read_template(&f.file_name, &bytes) {
        Ok(rows) => rows,
        Err(_) => return preview(&state, &page, f.file_name, bytes).await,
    };
    let p = plan(&state, page.actor(), &f.file_name, &rows).await?;
    if !p.problems.is_empty() {
        return preview(&state, &page, f.file_name, bytes).await;
    }
    apply(&state, &page.audit(), p).await?;
    Ok(Redirect::to("/projets?ok=importe").into_response())
}

/// The template, pre-filled with the latest review of each project the user
/// may update, dated today: a ministry changes what moved and sends it back.
pub async fn template(
    State(state): State<AppState>,
    page: SignedPage,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let actor = page.actor().clone();
    let today = today();
    let lines = crate::portfolio::lines_with_texts(&state, actor.reads_only(), today, |o| {
        allows(Some(&actor), Access::Write, &project_resource(o))
    })
    .await?;
    let rows: Vec<TemplateRow> = lines
        .into_iter()
        .map(|l| TemplateRow {
            line: 0,
            project_id: Some(l.project_id),
            ministry_code: l.ministry_code,
            name: l.name,
            phase: l.phase_label.to_owned(),
            review_date: today,
            cost: l
                .cost_meur
                .and_then(cosinum_domain::money::Euros::from_meur),
            start: l.start,
            forecast_end: l.forecast_end,
            figures_withheld: l.figures_withheld,
            ministry_rating: None,
            narrative: String::new(),
            functional_zone: l.functional_zone,
            interministerial: l.interministerial,
            description: l.description,
        })
        .collect();
    let cells: Vec<_> = rows.iter().map(to_cells).collect();
    match file.as_str() {
        "modele.xlsx" => {
            let notes = vec![
                "Une ligne par revue. Laissez « Identifiant projet » vide pour déclarer un nouveau projet.".to_owned(),
                "Phases : Cadrage, Conception / Réalisation, Expérimentation, Déploiement, Terminé, Abandonné.".to_owned(),
                "Coûts en M€ TTC (coût complet). Dates au format JJ/MM/AAAA. Une dérive de plus de 10 % doit être commentée.".to_owned(),
            ];
            let bytes = write_xlsx("Revues", &HEADER, &cells, &notes)
                .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            Ok((
                [
                    (
                        CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ),
                    (
                        CONTENT_DISPOSITION,
                        "attachment; filename=\"modele-revues.xlsx\"",
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        "modele.csv" => {
            let mut out = Vec::new();
            let text = |c: &cosinum_io::xlsx_out::Cell| match c {
                cosinum_io::xlsx_out::Cell::Text(s) => s.clone(),
                cosinum_io::xlsx_out::Cell::Number(n) => format!("{n}").replace('.', ","),
                cosinum_io::xlsx_out::Cell::Date(d) => {
                    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
                }
                cosinum_io::xlsx_out::Cell::Empty => String::new(),
            };
            cosinum_io::csv_out::write_csv(
                &mut out,
                &HEADER,
                cells.iter().map(|r| r.iter().map(text).collect()),
            )
            .map_err(anyhow::Error::from)?;
            Ok((
                [
                    (CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        CONTENT_DISPOSITION,
                        "attachment; filename=\"modele-revues.csv\"",
                    ),
                ],
                out,
            )
                .into_response())
        }
        _ => Err(AppError::NotFound.into()),
    }
}
