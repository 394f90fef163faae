//! `/api/v1/committee/…`: sessions (newest first), attendance, the agenda
//! and its backlog, what the data propose, each point's briefing sheet
//! (frozen or live), freezing, and the pack as PDF.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cosinum_domain::ValidationError;
use cosinum_domain::committee::fiche::Fiche;
use cosinum_domain::committee::rules::{Proposal, Rule};
use cosinum_domain::committee::{Format, ObjectRef, PointInput, SessionInput, Topic};
use cosinum_store::committee::points::Point;
use cosinum_store::committee::records::RecordVersion;
use cosinum_store::committee::sheets::Sheet;
use cosinum_store::committee::{self as store, Attendee, Session};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::demarches_files::file_response;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::committee::documents;
use crate::committee::service::{self, PointChange};
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// A session as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionWrite {
    pub title: String,
    pub held_on: Date,
    /// The date the figures are taken as of (default: the meeting date).
    pub cut_off: Option<Date>,
    /// `in_person`, `online` or `hybrid`.
    pub format: String,
    pub place: Option<String>,
    /// The version read (to change a session).
    pub version: Option<i64>,
}

impl SessionWrite {
    pub fn input(&self) -> Result<SessionInput, AppError> {
        Ok(SessionInput {
            title: self.title.clone(),
            held_on: self.held_on,
            cut_off: self.cut_off.unwrap_or(self.held_on),
            format: Format::parse(&self.format)
                .ok_or_else(|| ValidationError::new("format", "in_person, online ou hybrid"))?,
            place: self.place.clone(),
        })
    }
}

/// Every session, newest first.
#[utoipa::path(get, path = "/api/v1/committee/sessions", tag = "committee", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401, body = crate::ErrorBody)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    _caller: ApiCaller,
) -> Result<Json<Vec<Session>>, ApiError> {
    Ok(Json(
        store::sessions(&state.db).await.map_err(AppError::from)?,
    ))
}

/// Schedules a session (the DINUM). Its agenda starts with the follow-up
/// of the decisions left open.
#[utoipa::path(post, path = "/api/v1/committee/sessions", tag = "committee", request_body = SessionWrite, security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create_session(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<SessionWrite>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let s =
        service::create_session(&state, caller.actor(), &caller.audit(), &body.input()?).await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// An agenda point with the state of its sheet.
#[derive(Serialize)]
pub struct PointView {
    #[serde(flatten)]
    pub point: Point,
    pub sheet_frozen: bool,
    pub sheet_digest: Option<String>,
}

/// A session with everything attached to it.
#[derive(Serialize, ToSchema)]
pub struct SessionDetail {
    #[schema(value_type = Object)]
    pub session: Session,
    #[schema(value_type = Vec<Object>)]
    pub attendees: Vec<Attendee>,
    /// The agenda in order.
    #[schema(value_type = Vec<Object>)]
    pub agenda: Vec<PointView>,
    /// Points proposed by hand, not on the agenda yet.
    #[schema(value_type = Vec<Object>)]
    pub backlog: Vec<PointView>,
    #[schema(value_type = Vec<Object>)]
    pub decisions: Vec<cosinum_store::committee::decisions::Decision>,
    /// The versions of the record of decisions, latest first.
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<RecordVersion>,
}

pub async fn detail(state: &AppState, id: i64) -> Result<SessionDetail, AppError> {
    let session = store::get_session(&state.db, id).await?;
    let sheets = store::sheets::for_session(&state.db, id).await?;
    let view = |p: Point| {
        let s = sheets.iter().find(|s| s.point_id == p.id);
        PointView {
            sheet_frozen: s.is_some(),
            sheet_digest: s.map(|s| s.digest.clone()),
            point: p,
        }
    };
    let (agenda, backlog): (Vec<_>, Vec<_>) = store::points::for_session(&state.db, id)
        .await?
        .into_iter()
        .partition(|p| p.position.is_some());
    Ok(SessionDetail {
        attendees: store::attendees(&state.db, id).await?,
        agenda: agenda.into_iter().map(view).collect(),
        backlog: backlog.into_iter().map(view).collect(),
        decisions: store::decisions::for_session(&state.db, id).await?,
        records: store::records::for_session(&state.db, id).await?,
        session,
    })
}

/// A session: attendance, agenda, backlog, sheets, decisions, records.
#[utoipa::path(get, path = "/api/v1/committee/sessions/{id}", tag = "committee", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SessionDetail), (status = 404, body = crate::ErrorBody)))]
pub async fn get_session(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SessionDetail>, ApiError> {
    Ok(Json(detail(&state, id).await?))
}

/// Changes a session at the version read.
#[utoipa::path(put, path = "/api/v1/committee/sessions/{id}", tag = "committee", params(("id" = i64, Path)), request_body = SessionWrite,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update_session(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SessionWrite>,
) -> Result<Json<Session>, ApiError> {
    let version = body.version.ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "version",
            "la version lue est requise",
        ))
    })?;
    Ok(Json(
        service::update_session(
            &state,
            caller.actor(),
            &caller.audit(),
            id,
            &body.input()?,
            version,
        )
        .await?,
    ))
}

