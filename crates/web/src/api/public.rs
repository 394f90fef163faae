//! `/api/v1/public/…`: open data for anyone, no token. Only releases that
//! are published and past their embargo exist here, and everything is read
//! from their published files. Responses carry a strong ETag (SHA-256 of
//! the body) and are cacheable; `If-None-Match` gets a 304.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cosinum_domain::demarches::method;
use cosinum_domain::publication::figures::{self, GoalShare};
use cosinum_domain::publication::{Dataset, LICENCE_TITLE, LICENCE_URL};
use cosinum_io::publication::{json_value, sha256_hex};
use cosinum_store::publication::{FileMeta, Release};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::{ApiPath, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::publication::public::{self, PublicData};

/// How long clients and proxies may keep a public answer.
const CACHE: &str = "public, max-age=300";

/// A body with its ETag, or 304 when the client already has it.
pub fn cached(headers: &HeaderMap, content_type: &str, body: Vec<u8>) -> Response {
    let etag = format!("\"{}\"", sha256_hex(&body));
    let matches = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    if matches {
        return (
            StatusCode::NOT_MODIFIED,
            [(ETAG, etag), (CACHE_CONTROL, CACHE.to_owned())],
        )
            .into_response();
    }
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (ETAG, etag),
            (CACHE_CONTROL, CACHE.to_owned()),
        ],
        body,
    )
        .into_response()
}

/// A release file as a download (ETag = its SHA-256 when `headers` are given).
pub fn file_body(meta: &FileMeta, bytes: Vec<u8>, headers: Option<&HeaderMap>) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", meta.name);
    let mut r = match headers {
        Some(h) => cached(h, &meta.media_type, bytes),
        None => ([(CONTENT_TYPE, meta.media_type.clone())], bytes).into_response(),
    };
    if let Ok(v) = disposition.parse() {
        r.headers_mut().insert(CONTENT_DISPOSITION, v);
    }
    r
}

fn json_body<T: Serialize>(headers: &HeaderMap, v: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(v).map_err(|e| AppError::Internal(e.into()))?;
    Ok(cached(headers, "application/json", body))
}

fn dataset(code: &str) -> Result<Dataset, AppError> {
    Dataset::parse(code).ok_or(AppError::NotFound)
}

/// A file of a public release.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicFile {
    pub name: String,
    pub media_type: String,
    pub bytes: i64,
    pub sha256: String,
    /// Where to download it.
    pub url: String,
}

/// How many things changed since the previous release.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeSummary {
    pub previous: Option<i64>,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub values_changed: usize,
}

/// A public release.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRelease {
    pub dataset: String,
    pub title: String,
    pub number: i64,
    /// The date the data describe.
    pub as_of: Date,
    /// The day it became public.
    pub public_from: Option<Date>,
    pub methodology: String,
    pub rows: i64,
    pub licence: String,
    pub licence_url: String,
    pub files: Vec<PublicFile>,
    pub changes: ChangeSummary,
}

impl PublicRelease {
    pub fn of(r: &Release) -> Self {
        let d = r.dataset.as_str();
        PublicRelease {
            dataset: d.to_owned(),
            title: r.dataset.title_fr().to_owned(),
            number: r.number,
            as_of: r.as_of,
            public_from: r.public_from,
            methodology: r.methodology.clone(),
            rows: r.row_count,
            licence: LICENCE_TITLE.to_owned(),
            licence_url: LICENCE_URL.to_owned(),
            files: r
                .files
                .iter()
                .map(|f| PublicFile {
                    name: f.name.clone(),
                    media_type: f.media_type.clone(),
                    bytes: f.bytes,
                    sha256: f.sha256.clone(),
                    url: format!("/api/v1/public/{d}/releases/{}/files/{}", r.number, f.name),
                })
                .collect(),
            changes: ChangeSummary {
                previous: r.changelog.previous,
                added: r.changelog.added.len(),
                removed: r.changelog.removed.len(),
                changed: r.changelog.changed.len(),
                values_changed: r.changelog.values_changed(),
            },
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// `panorama` or `observatoire` (default: both).
    dataset: Option<String>,
}

/// The public releases, newest first per dataset.
#[utoipa::path(get, path = "/api/v1/public/releases", tag = "public", params(ListQuery),
    responses((status = 200, body = Vec<PublicRelease>), (status = 304, description = "Not modified"), (status = 404, body = crate::ErrorBody)))]
