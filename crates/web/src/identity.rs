//! Who is calling: a browser session (cookie) or a machine client (bearer token).
//!
//! [`resolve`] runs before every handler and stores the caller in the request;
//! the extractors below hand it to handlers, answering 401 (API) or redirecting
//! to the sign-in page (HTML) when someone must be signed in.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::UserId;
use cosinum_domain::authz::Actor;
use cosinum_domain::token_scope::Scopes;
use cosinum_domain::user::User;
use cosinum_store::{AuditCtx, Via, sessions, tokens, users};

use crate::AppState;
use crate::error::{ApiError, AppError};

pub const SESSION_COOKIE: &str = "cosinum_session";
/// Double-submit CSRF cookie for visitors not yet signed in (the sign-in form).
pub const CSRF_COOKIE: &str = "cosinum_csrf";

/// A signed-in caller.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    pub actor: Actor,
    pub method: AuthMethod,
}

#[derive(Debug, Clone)]
pub enum AuthMethod {
    /// A browser session; its forms must echo `csrf_token`.
    Session { csrf_token: String },
    /// An API token, limited to `scopes`.
    Token { token_id: i64, scopes: Scopes },
}

impl Identity {
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.method {
            AuthMethod::Session { csrf_token } => Some(csrf_token),
            AuthMethod::Token { .. } => None,
        }
    }
}

/// The caller of the current request, as stored by [`resolve`].
#[derive(Debug, Clone, Default)]
pub struct Caller(pub Option<Arc<Identity>>);

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure behind TLS.
/// `max_age` 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Middleware: resolves the caller from a bearer token or a session cookie.
/// A bad bearer token is refused at once; a stale cookie just means anonymous.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let caller = match identify(&state, req.headers()).await {
        Ok(c) => c,
        Err(e) => return ApiError(e).into_response(),
    };
    // A token limited to some modules reaches nothing else (pages included).
    if let Some(AuthMethod::Token { scopes, .. }) = caller.0.as_deref().map(|i| &i.method)
        && !scopes.allows_path(req.uri().path())
    {
        return ApiError(AppError::OutOfScope(scopes.stored().unwrap_or_default())).into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

async fn identify(state: &AppState, headers: &HeaderMap) -> Result<Caller, AppError> {
    let db = &state.db;
    if let Some(auth) = headers.get(AUTHORIZATION) {
        let secret = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AppError::Unauthenticated)?;
        let token = tokens::authenticate(db, secret)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let (user, actor) = users::actor(db, UserId(token.user_id), token.read_only)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let method = AuthMethod::Token {
            token_id: token.id,
            scopes: token.scopes(),
        };
        return Ok(Caller(Some(Arc::new(Identity {
            user,
            actor,
            method,
        }))));
    }
    let Some(session_id) = cookie(headers, SESSION_COOKIE) else {
        return Ok(Caller(None));
    };
    let Some(session) = sessions::find(db, session_id).await? else {
        return Ok(Caller(None));
    };
    let Some((user, actor)) = users::actor(db, session.user_id, false).await? else {
        return Ok(Caller(None));
    };
    let method = AuthMethod::Session {
        csrf_token: session.csrf_token,
    };
    Ok(Caller(Some(Arc::new(Identity {
        user,
        actor,
        method,
    }))))
}

fn request_id(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn caller(parts: &Parts) -> Option<Arc<Identity>> {
    parts.extensions.get::<Caller>().and_then(|c| c.0.clone())
}

/// A signed-in API caller; 401 otherwise.
pub struct ApiCaller {
    pub identity: Arc<Identity>,
    request_id: Option<String>,
}

impl ApiCaller {
    pub fn actor(&self) -> &Actor {
        &self.identity.actor
    }

    pub fn audit(&self) -> AuditCtx {
        audit_ctx(&self.identity, Via::Api, self.request_id.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let identity = caller(parts).ok_or(ApiError(AppError::Unauthenticated))?;
        Ok(Self {
            identity,
            request_id: request_id(parts),
        })
    }
}

fn audit_ctx(identity: &Identity, via: Via, request_id: Option<String>) -> AuditCtx {
    let through = match identity.method {
        AuthMethod::Token { token_id, .. } => format!(" (jeton n° {token_id})"),
        AuthMethod::Session { .. } => String::new(),
    };
    AuditCtx {
        actor: Some(identity.user.id),
        actor_label: format!(
            "{} <{}>{through}",
            identity.user.display_name, identity.user.email
        ),
        via,
        request_id,
    }
}

/// Everything a page handler needs to know about the request.
pub struct PageCtx {
    pub identity: Option<Arc<Identity>>,
    /// Path of the page, to mark the current navigation entry.
    pub path: String,
    pub request_id: Option<String>,
}

impl PageCtx {
    pub fn actor(&self) -> Option<&Actor> {
        self.identity.as_deref().map(|i| &i.actor)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            identity: caller(parts),
            path: parts.uri.path().to_owned(),
            request_id: request_id(parts),
        })
    }
}

/// A page that requires a signed-in user: anonymous visitors are sent to the
/// sign-in page, which brings them back here afterwards.
pub struct SignedPage {
    pub identity: Arc<Identity>,
    pub ctx: PageCtx,
}

impl SignedPage {
    pub fn actor(&self) -> &Actor {
        &self.identity.actor
    }

    pub fn audit(&self) -> AuditCtx {
        audit_ctx(&self.identity, Via::Web, self.ctx.request_id.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Response> {
        let Ok(ctx) = PageCtx::from_request_parts(parts, s).await;
        match ctx.identity.clone() {
            Some(identity) => Ok(Self { identity, ctx }),
            None => {
                let back = parts
                    .uri
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_owned();
                let target = format!(
                    "/connexion?suivant={}",
                    serde_urlencoded::to_string([("", back)])
                        .map(|s| s.trim_start_matches('=').to_owned())
                        .unwrap_or_default()
                );
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}
