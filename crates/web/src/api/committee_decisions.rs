//! `/api/v1/committee/…`: decisions (per point, the register across
//! sessions, those about an object), their progress notes, and the
//! versions of each record of decisions with their PDF and ODT.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cosinum_domain::committee::decisions::{DecisionInput, Frequency, Status};
use cosinum_domain::committee::releve;
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::committee::decisions::{Decision, Note};
use cosinum_store::committee::records::RecordVersion;
use cosinum_store::committee::{self as store};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use super::committee::objects_of;
use super::demarches_files::file_response;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::committee::register::{self, RegisterFilter, RegisterLine};
use crate::committee::service;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// A decision as written by the secretariat.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionWrite {
    pub text: String,
    /// The owner organisation's code (`MININT`).
    pub owner: String,
    pub due_on: Date,
    /// `monthly`, `quarterly` or `biannual` (default quarterly).
    pub frequency: Option<String>,
    /// Objects concerned, as `kind:id`.
    #[serde(default)]
    pub objects: Vec<String>,
    /// The version read (to reword a decision).
    pub version: Option<i64>,
}

impl DecisionWrite {
    pub async fn input(&self, state: &AppState) -> Result<DecisionInput, AppError> {
        let owner = cosinum_store::organisations::get_by_code(&state.db, self.owner.trim())
            .await
            .map_err(|_| {
                ValidationError::new("owner", format!("organisation inconnue : {}", self.owner))
            })?;
        let frequency = match self.frequency.as_deref() {
            None | Some("") => Frequency::Quarterly,
            Some(f) => Frequency::parse(f).ok_or_else(|| {
                ValidationError::new("frequency", "monthly, quarterly ou biannual")
            })?,
        };
        Ok(DecisionInput {
            text: self.text.clone(),
            owner: OrgId(owner.id.0),
            due_on: self.due_on,
            frequency,
            objects: objects_of(state, &self.objects).await?,
        })
    }
}

/// Records a decision on an agenda point (while the record is a draft).
#[utoipa::path(post, path = "/api/v1/committee/points/{id}/decisions", tag = "committee", params(("id" = i64, Path)), request_body = DecisionWrite,
    security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_decision(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DecisionWrite>,
) -> Result<(StatusCode, Json<Decision>), ApiError> {
    let input = body.input(&state).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::add_decision(&state, caller.actor(), &caller.audit(), id, &input).await?),
    ))
}

/// A decision with its follow-up.
#[derive(Serialize, ToSchema)]
pub struct DecisionDetail {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub line: RegisterLine,
    #[schema(value_type = Vec<Object>)]
    pub notes: Vec<Note>,
}

#[utoipa::path(get, path = "/api/v1/committee/decisions/{id}", tag = "committee", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = DecisionDetail), (status = 404, body = crate::ErrorBody)))]
pub async fn get_decision(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DecisionDetail>, ApiError> {
    let today = OffsetDateTime::now_utc().date();
    let line = register::line(&state, id, today).await?;
    let notes = store::decisions::notes(&state.db, id)
        .await
        .map_err(AppError::from)?;
    Ok(Json(DecisionDetail { line, notes }))
}

/// Rewords a decision at the version read (while the record is a draft).
#[utoipa::path(put, path = "/api/v1/committee/decisions/{id}", tag = "committee", params(("id" = i64, Path)), request_body = DecisionWrite,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update_decision(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DecisionWrite>,
) -> Result<Json<Decision>, ApiError> {
    let version = body.version.ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "version",
            "la version lue est requise",
        ))
    })?;
    let input = body.input(&state).await?;
    Ok(Json(
        service::update_decision(&state, caller.actor(), &caller.audit(), id, &input, version)
            .await?,
    ))
}

/// A progress note by the decision's owner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteWrite {
    pub text: String,
    /// The decision's status now: `open`, `in_progress`, `done` or `cancelled`.
    pub status: String,
    /// Default: today.
    pub noted_on: Option<Date>,
    /// The decision's version read.
    pub version: i64,
}

