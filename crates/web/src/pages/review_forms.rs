//! Forms of a project's follow-up: a baseline (or re-baseline), a review,
//! and the DINUM's rating of a review.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::ValidationError;
use cosinum_domain::authz::Access;
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::project::{
    BaselineFields, Milestone, RISK_LEVELS, Rating, ReviewFields, Risk,
};
use cosinum_store::StoreError;
use cosinum_store::projects::{baselines, reviews};
use serde::Deserialize;

use super::organisations::SelectOption;
use super::project_forms::{date_or_invalid, parse_meur, required_date};
use super::projects::{is_dinum, load_project, today};
use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

#[derive(Default, Deserialize)]
pub struct BaselineForm {
    #[serde(default)]
    approved_on: String,
    #[serde(default)]
    cost_meur: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    planned_end: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    approved_by: String,
    #[serde(default)]
    version: i64,
}

#[derive(Template)]
#[template(path = "projects/baseline_form.html")]
struct BaselineFormPage {
    layout: Layout,
    id: i64,
    first: bool,
    v: BaselineForm,
    error_field: String,
    error_message: String,
}

async fn baseline_page(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    v: BaselineForm,
    error: Option<&ValidationError>,
) -> Result<BaselineFormPage, PageError> {
    let p = load_project(state, page, id, Access::Write).await?;
    let first = baselines::list(&state.db, id).await?.is_empty();
    let heading = if first {
        "Référence initiale"
    } else {
        "Rebasage"
    };
    Ok(BaselineFormPage {
        layout: Layout::new(
            &page.ctx,
            format!("{heading} — {}", p.name),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Grands projets", "/projets"),
                Crumb::link(p.name.clone(), format!("/projets/{id}")),
                Crumb::here(heading),
            ],
        ),
        id,
        first,
        v,
        error_field: error.map(|e| e.field.clone()).unwrap_or_default(),
        error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
    })
}

pub async fn baseline_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let p = load_project(&state, &page, id, Access::Write).await?;
    let v = BaselineForm {
        approved_on: today().to_string(),
        version: p.version,
        ..Default::default()
    };
    render(&baseline_page(&state, &page, id, v, None).await?)
}

pub async fn add_baseline(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<BaselineForm>,
) -> Result<Response, PageError> {
    load_project(&state, &page, id, Access::Write).await?;
    let fields = (|| -> Result<BaselineFields, ValidationError> {
        Ok(BaselineFields {
            approved_on: required_date("approved_on", &f.approved_on)?,
            cost: parse_meur("cost_meur", &f.cost_meur)?
                .ok_or_else(|| ValidationError::new("cost_meur", "ce champ est obligatoire"))?,
            start: required_date("start", &f.start)?,
            planned_end: required_date("planned_end", &f.planned_end)?,
            reason: f.reason.trim().to_owned(),
            approved_by: f.approved_by.trim().to_owned(),
        })
    })();
    let fields = match fields {
        Ok(x) => x,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &baseline_page(&state, &page, id, f, Some(&e)).await?,
            );
        }
    };
    let mut tx = state.db.begin().await?;
    match baselines::add(&mut tx, &page.audit(), id, f.version, &fields).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/projets/{id}?ok=enregistre")).into_response())
        }
        Err(StoreError::Invalid(e)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &baseline_page(&state, &page, id, f, Some(&e)).await?,
        ),
        Err(e) => Err(e.into()),
    }
}

/// The review form: up to three milestones and three risks.
#[derive(Default, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    review_date: String,
    #[serde(default)]
    cost_meur: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    forecast_end: String,
    #[serde(default)]
    phase: String,
    #[serde(default)]
    figures_withheld: Option<String>,
    #[serde(default)]
    ministry_rating: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    m1_label: String,
    #[serde(default)]
    m1_planned: String,
    #[serde(default)]
    m1_actual: String,
    #[serde(default)]
    m2_label: String,
    #[serde(default)]
    m2_planned: String,
    #[serde(default)]
    m2_actual: String,
    #[serde(default)]
    r1_label: String,
    #[serde(default)]
    r1_level: String,
    #[serde(default)]
    r2_label: String,
    #[serde(default)]
    r2_level: String,
    /// The version of the review being edited (0 for a new one).
    #[serde(default)]
    version: i64,
}

