//! Sending funding files from a page: applications with their decisions, or
//! an accounting extract of credit movements; preview, then confirm.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::api::funding_files::{FundingImportReport, run_import};
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

#[derive(Template)]
#[template(path = "funding/import.html")]
struct ImportPage {
    layout: Layout,
    uploaded: bool,
    file_name: String,
    content: String,
    report: Option<FundingImportReport>,
}

fn layout(page: &SignedPage) -> Layout {
    Layout::new(
        &page.ctx,
        "Importer des dossiers ou des mouvements",
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Financements", "/financements"),
            Crumb::here("Import"),
        ],
    )
}

pub async fn form(page: SignedPage) -> Result<Response, PageError> {
    render(&ImportPage {
        layout: layout(&page),
        uploaded: false,
        file_name: String::new(),
        content: String::new(),
        report: None,
    })
}

async fn preview(
    state: &AppState,
    page: &SignedPage,
    file_name: String,
    bytes: Vec<u8>,
) -> Result<Response, PageError> {
    let report = run_import(state, page.actor(), &page.audit(), &file_name, &bytes, true).await?;
    let status = if report.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &ImportPage {
            layout: layout(page),
            uploaded: true,
            content: STANDARD.encode(&bytes),
            file_name,
            report: Some(report),
        },
    )
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

/// Applies the previewed file, checked again (the data may have moved).
pub async fn confirm(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let bytes = STANDARD
        .decode(f.content.as_bytes())
        .map_err(|_| AppError::BadRequest("Contenu du fichier altéré : renvoyez-le.".into()))?;
    let report = run_import(
        &state,
        page.actor(),
        &page.audit(),
        &f.file_name,
        &bytes,
        false,
    )
    .await?;
    if !report.applied {
        return preview(&state, &page, f.file_name, bytes).await;
    }
    Ok(Redirect::to("/financements?ok=importe_financements").into_response())
}
