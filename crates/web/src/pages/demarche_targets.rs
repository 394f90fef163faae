//! The government's targets for online services, as a page: each with its
//! progress; the DINUM adds, changes and withdraws them.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::demarches::methods;
use cosinum_domain::demarches::shares::ONLINE;
use cosinum_domain::demarches::targets::Target;
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::StoreError;
use cosinum_store::demarches::targets;
use serde::Deserialize;

use super::demarches::{TargetLine, target_line};
use super::organisations::SelectOption;
use super::{Crumb, Layout, NoticeQuery, render, render_status};
use crate::AppState;
use crate::api::demarches_targets::{TargetProgress, can_set_targets, progress_all};
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

#[derive(Default, Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    version: i64,
}

impl TargetForm {
    fn target(&self) -> Result<Target, ValidationError> {
        let threshold: f64 = self
            .threshold
            .trim()
            .trim_end_matches('%')
            .trim()
            .replace(',', ".")
            .parse()
            .map_err(|_| {
                ValidationError::new("threshold", "part en % attendue (par exemple 100)")
            })?;
        let deadline = time::Date::parse(
            self.deadline.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| ValidationError::new("deadline", "date invalide (AAAA-MM-JJ)"))?;
        let scope = match self.organisation_id.trim() {
            "" => None,
            s => Some(OrgId(s.parse().map_err(|_| {
                ValidationError::new("organisation_id", "organisation inconnue")
            })?)),
        };
        Target {
            label_fr: self.label.clone(),
            slug: self.slug.clone(),
            threshold: threshold / 100.0,
            deadline,
            scope,
        }
        .validated()
    }

    fn from(t: &TargetProgress) -> Self {
        Self {
            label: t.label.clone(),
            slug: t.slug.clone(),
            threshold: format!("{}", t.threshold * 100.0).replace('.', ","),
            deadline: t.deadline.to_string(),
            organisation_id: t.scope_id.map(|o| o.to_string()).unwrap_or_default(),
            version: t.version,
        }
    }
}

#[derive(Template)]
#[template(path = "demarches/targets.html")]
struct TargetsPage {
    layout: Layout,
    lines: Vec<(i64, i64, TargetLine)>,
    can_set: bool,
    editing: Option<i64>,
    v: TargetForm,
    indicators: Vec<SelectOption>,
    scopes: Vec<SelectOption>,
    error_field: String,
    error_message: String,
    conflict: Vec<super::history::ChangeView>,
    has_conflict: bool,
}

async fn targets_page(
    state: &AppState,
    page: &SignedPage,
    editing: Option<i64>,
    v: TargetForm,
    error: Option<&ValidationError>,
) -> Result<TargetsPage, PageError> {
    let today = time::OffsetDateTime::now_utc().date();
    let all = progress_all(state, page.actor(), today).await?;
    let mut indicators = vec![SelectOption {
        value: ONLINE.into(),
        label: "Réalisable en ligne (part entièrement en ligne)".into(),
        selected: v.slug == ONLINE,
    }];
    for m in methods().iter().rev() {
        for i in m
            .indicators
            .iter()
            .filter(|i| i.slug != ONLINE && i.has_goal())
        {
            if indicators.iter().any(|o| o.value == i.slug) {
                continue;
            }
            indicators.push(SelectOption {
                value: i.slug.into(),
                label: format!("{} ({})", i.label_fr, m.code),
                selected: v.slug == i.slug,
            });
        }
    }
    let orgs = state.organisations(false).await?;
    let mut scopes = vec![SelectOption {
        value: String::new(),
        label: "Toutes les démarches suivies".into(),
        selected: v.organisation_id.is_empty(),
    }];
    scopes.extend(
        orgs.iter()
            .filter(|o| o.parent_id.is_none())
            .map(|o| SelectOption {
                value: o.id.0.to_string(),
                label: format!("{} — {}", o.code, o.name),
                selected: v.organisation_id == o.id.0.to_string(),
            }),
    );
    Ok(TargetsPage {
        layout: Layout::new(
            &page.ctx,
            "Objectifs des démarches en ligne",
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Démarches en ligne", "/demarches"),
                Crumb::here("Objectifs"),
            ],
        ),
        lines: all
            .iter()
            .map(|t| (t.id, t.version, target_line(t)))
            .collect(),
        can_set: can_set_targets(page.actor()),
        editing,
        v,
        indicators,
        scopes,
        error_field: error.map(|e| e.field.clone()).unwrap_or_default(),
        error_message: error.map(|e| e.message.clone()).unwrap_or_default(),
        conflict: Vec::new(),
        has_conflict: false,
    })
}

pub async fn list(
    State(state): State<AppState>,
    page: SignedPage,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let v = TargetForm {
        slug: ONLINE.into(),
        threshold: "100".into(),
        ..Default::default()
    };
    let mut view = targets_page(&state, &page, None, v, None).await?;
    view.layout = view.layout.with_notice(notice.ok.as_deref());
    render(&view)
}

fn only_dinum(page: &SignedPage) -> Result<(), PageError> {
    if can_set_targets(page.actor()) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<TargetForm>,
) -> Result<Response, PageError> {
    only_dinum(&page)?;
    let t = match f.target() {
        Ok(t) => t,
        Err(e) => {
            let view = targets_page(&state, &page, None, f, Some(&e)).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let mut tx = state.db.begin().await?;
    targets::create(&mut tx, &page.audit(), &t).await?;
    tx.commit().await?;
    Ok(Redirect::to("/demarches/objectifs?ok=cree").into_response())
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    only_dinum(&page)?;
    let today = time::OffsetDateTime::now_utc().date();
    let t = progress_all(&state, page.actor(), today)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)?;
    render(&targets_page(&state, &page, Some(id), TargetForm::from(&t), None).await?)
}

pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<TargetForm>,
) -> Result<Response, PageError> {
    only_dinum(&page)?;
    let t = match f.target() {
        Ok(t) => t,
        Err(e) => {
            let view = targets_page(&state, &page, Some(id), f, Some(&e)).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
        }
    };
    let mut tx = state.db.begin().await?;
    match targets::update(&mut tx, &page.audit(), id, f.version, &t).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to("/demarches/objectifs?ok=enregistre").into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            let e = ValidationError::new(
                "version",
                "l'objectif a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert : rechargez la page",
            );
            let view = targets_page(&state, &page, Some(id), f, Some(&e)).await?;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    version: i64,
}

pub async fn withdraw(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    only_dinum(&page)?;
    let mut tx = state.db.begin().await?;
    targets::withdraw(&mut tx, &page.audit(), id, f.version).await?;
    tx.commit().await?;
    Ok(Redirect::to("/demarches/objectifs?ok=archive").into_response())
}
