//! `PUT /api/v1/reuse/feedback` (a verdict on a candidate of the reuse
//! finder: reused, not relevant, to discuss in committee) and
//! `GET /api/v1/reuse/feedback` (the verdicts the caller may read).

use axum::Json;
use axum::extract::State;
use cosinum_domain::ValidationError;
use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_domain::reuse::feedback::{FeedbackInput, Verdict};
use cosinum_search::Kind;
use cosinum_store::AuditCtx;
use cosinum_store::reuse_feedback::{self, Feedback};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::search::visible_ministries;
use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// A verdict on a candidate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackWrite {
    /// The object the candidate was found for: `project`, `application`,
    /// `funding_application` or `plan_line`.
    pub source_kind: String,
    pub source_id: i64,
    pub candidate_kind: String,
    pub candidate_id: i64,
    /// `reused`, `not_relevant` or `committee`.
    pub verdict: String,
    #[serde(default)]
    pub note: String,
    /// The version of the verdict read, to change one (absent for a first verdict).
    pub version: Option<i64>,
}

/// Whether `actor` may judge the candidates of an object of ministry
/// `code`: its own ministry's editors, and the DINUM.
pub async fn may_judge(state: &AppState, actor: &Actor, code: &str) -> Result<bool, AppError> {
    if super::plans::reviews_plans(actor) {
        return Ok(true);
    }
    let orgs = state.organisations(true).await?;
    Ok(orgs.iter().any(|o| {
        o.code == code
            && allows(
                Some(actor),
                Access::Write,
                &Resource::owned_by(Owner::Organisation(o.id)),
            )
    }))
}

/// Records a verdict for `actor`; shared with the pages.
pub async fn give(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    body: &FeedbackWrite,
) -> Result<Feedback, AppError> {
    let verdict = Verdict::parse(&body.verdict).ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "verdict",
            "reused, not_relevant ou committee",
        ))
    })?;
    let kind = |field: &str, k: &str| {
        Kind::parse(k).ok_or_else(|| {
            AppError::Invalid(ValidationError::new(field, format!("type inconnu : {k}")))
        })
    };
    let index = state.search.index(&state.db).await?;
    let visible = visible_ministries(state, actor).await?;
    let readable =
        |d: &cosinum_search::Doc| visible.as_ref().is_none_or(|v| v.contains(&d.ministry));
    let source = index
        .get(kind("source_kind", &body.source_kind)?, body.source_id)
        .filter(readable)
        .ok_or(AppError::NotFound)?;
    // The candidate may be of a ministry the caller does not read: the
    // finder shows those too (title and ministry only).
    let candidate = index
        .get(
            kind("candidate_kind", &body.candidate_kind)?,
            body.candidate_id,
        )
        .ok_or(AppError::NotFound)?;
    if candidate.ministry == source.ministry {
        return Err(AppError::Invalid(ValidationError::new(
            "candidate_id",
            "le candidat doit être d'un autre ministère",
        )));
    }
    if !may_judge(state, actor, &source.ministry).await? {
        return Err(AppError::Forbidden);
    }
    let input = FeedbackInput {
        source_kind: body.source_kind.clone(),
        source_id: body.source_id,
        candidate_kind: body.candidate_kind.clone(),
        candidate_id: body.candidate_id,
        verdict,
        note: body.note.clone(),
    };
    let mut tx = state.db.begin().await?;
    let saved = reuse_feedback::set(&mut tx, ctx, input, body.version).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Gives or changes the verdict on a candidate of the reuse finder. The
/// object's ministry and the DINUM may; a changed verdict needs the version
/// read (409 otherwise). Audited.
#[utoipa::path(put, path = "/api/v1/reuse/feedback", tag = "reuse", request_body = FeedbackWrite,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn put_feedback(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<FeedbackWrite>,
) -> Result<Json<Feedback>, ApiError> {
    Ok(Json(
        give(&state, caller.actor(), &caller.audit(), &body).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct FeedbackParams {
    /// Only this verdict: `reused`, `not_relevant` or `committee`.
    verdict: Option<String>,
}

/// The verdicts on objects the caller reads, e.g. every
/// pair to discuss in committee (`verdict=committee`).
#[utoipa::path(get, path = "/api/v1/reuse/feedback", tag = "reuse", params(FeedbackParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn list_feedback(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<FeedbackParams>,
) -> Result<Json<Vec<Feedback>>, ApiError> {
    let verdict = match p.verdict.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(
            Verdict::parse(v)
                .ok_or_else(|| AppError::BadRequest(format!("Verdict inconnu : {v}")))?,
        ),
    };
    Ok(Json(
        readable_feedback(&state, caller.actor(), verdict).await?,
    ))
}

/// The verdicts on objects `actor` reads.
pub async fn readable_feedback(
    state: &AppState,
    actor: &Actor,
    verdict: Option<Verdict>,
) -> Result<Vec<Feedback>, AppError> {
    let index = state.search.index(&state.db).await?;
    let visible = visible_ministries(state, actor).await?;
    let reads = |kind: &str, id: i64| {
        Kind::parse(kind)
            .and_then(|k| index.get(k, id))
            .is_some_and(|d| visible.as_ref().is_none_or(|v| v.contains(&d.ministry)))
    };
    Ok(reuse_feedback::all(&state.db)
        .await?
        .into_iter()
        .filter(|f| verdict.is_none_or(|v| f.verdict == v))
        .filter(|f| reads(&f.source_kind, f.source_id))
        .collect())
}
