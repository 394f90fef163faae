//! The browser's side of OpenID Connect sign-in: `/connexion/oidc` sends the
//! agent to the provider, `/connexion/oidc/retour` brings them back, signed
//! in, or waiting for an administrator when cosinum does not know them yet.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::agent::{AgentClaims, AgentMatch, match_agent};
use cosinum_store::{AuditCtx, oidc, organisations, secrets, sessions, users};
use serde::Deserialize;
use time::Duration;

use super::{CALLBACK_PATH, OidcError, Provider};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::identity::{CSRF_COOKIE, PageCtx, SESSION_COOKIE, cookie, set_cookie};
use crate::pages::auth::{login_with_error, safe_next};
use crate::pages::{Crumb, Layout, render};

/// The pre-session cookie naming the flow in progress.
pub const FLOW_COOKIE: &str = "cosinum_oidc";
/// An agent has this long at the provider before the flow expires.
const FLOW_MINUTES: i64 = 10;

fn provider(state: &AppState) -> Result<&Arc<Provider>, PageError> {
    state
        .oidc
        .as_ref()
        .ok_or(PageError::from(AppError::NotFound))
}

/// Where the provider sends the agent back: under `web.public_url`, which the
/// provider has registered (never derived from the request's Host).
fn redirect_uri(state: &AppState) -> Result<String, OidcError> {
    let base = state.config.public_url.as_deref().ok_or_else(|| {
        OidcError::Provider("web.oidc needs web.public_url (the registered redirect URI)".into())
    })?;
    Ok(format!("{}{CALLBACK_PATH}", base.trim_end_matches('/')))
}

#[derive(Deserialize)]
pub struct StartQuery {
    suivant: Option<String>,
}

/// Starts a sign-in: fresh state and nonce (43 random characters each), kept
/// server-side under a cookie that only this browser holds.
pub async fn start(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Query(q): Query<StartQuery>,
) -> Result<Response, PageError> {
    let provider = provider(&state)?;
    let next = safe_next(q.suivant.as_deref());
    if ctx.identity.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let attempt = async {
        let metadata = provider.metadata().await?;
        let redirect = redirect_uri(&state)?;
        let flow = oidc::Flow {
            state: secrets::random_token(32),
            nonce: secrets::random_token(32),
            next_path: next.clone(),
        };
        let id = secrets::random_token(32);
        oidc::start_flow(&state.db, &id, &flow, Duration::minutes(FLOW_MINUTES))
            .await
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        Ok::<_, OidcError>((
            id,
            provider.authorize_url(&metadata, &redirect, &flow.state, &flow.nonce),
        ))
    };
    match attempt.await {
        Ok((id, url)) => {
            let mut res = Redirect::to(&url).into_response();
            res.headers_mut().append(
                SET_COOKIE,
                set_cookie(
                    FLOW_COOKIE,
                    &id,
                    FLOW_MINUTES * 60,
                    state.config.secure_cookies(),
                ),
            );
            Ok(res)
        }
        Err(e) => failed(&state, &ctx, &headers, e).await,
    }
}

