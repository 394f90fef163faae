//! `/api/v1/campaigns`: collection campaigns (issue #13) — opened and closed
//! by the DINUM, filled by ministries (values, template round trip,
//! attestation), items accepted or returned; `/api/v1/notifications`: the
//! caller's in-app notifications.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cosinum_domain::OrgId;
use cosinum_domain::campaigns::{CampaignFields, CampaignKind, Decision, ItemStatus};
use cosinum_store::campaigns::notices::{self, Notification};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::campaign_files::{self, ImportReport};
use crate::campaigns::{self, CampaignView};
use crate::error::{ApiError, AppError};
use crate::funding_import::LineProblem;
use crate::identity::ApiCaller;
use crate::mail::DispatchReport;

/// A campaign in a list, with its progress.
#[derive(Serialize, ToSchema)]
pub struct CampaignSummary {
    #[schema(value_type = Object)]
    pub campaign: cosinum_store::campaigns::Campaign,
    /// Items the caller sees, and how many are transmitted.
    pub expected: usize,
    pub transmitted: usize,
    /// Organisations late (deadline passed, items missing).
    pub late_organisations: Vec<String>,
}

/// The campaigns the caller takes part in (every one for the DINUM).
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = Vec<CampaignSummary>), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<CampaignSummary>>, ApiError> {
    Ok(Json(summaries(&state, caller.actor()).await?))
}

/// Summaries shared with the pages.
pub async fn summaries(
    state: &AppState,
    actor: &cosinum_domain::authz::Actor,
) -> Result<Vec<CampaignSummary>, AppError> {
    let mut out = Vec::new();
    for c in cosinum_store::campaigns::list(&state.db).await? {
        match campaigns::view(state, actor, c.id).await {
            Ok((v, _)) => out.push(CampaignSummary {
                expected: v.totals.expected,
                transmitted: v.totals.transmitted(),
                late_organisations: v
                    .organisations
                    .iter()
                    .filter(|o| o.late)
                    .map(|o| o.code.clone())
                    .collect(),
                campaign: v.campaign,
            }),
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A campaign to open.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCampaign {
    pub title: String,
    /// `project_review`, `demarche_indicators` or `hr_return`.
    pub kind: String,
    /// Data as of this day.
    pub reference_date: Date,
    pub opens_on: Date,
    pub deadline: Date,
    /// Reminders, in days before the deadline (e.g. `[14, 7, 2]`).
    #[serde(default)]
    pub reminder_days: Vec<u32>,
    /// Organisations asked (with those below them); empty: all.
    #[serde(default)]
    pub organisations: Vec<i64>,
}

impl OpenCampaign {
    pub fn request(&self) -> Result<campaigns::OpenRequest, AppError> {
        let kind = CampaignKind::parse(&self.kind).ok_or_else(|| {
            AppError::Invalid(cosinum_domain::ValidationError::new(
                "kind",
                "type inconnu : project_review, demarche_indicators ou hr_return",
            ))
        })?;
        Ok(campaigns::OpenRequest {
            fields: CampaignFields {
                title: self.title.clone(),
                kind,
                reference_date: self.reference_date,
                opens_on: self.opens_on,
                deadline: self.deadline,
                reminder_days: self.reminder_days.clone(),
            },
            organisations: self.organisations.iter().copied().map(OrgId).collect(),
        })
    }
}

/// Opens a campaign (the DINUM): one item per expected object, pre-filled
/// with last period's values; the organisations concerned are notified.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = OpenCampaign, security(("bearer" = [])),
    responses((status = 201, body = CampaignView), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<OpenCampaign>,
) -> Result<(StatusCode, Json<CampaignView>), ApiError> {
    let c = campaigns::open(&state, caller.actor(), &caller.audit(), &body.request()?).await?;
    let (v, _) = campaigns::view(&state, caller.actor(), c.id).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A campaign: completeness per organisation, lateness, attestations.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = CampaignView), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CampaignView>, ApiError> {
    Ok(Json(campaigns::view(&state, caller.actor(), id).await?.0))
}

#[derive(Deserialize, IntoParams)]
pub struct ItemsParams {
    organisation_id: Option<i64>,
    /// `not_started`, `draft`, `submitted`, `returned` or `accepted`.
    status: Option<String>,
    /// Only items with quality flags.
    flagged: Option<bool>,
}

/// The items the caller sees, with their values, flags and status.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/items", tag = "campaigns", params(("id" = i64, Path), ItemsParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn items(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ItemsParams>,
) -> Result<Json<Vec<cosinum_store::campaigns::Item>>, ApiError> {
    let status = match q.status.as_deref() {
        Some(s) => Some(
            ItemStatus::parse(s)
                .ok_or_else(|| AppError::BadRequest(format!("statut inconnu « {s} »")))?,
        ),
        None => None,
    };
    let (_, items) = campaigns::campaign_for(&state, caller.actor(), id).await?;
    Ok(Json(
        items
            .into_iter()
            .filter(|i| q.organisation_id.is_none_or(|o| i.organisation_id.0 == o))
            .filter(|i| status.is_none_or(|s| i.status == s))
            .filter(|i| q.flagged.is_none_or(|f| f != i.flags.is_empty()))
            .collect(),
    ))
}

/// An item's values as entered.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValuesWrite {
    pub version: i64,
    /// Field key → value as text (`{"cost_meur": "12,5", "forecast_end": "2027-06-30", …}`).
    pub values: BTreeMap<String, String>,
}

/// Enters an item's values (a ministry): the item becomes a draft, its
/// quality flags are computed.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/items/{item_id}/values", tag = "campaigns",
    params(("id" = i64, Path), ("item_id" = i64, Path)), request_body = ValuesWrite, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn put_values(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, item_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<ValuesWrite>,
) -> Result<Json<cosinum_store::campaigns::Item>, ApiError> {
    Ok(Json(
        campaigns::save_values(
            &state,
            caller.actor(),
            &caller.audit(),
            id,
            item_id,
            body.version,
            &body.values,
        )
        .await?,
    ))
}

/// A ministry's attestation.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationWrite {
    pub organisation_id: i64,
    /// The attester's function, e.g. "Directeur du numérique".
    pub role: String,
    /// Must be true: "I certify these figures".
    pub confirm: bool,
}