/// Adds a dated progress note (the owner ministry or the DINUM).
#[utoipa::path(post, path = "/api/v1/committee/decisions/{id}/notes", tag = "committee", params(("id" = i64, Path)), request_body = NoteWrite,
    security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NoteWrite>,
) -> Result<(StatusCode, Json<Decision>), ApiError> {
    let status = Status::parse(&body.status).ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "status",
            "open, in_progress, done ou cancelled",
        ))
    })?;
    let d = service::add_note(
        &state,
        caller.actor(),
        &caller.audit(),
        id,
        service::NoteWrite {
            noted_on: body.noted_on,
            text: &body.text,
            status,
        },
        body.version,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// The register of decisions across sessions, with their alerts.
#[utoipa::path(get, path = "/api/v1/committee/decisions", tag = "committee", params(RegisterFilter), security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 400, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiQuery(filter): ApiQuery<RegisterFilter>,
) -> Result<Json<Vec<RegisterLine>>, ApiError> {
    let today = OffsetDateTime::now_utc().date();
    Ok(Json(register::search(&state, &filter, today).await?))
}

/// The versions of a session's record, latest first.
#[utoipa::path(get, path = "/api/v1/committee/sessions/{id}/records", tag = "committee", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 404, body = crate::ErrorBody)))]
pub async fn records(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<RecordVersion>>, ApiError> {
    store::get_session(&state.db, id)
        .await
        .map_err(AppError::from)?;
    Ok(Json(
        store::records::for_session(&state.db, id)
            .await
            .map_err(AppError::from)?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordOpen {
    #[serde(default)]
    pub preamble: String,
}

/// Opens a draft record: the first, or the next version after a published one.
#[utoipa::path(post, path = "/api/v1/committee/sessions/{id}/records", tag = "committee", params(("id" = i64, Path)), request_body = RecordOpen,
    security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub async fn open_record(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RecordOpen>,
) -> Result<(StatusCode, Json<RecordVersion>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            service::open_record(&state, caller.actor(), &caller.audit(), id, &body.preamble)
                .await?,
        ),
    ))
}

/// A change to a record version: its preamble (draft only) or its status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordChange {
    pub preamble: Option<String>,
    /// `draft`, `validated` (the chair) or `published`.
    pub status: Option<String>,
    pub version: i64,
}

#[utoipa::path(put, path = "/api/v1/committee/records/{id}", tag = "committee", params(("id" = i64, Path)), request_body = RecordChange,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn change_record(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RecordChange>,
) -> Result<Json<RecordVersion>, ApiError> {
    let (actor, ctx) = (caller.actor(), caller.audit());
    let r = match (&body.preamble, &body.status) {
        (Some(p), None) => service::set_preamble(&state, actor, &ctx, id, p, body.version).await?,
        (None, Some(s)) => {
            let to = releve::Status::parse(s).ok_or_else(|| {
                AppError::Invalid(ValidationError::new(
                    "status",
                    "draft, validated ou published",
                ))
            })?;
            service::transition(&state, actor, &ctx, id, to, body.version).await?
        }
        _ => {
            return Err(AppError::BadRequest("Indiquez soit preamble, soit status.".into()).into());
        }
    };
    Ok(Json(r))
}

#[derive(Deserialize, IntoParams)]
pub struct RecordFormat {
    /// `pdf` (default) or `odt` (editable).
    pub format: Option<String>,
}

/// A record version as a document: PDF, or ODT to edit in an office suite.
#[utoipa::path(get, path = "/api/v1/committee/records/{id}/document", tag = "committee", params(("id" = i64, Path), RecordFormat),
    security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 400, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody)))]
pub async fn record_document(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(f): ApiQuery<RecordFormat>,
) -> Result<Response, ApiError> {
    Ok(record_file(&state, id, f.format.as_deref().unwrap_or("pdf")).await?)
}

/// A record version rendered as `pdf` or `odt`.
pub async fn record_file(state: &AppState, id: i64, format: &str) -> Result<Response, AppError> {
    let v = store::records::get(&state.db, id).await?;
    let doc = service::record_document(state, &v).await?;
    let base = format!("cosinum-releve-seance-{}-v{}", v.session_id, v.number);
    let (ct, ext, bytes) = match format {
        "pdf" => (
            "application/pdf",
            "pdf",
            tokio::task::spawn_blocking(move || cosinum_reports::record_pdf(&doc)),
        ),
        "odt" => (
            "application/vnd.oasis.opendocument.text",
            "odt",
            tokio::task::spawn_blocking(move || cosinum_reports::record_odt(&doc)),
        ),
        other => {
            return Err(AppError::BadRequest(format!(
                "Format inconnu : {other} (pdf ou odt)"
            )));
        }
    };
    let bytes = bytes
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("record document: {e}")))?;
    Ok(file_response(ct, &format!("{base}.{ext}"), bytes))
}
