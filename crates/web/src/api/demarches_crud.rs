//! `/api/v1/demarches/…`: the tracked démarches one by one — list, read with
//! every edition's values and levels and its ministry's position, create,
//! update, enter an edition's values — plus opening an edition and the
//! movers between two editions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cosinum_domain::OrgId;
use cosinum_domain::ValidationError;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::demarches::demarche::{Demarche, DemarcheFields};
use cosinum_domain::demarches::position::{Position, ministry_position};
use cosinum_domain::demarches::{Assessment, Method, assess, method, method_in_force, parse_raw};
use cosinum_store::demarches::{self, ValueWrite};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::demarches::demarche_resource;
use super::demarches_files::find_edition;
use super::streamed::StreamedJson;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::demarche_import::can_open_edition;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// A démarche.
#[derive(Serialize, ToSchema)]
pub struct DemarcheDto {
    id: i64,
    organisation_id: i64,
    ministry: String,
    administration: String,
    name: String,
    audiences: Vec<String>,
    url: String,
    annual_volume: Option<i64>,
    online_volume: Option<i64>,
    /// Share of completions made online (online ÷ annual volume).
    online_rate: Option<f64>,
    online_since: Option<Date>,
    version: i64,
}

fn dto(d: &Demarche, ministry: &str) -> DemarcheDto {
    DemarcheDto {
        id: d.id,
        organisation_id: d.organisation_id.0,
        ministry: ministry.to_owned(),
        administration: d.administration.clone(),
        name: d.name.clone(),
        audiences: d.audiences.clone(),
        url: d.url.clone(),
        annual_volume: d.annual_volume,
        online_volume: d.online_volume,
        online_rate: match (d.online_volume, d.annual_volume) {
            (Some(o), Some(t)) if t > 0 => Some(o as f64 / t as f64),
            _ => None,
        },
        online_since: d.online_since,
        version: d.version,
    }
}

async fn ministry_code(state: &AppState, org: OrgId) -> Result<String, AppError> {
    Ok(cosinum_store::organisations::get(&state.db, org)
        .await?
        .code)
}