/// Who attended.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceWrite {
    /// Attendee id → present (true), absent (false) or not recorded (null).
    pub presence: Vec<(i64, Option<bool>)>,
    /// The session's version read.
    pub version: i64,
}

/// Records attendance at the session's version.
#[utoipa::path(put, path = "/api/v1/committee/sessions/{id}/attendance", tag = "committee", params(("id" = i64, Path)),
    request_body = AttendanceWrite, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub async fn set_attendance(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AttendanceWrite>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(
        service::set_attendance(
            &state,
            caller.actor(),
            &caller.audit(),
            id,
            &body.presence,
            body.version,
        )
        .await?,
    ))
}

/// What the data propose for the agenda as of the session's cut-off date,
/// each with its reasons (rules already on the agenda left out).
#[utoipa::path(get, path = "/api/v1/committee/sessions/{id}/proposals", tag = "committee", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 404, body = crate::ErrorBody)))]
pub async fn proposals(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Proposal>>, ApiError> {
    let session = store::get_session(&state.db, id)
        .await
        .map_err(AppError::from)?;
    Ok(Json(service::session_proposals(&state, &session).await?))
}

/// A point as written: by hand (title, topic…) or from a proposal (`rule`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointWrite {
    /// Accept what this rule proposes (`project_drift`…); the other fields are then ignored.
    pub rule: Option<String>,
    #[serde(default)]
    pub title: String,
    /// `projects`, `demarches`, `funding`, `cloud`, `talent`, `reuse`, `follow_up` or `other`.
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub presenter: String,
    pub duration_minutes: Option<i64>,
    /// Objects discussed, as `kind:id` (`project:12`).
    #[serde(default)]
    pub objects: Vec<String>,
    /// On the agenda (default) or in the backlog.
    pub on_agenda: Option<bool>,
    /// The version read (to change a point).
    pub version: Option<i64>,
}

/// Turns `kind:id` keys into object references with their current labels.
pub async fn objects_of(state: &AppState, keys: &[String]) -> Result<Vec<ObjectRef>, AppError> {
    let mut out = Vec::new();
    for k in keys.iter().filter(|k| !k.trim().is_empty()) {
        let (kind, id) = ObjectRef::parse_key(k).ok_or_else(|| {
            ValidationError::new(
                "objects",
                format!("objet invalide : {k} (attendu : type:numéro)"),
            )
        })?;
        let label = crate::committee::objects::label(state, &kind, id)
            .await?
            .ok_or_else(|| ValidationError::new("objects", format!("objet introuvable : {k}")))?;
        out.push(ObjectRef { kind, id, label });
    }
    Ok(out)
}

impl PointWrite {
    pub async fn input(&self, state: &AppState) -> Result<PointInput, AppError> {
        Ok(PointInput {
            title: self.title.clone(),
            topic: Topic::parse(&self.topic)
                .ok_or_else(|| ValidationError::new("topic", "thème inconnu"))?,
            presenter: self.presenter.clone(),
            duration_minutes: self.duration_minutes.unwrap_or(15),
            objects: objects_of(state, &self.objects).await?,
        })
    }
}

/// Adds a point to a session's agenda or backlog.
#[utoipa::path(post, path = "/api/v1/committee/sessions/{id}/points", tag = "committee", params(("id" = i64, Path)), request_body = PointWrite,
    security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn add_point(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PointWrite>,
) -> Result<(StatusCode, Json<Point>), ApiError> {
    let p = match body.rule.as_deref() {
        Some(r) => {
            let rule = Rule::parse(r)
                .ok_or_else(|| AppError::Invalid(ValidationError::new("rule", "règle inconnue")))?;
            service::accept_proposal(&state, caller.actor(), &caller.audit(), id, rule).await?
        }
        None => {
            let input = body.input(&state).await?;
            service::add_point(
                &state,
                caller.actor(),
                &caller.audit(),
                id,
                &input,
                body.on_agenda.unwrap_or(true),
            )
            .await?
        }
    };
    Ok((StatusCode::CREATED, Json(p)))
}

/// Rewrites a point (not once its sheet is frozen), or moves it: `on_agenda`
/// puts it on or takes it off the agenda, `shift` −1/+1 moves it up or down.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointChangeWrite {
    pub point: Option<PointWrite>,
    pub on_agenda: Option<bool>,
    pub shift: Option<i64>,
    pub version: i64,
}

#[utoipa::path(put, path = "/api/v1/committee/points/{id}", tag = "committee", params(("id" = i64, Path)), request_body = PointChangeWrite,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn change_point(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PointChangeWrite>,
) -> Result<Json<Point>, ApiError> {
    let input;
    let change = match (&body.point, body.on_agenda, body.shift) {
        (Some(p), None, None) => {
            input = p.input(&state).await?;
            PointChange::Rewrite(&input)
        }
        (None, Some(on), None) => PointChange::Schedule(on),
        (None, None, Some(by)) if by == -1 || by == 1 => PointChange::Shift(by),
        _ => {
            return Err(AppError::BadRequest(
                "Une seule modification à la fois : point, on_agenda ou shift (−1 ou 1).".into(),
            )
            .into());
        }
    };
    Ok(Json(
        service::change_point(
            &state,
            caller.actor(),
            &caller.audit(),
            id,
            change,
            body.version,
        )
        .await?,
    ))
}