/// Attests an organisation's return (a ministry editor): every item must be
/// entered; the drafts are transmitted to the DINUM.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/attestations", tag = "campaigns", params(("id" = i64, Path)),
    request_body = AttestationWrite, security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)))]
pub async fn attest(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AttestationWrite>,
) -> Result<(StatusCode, Json<cosinum_store::campaigns::Attestation>), ApiError> {
    let a = campaigns::attest(
        &state,
        caller.actor(),
        &caller.audit(),
        id,
        OrgId(body.organisation_id),
        &body.role,
        body.confirm,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// The DINUM's decision on a transmitted item.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionWrite {
    pub version: i64,
    /// `accept` or `return`.
    #[schema(value_type = String)]
    pub decision: Decision,
    /// Required to return an item: what to correct.
    #[serde(default)]
    pub comment: String,
}

/// Accepts a transmitted item (its values go into the module) or returns it
/// for correction with a comment (the ministry is notified).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/items/{item_id}/decision", tag = "campaigns",
    params(("id" = i64, Path), ("item_id" = i64, Path)), request_body = DecisionWrite, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, item_id)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<DecisionWrite>,
) -> Result<Json<cosinum_store::campaigns::Item>, ApiError> {
    Ok(Json(
        campaigns::review(
            &state,
            caller.actor(),
            &caller.audit(),
            (id, item_id),
            campaigns::Verdict {
                version: body.version,
                decision: body.decision,
                comment: &body.comment,
            },
        )
        .await?,
    ))
}

/// Which transmitted items to accept at once.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptUnflagged {
    /// One organisation's; absent: every organisation's.
    pub organisation_id: Option<i64>,
}

/// How many items were accepted.
#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub accepted: usize,
}

/// Accepts every transmitted item that no quality check flagged (the
/// DINUM), all in one transaction; flagged items wait for a decision each.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/accept-unflagged", tag = "campaigns", params(("id" = i64, Path)),
    request_body = AcceptUnflagged, security(("bearer" = [])),
    responses((status = 200, body = Accepted), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)))]
