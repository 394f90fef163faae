//! The « Déjà fait ailleurs ? » panel shown on the page of every object the
//! reuse finder compares (projects, applications, funding applications,
//! plan lines): the closest efforts of other ministries, why they came up,
//! the verdict given on each, and the buttons to give one.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use cosinum_search::Kind;
use serde::Deserialize;

use crate::AppState;
use crate::api::reuse_feedback::{FeedbackWrite, give};
use crate::api::search::similar_of;
use crate::error::{AppError, PageError};
use crate::format::{meur, number};
use crate::identity::SignedPage;
use cosinum_store::reuse_feedback::Feedback;

/// One candidate as shown.
pub struct CandidateRow {
    pub kind_label: &'static str,
    pub kind: &'static str,
    pub id: i64,
    pub title: String,
    pub ministry: String,
    pub url: String,
    pub shared: String,
    pub score: String,
    pub same_zone: bool,
    pub amount: String,
    /// Label and badge class of the verdict given.
    pub verdict: Option<(&'static str, &'static str)>,
    pub verdict_by: String,
    pub note: String,
    pub version: String,
}

/// The panel of one object.
pub struct ReusePanel {
    pub source_kind: &'static str,
    pub source_id: i64,
    /// Where the verdict buttons come back to.
    pub back: String,
    pub can_judge: bool,
    pub csrf: String,
    pub candidates: Vec<CandidateRow>,
}

/// The panel of (`kind`, `id`) for the signed-in user; `None` when the
/// object is not searchable (not indexed, or not readable).
pub async fn panel(
    state: &AppState,
    page: &SignedPage,
    kind: Kind,
    id: i64,
    back: String,
    limit: usize,
) -> Result<Option<ReusePanel>, PageError> {
    let similar = match similar_of(state, page.actor(), kind, id, limit).await {
        Ok(s) => s,
        Err(AppError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let can_judge =
        crate::api::reuse_feedback::may_judge(state, page.actor(), &similar.source.ministry)
            .await?;
    let candidates = similar
        .candidates
        .into_iter()
        .map(|j| row(j.candidate, j.feedback.as_ref()))
        .collect();
    Ok(Some(ReusePanel {
        source_kind: kind.as_str(),
        source_id: id,
        back,
        can_judge,
        csrf: page.identity.csrf_token().unwrap_or_default().to_owned(),
        candidates,
    }))
}

/// A candidate as shown, with the verdict given on it.
pub fn row(c: cosinum_search::Candidate, feedback: Option<&Feedback>) -> CandidateRow {
    CandidateRow {
        kind_label: c.doc.kind.label_fr(),
        kind: c.doc.kind.as_str(),
        id: c.doc.id,
        title: c.doc.title,
        ministry: c.doc.ministry,
        url: c.doc.url,
        shared: c.shared_terms.join(", "),
        score: format!("{} %", number(f64::from(c.score) * 100.0, 0)),
        same_zone: c.same_zone,
        amount: c
            .doc
            .amount
            .map(|a| meur(a as f64 / 1e6))
            .unwrap_or_default(),
        verdict: feedback.map(|f| (f.verdict.label_fr(), f.verdict.badge())),
        verdict_by: feedback.map(|f| f.author.clone()).unwrap_or_default(),
        note: feedback.map(|f| f.note.clone()).unwrap_or_default(),
        version: feedback.map(|f| f.version.to_string()).unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub struct VerdictForm {
    source_kind: String,
    source_id: i64,
    candidate_kind: String,
    candidate_id: i64,
    verdict: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
    back: String,
}

/// `POST /reutilisation/avis-candidat`: records a verdict, then returns to
/// the panel it was given from.
pub async fn give_verdict(
    State(state): State<AppState>,
    page: SignedPage,
    Form(f): Form<VerdictForm>,
) -> Result<Response, PageError> {
    let version = match f.version.trim() {
        "" => None,
        v => Some(
            v.parse()
                .map_err(|_| AppError::BadRequest(format!("Version invalide : {v}")))?,
        ),
    };
    let body = FeedbackWrite {
        source_kind: f.source_kind,
        source_id: f.source_id,
        candidate_kind: f.candidate_kind,
        candidate_id: f.candidate_id,
        verdict: f.verdict,
        note: f.note,
        version,
    };
    give(&state, page.actor(), &page.audit(), &body).await?;
    // Only a path of this site: never an address elsewhere.
    let back = if f.back.starts_with('/') && !f.back.starts_with("//") {
        f.back
    } else {
        "/reutilisation".to_owned()
    };
    let anchor = format!("reuse-{}-{}", body.source_kind, body.source_id);
    Ok(Redirect::to(&format!("{back}#{anchor}")).into_response())
}
