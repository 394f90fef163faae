//! Administration of user accounts (administrators only).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::authz::{Access, Resource, Role, allows};
use cosinum_domain::organisation::tree_order;
use cosinum_domain::user::{User, UserInput, check_password};
use cosinum_domain::{UserId, ValidationError};
use cosinum_store::{StoreError, audit, organisations, secrets, users};
use serde::Deserialize;

use super::history::{ChangeView, change_views};
use super::organisations::SelectOption;
use super::{Crumb, Layout, render, render_status};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

pub(super) fn require_admin(page: &SignedPage) -> Result<(), PageError> {
    if allows(Some(page.actor()), Access::Write, &Resource::platform()) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

struct UserLine {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    organisation: String,
    disabled: bool,
    version: i64,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<UserLine>,
    pending_requests: usize,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    ok: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    require_admin(&page)?;
    let orgs = organisations::list(&state.db, true).await?;
    let lines = users::list(&state.db)
        .await?
        .into_iter()
        .map(|u| UserLine {
            id: u.id.0,
            organisation: u
                .organisation_id
                .and_then(|o| orgs.iter().find(|x| x.id == o))
                .map(|o| o.code.clone())
                .unwrap_or_else(|| "—".into()),
            email: u.email,
            name: u.display_name,
            role: u.role.label_fr(),
            disabled: u.disabled,
            version: u.version,
        })
        .collect();
    let layout = Layout::new(
        &page.ctx,
        "Comptes utilisateurs",
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::here("Comptes utilisateurs"),
        ],
    )
    .with_notice(q.ok.as_deref());
    let pending_requests = cosinum_store::oidc::requests(&state.db)
        .await?
        .iter()
        .filter(|r| r.status == "pending")
        .count();
    render(&ListPage {
        layout,
        lines,
        pending_requests,
    })
}

#[derive(Default)]
struct FormValues {
    email: String,
    display_name: String,
    role: String,
    organisation_id: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    heading: String,
    is_new: bool,
    user_id: i64,
    values: FormValues,
    roles: Vec<SelectOption>,
    organisations: Vec<SelectOption>,
    error_field: String,
    error_message: String,
    conflict: Vec<ChangeView>,
    has_conflict: bool,
}

impl FormPage {
    async fn build(
        state: &AppState,
        page: &SignedPage,
        existing: Option<&User>,
        values: FormValues,
    ) -> Result<Self, PageError> {
        let orgs = organisations::list(&state.db, false).await?;
        let mut organisations = vec![SelectOption {
            value: String::new(),
            label: "Aucune".into(),
            selected: values.organisation_id.is_empty(),
        }];
        organisations.extend(
            tree_order(&orgs)
                .into_iter()
                .map(|(depth, o)| SelectOption {
                    value: o.id.0.to_string(),
                    label: format!("{}{} — {}", "  ".repeat(depth), o.code, o.name),
                    selected: values.organisation_id == o.id.0.to_string(),
                }),
        );
        let roles = Role::ALL
            .iter()
            .map(|r| SelectOption {
                value: r.as_str().into(),
                label: r.label_fr().into(),
                selected: values.role == r.as_str(),
            })
            .collect();
        let (heading, action) = match existing {
            Some(u) => (
                format!("Modifier le compte de {}", u.display_name),
                format!("/admin/utilisateurs/{}/modifier", u.id),
            ),
            None => (
                "Nouveau compte".to_owned(),
                "/admin/utilisateurs".to_owned(),
            ),
        };
        let layout = Layout::new(
            &page.ctx,
            heading.clone(),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Comptes utilisateurs", "/admin/utilisateurs"),
                Crumb::here(heading.clone()),
            ],
        );
        Ok(Self {
            layout,
            action,
            heading,
            is_new: existing.is_none(),
            user_id: existing.map_or(0, |u| u.id.0),
            values,
            roles,
            organisations,
            error_field: String::new(),
            error_message: String::new(),
            conflict: Vec::new(),
            has_conflict: false,
        })
    }

    fn with_error(mut self, e: &ValidationError) -> Self {
        self.error_field = e.field.clone();
        self.error_message = e.message.clone();
        self
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    page: SignedPage,
) -> Result<Response, PageError> {
    require_admin(&page)?;
    let values = FormValues {
        role: "ministry_reader".into(),
        ..Default::default()
    };
    render(&FormPage::build(&state, &page, None, values).await?)
}

#[derive(Deserialize)]
pub struct UserForm {
    email: String,
    display_name: String,
    role: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    version: i64,
}

impl UserForm {
    fn values(&self) -> FormValues {
        FormValues {
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role.clone(),
            organisation_id: self.organisation_id.clone(),
            version: self.version,
        }
    }

