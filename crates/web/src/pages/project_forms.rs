//! Forms of the major-projects module: project, baseline (re-baseline), review,
//! and the DINUM's rating of a review.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::ValidationError;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::money::Euros;
use cosinum_domain::organisation::tree_order;
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::project::ProjectInput;
use cosinum_store::StoreError;
use cosinum_store::projects::{self};
use serde::Deserialize;

use super::organisations::SelectOption;
use super::projects::{load_project, parse_date, today};
use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::api::projects::project_resource;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

/// A number typed the French way ("12,5") or not ("12.5").
pub(super) fn parse_meur(field: &str, v: &str) -> Result<Option<Euros>, ValidationError> {
    let v = v
        .trim()
        .replace([' ', '\u{202f}', '\u{a0}'], "")
        .replace(',', ".");
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<f64>()
        .ok()
        .and_then(Euros::from_meur)
        .map(Some)
        .ok_or_else(|| ValidationError::new(field, "montant invalide (en M€, par exemple 12,5)"))
}

pub(super) fn date_or_invalid(field: &str, v: &str) -> Result<Option<time::Date>, ValidationError> {
    parse_date(field, v).map_err(|_| ValidationError::new(field, "date invalide (AAAA-MM-JJ)"))
}

pub(super) fn required_date(field: &str, v: &str) -> Result<time::Date, ValidationError> {
    date_or_invalid(field, v)?
        .ok_or_else(|| ValidationError::new(field, "ce champ est obligatoire"))
}

/// Values shown by the project form.
#[derive(Default, Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    functional_zone: String,
    #[serde(default)]
    interministerial: Option<String>,
    #[serde(default)]
    funding_programmes: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    phase: String,
    #[serde(default)]
    figures_withheld: Option<String>,
    #[serde(default)]
    entered_on: String,
    #[serde(default)]
    exited_on: String,
    #[serde(default)]
    version: i64,
}

impl ProjectForm {
    fn input(&self) -> Result<ProjectInput, ValidationError> {
        Ok(ProjectInput {
            organisation_id: self.organisation_id.trim().parse().map_err(|_| {
                ValidationError::new("organisation_id", "choisissez une organisation")
            })?,
            name: self.name.clone(),
            description: self.description.clone(),
            functional_zone: self.functional_zone.clone(),
            interministerial: self.interministerial.is_some(),
            funding_programmes: self.funding_programmes.clone(),
            links: self.links.clone(),
            phase: self.phase.clone(),
            figures_withheld: self.figures_withheld.is_some(),
            entered_on: date_or_invalid("entered_on", &self.entered_on)?,
            exited_on: date_or_invalid("exited_on", &self.exited_on)?,
        })
    }
}

#[derive(Template)]
#[template(path = "projects/form.html")]
struct ProjectFormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    v: ProjectForm,
    organisations: Vec<SelectOption>,
    phases: Vec<SelectOption>,
    error_field: String,
    error_message: String,
    conflict: Vec<super::history::ChangeView>,
    has_conflict: bool,
}

