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
    let orgs = state.organisations(true).await?;
    Ok(Some(
        orgs.iter()
            .filter(|o| {
                allows(
                    Some(actor),
                    Access::Read,
                    &Resource::owned_by(Owner::Organisation(o.id)),
                )
            })
            .map(|o| o.code.clone())
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
    pub candidates: Vec<JudgedCandidate>,
}

/// A candidate with the verdict given on it, if any.
#[derive(Serialize)]
pub struct JudgedCandidate {
    #[serde(flatten)]
    pub candidate: Candidate,
    pub feedback: Option<cosinum_store::reuse_feedback::Feedback>,
}

/// The candidates of other ministries for an object `actor` reads; shared
/// with the pages. Candidates come from every ministry — a ministry must
/// learn that another one already did it — but of those it does not read,
/// only the title, ministry, kind, zone and shared words are given: no
/// description, amount or link.
pub async fn similar_of(
    state: &AppState,
    actor: &Actor,
    kind: Kind,
    id: i64,
    limit: usize,
) -> Result<Similar, AppError> {
    let visible = visible_ministries(state, actor).await?;
    let index = state.search.index(&state.db).await?;
    let source = index.get(kind, id).ok_or(AppError::NotFound)?;
    let reads = |ministry: &str| {
        visible
            .as_ref()
            .is_none_or(|v| v.iter().any(|m| m == ministry))
    };
    if !reads(&source.ministry) {
        return Err(AppError::NotFound);
    }
    let candidates = index
        .similar_to(&source, None, limit, SimilarityWeights::default())
        .map_err(|e| AppError::Internal(e.into()))?;
    let given = cosinum_store::reuse_feedback::for_source(&state.db, kind.as_str(), id).await?;
    let candidates = candidates
        .into_iter()
        .map(|mut c| {
            if !reads(&c.doc.ministry) {
                redact(&mut c.doc);
            }
            JudgedCandidate {
                feedback: given
                    .iter()
                    .find(|f| f.candidate_kind == c.doc.kind.as_str() && f.candidate_id == c.doc.id)
                    .cloned(),
                candidate: c,
            }
        })
        .collect();
    Ok(Similar { source, candidates })
}

/// What a reader is told of a candidate of a ministry it does not read:
/// its title, ministry, kind, zone — no description, amount or link.
fn redact(d: &mut cosinum_search::Doc) {
    d.body.clear();
    d.url.clear();
    d.amount = None;
}

#[derive(Deserialize, IntoParams)]
pub struct DraftParams {
    /// The ministry drafting (its id): its own efforts are not candidates.
    pub organisation_id: i64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub zone: String,
    /// Default 5, at most 20.
    pub limit: Option<usize>,
}

/// The candidates for a description being drafted by `p.organisation_id`
/// (read by `actor`), redacted as in [`similar_of`]; shared with the pages.
pub async fn similar_draft(
    state: &AppState,
    actor: &Actor,
    p: &DraftParams,
) -> Result<Vec<Candidate>, AppError> {
    let org =
        cosinum_store::organisations::get(&state.db, cosinum_domain::OrgId(p.organisation_id))
            .await
            .map_err(|_| AppError::NotFound)?;
    if !allows(
        Some(actor),
        Access::Read,
        &Resource::owned_by(Owner::Organisation(org.id)),
    ) {
        return Err(AppError::NotFound);
    }
    let visible = visible_ministries(state, actor).await?;
    let reads = |ministry: &str| {
        visible
            .as_ref()
            .is_none_or(|v| v.iter().any(|m| m == ministry))
    };
    let draft = cosinum_search::Doc {
        kind: Kind::PlanLine,
        id: 0,
        ministry: org.code,
        title: p.title.chars().take(300).collect(),
        body: p.description.chars().take(4000).collect(),
        zone: p.zone.trim().to_owned(),
        url: String::new(),
        amount: None,
    };
    let index = state.search.index(&state.db).await?;
    let mut found = index
        .similar_to(
            &draft,
            None,
            p.limit.unwrap_or(5).min(20),
            SimilarityWeights::default(),
        )
        .map_err(|e| AppError::Internal(e.into()))?;
    for c in &mut found {
        if !reads(&c.doc.ministry) {
            redact(&mut c.doc);
        }
    }
    Ok(found)
}

/// « Déjà fait ailleurs ? » while a ministry drafts: the efforts of other
/// ministries closest to a text not saved yet (a plan line being written).
#[utoipa::path(get, path = "/api/v1/reuse/similar-draft", tag = "reuse", params(DraftParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 401, body = crate::ErrorBody)))]
pub async fn similar_to_draft(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<DraftParams>,
) -> Result<Json<Vec<Candidate>>, ApiError> {
    Ok(Json(similar_draft(&state, caller.actor(), &p).await?))
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
