//! `/api/v1/users`: account administration (administrators only).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::UserId;
use cosinum_domain::authz::{Access, Resource, allows};
use cosinum_domain::user::{User, UserInput, check_password};
use cosinum_store::{secrets, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// A user account (never its password).
#[derive(Serialize, ToSchema)]
pub struct UserDto {
    id: i64,
    email: String,
    display_name: String,
    /// `admin`, `steering`, `ministry_editor` or `ministry_reader`.
    role: String,
    organisation_id: Option<i64>,
    disabled: bool,
    version: i64,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.0,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().into(),
            organisation_id: u.organisation_id.map(|o| o.0),
            disabled: u.disabled,
            version: u.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    email: String,
    display_name: String,
    role: String,
    organisation_id: Option<i64>,
    /// At least 12 characters; omit for accounts that sign in through an identity provider.
    password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    email: String,
    display_name: String,
    role: String,
    organisation_id: Option<i64>,
    disabled: bool,
    version: i64,
}

pub(super) fn require_admin(caller: &ApiCaller, access: Access) -> Result<(), ApiError> {
    if allows(Some(caller.actor()), access, &Resource::platform()) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

/// Lists every account.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserDto]), (status = 403, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<UserDto>>, ApiError> {
    require_admin(&caller, Access::Read)?;
    Ok(Json(
        users::list(&state.db)
            .await?
            .iter()
            .map(UserDto::from)
            .collect(),
    ))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = UserDto), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UserDto>, ApiError> {
    require_admin(&caller, Access::Read)?;
    Ok(Json(UserDto::from(
        &users::get(&state.db, UserId(id)).await?,
    )))
}

/// Creates an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserCreate,
    security(("bearer" = [])),
    responses((status = 201, body = UserDto), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<UserCreate>,
) -> Result<(StatusCode, Json<UserDto>), ApiError> {
    require_admin(&caller, Access::Write)?;
    let input = UserInput {
        email: body.email,
        display_name: body.display_name,
        role: body.role,
        organisation_id: body.organisation_id,
    };
    let fields = input.validate().map_err(AppError::from)?;
    let hash = match body.password {
        Some(p) => {
            check_password(&p).map_err(AppError::from)?;
            Some(
                tokio::task::spawn_blocking(move || secrets::hash_password(&p))
                    .await
                    .map_err(anyhow::Error::from)??,
            )
        }
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let user = users::create(&mut tx, &caller.audit(), &fields, hash.as_deref()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(UserDto::from(&user))))
}

/// Updates an account read at `version` (role, organisation, enabled); 409 if stale.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    request_body = UserUpdate, security(("bearer" = [])),
    responses((status = 200, body = UserDto), (status = 403, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserUpdate>,
) -> Result<Json<UserDto>, ApiError> {
    require_admin(&caller, Access::Write)?;
    let input = UserInput {
        email: body.email,
        display_name: body.display_name,
        role: body.role,
        organisation_id: body.organisation_id,
    };
    let fields = input.validate().map_err(AppError::from)?;
    if body.disabled && caller.identity.user.id == UserId(id) {
        return Err(AppError::BadRequest(
            "Vous ne pouvez pas désactiver votre propre compte.".into(),
        )
        .into());
    }
    let ctx = caller.audit();
    let mut tx = state.db.begin().await?;
    let mut user = users::update(&mut tx, &ctx, UserId(id), body.version, &fields).await?;
    if user.disabled != body.disabled {
        user = users::set_disabled(&mut tx, &ctx, UserId(id), Some(user.version), body.disabled)
            .await?;
    }
    tx.commit().await?;
    Ok(Json(UserDto::from(&user)))
}
