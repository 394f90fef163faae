//! `/api/v1/publication/…`: the DINUM's side of open data — each dataset's
//! field rules, preparing a release (under embargo), publishing or
//! discarding it, and reading its files before publication.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cosinum_domain::publication::{Dataset, ReleaseStatus, Rules, Visibility};
use cosinum_store::publication::{self as store, Release};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;
use crate::publication;

pub fn dataset(code: &str) -> Result<Dataset, AppError> {
    Dataset::parse(code).ok_or_else(|| {
        AppError::BadRequest(format!(
            "Jeu de données inconnu : {code} (panorama ou observatoire)"
        ))
    })
}

fn staff(caller: &ApiCaller) -> Result<(), AppError> {
    if publication::may_read(caller.actor()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// One field of a dataset and the rule in force for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldRule {
    pub key: String,
    /// The column header in the files.
    pub name: String,
    pub description: String,
    /// The key rules use (an indicator's value and level share one).
    pub rule_key: String,
    /// `public`, `withheld` or `internal`.
    pub visibility: String,
    pub default: String,
    /// Whether the dataset's withholding condition applies to the field.
    pub withholdable: bool,
}

/// A dataset's rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesView {
    pub dataset: String,
    /// What the withholding condition is, if the dataset has one.
    pub condition: Option<String>,
    /// Version to send back when changing the rules (0 = never changed).
    pub version: i64,
    pub fields: Vec<FieldRule>,
}

pub async fn rules_view(state: &AppState, d: Dataset) -> Result<RulesView, AppError> {
    let (rules, version) = store::rules(&state.db, d).await?;
    let fields = publication::fields(state, d).await?;
    Ok(RulesView {
        dataset: d.as_str().to_owned(),
        condition: d.condition_fr().map(str::to_owned),
        version,
        fields: fields
            .iter()
            .map(|f| FieldRule {
                key: f.key.clone(),
                name: f.name.clone(),
                description: f.description.clone(),
                rule_key: f.rule_key.clone(),
                visibility: rules.visibility(f).as_str().to_owned(),
                default: f.default.as_str().to_owned(),
                withholdable: f.withholdable,
            })
            .collect(),
    })
}

/// A dataset's fields and the rule in force for each (DINUM, administrators).
#[utoipa::path(get, path = "/api/v1/publication/{dataset}/rules", tag = "publication", security(("bearer" = [])),
    params(("dataset" = String, Path, description = "`panorama` or `observatoire`")),
    responses((status = 200, body = RulesView), (status = 403, body = crate::ErrorBody)))]
pub async fn get_rules(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<RulesView>, ApiError> {
    staff(&caller)?;
    Ok(Json(rules_view(&state, dataset(&code)?).await?))
}

/// New rules for a dataset.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesWrite {
    /// Rule key → `public`, `withheld` or `internal`; keys left out take
    /// their default.
    pub rules: BTreeMap<String, String>,
    /// The version read.
    pub version: i64,
}

