//! `/api/v1/organisations`: the organisations referential.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::OrgId;
use cosinum_domain::authz::{Access, Resource, allows};
use cosinum_domain::organisation::{Organisation, OrganisationInput};
use cosinum_store::organisations;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::streamed::StreamedJson;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// An organisation.
#[derive(Serialize, ToSchema)]
pub struct OrganisationDto {
    id: i64,
    /// Unique code, e.g. `MININT`.
    code: String,
    name: String,
    /// `ministry`, `direction` or `operator`.
    kind: String,
    parent_id: Option<i64>,
    valid_from: Date,
    valid_to: Option<Date>,
    archived: bool,
    /// Send it back with an update: a stale version is refused with 409.
    version: i64,
}

impl From<Organisation> for OrganisationDto {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id.0,
            code: o.code,
            name: o.name,
            kind: o.kind.as_str().into(),
            parent_id: o.parent_id.map(|p| p.0),
            valid_from: o.valid_from,
            valid_to: o.valid_to,
            archived: o.archived,
            version: o.version,
        }
    }
}

/// The fields of a new organisation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationCreate {
    code: String,
    name: String,
    /// `ministry`, `direction` or `operator`.
    kind: String,
    parent_id: Option<i64>,
    /// Defaults to today.
    valid_from: Option<Date>,
    valid_to: Option<Date>,
}

/// The fields of an organisation, and the version they were read at.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationUpdate {
    code: String,
    name: String,
    kind: String,
    parent_id: Option<i64>,
    valid_from: Option<Date>,
    valid_to: Option<Date>,
    version: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Include archived organisations (former ministries…).
    #[serde(default)]
    include_archived: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct VersionBody {
    version: i64,
}

fn check(caller: &ApiCaller, access: Access, resource: &Resource) -> Result<(), ApiError> {
    if allows(Some(caller.actor()), access, resource) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// Lists organisations, ordered by code.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(ListParams),
    security(("bearer" = [])),
    responses((status = 200, body = [OrganisationDto]), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<StreamedJson<Vec<OrganisationDto>>, ApiError> {
    check(&caller, Access::Read, &Resource::organisation_directory())?;
    let orgs = organisations::list(&state.db, params.include_archived).await?;
    Ok(StreamedJson::new(
        orgs.into_iter().map(Into::into).collect(),
    ))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = OrganisationDto), (status = 404, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrganisationDto>, ApiError> {
    check(&caller, Access::Read, &Resource::organisation_directory())?;
    Ok(Json(organisations::get(&state.db, OrgId(id)).await?.into()))
}

/// Creates an organisation (a ministry: DINUM or admin; a direction or
/// operator: also the editors of the organisation above it).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations",
    request_body = OrganisationCreate, security(("bearer" = [])),
    responses((status = 201, body = OrganisationDto), (status = 403, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<OrganisationCreate>,
) -> Result<(StatusCode, Json<OrganisationDto>), ApiError> {
    let input = OrganisationInput {
        code: body.code,
        name: body.name,
        kind: body.kind,
        parent_id: body.parent_id,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
    };
    // Authorise before validating: nobody learns anything from a refused write.
    check(
        &caller,
        Access::Write,
        &Resource::organisation_record(input.parent_id.map(OrgId)),
    )?;
    let fields = input.validate(today()).map_err(AppError::from)?;
    let mut tx = state.db.begin().await?;
    let org = organisations::create(&mut tx, &caller.audit(), &fields).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

/// Updates an organisation read at `version`; 409 if it changed since.
#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "organisations",
    params(("id" = i64, Path)), request_body = OrganisationUpdate, security(("bearer" = [])),
    responses((status = 200, body = OrganisationDto), (status = 403, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OrganisationUpdate>,
) -> Result<Json<OrganisationDto>, ApiError> {
    let current = organisations::get(&state.db, OrgId(id)).await?;
    check(
        &caller,
        Access::Write,
        &Resource::organisation_record(current.parent_id),
    )?;
    let input = OrganisationInput {
        code: body.code,
        name: body.name,
        kind: body.kind,
        parent_id: body.parent_id,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
    };
    check(
        &caller,
        Access::Write,
        &Resource::organisation_record(input.parent_id.map(OrgId)),
    )?;
    let fields = input.validate(current.valid_from).map_err(AppError::from)?;
    let mut tx = state.db.begin().await?;
    let org =
        organisations::update(&mut tx, &caller.audit(), OrgId(id), body.version, &fields).await?;
    tx.commit().await?;
    Ok(Json(org.into()))
}

async fn set_archived(
    state: AppState,
    caller: ApiCaller,
    id: i64,
    version: i64,
    archived: bool,
) -> Result<Json<OrganisationDto>, ApiError> {
    let current = organisations::get(&state.db, OrgId(id)).await?;
    check(
        &caller,
        Access::Write,
        &Resource::organisation_record(current.parent_id),
    )?;
    let mut tx = state.db.begin().await?;
    let org =
        organisations::set_archived(&mut tx, &caller.audit(), OrgId(id), version, archived).await?;
    tx.commit().await?;
    Ok(Json(org.into()))
}

/// Archives an organisation (never deleted); its active children must be archived first.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/archive", tag = "organisations",
    params(("id" = i64, Path)), request_body = VersionBody, security(("bearer" = [])),
    responses((status = 200, body = OrganisationDto), (status = 409, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)))]
pub async fn archive(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<OrganisationDto>, ApiError> {
    set_archived(state, caller, id, body.version, true).await
}

/// Restores an archived organisation.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/restore", tag = "organisations",
    params(("id" = i64, Path)), request_body = VersionBody, security(("bearer" = [])),
    responses((status = 200, body = OrganisationDto), (status = 409, body = crate::ErrorBody)))]
pub async fn restore(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<OrganisationDto>, ApiError> {
    set_archived(state, caller, id, body.version, false).await
}