pub async fn accept_unflagged(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AcceptUnflagged>,
) -> Result<Json<Accepted>, ApiError> {
    let accepted = campaigns::accept_unflagged(
        &state,
        caller.actor(),
        &caller.audit(),
        id,
        body.organisation_id.map(OrgId),
    )
    .await?;
    Ok(Json(Accepted { accepted }))
}

/// The version a close acts on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseWrite {
    pub version: i64,
}

/// Closes a campaign (the DINUM): no more entries nor decisions.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/close", tag = "campaigns", params(("id" = i64, Path)),
    request_body = CloseWrite, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CloseWrite>,
) -> Result<Json<cosinum_store::campaigns::Campaign>, ApiError> {
    Ok(Json(
        campaigns::close(&state, caller.actor(), &caller.audit(), id, body.version).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct TemplateParams {
    /// `xlsx` (default) or `csv`.
    format: Option<String>,
}

/// The caller's items still to fill, pre-filled, as Excel or CSV.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/template", tag = "campaigns", params(("id" = i64, Path), TemplateParams),
    security(("bearer" = [])),
    responses((status = 200, description = "XLSX or CSV file"), (status = 400, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn template(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<TemplateParams>,
) -> Result<Response, ApiError> {
    let xlsx = match p.format.as_deref() {
        None | Some("xlsx") => true,
        Some("csv") => false,
        Some(other) => {
            return Err(
                AppError::BadRequest(format!("format inconnu « {other} » : xlsx ou csv")).into(),
            );
        }
    };
    let (bytes, name) = campaign_files::template(&state, caller.actor(), id, xlsx).await?;
    let kind = if xlsx {
        super::demarches_files::XLSX
    } else {
        super::demarches_files::CSV
    };
    Ok(super::demarches_files::file_response(kind, &name, bytes))
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// The file's name (its extension says CSV or XLSX).
    file_name: Option<String>,
    /// Check and show the changes without writing.
    dry_run: Option<bool>,
}

/// Sends the filled template back (CSV or XLSX body): checked whole, then
/// applied all or nothing; refused (422) with every problem's row and column.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/import", tag = "campaigns", params(("id" = i64, Path), ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = ImportReport), (status = 422, body = ImportReport), (status = 404, body = crate::ErrorBody),
        (status = 401, body = crate::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportReport>), ApiError> {
    let name = p.file_name.unwrap_or_else(|| "campagne.csv".into());
    let r = campaign_files::run_import(
        &state,
        caller.actor(),
        &caller.audit(),
        id,
        &name,
        &body,
        p.dry_run.unwrap_or(false),
    )
    .await?;
    Ok((LineProblem::status_of(&r.problems), Json(r)))
}

/// Records the notices due today and mails the digests now (the DINUM),
/// instead of waiting for the background dispatcher.
#[utoipa::path(post, path = "/api/v1/campaigns/notices/dispatch", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = DispatchReport), (status = 403, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn dispatch(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<DispatchReport>, ApiError> {
    if !campaigns::steers(caller.actor()) || caller.actor().read_only {
        return Err(AppError::Forbidden.into());
    }
    Ok(Json(
        crate::mail::dispatch(&state, campaigns::today()).await?,
    ))
}

/// The caller's notifications and how many are unread.
#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub unread: i64,
    #[schema(value_type = Vec<Object>)]
    pub notifications: Vec<Notification>,
}

/// The caller's in-app notifications, newest first (the latest 200).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = NotificationList), (status = 401, body = crate::ErrorBody)))]
pub async fn notifications(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<NotificationList>, ApiError> {
    let user = caller.actor().user_id.0;
    Ok(Json(NotificationList {
        unread: notices::unread(&state.db, user).await?,
        notifications: notices::for_user(&state.db, user, 200).await?,
    }))
}

/// Which notifications to mark read.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// One notification; absent: all of them.
    pub id: Option<i64>,
}

/// Marks one or all of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "campaigns", request_body = MarkRead, security(("bearer" = [])),
    responses((status = 200, body = NotificationList), (status = 401, body = crate::ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<MarkRead>,
) -> Result<Json<NotificationList>, ApiError> {
    let user = caller.actor().user_id.0;
    notices::mark_read(&state.db, user, body.id).await?;
    Ok(Json(NotificationList {
        unread: notices::unread(&state.db, user).await?,
        notifications: notices::for_user(&state.db, user, 200).await?,
    }))
}