    fn input(&self) -> Result<UserInput, ValidationError> {
        let organisation_id =
            match self.organisation_id.trim() {
                "" => None,
                o => Some(o.parse().map_err(|_| {
                    ValidationError::new("organisation_id", "organisation inconnue")
                })?),
            };
        Ok(UserInput {
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role.clone(),
            organisation_id,
        })
    }
}

async fn form_error(
    state: &AppState,
    page: &SignedPage,
    existing: Option<&User>,
    form: &UserForm,
    e: &ValidationError,
) -> Result<Response, PageError> {
    let view = FormPage::build(state, page, existing, form.values())
        .await?
        .with_error(e);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

pub async fn create(
    State(state): State<AppState>,
    page: SignedPage,
    Form(form): Form<UserForm>,
) -> Result<Response, PageError> {
    require_admin(&page)?;
    let checked = form
        .input()
        .and_then(|i| i.validate())
        .and_then(|f| check_password(&form.password).map(|()| f));
    let fields = match checked {
        Ok(f) => f,
        Err(e) => return form_error(&state, &page, None, &form, &e).await,
    };
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || secrets::hash_password(&password))
        .await
        .map_err(anyhow::Error::from)??;
    let mut tx = state.db.begin().await?;
    match users::create(&mut tx, &page.audit(), &fields, Some(&hash)).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(Redirect::to("/admin/utilisateurs?ok=cree").into_response())
        }
        Err(StoreError::Invalid(e)) => form_error(&state, &page, None, &form, &e).await,
        Err(StoreError::Duplicate { field }) => {
            form_error(
                &state,
                &page,
                None,
                &form,
                &ValidationError::new(field, "un compte existe déjà avec cette adresse"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    require_admin(&page)?;
    let user = users::get(&state.db, UserId(id)).await?;
    let values = FormValues {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        role: user.role.as_str().into(),
        organisation_id: user
            .organisation_id
            .map(|o| o.0.to_string())
            .unwrap_or_default(),
        version: user.version,
    };
    render(&FormPage::build(&state, &page, Some(&user), values).await?)
}

pub async fn update(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> Result<Response, PageError> {
    require_admin(&page)?;
    let db = &state.db;
    let current = users::get(db, UserId(id)).await?;
    let fields = match form.input().and_then(|i| i.validate()) {
        Ok(f) => f,
        Err(e) => return form_error(&state, &page, Some(&current), &form, &e).await,
    };
    if !form.password.is_empty()
        && let Err(e) = check_password(&form.password)
    {
        return form_error(&state, &page, Some(&current), &form, &e).await;
    }
    let hash = if form.password.is_empty() {
        None
    } else {
        let password = form.password.clone();
        Some(
            tokio::task::spawn_blocking(move || secrets::hash_password(&password))
                .await
                .map_err(anyhow::Error::from)??,
        )
    };
    let ctx = page.audit();
    let mut tx = db.begin().await?;
    match users::update(&mut tx, &ctx, UserId(id), form.version, &fields).await {
        Ok(_) => {
            if let Some(hash) = hash {
                users::set_password(&mut tx, &ctx, UserId(id), &hash).await?;
            }
            tx.commit().await?;
            Ok(Redirect::to("/admin/utilisateurs?ok=enregistre").into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            let changes = audit::changes_since(db, users::OBJECT_TYPE, id, form.version).await?;
            let latest = users::get(db, UserId(id)).await?;
            let mut values = form.values();
            values.version = latest.version;
            let mut view = FormPage::build(&state, &page, Some(&latest), values).await?;
            view.conflict = change_views(&changes);
            view.has_conflict = true;
            render_status(StatusCode::CONFLICT, &view)
        }
        Err(StoreError::Invalid(e)) => form_error(&state, &page, Some(&current), &form, &e).await,
        Err(StoreError::Duplicate { field }) => {
            form_error(
                &state,
                &page,
                Some(&current),
                &form,
                &ValidationError::new(field, "un compte existe déjà avec cette adresse"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct VersionForm {
    version: i64,
}

async fn set_disabled(
    state: AppState,
    page: SignedPage,
    id: i64,
    version: i64,
    disabled: bool,
) -> Result<Response, PageError> {
    require_admin(&page)?;
    if disabled && page.identity.user.id == UserId(id) {
        return Err(AppError::BadRequest(
            "Vous ne pouvez pas désactiver votre propre compte.".into(),
        )
        .into());
    }
    let mut tx = state.db.begin().await?;
    users::set_disabled(&mut tx, &page.audit(), UserId(id), Some(version), disabled).await?;
    tx.commit().await?;
    let notice = if disabled { "desactive" } else { "reactive" };
    Ok(Redirect::to(&format!("/admin/utilisateurs?ok={notice}")).into_response())
}

pub async fn disable(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<VersionForm>,
) -> Result<Response, PageError> {
    set_disabled(state, page, id, f.version, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Form(f): Form<VersionForm>,
) -> Result<Response, PageError> {
    set_disabled(state, page, id, f.version, false).await
}
