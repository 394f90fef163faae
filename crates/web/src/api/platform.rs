//! Health and identity.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::users::UserDto;
use crate::AppState;
use crate::error::ApiError;
use crate::identity::ApiCaller;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the platform and its database answer.
    status: &'static str,
}

/// Liveness and database reachability, without authentication.
#[utoipa::path(get, path = "/api/v1/health", tag = "platform",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(Health { status: "ok" }).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                }),
            )
                .into_response()
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    user: UserDto,
    /// Whether the caller authenticated with a read-only token.
    read_only: bool,
    /// Organisations whose data the caller may read (and write, for editors).
    scope: Vec<i64>,
}

/// The caller's account, role and scope.
#[utoipa::path(get, path = "/api/v1/me", tag = "platform", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::ErrorBody)))]
pub async fn me(caller: ApiCaller) -> Result<Json<Me>, ApiError> {
    let actor = caller.actor();
    Ok(Json(Me {
        user: UserDto::from(&caller.identity.user),
        read_only: actor.read_only,
        scope: actor.scope.iter().map(|o| o.0).collect(),
    }))
}
