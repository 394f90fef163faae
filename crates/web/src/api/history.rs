//! `/api/v1/history/{object_type}/{object_id}`: an object's audit history.

use axum::Json;
use axum::extract::State;
use cosinum_domain::authz::{Access, allows};
use cosinum_store::{AuditEntry, audit};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::ApiPath;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;
use crate::objects;

/// One field's value before and after a change.
#[derive(Serialize, ToSchema)]
pub struct FieldChangeDto {
    field: String,
    #[schema(value_type = Object)]
    before: serde_json::Value,
    #[schema(value_type = Object)]
    after: serde_json::Value,
}

/// One change of an object.
#[derive(Serialize, ToSchema)]
pub struct HistoryEntryDto {
    id: i64,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    actor_user_id: Option<i64>,
    actor_label: String,
    /// `web`, `api`, `cli` or `system`.
    via: String,
    request_id: Option<String>,
    /// The object's version after this change.
    object_version: i64,
    /// `create`, `update`, `archive` or `restore`.
    action: String,
    changes: Vec<FieldChangeDto>,
}

impl From<AuditEntry> for HistoryEntryDto {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_user_id: e.actor_user_id,
            actor_label: e.actor_label,
            via: e.via,
            request_id: e.request_id,
            object_version: e.object_version,
            action: e.action.as_str().into(),
            changes: e
                .changes
                .into_iter()
                .map(|c| FieldChangeDto {
                    field: c.field,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        }
    }
}

/// The history of an object, oldest first (`organisation`, `user`, `api_token`, …).
#[utoipa::path(get, path = "/api/v1/history/{object_type}/{object_id}", tag = "history",
    params(("object_type" = String, Path), ("object_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = [HistoryEntryDto]), (status = 403, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath((object_type, object_id)): ApiPath<(String, i64)>,
) -> Result<Json<Vec<HistoryEntryDto>>, ApiError> {
    let object = objects::find(&state.db, &object_type, object_id).await?;
    if !allows(Some(caller.actor()), Access::Read, &object.resource) {
        return Err(AppError::Forbidden.into());
    }
    let entries = audit::history(&state.db, &object_type, object_id).await?;
    Ok(Json(entries.into_iter().map(Into::into).collect()))
}