async fn readable(state: &AppState, caller: &ApiCaller, id: i64) -> Result<Demarche, AppError> {
    let d = demarches::get(&state.db, id).await?;
    if d.archived
        || !allows(
            Some(caller.actor()),
            Access::Read,
            &demarche_resource(d.organisation_id),
        )
    {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

fn check_write(caller: &ApiCaller, org: OrgId) -> Result<(), AppError> {
    if allows(Some(caller.actor()), Access::Write, &demarche_resource(org)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// A ministry's code: only its démarches.
    ministry: Option<String>,
}

/// The démarches the caller may read.
#[utoipa::path(get, path = "/api/v1/demarches", tag = "demarches", params(ListParams), security(("bearer" = [])),
    responses((status = 200, body = [DemarcheDto]), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<StreamedJson<Vec<DemarcheDto>>, ApiError> {
    let orgs = state.organisations(true).await?;
    let out = demarches::list(&state.db)
        .await?
        .iter()
        .filter(|d| {
            allows(
                Some(caller.actor()),
                Access::Read,
                &demarche_resource(d.organisation_id),
            )
        })
        .filter_map(|d| {
            let code = orgs
                .iter()
                .find(|o| o.id == d.organisation_id)?
                .code
                .as_str();
            p.ministry
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(code))
                .then(|| dto(d, code))
        })
        .collect();
    Ok(StreamedJson::new(out))
}

/// One indicator's value in an edition, with its level under the edition's method.
#[derive(Serialize, ToSchema)]
pub struct ValueDto {
    slug: &'static str,
    label: &'static str,
    raw: String,
    /// Level code, when the value fits a level.
    level: Option<&'static str>,
    goal_reached: bool,
    /// `level`, `not_applicable`, `not_measured` or `invalid`.
    status: &'static str,
}

/// A démarche in one edition.
#[derive(Serialize, ToSchema)]
pub struct EditionValues {
    edition: Date,
    method: &'static str,
    values: Vec<ValueDto>,
}

/// The ministry's position in the latest edition where the démarche has values.
#[derive(Serialize, ToSchema)]
pub struct MinistryPosition {
    edition: Date,
    ministry: String,
    #[schema(value_type = Vec<Object>)]
    lines: Vec<Position>,
}

/// A démarche with every edition and its ministry's position.
#[derive(Serialize, ToSchema)]
pub struct DemarcheDetail {
    demarche: DemarcheDto,
    editions: Vec<EditionValues>,
    position: Option<MinistryPosition>,
}

fn values_dto(
    m: &'static Method,
    raw: &std::collections::BTreeMap<String, String>,
) -> Vec<ValueDto> {
    m.indicators
        .iter()
        .map(|i| {
            let value = raw.get(i.slug).cloned().unwrap_or_default();
            let a = assess(i, &parse_raw(&value));
            ValueDto {
                slug: i.slug,
                label: i.label_fr,
                level: a.code(),
                goal_reached: a.goal_reached(),
                status: match a {
                    Assessment::Level { .. } => "level",
                    Assessment::NotApplicable => "not_applicable",
                    Assessment::NotYetMeasured => "not_measured",
                    Assessment::Invalid(_) => "invalid",
                },
                raw: value,
            }
        })
        .collect()
}

/// The position of a démarche's ministry in an edition, among all
/// ministries: a ministry sees where it stands even though it reads only its
/// own démarches, since the answer holds aggregates only (its shares, the
/// State's, its rank), never another ministry's démarches or name — the
/// figures the observatory publishes anyway.
pub async fn position_of(
    state: &AppState,
    d: &Demarche,
    edition: Date,
    m: &'static Method,
) -> Result<Vec<Position>, AppError> {
    let rows = demarches::edition_values(&state.db, edition)
        .await?
        .map(|(_, r)| r)
        .unwrap_or_default();
    Ok(ministry_position(m, &rows, d.organisation_id))
}

/// A démarche: each edition's values with their levels, and where its
/// ministry stands among ministries in the latest of them.
#[utoipa::path(get, path = "/api/v1/demarches/{id}", tag = "demarches", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = DemarcheDetail), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DemarcheDetail>, ApiError> {
    let d = readable(&state, &caller, id).await?;
    let code = ministry_code(&state, d.organisation_id).await?;
    let history = demarches::history(&state.db, id).await?;
    let mut editions = Vec::new();
    for (date, code, raw) in &history {
        let m = method(code)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown method {code}")))?;
        editions.push(EditionValues {
            edition: *date,
            method: m.code,
            values: values_dto(m, raw),
        });
    }
    let position = match editions.last() {
        Some(last) => {
            let m = method(last.method).expect("method of a stored edition");
            Some(MinistryPosition {
                edition: last.edition,
                ministry: code.clone(),
                lines: position_of(&state, &d, last.edition, m).await?,
            })
        }
        None => None,
    };
    Ok(Json(DemarcheDetail {
        demarche: dto(&d, &code),
        editions,
        position,
    }))
}

/// The fields of a démarche.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemarcheWrite {
    organisation_id: i64,
    administration: String,
    name: String,
    #[serde(default)]
    audiences: Vec<String>,
    #[serde(default)]
    url: String,
    annual_volume: Option<i64>,
    online_volume: Option<i64>,
    online_since: Option<Date>,
    /// Required on update: the version read.
    version: Option<i64>,
}

impl DemarcheWrite {
    fn fields(self) -> (DemarcheFields, Option<i64>) {
        (
            DemarcheFields {
                organisation_id: OrgId(self.organisation_id),
                administration: self.administration,
                name: self.name,
                audiences: self.audiences,
                url: self.url,
                annual_volume: self.annual_volume,
                online_volume: self.online_volume,
                online_since: self.online_since,
            },
            self.version,
        )
    }
}

/// Creates a démarche of a ministry the caller edits.
#[utoipa::path(post, path = "/api/v1/demarches", tag = "demarches", request_body = DemarcheWrite, security(("bearer" = [])),
    responses((status = 201, body = DemarcheDto), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<DemarcheWrite>,
) -> Result<(StatusCode, Json<DemarcheDto>), ApiError> {
    let (fields, _) = body.fields();
    check_write(&caller, fields.organisation_id)?;
    let code = ministry_code(&state, fields.organisation_id).await?;
    let mut tx = state.db.begin().await?;
    let d = demarches::create(&mut tx, &caller.audit(), &fields).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(dto(&d, &code))))
}

