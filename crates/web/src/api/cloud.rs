//! `/api/v1/cloud`: the application inventory with each application's
//! "Cloud au centre" verdict as of a date, and the compliance summary per
//! ministry.

use axum::Json;
use axum::extract::State;
use cosinum_domain::authz::{Actor, Owner, Resource};
use cosinum_domain::cloud::compliance::Evaluation;
use cosinum_domain::cloud::types::{AppFacts, CloudApplication, Offer};
use cosinum_store::among::{Among, Table};
use cosinum_store::cloud;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::streamed::StreamedArray;
use super::{ApiPath, ApiQuery};
use crate::AppState;
pub use crate::cloud_overview::evaluated;
use crate::cloud_overview::evaluated_among;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

/// An application belongs to its ministry; the DINUM reads all and may
/// correct the inventory (a referential record).
pub fn cloud_resource(org: cosinum_domain::OrgId) -> Resource {
    Resource {
        referential: true,
        ..Resource::owned_by(Owner::Organisation(org))
    }
}

/// Refuses a link to a major project that does not exist.
pub async fn check_project(state: &AppState, a: &CloudApplication) -> Result<(), AppError> {
    if let Some(p) = a.project_id {
        cosinum_store::projects::get(&state.db, p)
            .await
            .map_err(|_| {
                AppError::Invalid(cosinum_domain::ValidationError::new(
                    "project_id",
                    "grand projet inconnu",
                ))
            })?;
    }
    Ok(())
}

#[derive(Deserialize, IntoParams)]
pub struct AsOf {
    /// Default: today.
    as_of: Option<Date>,
}

fn day(p: &AsOf) -> Date {
    p.as_of
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().date())
}

/// One ministry's compliance.
#[derive(Debug, Default, Clone, PartialEq, Serialize, ToSchema)]
pub struct MinistryCompliance {
    pub ministry: String,
    pub applications: usize,
    pub compliant: usize,
    pub non_compliant: usize,
    pub under_derogation: usize,
    pub not_applicable: usize,
    /// Compliant ÷ (applications − not applicable).
    pub compliance_rate: Option<f64>,
}

/// The compliance summary as of a date.
#[derive(Serialize, ToSchema)]
pub struct Compliance {
    pub as_of: Date,
    /// `v2021`, `v2023`, or none before July 2021.
    pub doctrine: Option<&'static str>,
    pub total: MinistryCompliance,
    pub by_ministry: Vec<MinistryCompliance>,
}

/// The compliance of the applications `actor` reads, per ministry, on `as_of`.
pub async fn compliance_on(
    state: &AppState,
    actor: &Actor,
    as_of: Date,
) -> Result<Compliance, AppError> {
    let overview = crate::cloud_overview::overview(state, actor, as_of).await?;
    let orgs = state.organisations(true).await?;
    Ok(overview.compliance(&orgs))
}

/// Compliance with the "Cloud au centre" doctrine per ministry, as of a date
/// (each application evaluated with the hosting, assessment and derogations
/// of that date).
#[utoipa::path(get, path = "/api/v1/cloud/compliance", tag = "cloud", params(AsOf), security(("bearer" = [])),
    responses((status = 200, body = Compliance), (status = 401, body = crate::ErrorBody)))]
pub async fn compliance(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<AsOf>,
) -> Result<Json<Compliance>, ApiError> {
    Ok(Json(compliance_on(&state, caller.actor(), day(&p)).await?))
}

/// An application with its evaluation.
#[derive(Serialize, ToSchema)]
pub struct CloudApplicationDto {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    application: CloudApplication,
    #[schema(value_type = Object)]
    evaluation: Evaluation,
}

/// Application ids read at a time when the DINUM's inventory is listed.
const LIST_IDS: i64 = 10_000;

/// The inventory the caller reads, each application with its verdict, by id.
///
/// Sent as it is read: the DINUM's list of a thousand States' worth of
/// applications is 200 MB of JSON, read and written 10,000 ids at a time.
#[utoipa::path(get, path = "/api/v1/cloud/applications", tag = "cloud", params(AsOf), security(("bearer" = [])),
    responses((status = 200, body = [CloudApplicationDto]), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<AsOf>,
) -> Result<StreamedArray, ApiError> {
    let day = day(&p);
    let actor = caller.actor().clone();
    let dto = |(application, _, evaluation)| CloudApplicationDto {
        application,
        evaluation,
    };
    if !actor.sees_everything() {
        // A ministry's applications, read together (a few among all).
        let (_, mut apps) = evaluated(&state, &actor, day).await?;
        apps.sort_by_key(|(a, ..)| a.id);
        let all: Vec<CloudApplicationDto> = apps.into_iter().map(dto).collect();
        return Ok(StreamedArray::new(vec![all], |part| async move { Ok(part) }).await?);
    }
    let span = cosinum_store::among::id_span(&state.db, Table::CloudApplications).await?;
    let ranges = crate::search::ranges_over(span, LIST_IDS);
    Ok(StreamedArray::new(ranges, move |(lo, hi)| {
        let (state, actor) = (state.clone(), actor.clone());
        async move {
            let (_, mut apps) = evaluated_among(&state, &actor, Among::Ids(lo, hi), day).await?;
            apps.sort_by_key(|(a, ..)| a.id);
            Ok(apps.into_iter().map(dto).collect())
        }
    })
    .await?)
}

/// An application: its facts (assessments, hostings, derogations) and its
/// verdict, rule by rule.
#[derive(Serialize, ToSchema)]
pub struct CloudApplicationDetail {
    #[serde(flatten)]
    base: CloudApplicationDto,
    #[schema(value_type = Object)]
    facts: AppFacts,
}

#[utoipa::path(get, path = "/api/v1/cloud/applications/{id}", tag = "cloud", params(("id" = i64, Path), AsOf), security(("bearer" = [])),
    responses((status = 200, body = CloudApplicationDetail), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<AsOf>,
) -> Result<Json<CloudApplicationDetail>, ApiError> {
    let (_, apps) = evaluated_among(&state, caller.actor(), Among::Ids(id, id), day(&p)).await?;
    let (application, facts, evaluation) = apps.into_iter().next().ok_or(AppError::NotFound)?;
    Ok(Json(CloudApplicationDetail {
        base: CloudApplicationDto {
            application,
            evaluation,
        },
        facts,
    }))
}

/// The offers catalogue.
#[utoipa::path(get, path = "/api/v1/cloud/offers", tag = "cloud", security(("bearer" = [])),
    responses((status = 200, body = [Object]), (status = 401, body = crate::ErrorBody)))]
pub async fn offers(
    State(state): State<AppState>,
    _caller: ApiCaller,
) -> Result<Json<Vec<Offer>>, ApiError> {
    Ok(Json(cloud::offers(&state.db).await?))
}
