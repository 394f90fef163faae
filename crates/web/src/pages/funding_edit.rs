//! Changes to funding records from pages: editing an application while it
//! waits for a decision (at the version read: a change made meanwhile is
//! shown, never overwritten), the DINUM's decisions and credit movements, a
//! ministry's capacity grid.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::funding::Application;
use cosinum_store::StoreError;
use cosinum_store::funding::applications;

use cosinum_domain::ValidationError;
use cosinum_domain::funding::{Capacity, Movement, MovementKind, Semester, Status};
use cosinum_store::funding::{capacities, movements};
use serde::Deserialize;

use super::funding_forms::{ApplicationForm, day, euros, form_page};
use super::{render, render_status};
use crate::AppState;
use crate::api::funding::application_resource;
use crate::api::funding::runs_funds;
use crate::api::funding_applications::{checked_fields, readable};
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

fn form_of(a: &Application) -> ApplicationForm {
    let f = &a.fields;
    ApplicationForm {
        organisation_id: f.organisation_id.0.to_string(),
        window_id: f.window_id.to_string(),
        title: f.title.clone(),
        description: f.description.clone(),
        total_cost: f.total_cost.0.to_string(),
        requested: f.requested.0.to_string(),
        planned_start: f.planned_start.to_string(),
        planned_end: f.planned_end.to_string(),
        workload: f
            .workload
            .iter()
            .map(|(s, pm)| format!("{s}: {pm}"))
            .collect::<Vec<_>>()
            .join("; "),
        project_id: f.project_id.map(|p| p.to_string()).unwrap_or_default(),
        inventory_id: f.inventory_id.map(|i| i.to_string()).unwrap_or_default(),
        action: String::new(),
        version: a.version,
    }
}

async fn editable(state: &AppState, page: &SignedPage, id: i64) -> Result<Application, PageError> {
    let a = readable(state, page.actor(), id).await?;
    if !allows(
        Some(page.actor()),
        Access::Write,
        &application_resource(a.fields.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    if !a.status.pending() {
        return Err(AppError::BadRequest(
            "Le dossier a reçu une décision : ses éléments ne changent plus.".into(),
        )
        .into());
    }
    Ok(a)
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let a = editable(&state, &page, id).await?;
    render(&form_page(&state, &page, Some(id), form_of(&a), None).await?)
}

pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<ApplicationForm>,
) -> Result<Response, PageError> {
    let current = editable(&state, &page, id).await?;
    let checked = match f.fields(current.fields.submitted_on) {
        Ok(x) => checked_fields(&state, page.actor(), x).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    let fields = match checked {
        Ok(x) => x,
        Err(AppError::Invalid(e)) => {
            let view = form_page(&state, &page, Some(id), f, Some(&e)).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
        Err(e) => return Err(e.into()),
    };
    let mut tx = state.db.begin().await?;
    match applications::update(&mut tx, &page.audit(), id, f.version, &fields).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/financements/dossiers/{id}?ok=enregistre")).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            let changes = cosinum_store::audit::changes_since(
                &state.db,
                applications::OBJECT_TYPE,
                id,
                f.version,
            )
            .await?;
            let mut f = f;
            f.version = applications::get(&state.db, id).await?.version;
            let mut view = form_page(&state, &page, Some(id), f, None).await?;
            view.conflict = super::history::change_views(&changes);
            view.has_conflict = true;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    status: String,
    date: String,
    #[serde(default)]
    granted: String,
    #[serde(default)]
    motive: String,
    version: i64,
}

/// Moves the application along the pipeline (the DINUM; a ministry may
/// withdraw its own).
pub async fn decide(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let a = crate::api::funding_applications::readable(&state, page.actor(), id).await?;
    let status =
        Status::parse(&f.status).ok_or_else(|| AppError::BadRequest("Statut inconnu.".into()))?;
    let own = status == Status::Withdrawn
        && allows(
            Some(page.actor()),
            Access::Write,
            &application_resource(a.fields.organisation_id),
        );
    if !(runs_funds(page.actor()) || own) {
        return Err(AppError::Forbidden.into());
    }
    let decision = applications::Decision {
        status,
        date: day("date", &f.date).map_err(AppError::Invalid)?,
        granted: match f.granted.trim() {
            "" => None,
            g => Some(euros("granted", g).map_err(AppError::Invalid)?),
        },
        motive: f.motive,
    };
    let mut tx = state.db.begin().await?;
    applications::decide(&mut tx, &page.audit(), id, f.version, &decision).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/financements/dossiers/{id}?ok=enregistre")).into_response())
}

#[derive(Deserialize)]
pub struct MovementForm {
    kind: String,
    date: String,
    amount: String,
    reference: String,
}

/// Records AE engaged or CP paid (the DINUM).
pub async fn add_movement(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<MovementForm>,
) -> Result<Response, PageError> {
    crate::api::funding_applications::readable(&state, page.actor(), id).await?;
    if !runs_funds(page.actor()) {
        return Err(AppError::Forbidden.into());
    }
    let m = Movement {
        application_id: id,
        kind: MovementKind::parse(&f.kind)
            .ok_or_else(|| AppError::BadRequest("Type de mouvement inconnu.".into()))?,
        date: day("date", &f.date).map_err(AppError::Invalid)?,
        amount: euros("amount", &f.amount).map_err(AppError::Invalid)?,
        reference: f.reference,
    };
    let mut tx = state.db.begin().await?;
    movements::record(&mut tx, &page.audit(), &m).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/financements/dossiers/{id}?ok=enregistre")).into_response())
}

/// Saves a ministry's capacity grid: `c_SEMESTER`, `e_SEMESTER` (committed)
/// and `v_SEMESTER` (version read, empty for a first declaration). Blank
/// rows are skipped; one stale row refuses the whole grid.
pub async fn save_capacity(
    State(state): State<AppState>,
    page: SignedPage,
    Path(code): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let org = cosinum_store::organisations::get_by_code(&state.db, &code.to_uppercase())
        .await
        .map_err(|_| AppError::NotFound)?;
    if !allows(
        Some(page.actor()),
        Access::Write,
        &application_resource(org.id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    let get = |k: String| {
        form.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.trim().to_owned())
    };
    let mut tx = state.db.begin().await?;
    for (name, value) in &form {
        let Some(sem) = name.strip_prefix("c_") else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let semester = Semester::parse(sem)
            .ok_or_else(|| AppError::BadRequest(format!("Semestre invalide : {sem}")))?;
        let number = |field: &str, v: &str| {
            v.replace(',', ".").parse::<f64>().map_err(|_| {
                AppError::Invalid(ValidationError::new(
                    field,
                    format!("{sem} : nombre de mois-personnes attendu"),
                ))
            })
        };
        let c = Capacity {
            organisation_id: org.id,
            semester,
            capacity: number("capacity", value.trim())?,
            committed: number(
                "committed",
                &get(format!("e_{sem}")).unwrap_or_else(|| "0".into()),
            )?,
        };
        let version = get(format!("v_{sem}")).and_then(|v| v.parse::<i64>().ok());
        capacities::set(&mut tx, &page.audit(), &c, version).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/financements/ministeres/{}?ok=enregistre",
        org.code
    ))
    .into_response())
}
