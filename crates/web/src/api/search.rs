//! `GET /api/v1/search` (everything, with facets) and
//! `GET /api/v1/reuse/similar` (what other ministries already do that looks
//! like a given object), over what the caller may read.

use axum::Json;
use axum::extract::State;
use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_search::{Candidate, Filter, Kind, Results, SimilarityWeights};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// The ministries whose objects `actor` reads (`None`: all of them).
pub async fn visible_ministries(
    state: &AppState,
    actor: &Actor,
) -> Result<Option<Vec<String>>, AppError> {
    if actor.sees_everything() {
        return Ok(None);
    }
    let orgs = cosinum_store::organisations::list(&state.db, true).await?;
    Ok(Some(
        orgs.into_iter()
            .filter(|o| {
                allows(
                    Some(actor),
                    Access::Read,
                    &Resource::owned_by(Owner::Organisation(o.id)),
                )
            })
            .map(|o| o.code)
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words to look for (accents and endings ignored); empty lists everything.
    #[serde(default)]
    q: String,
    /// A ministry's code.
    ministry: Option<String>,
    /// `project`, `application`, `funding_application` or `plan_line`.
    kind: Option<String>,
    /// A functional zone.
    zone: Option<String>,
    /// At most this many hits (default 20, at most 200).
    limit: Option<usize>,
}

/// Runs a search for `actor`; shared with the page.
pub async fn run(state: &AppState, actor: &Actor, p: &SearchParams) -> Result<Results, AppError> {
    let kind = match p.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(
            Kind::parse(k).ok_or_else(|| AppError::BadRequest(format!("Type inconnu : {k}")))?,
        ),
    };
    let filter = Filter {
        ministry: p.ministry.clone().filter(|m| !m.is_empty()),
        kind,
        zone: p.zone.clone().filter(|z| !z.is_empty()),
        visible: visible_ministries(state, actor).await?,
    };
    let index = state.search.index(&state.db).await?;
    index
        .search(&p.q, &filter, p.limit.unwrap_or(20).min(200))
        .map_err(|e| AppError::Internal(e.into()))
}

impl SearchParams {
    pub fn new(
        q: String,
        ministry: Option<String>,
        kind: Option<String>,
        zone: Option<String>,
    ) -> Self {
        SearchParams {
            q,
            ministry,
            kind,
            zone,
            limit: Some(50),
        }
    }
}

/// Searches projects, applications, funding applications and plan lines,
/// with counts per ministry, kind and functional zone.
#[utoipa::path(get, path = "/api/v1/search", tag = "reuse", params(SearchParams), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<Results>, ApiError> {
    Ok(Json(run(&state, caller.actor(), &p).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct SimilarParams {
    /// `project`, `application`, `funding_application` or `plan_line`.
    kind: String,
    id: i64,
    /// Default 5, at most 50.
    limit: Option<usize>,
}

/// The candidates and the object they were found for.
#[derive(Serialize, ToSchema)]
pub struct Similar {
    #[schema(value_type = Object)]
    pub source: cosinum_search::Doc,
    #[schema(value_type = Vec<Object>)]
    pub candidates: Vec<Candidate>,
}

/// The candidates of other ministries for an object `actor` reads; shared
/// with the pages.
pub async fn similar_of(
    state: &AppState,
    actor: &Actor,
    kind: Kind,
    id: i64,
    limit: usize,
) -> Result<Similar, AppError> {
    let visible = visible_ministries(state, actor).await?;
    let index = state.search.index(&state.db).await?;
    let source = index.get(kind, id).cloned().ok_or(AppError::NotFound)?;
    if visible
        .as_ref()
        .is_some_and(|v| !v.contains(&source.ministry))
    {
        return Err(AppError::NotFound);
    }
    let candidates = index
        .similar_to(
            &source,
            visible.as_deref(),
            limit,
            SimilarityWeights::default(),
        )
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(Similar { source, candidates })
}

/// What other ministries already do that looks like this object: ranked by
/// text similarity and shared functional zone, each with the words both
/// texts share.
#[utoipa::path(get, path = "/api/v1/reuse/similar", tag = "reuse", params(SimilarParams), security(("bearer" = [])),
    responses((status = 200, body = Similar), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 401, body = crate::ErrorBody)))]
pub async fn similar(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<SimilarParams>,
) -> Result<Json<Similar>, ApiError> {
    let kind = Kind::parse(&p.kind)
        .ok_or_else(|| AppError::BadRequest(format!("Type inconnu : {}", p.kind)))?;
    Ok(Json(
        similar_of(
            &state,
            caller.actor(),
            kind,
            p.id,
            p.limit.unwrap_or(5).min(50),
        )
        .await?,
    ))
}