pub async fn releases(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let d = q.dataset.as_deref().map(dataset).transpose()?;
    let list: Vec<PublicRelease> = public::releases(&state, d)
        .await?
        .iter()
        .map(PublicRelease::of)
        .collect();
    json_body(&headers, &list)
}

/// A public release with its full changelog.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicReleaseDetail {
    #[serde(flatten)]
    pub release: PublicRelease,
    /// Columns opened or closed, records added or removed, values changed.
    #[schema(value_type = Object)]
    pub changelog: cosinum_domain::publication::changelog::Changelog,
}

/// One public release and its changelog.
#[utoipa::path(get, path = "/api/v1/public/{dataset}/releases/{number}", tag = "public",
    params(("dataset" = String, Path), ("number" = i64, Path)),
    responses((status = 200, body = PublicReleaseDetail), (status = 304, description = "Not modified"), (status = 404, body = crate::ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath((code, number)): ApiPath<(String, i64)>,
) -> Result<Response, ApiError> {
    let d = public::by_number(&state, dataset(&code)?, number).await?;
    json_body(
        &headers,
        &PublicReleaseDetail {
            release: PublicRelease::of(&d.release),
            changelog: d.release.changelog.clone(),
        },
    )
}

/// The latest public release of a dataset.
#[utoipa::path(get, path = "/api/v1/public/{dataset}/latest", tag = "public",
    params(("dataset" = String, Path)),
    responses((status = 200, body = PublicRelease), (status = 304, description = "Not modified"), (status = 404, body = crate::ErrorBody)))]
pub async fn latest(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(code): ApiPath<String>,
) -> Result<Response, ApiError> {
    let d = public::latest(&state, dataset(&code)?)
        .await?
        .ok_or(AppError::NotFound)?;
    json_body(&headers, &PublicRelease::of(&d.release))
}

/// A file of a public release (CSV, JSON, schema, data package, changelog).
#[utoipa::path(get, path = "/api/v1/public/{dataset}/releases/{number}/files/{name}", tag = "public",
    params(("dataset" = String, Path), ("number" = i64, Path), ("name" = String, Path)),
    responses((status = 200, description = "The file, as published"), (status = 304, description = "Not modified"), (status = 404, body = crate::ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath((code, number, name)): ApiPath<(String, i64, String)>,
) -> Result<Response, ApiError> {
    let (meta, bytes) = public::file(&state, dataset(&code)?, number, &name).await?;
    Ok(file_body(&meta, bytes, Some(&headers)))
}

#[derive(Deserialize, IntoParams)]
pub struct RecordsQuery {
    /// A release number (default: the latest).
    version: Option<i64>,
    /// Only this ministry's records (its sigle, e.g. `MI`).
    ministere: Option<String>,
}

/// Published records.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRecords {
    pub release: PublicRelease,
    /// Column names, in file order.
    pub fields: Vec<String>,
    /// One object per record: `id` plus one key per column.
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
}

async fn pick(
    state: &AppState,
    d: Dataset,
    version: Option<i64>,
) -> Result<std::sync::Arc<PublicData>, AppError> {
    match version {
        Some(n) => public::by_number(state, d, n).await,
        None => public::latest(state, d).await?.ok_or(AppError::NotFound),
    }
}

fn ministry_of(d: &PublicData, row: &cosinum_domain::publication::Row) -> Option<String> {
    let key = match d.release.dataset {
        Dataset::Panorama => "ministere_porteur",
        Dataset::Observatoire => "ministere",
    };
    d.table
        .value(row, key)
        .and_then(|v| v.as_text())
        .map(str::to_owned)
}

/// The records of a public release, optionally one ministry's.
#[utoipa::path(get, path = "/api/v1/public/{dataset}/records", tag = "public",
    params(("dataset" = String, Path), RecordsQuery),
    responses((status = 200, body = PublicRecords), (status = 304, description = "Not modified"), (status = 404, body = crate::ErrorBody)))]
pub async fn records(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> Result<Response, ApiError> {
    let d = pick(&state, dataset(&code)?, q.version).await?;
    let records = d
        .table
        .rows
        .iter()
        .filter(|r| {
            q.ministere
                .as_deref()
                .is_none_or(|m| ministry_of(&d, r).as_deref() == Some(m))
        })
        .map(|r| {
            let mut m = serde_json::Map::new();
            m.insert("id".into(), serde_json::Value::String(r.id.clone()));
            for (f, v) in d.table.fields.iter().zip(&r.values) {
                m.insert(f.name.clone(), json_value(v));
            }
            m
        })
        .collect();
    json_body(
        &headers,
        &PublicRecords {
            release: PublicRelease::of(&d.release),
            fields: d.table.fields.iter().map(|f| f.name.clone()).collect(),
            records,
        },
    )
}

#[derive(Deserialize, IntoParams)]
pub struct VersionQuery {
    /// A release number (default: the latest).
    version: Option<i64>,
}

/// One ministry's line of the panorama's key figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinistryCost {
    pub ministry: String,
    pub projects: usize,
    pub cost_meur: f64,
}

