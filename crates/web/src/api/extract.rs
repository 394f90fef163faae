//! Extractors whose rejections answer with the API's JSON error body instead
//! of axum's plain-text messages.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};

use crate::error::{ApiError, AppError};

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        ApiError(AppError::BadRequest(format!(
            "Corps JSON invalide : {}",
            r.body_text()
        )))
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError(AppError::BadRequest(format!(
            "Chemin invalide : {}",
            r.body_text()
        )))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError(AppError::BadRequest(format!(
            "Paramètres invalides : {}",
            r.body_text()
        )))
    }
}