/// Updates a démarche read at `version`; 409 if it changed since.
#[utoipa::path(put, path = "/api/v1/demarches/{id}", tag = "demarches", params(("id" = i64, Path)), request_body = DemarcheWrite,
    security(("bearer" = [])),
    responses((status = 200, body = DemarcheDto), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DemarcheWrite>,
) -> Result<Json<DemarcheDto>, ApiError> {
    let current = readable(&state, &caller, id).await?;
    check_write(&caller, current.organisation_id)?;
    let (fields, version) = body.fields();
    check_write(&caller, fields.organisation_id)?;
    let version = version.ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "version",
            "la version lue est obligatoire",
        ))
    })?;
    let code = ministry_code(&state, fields.organisation_id).await?;
    let mut tx = state.db.begin().await?;
    let d = demarches::update(&mut tx, &caller.audit(), id, version, &fields).await?;
    tx.commit().await?;
    Ok(Json(dto(&d, &code)))
}

/// One value to enter.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueEntry {
    slug: String,
    /// As published: "Oui", "8,2", "n/a", "À venir", "" …
    raw: String,
    /// The value you read (`""` for none): refused with 409 if it changed since.
    expected: Option<String>,
}

/// Values of a démarche in an edition.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValuesWrite {
    edition: Date,
    values: Vec<ValueEntry>,
}

/// Checks entered values against the edition's method: every slug must be
/// one of its indicators and every value must fit a level (or be "n/a",
/// "À venir", blank). The error names the indicator.
pub fn check_values(
    m: &'static Method,
    demarche_id: i64,
    entries: impl IntoIterator<Item = (String, String, Option<String>)>,
) -> Result<Vec<ValueWrite>, AppError> {
    let mut out = Vec::new();
    for (slug, raw, expected) in entries {
        let Some(i) = m.indicator(&slug) else {
            return Err(AppError::Invalid(ValidationError::new(
                slug.clone(),
                format!("indicateur inconnu de la méthode {}", m.code),
            )));
        };
        let raw = raw.trim().to_owned();
        if let Assessment::Invalid(message) = assess(i, &parse_raw(&raw)) {
            return Err(AppError::Invalid(ValidationError::new(i.slug, message)));
        }
        out.push(ValueWrite {
            demarche_id,
            slug: i.slug.to_owned(),
            raw,
            expected,
        });
    }
    Ok(out)
}

/// Enters (or corrects) a démarche's values in an existing edition.
#[utoipa::path(put, path = "/api/v1/demarches/{id}/values", tag = "demarches", params(("id" = i64, Path)), request_body = ValuesWrite,
    security(("bearer" = [])),
    responses((status = 200, body = DemarcheDetail), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn put_values(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ValuesWrite>,
) -> Result<Json<DemarcheDetail>, ApiError> {
    let d = readable(&state, &caller, id).await?;
    check_write(&caller, d.organisation_id)?;
    let (e, m) = find_edition(&state, Some(body.edition)).await?;
    let values = check_values(
        m,
        d.id,
        body.values.into_iter().map(|v| (v.slug, v.raw, v.expected)),
    )?;
    let mut tx = state.db.begin().await?;
    demarches::write_values(&mut tx, &caller.audit(), e.id, &values).await?;
    tx.commit().await?;
    get(State(state), caller, ApiPath(id)).await
}

/// A new edition.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditionWrite {
    edition_date: Date,
}