/// A point's sheet.
#[derive(Serialize, ToSchema)]
pub struct SheetView {
    #[schema(value_type = Object)]
    pub fiche: Fiche,
    pub frozen: bool,
    #[schema(value_type = Option<Object>)]
    pub sheet: Option<Sheet>,
}

/// The sheet of an agenda point: frozen, or computed now from the data as
/// of the session's cut-off date.
#[utoipa::path(get, path = "/api/v1/committee/points/{id}/sheet", tag = "committee", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SheetView), (status = 404, body = crate::ErrorBody)))]
pub async fn sheet(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SheetView>, ApiError> {
    let point = store::points::get(&state.db, id)
        .await
        .map_err(AppError::from)?;
    let session = store::get_session(&state.db, point.session_id)
        .await
        .map_err(AppError::from)?;
    let s = documents::sheet(&state, &session, &point).await?;
    Ok(Json(SheetView {
        fiche: s.fiche,
        frozen: s.frozen.is_some(),
        sheet: s.frozen,
    }))
}

/// Validates a point's sheet: its figures are frozen as they read now,
/// with their method versions and a digest (409 if already frozen).
#[utoipa::path(post, path = "/api/v1/committee/points/{id}/sheet/freeze", tag = "committee", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody)))]
pub async fn freeze(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<Sheet>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(service::freeze(&state, caller.actor(), &caller.audit(), id).await?),
    ))
}

/// The session's pack (agenda, attendance, every sheet) as one A4 PDF.
#[utoipa::path(get, path = "/api/v1/committee/sessions/{id}/pack.pdf", tag = "committee", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::ErrorBody)))]
pub async fn pack_pdf(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (name, bytes) = pack_file(&state, id).await?;
    Ok(file_response("application/pdf", &name, bytes))
}

/// The pack of a session as PDF bytes, with its file name.
pub async fn pack_file(state: &AppState, id: i64) -> Result<(String, Vec<u8>), AppError> {
    let pack = documents::pack(state, id).await?;
    let name = format!("cosinum-dossier-seance-{}-{}.pdf", id, pack.session.held_on);
    let bytes = tokio::task::spawn_blocking(move || cosinum_reports::pack_pdf(&pack))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("pack PDF: {e}")))?;
    Ok((name, bytes))
}

/// The committee: its name, chair and members.
#[utoipa::path(get, path = "/api/v1/committee", tag = "committee", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = crate::ErrorBody)))]
pub async fn get_committee(
    State(state): State<AppState>,
    _caller: ApiCaller,
) -> Result<Json<store::Committee>, ApiError> {
    Ok(Json(
        store::committee(&state.db).await.map_err(AppError::from)?,
    ))
}

/// A member as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberWrite {
    pub name: String,
    /// Their function on the committee ("Secrétaire général", "Invité").
    pub role: String,
    /// The organisation's code.
    pub organisation: String,
}

/// The committee's chair and members, as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitteeWrite {
    /// The chair as printed ("Secrétaire générale du Gouvernement").
    pub chair_title: String,
    /// The account that validates records of decisions (its e-mail); none: administrators do.
    pub chair_email: Option<String>,
    pub members: Vec<MemberWrite>,
}

/// Sets the committee's chair and members (the DINUM and administrators).
/// Sessions scheduled from then on invite the new members.
#[utoipa::path(put, path = "/api/v1/committee", tag = "committee", request_body = CommitteeWrite, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn set_committee(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CommitteeWrite>,
) -> Result<Json<store::Committee>, ApiError> {
    if !service::may_prepare(caller.actor()) {
        return Err(AppError::Forbidden.into());
    }
    let title = cosinum_domain::validation::required_text("chair_title", &body.chair_title, 200)?;
    let chair = match body
        .chair_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        None => None,
        Some(e) => Some(
            cosinum_store::users::get_by_email(&state.db, e)
                .await
                .map_err(|_| ValidationError::new("chair_email", format!("aucun compte {e}")))?
                .id
                .0,
        ),
    };
    let mut members = Vec::new();
    for (i, m) in body.members.iter().enumerate() {
        let field = format!("members[{i}]");
        cosinum_store::organisations::get_by_code(&state.db, m.organisation.trim())
            .await
            .map_err(|_| {
                ValidationError::new(
                    &field,
                    format!("organisation inconnue : {}", m.organisation),
                )
            })?;
        members.push(store::Member {
            name: cosinum_domain::validation::required_text(&field, &m.name, 200)?,
            role: cosinum_domain::validation::required_text(&field, &m.role, 200)?,
            organisation: m.organisation.trim().to_uppercase(),
        });
    }
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    store::configure(&mut tx, &caller.audit(), &title, chair, &members)
        .await
        .map_err(AppError::from)?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(Json(
        store::committee(&state.db).await.map_err(AppError::from)?,
    ))
}
