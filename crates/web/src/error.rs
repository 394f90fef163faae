//! One application error, answered as JSON on the API and as a DSFR page elsewhere.
//!
//! Internal causes are logged once here and never shown: the client gets a
//! stable machine-readable `code` and a French message.

use std::any::Any;

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use cosinum_domain::ValidationError;
use cosinum_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    /// An API token used outside the modules it is limited to (listed).
    #[error("token out of scope (limited to {0})")]
    OutOfScope(String),
    #[error("not found")]
    NotFound,
    #[error("stale version {expected}, current {current}")]
    Conflict { expected: i64, current: i64 },
    /// Values changed since the caller read them; the message says which.
    #[error("stale values: {0}")]
    Stale(String),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("{0}")]
    BadRequest(String),
    #[error("CSRF token missing or invalid")]
    Csrf,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: `unauthenticated`, `forbidden`,
    /// `insufficient_scope`, `not_found`, `conflict`, `invalid`, `bad_request`,
    /// `csrf`, `internal`.
    pub code: &'static str,
    /// What went wrong, in French, for people.
    pub message: String,
    /// The offending field, for `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The object's current version, for `conflict`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { expected, current } => AppError::Conflict { expected, current },
            StoreError::Stale(what) => AppError::Stale(what),
            StoreError::Duplicate { field } => AppError::Invalid(ValidationError::new(
                field,
                "cette valeur est déjà utilisée",
            )),
            StoreError::Invalid(v) => AppError::Invalid(v),
            StoreError::Db(e) => AppError::Internal(e.into()),
            StoreError::Other(e) => AppError::Internal(e),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::OutOfScope(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } | AppError::Stale(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let (code, message) = match self {
            AppError::Unauthenticated => ("unauthenticated", "Authentification requise.".to_owned()),
            AppError::Forbidden => ("forbidden", "Vous n'avez pas les droits nécessaires pour cette action.".to_owned()),
            AppError::OutOfScope(scopes) => (
                "insufficient_scope",
                format!("Ce jeton est limité aux modules suivants de l'API : {scopes}."),
            ),
            AppError::NotFound => ("not_found", "Cette ressource n'existe pas.".to_owned()),
            AppError::Conflict { .. } => (
                "conflict",
                "L'objet a été modifié par quelqu'un d'autre depuis que vous l'avez ouvert.".to_owned(),
            ),
            AppError::Stale(what) => (
                "conflict",
                format!("Modifié par quelqu'un d'autre depuis que vous l'avez ouvert : {what}. Rechargez la page."),
            ),
            AppError::Invalid(v) => ("invalid", format!("{} : {}", v.field, v.message)),
            AppError::BadRequest(m) => ("bad_request", m.clone()),
            AppError::Csrf => (
                "csrf",
                "Le formulaire a expiré ou ne provient pas de cosinum : rechargez la page et recommencez.".to_owned(),
            ),
            AppError::Internal(_) => ("internal", "Erreur interne : l'incident a été journalisé.".to_owned()),
        };
        ErrorBody {
            code,
            message,
            field: match self {
                AppError::Invalid(v) => Some(v.field.clone()),
                _ => None,
            },
            current_version: match self {
                AppError::Conflict { current, .. } => Some(*current),
                _ => None,
            },
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = format!("{e:#}"), "request failed");
        }
    }
}

/// An error answered as JSON (API handlers).
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let mut response = (self.0.status(), Json(self.0.body())).into_response();
        if matches!(self.0, AppError::Unauthenticated) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"cosinum\""),
            );
        }
        response
    }
}

/// An error answered as a DSFR page (HTML handlers).
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: crate::pages::Layout,
    status: u16,
    heading: &'static str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        error_page(self.0.status(), self.0.body().message)
    }
}

/// Renders the error page for `status` (used by handlers, the 404 fallback and
/// the panic handler).
pub fn error_page(status: StatusCode, message: String) -> Response {
    let heading = match status {
        StatusCode::NOT_FOUND => "Page non trouvée",
        StatusCode::FORBIDDEN => "Accès refusé",
        StatusCode::UNAUTHORIZED => "Connexion requise",
        StatusCode::CONFLICT => "Modification concurrente",
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "Demande invalide",
        _ => "Erreur inattendue",
    };
    let page = ErrorPage {
        layout: crate::pages::Layout::bare(heading),
        status: status.as_u16(),
        heading,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status, heading).into_response()
        }
    }
}

/// A panic in a handler becomes a 500 (JSON or page) instead of a dropped connection.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "handler panicked");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Erreur interne : l'incident a été journalisé.".to_owned(),
    )
}