/// Opens an edition (the DINUM): its method is the one in force on its date.
#[utoipa::path(post, path = "/api/v1/demarches/editions", tag = "demarches", request_body = EditionWrite, security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn open_edition(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<EditionWrite>,
) -> Result<(StatusCode, Json<demarches::Edition>), ApiError> {
    if !can_open_edition(caller.actor()) {
        return Err(AppError::Forbidden.into());
    }
    if demarches::editions(&state.db)
        .await?
        .iter()
        .any(|e| e.edition_date == body.edition_date)
    {
        return Err(AppError::Invalid(ValidationError::new(
            "edition_date",
            "une édition existe déjà à cette date",
        ))
        .into());
    }
    let m = method_in_force(body.edition_date);
    let mut tx = state.db.begin().await?;
    demarches::upsert_edition(
        &mut tx,
        &caller.audit(),
        body.edition_date,
        m.code,
        "saisie",
    )
    .await?;
    tx.commit().await?;
    let e = find_edition(&state, Some(body.edition_date)).await?.0;
    Ok((StatusCode::CREATED, Json(e)))
}

#[derive(Deserialize, IntoParams)]
pub struct MoversParams {
    /// Date of the edition (default: the latest); compared with the one before.
    edition: Option<Date>,
}

/// A démarche whose level changed on an indicator since the previous edition.
#[derive(Serialize, ToSchema)]
pub struct MoverDto {
    pub demarche_id: i64,
    pub name: String,
    pub ministry: String,
    pub slug: &'static str,
    pub indicator: &'static str,
    pub before: Option<&'static str>,
    pub after: Option<&'static str>,
    /// `up` or `down`.
    pub direction: &'static str,
}

/// The movers of an edition, with the edition they are compared with.
#[derive(Serialize, ToSchema)]
pub struct Movers {
    pub edition: Date,
    pub previous_edition: Option<Date>,
    pub up: Vec<MoverDto>,
    pub down: Vec<MoverDto>,
}

/// The movers between an edition and the previous one (up and down), over
/// the démarches the caller may read.
pub async fn edition_movers(
    state: &AppState,
    actor: &cosinum_domain::authz::Actor,
    edition: Option<Date>,
) -> Result<Movers, AppError> {
    let (e, m) = find_edition(state, edition).await?;
    let all = state.demarche_editions().await?;
    let previous = all.iter().rev().find(|x| x.edition_date < e.edition_date);
    let mut out = Movers {
        edition: e.edition_date,
        previous_edition: previous.map(|p| p.edition_date),
        up: Vec::new(),
        down: Vec::new(),
    };
    let Some(previous) = previous else {
        return Ok(out);
    };
    // Movers are measured once per edition, read side by side with the one
    // before in chunks, and kept with each démarche's ministry.
    let digest = state.demarche_digest(&e, Some(previous)).await?;
    let up: Vec<_> = crate::observatory::readable_movers(actor, &digest.up).collect();
    let down: Vec<_> = crate::observatory::readable_movers(actor, &digest.down).collect();
    let names = demarches::names(&state.db).await?;
    let orgs = state.organisations(true).await?;
    let org_by_id: std::collections::HashMap<_, _> = orgs.iter().map(|o| (o.id, o)).collect();
    let describe = |mv: &cosinum_domain::demarches::shares::Mover| {
        let d = names.get(&mv.demarche_id);
        let i = m.indicator(mv.slug);
        let label = |a: &Assessment| a.code().and_then(|c| i?.level(c)).map(|l| l.label_fr);
        MoverDto {
            demarche_id: mv.demarche_id,
            name: d.map_or_else(String::new, |(name, _)| name.clone()),
            ministry: d
                .and_then(|(_, org)| org_by_id.get(org).copied())
                .map_or_else(String::new, |o| o.code.clone()),
            slug: mv.slug,
            indicator: i.map_or(mv.slug, |i| i.label_fr),
            before: label(&mv.before),
            after: label(&mv.after),
            direction: if mv.direction > 0 { "up" } else { "down" },
        }
    };
    out.up = up.into_iter().map(describe).collect();
    out.down = down.into_iter().map(describe).collect();
    Ok(out)
}

/// Démarches that moved up or down a level since the previous edition.
#[utoipa::path(get, path = "/api/v1/demarches/movers", tag = "demarches", params(MoversParams), security(("bearer" = [])),
    responses((status = 200, body = Movers), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn list_movers(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<MoversParams>,
) -> Result<Json<Movers>, ApiError> {
    Ok(Json(
        edition_movers(&state, caller.actor(), p.edition).await?,
    ))
}
