//! Forms of the cloud inventory: an application's card (declare, edit at
//! the version read) and a derogation granted to it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::cloud::types::{
    AppStatus, Classification, CloudApplication, Derogation, Rule, SecurityNeeds,
};
use cosinum_domain::money::Euros;
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::{StoreError, cloud};
use serde::Deserialize;

use super::organisations::{SelectOption, optional_options};
use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::api::cloud::cloud_resource;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

#[derive(Default, Deserialize)]
pub struct CardForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    users: String,
    #[serde(default)]
    full_cost: String,
    #[serde(default)]
    new_or_major: Option<String>,
    #[serde(default)]
    availability: String,
    #[serde(default)]
    integrity: String,
    #[serde(default)]
    confidentiality: String,
    #[serde(default)]
    traceability: String,
    #[serde(default)]
    diffusion_restreinte: Option<String>,
    #[serde(default)]
    project_id: String,
    #[serde(default)]
    version: i64,
}

fn whole(field: &str, v: &str) -> Result<Option<i64>, ValidationError> {
    let v: String = v
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '€')
        .collect();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<i64>()
        .map(Some)
        .map_err(|_| ValidationError::new(field, "nombre entier attendu"))
}

fn level(field: &str, v: &str) -> Result<u8, ValidationError> {
    v.trim()
        .parse::<u8>()
        .ok()
        .filter(|n| (1..=4).contains(n))
        .ok_or_else(|| ValidationError::new(field, "niveau de 1 à 4"))
}

impl CardForm {
    fn application(&self, id: i64) -> Result<CloudApplication, ValidationError> {
        CloudApplication {
            id,
            organisation_id: OrgId(
                self.organisation_id.trim().parse().map_err(|_| {
                    ValidationError::new("organisation_id", "choisissez un ministère")
                })?,
            ),
            name: self.name.clone(),
            description: self.description.clone(),
            status: AppStatus::parse(&self.status)
                .ok_or_else(|| ValidationError::new("status", "choisissez un statut"))?,
            users: whole("users", &self.users)?,
            project_id: whole("project_id", &self.project_id)?,
            full_cost: whole("full_cost", &self.full_cost)?.map(Euros),
            new_or_major: self.new_or_major.is_some(),
            needs: SecurityNeeds {
                availability: level("availability", &self.availability)?,
                integrity: level("integrity", &self.integrity)?,
                confidentiality: level("confidentiality", &self.confidentiality)?,
                traceability: level("traceability", &self.traceability)?,
            },
            classification: if self.diffusion_restreinte.is_some() {
                Classification::DiffusionRestreinte
            } else {
                Classification::None
            },
            version: self.version,
        }
        .validated()
    }

    fn of(a: &CloudApplication) -> CardForm {
        CardForm {
            organisation_id: a.organisation_id.0.to_string(),
            name: a.name.clone(),
            description: a.description.clone(),
            status: a.status.as_str().into(),
            users: a.users.map(|u| u.to_string()).unwrap_or_default(),
            full_cost: a.full_cost.map(|c| c.0.to_string()).unwrap_or_default(),
            new_or_major: a.new_or_major.then(|| "1".into()),
            availability: a.needs.availability.to_string(),
            integrity: a.needs.integrity.to_string(),
            confidentiality: a.needs.confidentiality.to_string(),
            traceability: a.needs.traceability.to_string(),
            diffusion_restreinte: (a.classification == Classification::DiffusionRestreinte)
                .then(|| "1".into()),
            project_id: a.project_id.map(|p| p.to_string()).unwrap_or_default(),
            version: a.version,
        }
    }
}

#[derive(Template)]
#[template(path = "cloud/form.html")]
struct CardPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    v: CardForm,
    organisations: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    projects: Vec<SelectOption>,
    error_field: String,
    error_message: String,
    conflict: Vec<super::history::ChangeView>,
    has_conflict: bool,
}

