//! Sign-in and sign-out with local accounts (and the sign-in page's button
//! for the identity provider, see `crate::oidc`).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_domain::login_guard;
use cosinum_store::{login_failures, secrets, sessions, users};
use serde::Deserialize;

use super::{Crumb, Layout, render_status};
use crate::AppState;
use crate::error::PageError;
use crate::identity::{CSRF_COOKIE, PageCtx, SESSION_COOKIE, cookie, set_cookie};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    email: String,
    error: Option<String>,
    /// The identity provider's name when one is configured (« ProConnect »).
    provider: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    suivant: Option<String>,
}

/// Only local paths are followed after sign-in (no open redirect).
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        // Browsers drop tabs and newlines from URLs, so "/\t/evil" would
        // become "//evil": no control character or whitespace at all.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn login_page(
    state: &AppState,
    ctx: &PageCtx,
    csrf: &str,
    next: String,
    email: String,
    error: Option<String>,
) -> LoginPage {
    let mut layout = Layout::new(
        ctx,
        "Connexion",
        vec![Crumb::link("Accueil", "/"), Crumb::here("Connexion")],
    );
    layout.csrf_token = csrf.to_owned();
    LoginPage {
        layout,
        next,
        email,
        error,
        provider: state.oidc.as_ref().map(|p| p.config.label.clone()),
    }
}

/// The sign-in page again, with `message` (and the visitor's CSRF cookie).
pub(crate) fn login_with_error(
    state: &AppState,
    ctx: &PageCtx,
    headers: &HeaderMap,
    status: StatusCode,
    message: String,
) -> Result<Response, PageError> {
    let csrf = cookie(headers, CSRF_COOKIE)
        .filter(|c| c.len() >= 32)
        .map_or_else(|| secrets::random_token(32), str::to_owned);
    let page = login_page(state, ctx, &csrf, "/".into(), String::new(), Some(message));
    let mut response = render_status(status, &page)?;
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(CSRF_COOKIE, &csrf, 3600 * 4, state.config.secure_cookies()),
    );
    Ok(response)
}

pub async fn login_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    if ctx.identity.is_some() {
        return Ok(Redirect::to(&safe_next(q.suivant.as_deref())).into_response());
    }
    // Reuse the visitor's CSRF cookie if present, so that two open tabs both work.
    let csrf = cookie(&headers, CSRF_COOKIE)
        .filter(|c| c.len() >= 32)
        .map_or_else(|| secrets::random_token(32), str::to_owned);
    let page = login_page(
        &state,
        &ctx,
        &csrf,
        safe_next(q.suivant.as_deref()),
        String::new(),
        None,
    );
    let mut response = render_status(StatusCode::OK, &page)?;
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(CSRF_COOKIE, &csrf, 3600 * 4, state.config.secure_cookies()),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    suivant: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let next = safe_next(form.suivant.as_deref());
    let key = form.email.trim().to_lowercase();
    let policy = state.config.login_guard;
    let now = time::OffsetDateTime::now_utc();
    let csrf = cookie(&headers, CSRF_COOKIE).unwrap_or_default().to_owned();
    let refused = |status: StatusCode, message: String, retry: Option<i64>| {
        let page = login_page(
            &state,
            &ctx,
            &csrf,
            next.clone(),
            form.email.trim().to_owned(),
            Some(message),
        );
        let mut res = render_status(status, &page)?;
        if let Some(minutes) = retry
            && let Ok(v) = (minutes * 60).to_string().parse()
        {
            res.headers_mut().insert(RETRY_AFTER, v);
        }
        Ok::<Response, PageError>(res)
    };
    let locked_message = |until: time::OffsetDateTime| {
        let minutes = login_guard::minutes_left(until, now);
        (
            format!(
                "Trop de tentatives de connexion pour ce compte : réessayez dans {minutes} minute{}.",
                if minutes > 1 { "s" } else { "" }
            ),
            minutes,
        )
    };
    // Locked: refused before the password is even checked, the right one too.
    let failures = login_failures::get(db, &key).await?;
    if let Some(until) = policy.locked(failures.as_ref(), now) {
        tracing::warn!(email = %key, "sign-in refused: locked out");
        let (message, minutes) = locked_message(until);
        return refused(StatusCode::TOO_MANY_REQUESTS, message, Some(minutes));
    }
    let found = users::find_credentials(db, &form.email).await?;
    let (user, hash) = match found {
        Some((u, Some(h))) if !u.disabled => (Some(u), h),
        // Verify against a dummy hash anyway: same timing for unknown e-mails.
        _ => (None, secrets::dummy_hash().to_owned()),
    };
    let password = form.password.clone();
    let ok = tokio::task::spawn_blocking(move || secrets::verify_password(&password, &hash))
        .await
        .map_err(anyhow::Error::from)?;
    let Some(user) = user.filter(|_| ok) else {
        tracing::warn!(email = %key, "sign-in refused");
        // Known or unknown address alike: no way to tell them apart.
        let after = login_failures::record_failure(db, &policy, &key, now).await?;
        if let Some(until) = after.locked_until {
            let (message, minutes) = locked_message(until);
            return refused(StatusCode::TOO_MANY_REQUESTS, message, Some(minutes));
        }
        return refused(
            StatusCode::UNAUTHORIZED,
            "Adresse électronique ou mot de passe incorrect.".to_owned(),
            None,
        );
    };
    login_failures::clear(db, &key).await?;
    // A fresh session id at every sign-in (no fixation); the previous one ends.
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        sessions::delete(db, old).await?;
    }
    let ttl = time::Duration::hours(i64::from(state.config.session_ttl_hours));
    let (session_id, _) = sessions::create(db, user.id, ttl).await?;
    users::touch_login(db, user.id).await?;
    tracing::info!(user.id = user.id.0, "signed in");
    let secure = state.config.secure_cookies();
    let mut response = Redirect::to(&next).into_response();
    let h = response.headers_mut();
    h.append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, &session_id, ttl.whole_seconds(), secure),
    );
    h.append(SET_COOKIE, set_cookie(CSRF_COOKIE, "", 0, secure));
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let mut id_token = None;
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        id_token = cosinum_store::oidc::session_id_token(&state.db, id).await?;
        sessions::delete(&state.db, id).await?;
    }
    // Signed in through the provider: end its session too (RP-initiated logout).
    let target = crate::oidc::routes::logout_target(&state, id_token).await;
    let mut response = Redirect::to(&target).into_response();
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies()),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_redirects() {
        assert_eq!(safe_next(Some("/organisations?x=1")), "/organisations?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