impl ReviewForm {
    fn fields(&self) -> Result<ReviewFields, ValidationError> {
        let mut milestones = Vec::new();
        for (label, planned, actual) in [
            (&self.m1_label, &self.m1_planned, &self.m1_actual),
            (&self.m2_label, &self.m2_planned, &self.m2_actual),
        ] {
            if !label.trim().is_empty() {
                milestones.push(Milestone {
                    label: label.trim().to_owned(),
                    planned_on: required_date("milestones", planned)?,
                    actual_on: date_or_invalid("milestones", actual)?,
                });
            }
        }
        let mut risks = Vec::new();
        for (label, level) in [
            (&self.r1_label, &self.r1_level),
            (&self.r2_label, &self.r2_level),
        ] {
            if !label.trim().is_empty() {
                risks.push(Risk {
                    label: label.trim().to_owned(),
                    level: level.clone(),
                });
            }
        }
        Ok(ReviewFields {
            review_date: required_date("review_date", &self.review_date)?,
            cost: parse_meur("cost_meur", &self.cost_meur)?,
            start: date_or_invalid("start", &self.start)?,
            forecast_end: date_or_invalid("forecast_end", &self.forecast_end)?,
            phase: Phase::parse(&self.phase)
                .ok_or_else(|| ValidationError::new("phase", "phase inconnue"))?,
            figures_withheld: self.figures_withheld.is_some(),
            ministry_rating: match self.ministry_rating.as_str() {
                "" => None,
                r => Some(
                    Rating::parse(r)
                        .ok_or_else(|| ValidationError::new("ministry_rating", "note de 1 à 4"))?,
                ),
            },
            dinum_rating: None,
            narrative: self.narrative.trim().to_owned(),
            milestones,
            risks,
        })
    }
}

#[derive(Template)]
#[template(path = "projects/review_form.html")]
struct ReviewFormPage {
    layout: Layout,
    id: i64,
    action: String,
    heading: String,
    v: ReviewForm,
    phases: Vec<SelectOption>,
    ratings: Vec<SelectOption>,
    levels: Vec<&'static str>,
    error_field: String,
    error_message: String,
}

async fn review_page(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    editing: Option<i64>,
    v: ReviewForm,
    error: Option<&ValidationError>,
) -> Result<ReviewFormPage, PageError> {
    let (heading, action) = match editing {
        Some(rid) => (
            format!("Modifier la revue du {}", v.review_date),
            format!("/revues/{rid}/modifier"),
        ),
        None => ("Nouvelle revue".to_owned(), format!("/projets/{id}/revues")),
    };
    let p = load_project(state, page, id, Access::Write).await?;
    let phases = Phase::ALL
        .iter()
        .map(|x| SelectOption {
            value: x.as_str().into(),
            label: x.label_fr().into(),
            selected: v.phase == x.as_str(),
        })
        .collect();
    let mut ratings = vec![SelectOption {
        value: String::new(),
        label: "Non renseignée".into(),
        selected: v.ministry_rating.is_empty(),
    }];
    ratings.extend((1..=4).map(|n| SelectOption {
        value: n.to_string(),
        label: format!("{n} — {}", state.config.rating_label(n)),
        selected: v.ministry_rating == n.to_string(),
    }));
    Ok(ReviewFormPage {
        layout: Layout::new(
            &page.ctx,
            format!("{heading} — {}", p.name),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Grands projets", "/projets"),
                Crumb::link(p.name.clone(), format!("/projets/{id}")),
                Crumb::here(heading.clone()),
            ],
        ),
        id,
        action,
        heading,
        v,
        phases,
        ratings,
        levels: RISK_LEVELS.to_vec(),
        error_field: error.map(|e| e.field.clone()).unwrap_or_default(),
        error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
    })
}

pub async fn review_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let p = load_project(&state, &page, id, Access::Write).await?;
    let last = reviews::list(&state.db, id).await?.into_iter().last();
    // Pre-filled with the last review: a ministry updates what moved.
    let v = ReviewForm {
        review_date: today().to_string(),
        cost_meur: last
            .as_ref()
            .and_then(|r| r.cost)
            .map(|c| format!("{}", c.meur()))
            .unwrap_or_default(),
        start: last
            .as_ref()
            .and_then(|r| r.start)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        forecast_end: last
            .as_ref()
            .and_then(|r| r.forecast_end)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        phase: p.phase.as_str().into(),
        ..Default::default()
    };
    render(&review_page(&state, &page, id, None, v, None).await?)
}

