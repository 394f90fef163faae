//! The form of a plan line: title, description, functional zone, links to
//! an existing major project or application, expected start, and AE/CP per
//! year in M€. Only while the plan is a draft.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::ValidationError;
use cosinum_domain::money::Euros;
use cosinum_domain::reuse::plans::{Plan, PlanLine, YearAmount};
use std::collections::HashMap;
use time::Date;

use super::organisations::{SelectOption, optional_options};
use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::api::plans::{LineWrite, can_write_plan, write_line};
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;

#[derive(Template)]
#[template(path = "plans/line_form.html")]
struct LinePage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    v: HashMap<String, String>,
    years: Vec<i32>,
    projects: Vec<SelectOption>,
    applications: Vec<SelectOption>,
    error_field: String,
    error_message: String,
    /// « Déjà fait ailleurs ? » for the text as drafted (after « Chercher »).
    suggestions: Option<Vec<super::reuse_panel::CandidateRow>>,
    /// Where the page's script asks for suggestions as the user types.
    suggest_url: String,
}

impl LinePage {
    fn get(&self, k: &str) -> &str {
        self.v.get(k).map_or("", String::as_str)
    }
}

fn values_of(l: &PlanLine) -> HashMap<String, String> {
    let mut v = HashMap::new();
    v.insert("title".into(), l.title.clone());
    v.insert("description".into(), l.description.clone());
    v.insert("functional_zone".into(), l.functional_zone.clone());
    v.insert(
        "project_id".into(),
        l.project_id.map(|x| x.to_string()).unwrap_or_default(),
    );
    v.insert(
        "application_id".into(),
        l.application_id.map(|x| x.to_string()).unwrap_or_default(),
    );
    v.insert(
        "expected_start".into(),
        l.expected_start.map(|d| d.to_string()).unwrap_or_default(),
    );
    v.insert("version".into(), l.version.to_string());
    let fmt = |e: Euros| number(e.meur(), 3).replace('\u{202f}', "");
    for a in &l.amounts {
        v.insert(format!("ae_{}", a.year), fmt(a.ae));
        v.insert(format!("cp_{}", a.year), fmt(a.cp));
    }
    v
}

fn years_of(p: &Plan, v: &HashMap<String, String>) -> Vec<i32> {
    let mut years: Vec<i32> = (p.year..p.year + 4).collect();
    for k in v.keys() {
        if let Some(y) = k.strip_prefix("ae_").and_then(|y| y.parse().ok()) {
            years.push(y);
        }
    }
    years.sort();
    years.dedup();
    years
}

fn meur(field: &str, v: &str) -> Result<Euros, ValidationError> {
    let t: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if t.is_empty() {
        return Ok(Euros(0));
    }
    t.parse::<f64>()
        .ok()
        .filter(|x| *x >= 0.0)
        .and_then(Euros::from_meur)
        .ok_or_else(|| ValidationError::new(field, "montant en M€ attendu, par exemple 1,5"))
}

fn parse(p: &Plan, v: &HashMap<String, String>) -> Result<LineWrite, ValidationError> {
    let get = |k: &str| v.get(k).map_or("", |s| s.trim());
    let id = |k: &str| -> Result<Option<i64>, ValidationError> {
        match get(k) {
            "" => Ok(None),
            x => x
                .parse()
                .map(Some)
                .map_err(|_| ValidationError::new(k, "choix invalide")),
        }
    };
    let mut amounts = Vec::new();
    for y in years_of(p, v) {
        let (ae, cp) = (
            meur(&format!("ae_{y}"), get(&format!("ae_{y}")))?,
            meur(&format!("cp_{y}"), get(&format!("cp_{y}")))?,
        );
        if ae.0 > 0 || cp.0 > 0 {
            amounts.push(YearAmount { year: y, ae, cp });
        }
    }
    Ok(LineWrite {
        title: get("title").into(),
        description: get("description").into(),
        functional_zone: get("functional_zone").into(),
        project_id: id("project_id")?,
        application_id: id("application_id")?,
        expected_start: match get("expected_start") {
            "" => None,
            d => Some(
                Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                    .map_err(|_| ValidationError::new("expected_start", "date attendue"))?,
            ),
        },
        amounts,
        version: get("version").parse().ok(),
    })
}