async fn project_form_page(
    state: &AppState,
    page: &SignedPage,
    existing: Option<i64>,
    v: ProjectForm,
    error: Option<&ValidationError>,
) -> Result<ProjectFormPage, PageError> {
    let orgs = state.organisations(false).await?;
    let organisations = tree_order(&orgs)
        .into_iter()
        .filter(|(_, o)| allows(Some(page.actor()), Access::Write, &project_resource(o.id)))
        .map(|(depth, o)| SelectOption {
            value: o.id.0.to_string(),
            label: format!("{}{} — {}", "  ".repeat(depth), o.code, o.name),
            selected: v.organisation_id == o.id.0.to_string(),
        })
        .collect::<Vec<_>>();
    if organisations.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let phases = Phase::ALL
        .iter()
        .map(|p| SelectOption {
            value: p.as_str().into(),
            label: p.label_fr().into(),
            selected: v.phase == p.as_str(),
        })
        .collect();
    let (heading, action, cancel) = match existing {
        Some(id) => (
            format!("Modifier {}", v.name),
            format!("/projets/{id}/modifier"),
            format!("/projets/{id}"),
        ),
        None => (
            "Déclarer un projet".to_owned(),
            "/projets".to_owned(),
            "/projets".to_owned(),
        ),
    };
    Ok(ProjectFormPage {
        layout: Layout::new(
            &page.ctx,
            heading.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Grands projets", "/projets"),
                Crumb::here(heading.clone()),
            ],
        ),
        heading,
        action,
        cancel,
        v,
        organisations,
        phases,
        error_field: error.map(|e| e.field.clone()).unwrap_or_default(),
        error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
        conflict: Vec::new(),
        has_conflict: false,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    page: SignedPage,
) -> Result<Response, PageError> {
    let v = ProjectForm {
        phase: Phase::Cadrage.as_str().into(),
        organisation_id: page
            .actor()
            .organisation
            .map(|o| o.0.to_string())
            .unwrap_or_default(),
        entered_on: today().to_string(),
        ..Default::default()
    };
    render(&project_form_page(&state, &page, None, v, None).await?)
}

pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<ProjectForm>,
) -> Result<Response, PageError> {
    let fields = match f.input().and_then(|i| i.validate(today())) {
        Ok(x) => x,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &project_form_page(&state, &page, None, f, Some(&e)).await?,
            );
        }
    };
    if !allows(
        Some(page.actor()),
        Access::Write,
        &project_resource(fields.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    match projects::create(&mut tx, &page.audit(), &fields).await {
        Ok(p) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/projets/{}?ok=cree", p.id)).into_response())
        }
        Err(StoreError::Duplicate { .. }) => {
            let e = ValidationError::new("name", "cette organisation a déjà un projet de ce nom");
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &project_form_page(&state, &page, None, f, Some(&e)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let p = load_project(&state, &page, id, Access::Write).await?;
    let v = ProjectForm {
        organisation_id: p.organisation_id.0.to_string(),
        name: p.name,
        description: p.description,
        functional_zone: p.functional_zone,
        interministerial: p.interministerial.then(|| "1".into()),
        funding_programmes: p.funding_programmes,
        links: p.links,
        phase: p.phase.as_str().into(),
        figures_withheld: p.figures_withheld.then(|| "1".into()),
        entered_on: p.entered_on.to_string(),
        exited_on: p.exited_on.map(|d| d.to_string()).unwrap_or_default(),
        version: p.version,
    };
    render(&project_form_page(&state, &page, Some(id), v, None).await?)
}

pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<ProjectForm>,
) -> Result<Response, PageError> {
    let current = load_project(&state, &page, id, Access::Write).await?;
    let fields = match f.input().and_then(|i| i.validate(current.entered_on)) {
        Ok(x) => x,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &project_form_page(&state, &page, Some(id), f, Some(&e)).await?,
            );
        }
    };
    if !allows(
        Some(page.actor()),
        Access::Write,
        &project_resource(fields.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    match projects::update(&mut tx, &page.audit(), id, f.version, &fields).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/projets/{id}?ok=enregistre")).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            let changes = cosinum_store::audit::changes_since(
                &state.db,
                projects::OBJECT_TYPE,
                id,
                f.version,
            )
            .await?;
            let latest = projects::get(&state.db, id).await?;
            let mut f = f;
            f.version = latest.version;
            let mut view = project_form_page(&state, &page, Some(id), f, None).await?;
            view.conflict = super::history::change_views(&changes);
            view.has_conflict = true;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(StoreError::Duplicate { .. }) => {
            let e = ValidationError::new("name", "cette organisation a déjà un projet de ce nom");
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &project_form_page(&state, &page, Some(id), f, Some(&e)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}
