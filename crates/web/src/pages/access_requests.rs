//! `/admin/acces`: agents vouched for by the identity provider whom cosinum
//! does not know yet; an administrator gives them a role and a ministry, or
//! refuses them.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::ValidationError;
use cosinum_domain::authz::Role;
use cosinum_domain::organisation::tree_order;
use cosinum_store::{StoreError, oidc, organisations};
use serde::Deserialize;

use super::organisations::SelectOption;
use super::users::require_admin;
use super::{Crumb, Layout, NoticeQuery, render_status};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

struct RequestLine {
    request: oidc::AccessRequest,
    requested_on: String,
    /// The organisation select, the SIRET's suggestion pre-selected.
    organisations: Vec<SelectOption>,
    suggested: String,
}

#[derive(Template)]
#[template(path = "users/access_requests.html")]
struct ListPage {
    layout: Layout,
    pending: Vec<RequestLine>,
    decided: Vec<RequestLine>,
    roles: Vec<SelectOption>,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    page: &SignedPage,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<ListPage, PageError> {
    let orgs = organisations::list(&state.db, false).await?;
    let ordered = tree_order(&orgs);
    let lines = oidc::requests(&state.db).await?.into_iter().map(|r| {
        let organisations = ordered
            .iter()
            .map(|(depth, o)| SelectOption {
                value: o.id.0.to_string(),
                label: format!("{}{} — {}", "  ".repeat(*depth), o.code, o.name),
                selected: r.organisation_id == Some(o.id.0),
            })
            .collect();
        let suggested = r
            .organisation_id
            .and_then(|id| orgs.iter().find(|o| o.id.0 == id))
            .map_or_else(|| "—".to_owned(), |o| o.code.clone());
        RequestLine {
            requested_on: super::fr_datetime(r.requested_at),
            request: r,
            organisations,
            suggested,
        }
    });
    let (pending, decided): (Vec<_>, Vec<_>) = lines.partition(|l| l.request.status == "pending");
    let roles = Role::ALL
        .iter()
        .map(|r| SelectOption {
            value: r.as_str().into(),
            label: r.label_fr().into(),
            selected: *r == Role::MinistryReader,
        })
        .collect();
    let layout = Layout::new(
        &page.ctx,
        "Demandes d'accès",
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Comptes utilisateurs", "/admin/utilisateurs"),
            Crumb::here("Demandes d'accès"),
        ],
    )
    .with_notice(notice);
    Ok(ListPage {
        layout,
        pending,
        decided,
        roles,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    signed: SignedPage,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    require_admin(&signed)?;
    let p = page(&state, &signed, q.ok.as_deref(), None).await?;
    render_status(StatusCode::OK, &p)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    version: i64,
    role: Option<String>,
    organisation_id: Option<String>,
}

/// A refused decision: the list again, saying why (nothing was changed).
async fn refused(
    state: &AppState,
    signed: &SignedPage,
    e: StoreError,
) -> Result<Response, PageError> {
    let (status, message) = match e {
        StoreError::Invalid(ValidationError { field, message }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Décision impossible ({field}) : {message}."),
        ),
        StoreError::Conflict { .. } => (
            StatusCode::CONFLICT,
            "Cette demande a changé depuis l'affichage de la page : vérifiez-la et recommencez."
                .to_owned(),
        ),
        StoreError::Duplicate { .. } => (
            StatusCode::CONFLICT,
            "Un compte existe déjà pour cette adresse : l'agent peut se connecter directement."
                .to_owned(),
        ),
        other => return Err(other.into()),
    };
    let p = page(state, signed, None, Some(message)).await?;
    render_status(status, &p)
}

pub async fn approve(
    State(state): State<AppState>,
    signed: SignedPage,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    require_admin(&signed)?;
    let org = match form.organisation_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => match v.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = ValidationError::new("organisation_id", "organisation inconnue");
                return refused(&state, &signed, e.into()).await;
            }
        },
    };
    let role = form.role.unwrap_or_default();
    match oidc::approve(&state.db, &signed.audit(), id, form.version, &role, org).await {
        Ok(_) => Ok(Redirect::to("/admin/acces?ok=acces_approuve").into_response()),
        Err(StoreError::NotFound) => Err(AppError::NotFound.into()),
        Err(e) => refused(&state, &signed, e).await,
    }
}

pub async fn reject(
    State(state): State<AppState>,
    signed: SignedPage,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    require_admin(&signed)?;
    match oidc::reject(&state.db, &signed.audit(), id, form.version).await {
        Ok(_) => Ok(Redirect::to("/admin/acces?ok=acces_refuse").into_response()),
        Err(StoreError::NotFound) => Err(AppError::NotFound.into()),
        Err(e) => refused(&state, &signed, e).await,
    }
}