pub async fn add_review(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, PageError> {
    load_project(&state, &page, id, Access::Write).await?;
    let fields = match f.fields() {
        Ok(x) => x,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &review_page(&state, &page, id, None, f, Some(&e)).await?,
            );
        }
    };
    let ledger: Vec<_> = baselines::list(&state.db, id)
        .await?
        .iter()
        .map(|b| b.baseline())
        .collect();
    let in_force = cosinum_domain::projects::drift::baseline_in_force(&ledger, fields.review_date);
    if let Err(e) = fields.check(in_force, state.config.narrative_drift_threshold) {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &review_page(&state, &page, id, None, f, Some(&e)).await?,
        );
    }
    let mut tx = state.db.begin().await?;
    match reviews::create(&mut tx, &page.audit(), id, reviews::SOURCE_REVIEW, &fields).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/projets/{id}?ok=cree")).into_response())
        }
        Err(StoreError::Duplicate { .. }) => {
            let e = ValidationError::new("review_date", "une revue existe déjà à cette date");
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &review_page(&state, &page, id, None, f, Some(&e)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DinumRatingForm {
    #[serde(default)]
    dinum_rating: String,
    version: i64,
}

/// The DINUM's rating of a review, from the project page (steering only).
pub async fn dinum_rating(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<DinumRatingForm>,
) -> Result<Response, PageError> {
    if !is_dinum(&page) {
        return Err(AppError::Forbidden.into());
    }
    let r = reviews::get(&state.db, id).await?;
    let rating = match f.dinum_rating.as_str() {
        "" => None,
        x => Some(Rating::parse(x).ok_or_else(|| {
            AppError::Invalid(ValidationError::new("dinum_rating", "note de 1 à 4"))
        })?),
    };
    let fields = ReviewFields {
        review_date: r.review_date,
        cost: r.cost,
        start: r.start,
        forecast_end: r.forecast_end,
        phase: r.phase,
        figures_withheld: r.figures_withheld,
        ministry_rating: r.ministry_rating,
        dinum_rating: rating,
        narrative: r.narrative.clone(),
        milestones: r.milestones.clone(),
        risks: r.risks.clone(),
    };
    let mut tx = state.db.begin().await?;
    reviews::update(&mut tx, &page.audit(), id, f.version, &fields).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/projets/{}?ok=enregistre", r.project_id)).into_response())
}

/// A review's form values, for editing it.
fn form_of(r: &cosinum_domain::projects::project::Review) -> ReviewForm {
    let m = |i: usize| r.milestones.get(i);
    let k = |i: usize| r.risks.get(i);
    ReviewForm {
        review_date: r.review_date.to_string(),
        cost_meur: r.cost.map(|c| format!("{}", c.meur())).unwrap_or_default(),
        start: r.start.map(|d| d.to_string()).unwrap_or_default(),
        forecast_end: r.forecast_end.map(|d| d.to_string()).unwrap_or_default(),
        phase: r.phase.as_str().into(),
        figures_withheld: r.figures_withheld.then(|| "1".into()),
        ministry_rating: r
            .ministry_rating
            .map(|x| x.0.to_string())
            .unwrap_or_default(),
        narrative: r.narrative.clone(),
        m1_label: m(0).map(|x| x.label.clone()).unwrap_or_default(),
        m1_planned: m(0).map(|x| x.planned_on.to_string()).unwrap_or_default(),
        m1_actual: m(0)
            .and_then(|x| x.actual_on)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        m2_label: m(1).map(|x| x.label.clone()).unwrap_or_default(),
        m2_planned: m(1).map(|x| x.planned_on.to_string()).unwrap_or_default(),
        m2_actual: m(1)
            .and_then(|x| x.actual_on)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        r1_label: k(0).map(|x| x.label.clone()).unwrap_or_default(),
        r1_level: k(0).map(|x| x.level.clone()).unwrap_or_default(),
        r2_label: k(1).map(|x| x.label.clone()).unwrap_or_default(),
        r2_level: k(1).map(|x| x.level.clone()).unwrap_or_default(),
        version: r.version,
    }
}

pub async fn edit_review_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(rid): Path<i64>,
) -> Result<Response, PageError> {
    let r = reviews::get(&state.db, rid).await?;
    render(&review_page(&state, &page, r.project_id, Some(rid), form_of(&r), None).await?)
}

pub async fn update_review(
    State(state): State<AppState>,
    page: SignedPage,
    Path(rid): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, PageError> {
    let current = reviews::get(&state.db, rid).await?;
    let id = current.project_id;
    load_project(&state, &page, id, Access::Write).await?;
    let fields = match f.fields() {
        // The DINUM's rating and the parts the form does not show are kept.
        Ok(x) => ReviewFields {
            dinum_rating: current.dinum_rating,
            ..x
        },
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &review_page(&state, &page, id, Some(rid), f, Some(&e)).await?,
            );
        }
    };
    let ledger: Vec<_> = baselines::list(&state.db, id)
        .await?
        .iter()
        .map(|b| b.baseline())
        .collect();
    let in_force = cosinum_domain::projects::drift::baseline_in_force(&ledger, fields.review_date);
    if let Err(e) = fields.check(in_force, state.config.narrative_drift_threshold) {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &review_page(&state, &page, id, Some(rid), f, Some(&e)).await?,
        );
    }
    let mut tx = state.db.begin().await?;
    match reviews::update(&mut tx, &page.audit(), rid, f.version, &fields).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!("/projets/{id}?ok=enregistre")).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            let e = ValidationError::new(
                "version",
                "cette revue a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte : rechargez-la (son historique montre la modification)",
            );
            render_status(
                StatusCode::CONFLICT,
                &review_page(&state, &page, id, Some(rid), f, Some(&e)).await?,
            )
        }
        Err(StoreError::Duplicate { .. }) => {
            let e = ValidationError::new("review_date", "une revue existe déjà à cette date");
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &review_page(&state, &page, id, Some(rid), f, Some(&e)).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}