async fn failed(
    state: &AppState,
    ctx: &PageCtx,
    headers: &HeaderMap,
    e: OidcError,
) -> Result<Response, PageError> {
    tracing::warn!(
        reason = e.detail(),
        "sign-in through the identity provider failed"
    );
    let status = match e {
        OidcError::Provider(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::BAD_REQUEST,
    };
    let label = provider(state)?.config.label.clone();
    let mut res = login_with_error(
        state,
        ctx,
        headers,
        status,
        format!("Connexion avec {label} impossible : {e}."),
    )?;
    res.headers_mut().append(
        SET_COOKIE,
        set_cookie(FLOW_COOKIE, "", 0, state.config.secure_cookies()),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Template)]
#[template(path = "access_pending.html")]
struct PendingPage {
    layout: Layout,
    label: String,
    email: String,
    rejected: bool,
}

/// Where the provider sends the agent back.
pub async fn callback(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let provider = provider(&state)?.clone();
    match finish(&state, &provider, &headers, q).await {
        Ok(done) => Ok(done),
        Err(Failure::Oidc(e)) => failed(&state, &ctx, &headers, e).await,
        Err(Failure::App(e)) => Err(e),
    }
}

enum Failure {
    Oidc(OidcError),
    App(PageError),
}

impl From<OidcError> for Failure {
    fn from(e: OidcError) -> Self {
        Failure::Oidc(e)
    }
}

impl From<PageError> for Failure {
    fn from(e: PageError) -> Self {
        Failure::App(e)
    }
}

impl From<cosinum_store::StoreError> for Failure {
    fn from(e: cosinum_store::StoreError) -> Self {
        Failure::App(e.into())
    }
}

async fn finish(
    state: &AppState,
    provider: &Provider,
    headers: &HeaderMap,
    q: CallbackQuery,
) -> Result<Response, Failure> {
    let db = &state.db;
    // The flow is taken (deleted) first: whatever happens next, this state
    // cannot be played again.
    let flow_id = cookie(headers, FLOW_COOKIE).unwrap_or_default();
    let flow = oidc::take_flow(db, flow_id)
        .await?
        .ok_or(OidcError::StaleFlow)?;
    if q.state.as_deref() != Some(flow.state.as_str()) {
        return Err(OidcError::StaleFlow.into());
    }
    if let Some(error) = q.error {
        return Err(OidcError::Refused(format!(
            "{error}: {}",
            q.error_description.unwrap_or_default()
        ))
        .into());
    }
    let code = q
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| OidcError::Invalid("no code".into()))?;
    let metadata = provider.metadata().await?;
    let tokens = provider
        .exchange(&metadata, &code, &redirect_uri(state)?)
        .await?;
    let id_claims = provider
        .verify_id_token(&tokens.id_token, &flow.nonce)
        .await?;
    let info = provider
        .userinfo(&metadata, &tokens.access_token, &id_claims.sub)
        .await?;
    let email = info.email.as_deref().or(id_claims.email.as_deref());
    let claims = AgentClaims::new(
        &info.sub,
        email.unwrap_or_default(),
        info.given_name.as_deref(),
        info.usual_name.as_deref().or(info.family_name.as_deref()),
        info.siret.as_deref(),
    )
    .map_err(|e| OidcError::Invalid(format!("claims: {}: {}", e.field, e.message)))?;
    let issuer = provider.config.issuer.as_str();
    let linked = oidc::linked_user(db, issuer, &claims.subject).await?;
    let by_email = match users::get_by_email(db, &claims.email).await {
        Ok(u) if !u.disabled => Some(u),
        Ok(_) | Err(cosinum_store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let user = match match_agent(
        linked.as_ref().map(|u| u.id),
        by_email.as_ref().map(|u| u.id),
    ) {
        AgentMatch::Linked(_) => linked,
        AgentMatch::SameEmail(_) => {
            let user = by_email.ok_or(OidcError::StaleFlow)?;
            let ctx = AuditCtx::system(&format!("{} ({})", claims.email, provider.config.label));
            oidc::link(db, &ctx, issuer, &claims.subject, &user).await?;
            Some(user)
        }
        AgentMatch::Unknown => None,
    };
    let secure = state.config.secure_cookies();
    let Some(user) = user else {
        let org = suggested_organisation(state, &provider.config.organisations, &claims).await?;
        let request = oidc::request_access(db, issuer, &claims, org).await?;
        tracing::info!(
            request.id = request.id,
            "access requested through the identity provider"
        );
        let layout = Layout::bare("Demande d'accès");
        let mut res = render(&PendingPage {
            layout: Layout {
                breadcrumbs: vec![Crumb::link("Accueil", "/"), Crumb::here("Demande d'accès")],
                ..layout
            },
            label: provider.config.label.clone(),
            email: claims.email.clone(),
            rejected: request.status == "rejected",
        })?;
        res.headers_mut()
            .append(SET_COOKIE, set_cookie(FLOW_COOKIE, "", 0, secure));
        return Ok(res);
    };
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        sessions::delete(db, old).await?;
    }
    let ttl = Duration::hours(i64::from(state.config.session_ttl_hours));
    let session_id = oidc::open_session(db, user.id, ttl, &tokens.id_token).await?;
    users::touch_login(db, user.id).await?;
    tracing::info!(
        user.id = user.id.0,
        "signed in through the identity provider"
    );
    let mut res = Redirect::to(&flow.next_path).into_response();
    let h = res.headers_mut();
    h.append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, &session_id, ttl.whole_seconds(), secure),
    );
    h.append(SET_COOKIE, set_cookie(FLOW_COOKIE, "", 0, secure));
    h.append(SET_COOKIE, set_cookie(CSRF_COOKIE, "", 0, secure));
    Ok(res)
}

/// The organisation the agent's SIRET maps to, if configured and still open.
async fn suggested_organisation(
    state: &AppState,
    table: &BTreeMap<String, String>,
    claims: &AgentClaims,
) -> Result<Option<cosinum_domain::OrgId>, cosinum_store::StoreError> {
    let Some(code) = claims.organisation_code(table) else {
        return Ok(None);
    };
    let orgs = organisations::list(&state.db, false).await?;
    Ok(orgs
        .iter()
        .find(|o| o.code.eq_ignore_ascii_case(code))
        .map(|o| o.id))
}

/// Where sign-out sends the browser: the provider's end-session endpoint when
/// the session came through it (so its session ends too), home otherwise.
pub async fn logout_target(state: &AppState, id_token: Option<String>) -> String {
    let (Some(provider), Some(id_token)) = (state.oidc.as_ref(), id_token) else {
        return "/".into();
    };
    let Some(base) = state.config.public_url.as_deref() else {
        return "/".into();
    };
    let after = format!("{}{}", base.trim_end_matches('/'), super::AFTER_LOGOUT_PATH);
    match provider.metadata().await {
        Ok(m) => provider
            .logout_url(&m, &id_token, &secrets::random_token(32), &after)
            .unwrap_or_else(|| "/".into()),
        Err(e) => {
            tracing::warn!(reason = e.detail(), "provider logout skipped");
            "/".into()
        }
    }
}
