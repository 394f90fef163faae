//! Static assets served by the binary itself: the DSFR (vendored from npm into
//! `assets/dist` by `scripts/vendor-assets.sh`) and cosinum's own files.
//! Debug builds read them from disk; release builds embed them.
//! URLs are versioned, so browsers may cache them for a year.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;

use crate::AppState;

/// The pinned DSFR version (see package.json).
pub const DSFR_VERSION: &str = "1.15.3";

#[derive(Embed)]
#[folder = "../../assets/dist"]
#[allow_missing = true]
struct Vendored;

#[derive(Embed)]
#[folder = "assets/app"]
struct Own;

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(serve))
}

fn lookup(path: &str) -> Option<rust_embed::EmbeddedFile> {
    match path.strip_prefix("app/") {
        Some(own) => Own::get(own),
        None => Vendored::get(path),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some(file) = lookup(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = file.data.into_owned().into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(file.metadata.mimetype()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

/// URL of one of cosinum's own assets, versioned by its content.
pub fn own_url(file: &str) -> String {
    match Own::get(file) {
        Some(f) => format!(
            "/static/app/{file}?v={}",
            hex(&f.metadata.sha256_hash()[..6])
        ),
        None => format!("/static/app/{file}"),
    }
}

/// Base URL of the DSFR files (the version in the path is the cache key).
pub fn dsfr_base() -> String {
    format!("/static/dsfr/{DSFR_VERSION}")
}

/// Whether the DSFR files were vendored before this build (warned about at start-up).
pub fn dsfr_present() -> bool {
    Vendored::get(&format!("dsfr/{DSFR_VERSION}/dsfr.min.css")).is_some()
}
