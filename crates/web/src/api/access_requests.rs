//! `/api/v1/access-requests`: agents vouched for by the identity provider,
//! waiting for an administrator (administrators only).

use axum::Json;
use axum::extract::State;
use cosinum_domain::authz::Access;
use cosinum_store::oidc::{self, AccessRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::{UserDto, require_admin};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::ApiError;
use crate::identity::ApiCaller;

/// An agent's request for access.
#[derive(Serialize, ToSchema)]
pub struct AccessRequestDto {
    id: i64,
    /// The provider's issuer and its identifier of the agent (`sub`).
    issuer: String,
    subject: String,
    email: String,
    display_name: String,
    siret: Option<String>,
    /// The organisation the SIRET suggests (`web.oidc.organisations`).
    organisation_id: Option<i64>,
    /// `pending`, `approved` or `rejected`.
    status: String,
    #[schema(format = DateTime)]
    requested_at: String,
    #[schema(format = DateTime)]
    decided_at: Option<String>,
    /// The account created on approval.
    user_id: Option<i64>,
    version: i64,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl From<AccessRequest> for AccessRequestDto {
    fn from(r: AccessRequest) -> Self {
        Self {
            id: r.id,
            issuer: r.issuer,
            subject: r.subject,
            email: r.email,
            display_name: r.display_name,
            siret: r.siret,
            organisation_id: r.organisation_id,
            status: r.status,
            requested_at: rfc3339(r.requested_at),
            decided_at: r.decided_at.map(rfc3339),
            user_id: r.user_id,
            version: r.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// `admin`, `steering`, `ministry_editor` or `ministry_reader`.
    role: String,
    /// Required for the ministry roles.
    organisation_id: Option<i64>,
    /// The request's version as read; 409 if it changed since.
    version: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalDto {
    request: AccessRequestDto,
    user: UserDto,
}

/// Every access request, pending first.
#[utoipa::path(get, path = "/api/v1/access-requests", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [AccessRequestDto]), (status = 401, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<AccessRequestDto>>, ApiError> {
    require_admin(&caller, Access::Read)?;
    let all = oidc::requests(&state.db).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

/// Grants a pending request: creates the account (signing in through the
/// provider only) with the role and organisation given, and links it.
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/approve", tag = "users",
    params(("id" = i64, Path)), request_body = Approval, security(("bearer" = [])),
    responses((status = 200, body = ApprovalDto), (status = 401, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Approval>,
) -> Result<Json<ApprovalDto>, ApiError> {
    require_admin(&caller, Access::Write)?;
    let (request, user) = oidc::approve(
        &state.db,
        &caller.audit(),
        id,
        body.version,
        &body.role,
        body.organisation_id,
    )
    .await?;
    Ok(Json(ApprovalDto {
        request: request.into(),
        user: UserDto::from(&user),
    }))
}

/// Refuses a pending request; the agent is told so at their next sign-in.
#[utoipa::path(post, path = "/api/v1/access-requests/{id}/reject", tag = "users",
    params(("id" = i64, Path)), request_body = Rejection, security(("bearer" = [])),
    responses((status = 200, body = AccessRequestDto), (status = 401, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Rejection>,
) -> Result<Json<AccessRequestDto>, ApiError> {
    require_admin(&caller, Access::Write)?;
    let request = oidc::reject(&state.db, &caller.audit(), id, body.version).await?;
    Ok(Json(request.into()))
}
