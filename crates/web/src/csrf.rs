//! CSRF protection on every state-changing request, by construction: this
//! middleware checks all of them, so a new form cannot forget it.
//!
//! - HTML forms carry a `csrf_token` field: the session's token when signed in,
//!   or the double-submit cookie's value on the sign-in form.
//! - API calls with a session cookie send the token in `X-CSRF-Token`; calls
//!   with a bearer token need none (a browser never adds one by itself).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header::CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::{ApiError, AppError, PageError};
use crate::identity::{AuthMethod, CSRF_COOKIE, Caller, cookie};

pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// Compares two tokens in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let caller = req.extensions().get::<Caller>().and_then(|c| c.0.clone());
    let is_api = req.uri().path().starts_with("/api/");
    let expected: Option<String> = match caller.as_deref().map(|i| &i.method) {
        Some(AuthMethod::Token { .. }) => return next.run(req).await,
        Some(AuthMethod::Session { csrf_token }) => Some(csrf_token.clone()),
        // An anonymous API call is refused later with 401.
        None if is_api => return next.run(req).await,
        None => cookie(req.headers(), CSRF_COOKIE).map(str::to_owned),
    };
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return reject(is_api);
    };
    if let Some(sent) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if same(sent, &expected) {
            next.run(req).await
        } else {
            reject(is_api)
        };
    }
    if is_api {
        return reject(true);
    }
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        // Uploads (multipart) pass the token in the query string.
        let sent = req.uri().query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == FORM_FIELD)
                .map(|(_, v)| v)
        });
        return match sent {
            Some(s) if same(&s, &expected) => next.run(req).await,
            _ => reject(false),
        };
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, state.config.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return PageError(AppError::BadRequest("Requête trop volumineuse.".into()))
                .into_response();
        }
    };
    let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == FORM_FIELD)
                .map(|(_, v)| v)
        });
    match sent {
        Some(s) if same(&s, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => reject(false),
    }
}

fn reject(api: bool) -> Response {
    tracing::warn!("request refused: CSRF token missing or invalid");
    if api {
        ApiError(AppError::Csrf).into_response()
    } else {
        PageError(AppError::Csrf).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn token_comparison() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
    }
}
