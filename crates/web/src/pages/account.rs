//! "Mon compte": the signed-in user's role and their API tokens.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::ValidationError;
use cosinum_domain::authz::{Access, Resource, allows};
use cosinum_domain::token_scope::{Scope, Scopes};
use cosinum_store::{organisations, tokens};
use serde::Deserialize;

use super::{Crumb, Layout, fr_datetime, render};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::identity::SignedPage;

struct TokenLine {
    id: i64,
    name: String,
    prefix: String,
    read_only: bool,
    scopes: String,
    expires: String,
    created: String,
    last_used: String,
    status: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    email: String,
    name: String,
    role: &'static str,
    organisation: String,
    tokens: Vec<TokenLine>,
    /// A token just created: shown once, never again.
    new_token: Option<String>,
    /// (value, label) of every scope, for the form's boxes.
    scopes: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    ok: Option<String>,
}

async fn account_page(
    state: &AppState,
    page: &SignedPage,
    new_token: Option<String>,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let user = &page.identity.user;
    let organisation = match user.organisation_id {
        Some(o) => {
            let org = organisations::get(&state.db, o).await?;
            format!("{} — {}", org.code, org.name)
        }
        None => "Aucune (accès interministériel)".into(),
    };
    let now = time::OffsetDateTime::now_utc();
    let tokens = tokens::list_for_user(&state.db, user.id)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            active: t.is_active(now),
            status: if t.revoked_at.is_some() {
                "Révoqué"
            } else if t.is_active(now) {
                "Actif"
            } else {
                "Expiré"
            },
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            read_only: t.read_only,
            scopes: t.scopes.clone().map_or_else(
                || "Tous les modules".to_owned(),
                |s| {
                    s.split(',')
                        .filter_map(Scope::parse)
                        .map(Scope::label_fr)
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            ),
            expires: t
                .expires_at
                .map_or_else(|| "jamais".to_owned(), fr_datetime),
            created: fr_datetime(t.created_at),
            last_used: t.last_used_at.map_or_else(|| "jamais".into(), fr_datetime),
        })
        .collect();
    let layout = Layout::new(
        &page.ctx,
        "Mon compte",
        vec![Crumb::link("Accueil", "/"), Crumb::here("Mon compte")],
    )
    .with_notice(notice);
    render(&AccountPage {
        layout,
        email: user.email.clone(),
        name: user.display_name.clone(),
        role: user.role.label_fr(),
        organisation,
        tokens,
        new_token,
        scopes: Scope::ALL.map(|s| (s.as_str(), s.label_fr())).to_vec(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    account_page(&state, &page, None, q.ok.as_deref()).await
}

/// The token form: name, read-only box, expiry, and one box per scope
/// (repeated `scope` fields, hence the list of pairs).
pub async fn create_token(
    State(state): State<AppState>,
    page: SignedPage,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let picked: Vec<&str> = fields
        .iter()
        .filter(|(n, _)| n == "scope")
        .map(|(_, v)| v.as_str())
        .collect();
    let scopes = Scopes::parse(&picked.join(",")).map_err(AppError::from)?;
    let days = match get("expires_days").unwrap_or("90") {
        "" | "0" => None,
        d => Some(
            d.parse::<i64>()
                .ok()
                .filter(|d| (1..=3660).contains(d))
                .ok_or_else(|| {
                    AppError::from(ValidationError::new(
                        "expires_days",
                        "durée de validité invalide",
                    ))
                })?,
        ),
    };
    let expires = days.map(|d| time::OffsetDateTime::now_utc() + time::Duration::days(d));
    let mut tx = state.db.begin().await?;
    let (secret, _) = tokens::create(
        &mut tx,
        &page.audit(),
        page.identity.user.id,
        get("name").unwrap_or_default(),
        get("read_only").is_some(),
        &scopes,
        expires,
    )
    .await?;
    tx.commit().await?;
    account_page(&state, &page, Some(secret), None).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let token = tokens::get(&state.db, id).await?;
    // People revoke their own tokens; administrators anyone's (through the CLI or API).
    let own = token.user_id == page.identity.user.id.0;
    if !own && !allows(Some(page.actor()), Access::Write, &Resource::platform()) {
        return Err(AppError::Forbidden.into());
    }
    let mut tx = state.db.begin().await?;
    tokens::revoke(&mut tx, &page.audit(), id).await?;
    tx.commit().await?;
    Ok(Redirect::to("/compte?ok=revoque").into_response())
}