/// The panorama's key figures, from a public release.
#[derive(Debug, Serialize, ToSchema)]
pub struct PanoramaFigures {
    pub release: PublicRelease,
    pub projects: usize,
    pub interministerial: usize,
    /// Sum of published costs (M€): withheld and cadrage projects publish none.
    pub total_cost_meur: f64,
    pub costed_projects: usize,
    pub mean_duration_years: Option<f64>,
    pub by_ministry: Vec<MinistryCost>,
}

/// The panorama's key figures (MP §1.4), computed from the published file.
#[utoipa::path(get, path = "/api/v1/public/panorama/figures", tag = "public", params(VersionQuery),
    responses((status = 200, body = PanoramaFigures), (status = 304, description = "Not modified"), (status = 404, body = crate::ErrorBody)))]
pub async fn panorama_figures(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Response, ApiError> {
    let d = pick(&state, Dataset::Panorama, q.version).await?;
    let f = figures::panorama(&d.table);
    json_body(
        &headers,
        &PanoramaFigures {
            release: PublicRelease::of(&d.release),
            projects: f.projects,
            interministerial: f.interministerial,
            total_cost_meur: f.total_cost_meur,
            costed_projects: f.costed_projects,
            mean_duration_years: f.mean_duration_years,
            by_ministry: f
                .by_ministry
                .into_iter()
                .map(|(ministry, projects, cost_meur)| MinistryCost {
                    ministry,
                    projects,
                    cost_meur,
                })
                .collect(),
        },
    )
}

/// One indicator's share of démarches at goal.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalShareView {
    pub slug: String,
    pub label: String,
    pub at_goal: usize,
    pub assessed: usize,
    pub percent: Option<f64>,
}

impl From<GoalShare> for GoalShareView {
    fn from(s: GoalShare) -> Self {
        GoalShareView {
            percent: s.percent(),
            slug: s.slug,
            label: s.label,
            at_goal: s.at_goal,
            assessed: s.assessed,
        }
    }
}

/// A ministry's goal shares.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinistryShares {
    pub ministry: String,
    pub demarches: usize,
    pub shares: Vec<GoalShareView>,
}

/// The observatory's shares of démarches at goal, overall and per ministry.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObservatoireFigures {
    pub release: PublicRelease,
    pub demarches: usize,
    pub overall: Vec<GoalShareView>,
    pub by_ministry: Vec<MinistryShares>,
}

/// Computes the observatory's figures from a public release.
pub fn observatoire_figures(d: &PublicData) -> ObservatoireFigures {
    let m = method::method(&d.methodology.0).unwrap_or(&method::V2023);
    let mut ministries: Vec<String> = d
        .table
        .rows
        .iter()
        .filter_map(|r| ministry_of(d, r))
        .collect();
    ministries.sort();
    ministries.dedup();
    ObservatoireFigures {
        release: PublicRelease::of(&d.release),
        demarches: d.table.rows.len(),
        overall: figures::goal_shares(m, &d.table, |_| true)
            .into_iter()
            .map(Into::into)
            .collect(),
        by_ministry: ministries
            .into_iter()
            .map(|name| {
                let mine = |r: &cosinum_domain::publication::Row| {
                    ministry_of(d, r).as_deref() == Some(name.as_str())
                };
                MinistryShares {
                    demarches: d.table.rows.iter().filter(|r| mine(r)).count(),
                    shares: figures::goal_shares(m, &d.table, mine)
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                    ministry: name.clone(),
                }
            })
            .collect(),
    }
}

/// The observatory's shares at goal (DM §1.6), from the published file.
#[utoipa::path(get, path = "/api/v1/public/observatoire/figures", tag = "public", params(VersionQuery),
    responses((status = 200, body = ObservatoireFigures), (status = 304, description = "Not modified"), (status = 404, body = crate::ErrorBody)))]
pub async fn observatoire_figures_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Response, ApiError> {
    let d = pick(&state, Dataset::Observatoire, q.version).await?;
    json_body(&headers, &observatoire_figures(&d))
}