async fn line_page(
    state: &AppState,
    page: &SignedPage,
    p: &Plan,
    line_id: Option<i64>,
    v: HashMap<String, String>,
    error: Option<&ValidationError>,
) -> Result<LinePage, PageError> {
    let readable = cosinum_domain::authz::allows(
        Some(page.actor()),
        cosinum_domain::authz::Access::Read,
        &crate::api::plans::plan_resource(p.organisation_id),
    );
    if !readable {
        return Err(AppError::NotFound.into());
    }
    if !can_write_plan(page.actor(), p.organisation_id) {
        return Err(AppError::Forbidden.into());
    }
    let selected = |k: &str| v.get(k).cloned().unwrap_or_default();
    let projects = optional_options(
        "Aucun",
        &selected("project_id"),
        cosinum_store::projects::list(&state.db, false)
            .await?
            .into_iter()
            .filter(|x| x.organisation_id == p.organisation_id)
            .map(|x| (x.id.to_string(), x.name)),
    );
    let applications = optional_options(
        "Aucune",
        &selected("application_id"),
        cosinum_store::cloud::applications(&state.db)
            .await?
            .into_iter()
            .filter(|x| x.organisation_id == p.organisation_id)
            .map(|x| (x.id.to_string(), x.name)),
    );
    let (heading, action) = match line_id {
        Some(id) => (
            format!("Modifier la ligne « {} »", selected("title")),
            format!("/reutilisation/lignes/{id}/modifier"),
        ),
        None => (
            "Ajouter une ligne au plan".to_owned(),
            format!("/reutilisation/plans/{}/lignes/nouvelle", p.id),
        ),
    };
    let cancel = format!("/reutilisation/plans/{}", p.id);
    Ok(LinePage {
        layout: Layout::new(
            &page.ctx,
            heading.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Réutilisation", "/reutilisation"),
                Crumb::link(format!("Plan {} révision {}", p.year, p.revision), &cancel),
                Crumb::here(heading.clone()),
            ],
        ),
        years: years_of(p, &v),
        heading,
        action,
        cancel,
        v,
        projects,
        applications,
        error_field: error.map(|e| e.field.clone()).unwrap_or_default(),
        error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
        suggestions: None,
        suggest_url: format!(
            "/api/v1/reuse/similar-draft?organisation_id={}",
            p.organisation_id.0
        ),
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let p = cosinum_store::plans::plan(&state.db, id).await?;
    render(&line_page(&state, &page, &p, None, HashMap::new(), None).await?)
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let p = cosinum_store::plans::plan_of_line(&state.db, id).await?;
    let l = p
        .lines
        .iter()
        .find(|l| l.id == id)
        .ok_or(AppError::NotFound)?;
    render(&line_page(&state, &page, &p, Some(id), values_of(l), None).await?)
}

async fn submit(
    state: &AppState,
    page: &SignedPage,
    p: Plan,
    line_id: Option<i64>,
    v: HashMap<String, String>,
) -> Result<Response, PageError> {
    if v.get("action").map(String::as_str) == Some("verifier") {
        // Look for what exists already, save nothing.
        let params = crate::api::search::DraftParams {
            organisation_id: p.organisation_id.0,
            title: v.get("title").cloned().unwrap_or_default(),
            description: v.get("description").cloned().unwrap_or_default(),
            zone: v.get("functional_zone").cloned().unwrap_or_default(),
            limit: Some(5),
        };
        let found = crate::api::search::similar_draft(state, page.actor(), &params).await?;
        let mut form = line_page(state, page, &p, line_id, v, None).await?;
        form.suggestions = Some(
            found
                .into_iter()
                .map(|c| super::reuse_panel::row(c, None))
                .collect(),
        );
        return render(&form);
    }
    let body = match parse(&p, &v) {
        Ok(b) => b,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &line_page(state, page, &p, line_id, v, Some(&e)).await?,
            );
        }
    };
    let plan_id = line_id.is_none().then_some(p.id);
    match write_line(state, page.actor(), &page.audit(), plan_id, line_id, &body).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/reutilisation/plans/{}?ok=enregistre", p.id)).into_response(),
        ),
        Err(AppError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &line_page(state, page, &p, line_id, v, Some(&e)).await?,
        ),
        Err(AppError::Conflict { .. }) => {
            let e = ValidationError::new(
                "version",
                "cette ligne a été modifiée par quelqu'un d'autre : rechargez-la avant d'enregistrer",
            );
            render_status(
                StatusCode::CONFLICT,
                &line_page(state, page, &p, line_id, v, Some(&e)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(v): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let p = cosinum_store::plans::plan(&state.db, id).await?;
    submit(&state, &page, p, None, v).await
}

pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(v): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let p = cosinum_store::plans::plan_of_line(&state.db, id).await?;
    submit(&state, &page, p, Some(id), v).await
}
