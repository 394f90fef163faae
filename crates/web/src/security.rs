//! Security headers on every response (OWASP Secure Headers; ANSSI's
//! « Recommandations pour la mise en place de sites web sécurisés »):
//!
//! - a Content Security Policy with no `unsafe-inline` and no `unsafe-eval`:
//!   scripts, styles and fonts from cosinum itself only (the pages carry no
//!   inline script, style element or style attribute), images also as
//!   `data:` URIs (the DSFR's icons); no plug-ins; forms post to cosinum;
//!   pages cannot be framed (`frame-ancestors 'none'`);
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (older
//!   browsers), `Referrer-Policy: same-origin`, a `Permissions-Policy`
//!   turning off devices cosinum never uses, `Cross-Origin-Opener-Policy`;
//! - `Strict-Transport-Security` when cosinum is served over TLS
//!   (`web.public_url` starting with `https://`).
//!
//! Open-data charts (`…/graphiques/*.svg`) stay embeddable with `<img>`
//! from any site: a CSP on an image does not stop it being shown, and no
//! `Cross-Origin-Resource-Policy` is set.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The Content Security Policy of every response.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Two years, subdomains included (the HSTS preload list's minimum).
const HSTS: &str = "max-age=63072000; includeSubDomains";

const PERMISSIONS: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// Adds the security headers to a response (keeping any a handler set).
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let mut set = |name, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(CONTENT_SECURITY_POLICY, CSP);
    set(X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(X_FRAME_OPTIONS, "DENY");
    set(REFERRER_POLICY, "same-origin");
    set(
        axum::http::HeaderName::from_static("permissions-policy"),
        PERMISSIONS,
    );
    set(
        axum::http::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if state.config.secure_cookies() {
        set(STRICT_TRANSPORT_SECURITY, HSTS);
    }
    res
}
