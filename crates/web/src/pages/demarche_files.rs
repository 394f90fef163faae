//! Online services as files, in pages: import an edition in the
//! Observatoire's layout (upload, preview, confirm) and the printable
//! year-end bilan.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::organisations::SelectOption;
use super::{Crumb, Layout, fr_date, render, render_status};
use crate::AppState;
use crate::api::demarches_files::{Bilan, year_bilan};
use crate::demarche_import::{ObservatoireLineChange, apply, can_open_edition, check};
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;
use crate::template_import::Problem;

#[derive(Template)]
#[template(path = "demarches/import.html")]
struct ImportPage {
    layout: Layout,
    editions: Vec<SelectOption>,
    can_open: bool,
    uploaded: bool,
    file_name: String,
    content: String,
    edition: String,
    edition_fr: String,
    method_label: &'static str,
    new_edition: bool,
    indicator_columns: Vec<(String, String)>,
    ignored_columns: Vec<String>,
    changes: Vec<ObservatoireLineChange>,
    problems: Vec<Problem>,
}

fn layout(page: &SignedPage) -> Layout {
    Layout::new(
        &page.ctx,
        "Importer une édition",
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Démarches en ligne", "/demarches"),
            Crumb::here("Importer une édition"),
        ],
    )
}

async fn blank(state: &AppState, page: &SignedPage) -> Result<ImportPage, PageError> {
    let editions = state.demarche_editions().await?;
    Ok(ImportPage {
        layout: layout(page),
        editions: editions
            .iter()
            .rev()
            .enumerate()
            .map(|(k, e)| SelectOption {
                value: e.edition_date.to_string(),
                label: format!("{} ({})", fr_date(e.edition_date), e.method),
                selected: k == 0,
            })
            .collect(),
        can_open: can_open_edition(page.actor()),
        uploaded: false,
        file_name: String::new(),
        content: String::new(),
        edition: String::new(),
        edition_fr: String::new(),
        method_label: "",
        new_edition: false,
        indicator_columns: vec![],
        ignored_columns: vec![],
        changes: vec![],
        problems: vec![],
    })
}

pub async fn form(State(state): State<AppState>, page: SignedPage) -> Result<Response, PageError> {
    render(&blank(&state, &page).await?)
}

fn parse_date(s: &str) -> Result<time::Date, AppError> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| AppError::BadRequest(format!("Date d'édition invalide : « {s} » (AAAA-MM-JJ)")))
}

async fn preview(
    state: &AppState,
    page: &SignedPage,
    file_name: String,
    bytes: Vec<u8>,
    edition: time::Date,
) -> Result<Response, PageError> {
    let (p, _) = check(state, page.actor(), &file_name, &bytes, edition).await?;
    let status = if p.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut view = blank(state, page).await?;
    view.uploaded = true;
    view.content = STANDARD.encode(&bytes);
    view.file_name = file_name;
    view.edition = edition.to_string();
    view.edition_fr = fr_date(edition);
    view.method_label = p.method_label;
    view.new_edition = p.new_edition;
    view.indicator_columns = p.indicator_columns;
    view.ignored_columns = p.ignored_columns;
    view.changes = p.changes;
    view.problems = p.problems;
    render_status(status, &view)
}

/// The file and the edition it holds (an existing one, or a new date).
pub async fn upload(
    State(state): State<AppState>,
    page: SignedPage,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let u = super::upload::read_upload(multipart).await?;
    let field = |k: &str| u.fields.get(k).map(|v| v.trim()).unwrap_or_default();
    let chosen = if field("nouvelle_edition").is_empty() {
        field("edition")
    } else {
        field("nouvelle_edition")
    };
    if chosen.is_empty() {
        return Err(AppError::BadRequest("Choisissez l'édition du fichier.".into()).into());
    }
    let edition = parse_date(chosen)?;
    preview(&state, &page, u.name, u.bytes, edition).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    file_name: String,
    content: String,
    edition: String,
}

/// Applies the previewed file, checked again (the data may have moved).
pub async fn confirm(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let bytes = STANDARD
        .decode(f.content.as_bytes())
        .map_err(|_| AppError::BadRequest("Contenu du fichier altéré : renvoyez-le.".into()))?;
    let edition = parse_date(&f.edition)?;
    let (_, plan) = check(&state, page.actor(), &f.file_name, &bytes, edition).await?;
    let Some(plan) = plan else {
        return preview(&state, &page, f.file_name, bytes, edition).await;
    };
    apply(&state, &page.audit(), &plan, &f.file_name).await?;
    Ok(Redirect::to(&format!(
        "/demarches?edition={edition}&ok=importe_demarches"
    ))
    .into_response())
}

#[derive(Deserialize)]
pub struct BilanQuery {
    annee: Option<i32>,
}

#[derive(Template)]
#[template(path = "demarches/bilan.html")]
struct BilanPage {
    layout: Layout,
    year: i32,
    years: Vec<SelectOption>,
    edition_fr: String,
    method_label: &'static str,
    provisional: bool,
    lines: Vec<(String, String, String, String, String)>,
}

/// The year-end bilan, printable; `?annee=` picks the year. The page links
/// to the API for the Excel and CSV files.
pub async fn bilan(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<BilanQuery>,
) -> Result<Response, PageError> {
    let editions = state.demarche_editions().await?;
    let latest = editions
        .last()
        .map(|e| e.edition_date.year())
        .ok_or(AppError::NotFound)?;
    let first = editions.first().map_or(latest, |e| e.edition_date.year());
    // By default the last year that is over (the bilan is a year-end
    // figure), or the current one if no earlier edition exists.
    let last_over = time::OffsetDateTime::now_utc().year() - 1;
    let year = q.annee.unwrap_or(if first <= last_over {
        last_over.min(latest)
    } else {
        latest
    });
    let b = year_bilan(&state, page.actor(), year).await?;
    let lines = b_lines(&b);
    let title = format!("Bilan au 31 décembre {year}");
    render(&BilanPage {
        layout: Layout::new(
            &page.ctx,
            title.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Démarches en ligne", "/demarches"),
                Crumb::here(title),
            ],
        ),
        year,
        years: (first..=latest)
            .rev()
            .map(|y| SelectOption {
                value: y.to_string(),
                label: y.to_string(),
                selected: y == year,
            })
            .collect(),
        edition_fr: fr_date(b.edition),
        method_label: b.method_label,
        provisional: b.provisional,
        lines,
    })
}

fn b_lines(b: &Bilan) -> Vec<(String, String, String, String, String)> {
    b.lines
        .iter()
        .map(|l| {
            (
                l.label_fr.clone(),
                l.definition_fr.clone(),
                number(l.numerator, 1).trim_end_matches(",0").to_owned(),
                l.denominator.to_string(),
                l.share
                    .map_or("—".into(), |s| format!("{} %", number(s * 100.0, 1))),
            )
        })
        .collect()
}