/// Replaces a dataset's rules (DINUM, administrators). A field the
/// withholding condition applies to is `withheld` or `internal`, never
/// plainly `public`.
#[utoipa::path(put, path = "/api/v1/publication/{dataset}/rules", tag = "publication", request_body = RulesWrite, security(("bearer" = [])),
    params(("dataset" = String, Path, description = "`panorama` or `observatoire`")),
    responses((status = 200, body = RulesView), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub async fn set_rules(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<RulesWrite>,
) -> Result<Json<RulesView>, ApiError> {
    let d = dataset(&code)?;
    let mut rules = Rules::default();
    for (k, v) in &body.rules {
        let vis = Visibility::parse(v).ok_or_else(|| {
            AppError::BadRequest(format!(
                "Règle inconnue pour {k} : {v} (public, withheld ou internal)"
            ))
        })?;
        rules.0.insert(k.clone(), vis);
    }
    publication::set_rules(
        &state,
        caller.actor(),
        &caller.audit(),
        d,
        &rules,
        body.version,
    )
    .await?;
    Ok(Json(rules_view(&state, d).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct ReleasesQuery {
    /// `panorama` or `observatoire` (default: both).
    dataset: Option<String>,
}

/// Every release, under embargo, published or discarded, newest first.
#[utoipa::path(get, path = "/api/v1/publication/releases", tag = "publication", params(ReleasesQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 403, body = crate::ErrorBody)))]
pub async fn list_releases(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ReleasesQuery>,
) -> Result<Json<Vec<Release>>, ApiError> {
    staff(&caller)?;
    let d = q.dataset.as_deref().map(dataset).transpose()?;
    Ok(Json(
        store::releases(&state.db, d)
            .await
            .map_err(AppError::from)?,
    ))
}

/// A release to prepare.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrepareWrite {
    /// `panorama` or `observatoire`.
    pub dataset: String,
    /// The date the data are taken as of (the observatory takes its latest
    /// edition on or before it). Default: today.
    pub as_of: Option<Date>,
}

/// Prepares the next release of a dataset from the data as of a date,
/// under the rules in force; it stays under embargo until published.
#[utoipa::path(post, path = "/api/v1/publication/releases", tag = "publication", request_body = PrepareWrite, security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub async fn prepare(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<PrepareWrite>,
) -> Result<(StatusCode, Json<Release>), ApiError> {
    let d = dataset(&body.dataset)?;
    let as_of = body
        .as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let r = publication::prepare(&state, caller.actor(), &caller.audit(), d, as_of).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// One release (any status).
#[utoipa::path(get, path = "/api/v1/publication/releases/{id}", tag = "publication", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)))]
pub async fn get_release(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Release>, ApiError> {
    staff(&caller)?;
    Ok(Json(
        store::get(&state.db, id).await.map_err(AppError::from)?,
    ))
}

/// Publishing or discarding a release under embargo.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionWrite {
    /// `published` (an administrator or the committee's chair) or `discarded`.
    pub status: String,
    /// Published releases become public on this day (default: today).
    pub public_from: Option<Date>,
    pub version: i64,
}

/// Publishes or discards a release under embargo.
#[utoipa::path(put, path = "/api/v1/publication/releases/{id}", tag = "publication", request_body = DecisionWrite, security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 400, body = crate::ErrorBody), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DecisionWrite>,
) -> Result<Json<Release>, ApiError> {
    let to = match ReleaseStatus::parse(&body.status) {
        Some(s @ (ReleaseStatus::Published | ReleaseStatus::Discarded)) => s,
        _ => {
            return Err(AppError::BadRequest(format!(
                "Statut inconnu : {} (published ou discarded)",
                body.status
            ))
            .into());
        }
    };
    let r = publication::decide(
        &state,
        caller.actor(),
        &caller.audit(),
        id,
        to,
        body.public_from,
        body.version,
    )
    .await?;
    Ok(Json(r))
}

/// A file of a release, whatever its status (to check it before publication).
#[utoipa::path(get, path = "/api/v1/publication/releases/{id}/files/{name}", tag = "publication", security(("bearer" = [])),
    params(("id" = i64, Path), ("name" = String, Path)),
    responses((status = 200, description = "The file"), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)))]
pub async fn release_file(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, name)): ApiPath<(i64, String)>,
) -> Result<Response, ApiError> {
    staff(&caller)?;
    let (meta, bytes) = store::file(&state.db, id, &name)
        .await
        .map_err(AppError::from)?;
    Ok(super::public::file_body(&meta, bytes, None))
}

/// Whether a release's files are exactly what its stored inputs build.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    pub id: i64,
    pub reproducible: bool,
}

/// Rebuilds a release from its stored inputs and compares every byte.
#[utoipa::path(get, path = "/api/v1/publication/releases/{id}/verify", tag = "publication", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Verification), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Verification>, ApiError> {
    staff(&caller)?;
    Ok(Json(Verification {
        id,
        reproducible: publication::verify(&state, id).await?,
    }))
}