async fn card_page(
    state: &AppState,
    page: &SignedPage,
    existing: Option<i64>,
    v: CardForm,
    error: Option<&ValidationError>,
) -> Result<CardPage, PageError> {
    let orgs = state.organisations(false).await?;
    let organisations: Vec<SelectOption> = orgs
        .iter()
        .filter(|o| allows(Some(page.actor()), Access::Write, &cloud_resource(o.id)))
        .map(|o| SelectOption {
            value: o.id.0.to_string(),
            label: format!("{} — {}", o.code, o.name),
            selected: v.organisation_id == o.id.0.to_string(),
        })
        .collect();
    if organisations.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let statuses = AppStatus::ALL
        .iter()
        .map(|s| SelectOption {
            value: s.as_str().into(),
            label: s.label_fr().into(),
            selected: v.status == s.as_str(),
        })
        .collect();
    let projects = optional_options(
        "Aucun",
        &v.project_id,
        cosinum_store::projects::list(&state.db, false)
            .await?
            .into_iter()
            .filter(|x| {
                allows(
                    Some(page.actor()),
                    Access::Write,
                    &cloud_resource(x.organisation_id),
                )
            })
            .map(|x| (x.id.to_string(), x.name)),
    );
    let (heading, action, cancel) = match existing {
        Some(id) => (
            format!("Modifier {}", v.name),
            format!("/hebergement/applications/{id}/modifier"),
            format!("/hebergement/applications/{id}"),
        ),
        None => (
            "Déclarer une application".to_owned(),
            "/hebergement/applications/nouvelle".to_owned(),
            "/hebergement".to_owned(),
        ),
    };
    Ok(CardPage {
        layout: Layout::new(
            &page.ctx,
            heading.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Hébergement et cloud", "/hebergement"),
                Crumb::here(heading.clone()),
            ],
        ),
        heading,
        action,
        cancel,
        v,
        organisations,
        statuses,
        projects,
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
    let v = CardForm {
        organisation_id: page
            .actor()
            .organisation
            .map(|o| o.0.to_string())
            .unwrap_or_default(),
        status: AppStatus::InProduction.as_str().into(),
        availability: "2".into(),
        integrity: "2".into(),
        confidentiality: "2".into(),
        traceability: "2".into(),
        ..Default::default()
    };
    render(&card_page(&state, &page, None, v, None).await?)
}

const DUPLICATE: &str = "ce ministère a déjà une application de ce nom";

pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<CardForm>,
) -> Result<Response, PageError> {
    let a = match f.application(0) {
        Ok(a) => a,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &card_page(&state, &page, None, f, Some(&e)).await?,
            );
        }
    };
    if !allows(
        Some(page.actor()),
        Access::Write,
        &cloud_resource(a.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    if let Err(AppError::Invalid(e)) = crate::api::cloud::check_project(&state, &a).await {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &card_page(&state, &page, None, f, Some(&e)).await?,
        );
    }
    let mut tx = state.db.begin().await?;
    match cloud::create_application(&mut tx, &page.audit(), &a).await {
        Ok(a) => {
            tx.commit().await?;
            Ok(
                Redirect::to(&format!("/hebergement/applications/{}?ok=cree", a.id))
                    .into_response(),
            )
        }
        Err(StoreError::Duplicate { .. }) => {
            let e = ValidationError::new("name", DUPLICATE);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &card_page(&state, &page, None, f, Some(&e)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn writable(
    state: &AppState,
    page: &SignedPage,
    id: i64,
) -> Result<CloudApplication, PageError> {
    let a = cloud::application(&state.db, id).await?;
    if !allows(
        Some(page.actor()),
        Access::Read,
        &cloud_resource(a.organisation_id),
    ) {
        return Err(AppError::NotFound.into());
    }
    if !allows(
        Some(page.actor()),
        Access::Write,
        &cloud_resource(a.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    Ok(a)
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let a = writable(&state, &page, id).await?;
    render(&card_page(&state, &page, Some(id), CardForm::of(&a), None).await?)
}

pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<CardForm>,
) -> Result<Response, PageError> {
    writable(&state, &page, id).await?;
    let a = match f.application(id) {
        Ok(a) => a,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &card_page(&state, &page, Some(id), f, Some(&e)).await?,
            );
        }
    };
    if !allows(
        Some(page.actor()),
        Access::Write,
        &cloud_resource(a.organisation_id),
    ) {
        return Err(AppError::Forbidden.into());
    }
    if let Err(AppError::Invalid(e)) = crate::api::cloud::check_project(&state, &a).await {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &card_page(&state, &page, Some(id), f, Some(&e)).await?,
        );
    }
    let mut tx = state.db.begin().await?;
    match cloud::update_application(&mut tx, &page.audit(), id, f.version, &a).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(
                Redirect::to(&format!("/hebergement/applications/{id}?ok=enregistre"))
                    .into_response(),
            )
        }
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            let changes = cosinum_store::audit::changes_since(
                &state.db,
                cloud::APPLICATION_TYPE,
                id,
                f.version,
            )
            .await?;
            let mut f = f;
            f.version = cloud::application(&state.db, id).await?.version;
            let mut view = card_page(&state, &page, Some(id), f, None).await?;
            view.conflict = super::history::change_views(&changes);
            view.has_conflict = true;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(StoreError::Duplicate { .. }) => {
            let e = ValidationError::new("name", DUPLICATE);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &card_page(&state, &page, Some(id), f, Some(&e)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DerogationForm {
    rule: String,
    justification: String,
    granted_by: String,
    comparative_study: Option<String>,
    pm_validated: Option<String>,
    start: String,
    #[serde(default)]
    end: String,
    /// R9 (2021): when an acceptable offer became available in France.
    #[serde(default)]
    acceptable_offer_since: String,
}

/// Records a derogation granted to the application.
pub async fn derogate(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<DerogationForm>,
) -> Result<Response, PageError> {
    writable(&state, &page, id).await?;
    let day = |field: &str, s: &str| {
        time::Date::parse(
            s.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| AppError::Invalid(ValidationError::new(field, "date invalide (AAAA-MM-JJ)")))
    };
    let d = Derogation {
        rule: if f.rule == "R6" { Rule::R6 } else { Rule::R9 },
        justification: f.justification,
        comparative_study: f.comparative_study.is_some(),
        granted_by: f.granted_by,
        pm_validated: f.pm_validated.is_some(),
        start: day("start", &f.start)?,
        end: if f.end.trim().is_empty() {
            None
        } else {
            Some(day("end", &f.end)?)
        },
        acceptable_offer_since: if f.acceptable_offer_since.trim().is_empty() {
            None
        } else {
            Some(day("acceptable_offer_since", &f.acceptable_offer_since)?)
        },
    };
    let mut tx = state.db.begin().await?;
    cloud::add_derogation(&mut tx, &page.audit(), id, &d).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/hebergement/applications/{id}?ok=enregistre")).into_response())
}
