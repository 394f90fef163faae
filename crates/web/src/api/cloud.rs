//! `/api/v1/cloud`: the application inventory with each application's
//! "Cloud au centre" verdict as of a date, and the compliance summary per
//! ministry.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use cosinum_domain::authz::{Access, Actor, Owner, Resource, allows};
use cosinum_domain::cloud::compliance::{Evaluation, Verdict, evaluate};
use cosinum_domain::cloud::types::{AppFacts, CloudApplication, Offer};
use cosinum_store::cloud;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::{ApiPath, ApiQuery};
use crate::AppState;
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

/// Every application `actor` reads, with its facts and its evaluation on `day`.
/// The offers, and the applications `actor` may read each with its facts
/// and its evaluation as of a day.
pub type Evaluated = (Vec<Offer>, Vec<(CloudApplication, AppFacts, Evaluation)>);

pub async fn evaluated(
    state: &AppState,
    actor: &Actor,
    day: Date,
) -> Result<std::sync::Arc<Evaluated>, AppError> {
    if actor.sees_everything() {
        // The same for whoever sees everything: kept while nothing is written.
        return state
            .cloud_evaluations
            .get(&state.db, day, || evaluate_all(state, actor, day))
            .await;
    }
    Ok(std::sync::Arc::new(evaluate_all(state, actor, day).await?))
}

async fn evaluate_all(state: &AppState, actor: &Actor, day: Date) -> Result<Evaluated, AppError> {
    let offers = cloud::offers(&state.db).await?;
    let mut facts = cloud::facts(&state.db).await?;
    let out = cloud::applications(&state.db)
        .await?
        .into_iter()
        .filter(|a| {
            allows(
                Some(actor),
                Access::Read,
                &cloud_resource(a.organisation_id),
            )
        })
        .filter_map(|a| {
            let f = facts.remove(&a.id)?;
            let e = evaluate(&f, &offers, day);
            Some((a, f, e))
        })
        .collect();
    Ok((offers, out))
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
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
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

fn count(c: &mut MinistryCompliance, v: Verdict) {
    c.applications += 1;
    match v {
        Verdict::Compliant => c.compliant += 1,
        Verdict::NonCompliant => c.non_compliant += 1,
        Verdict::UnderDerogation => c.under_derogation += 1,
        Verdict::NotApplicable => c.not_applicable += 1,
    }
    let applicable = c.applications - c.not_applicable;
    c.compliance_rate = (applicable > 0).then(|| c.compliant as f64 / applicable as f64);
}

/// The compliance of the applications `actor` reads, per ministry, on `as_of`.
pub async fn compliance_on(
    state: &AppState,
    actor: &Actor,
    as_of: Date,
) -> Result<Compliance, AppError> {
    let shared = evaluated(state, actor, as_of).await?;
    let (_, apps) = &*shared;
    let orgs = state.organisations(true).await?;
    Ok(compliance_of(apps, &orgs, as_of))
}

/// Compliance per ministry of applications already evaluated as of `as_of`.
pub fn compliance_of(
    apps: &[(CloudApplication, AppFacts, Evaluation)],
    orgs: &[cosinum_domain::organisation::Organisation],
    as_of: Date,
) -> Compliance {
    let codes: std::collections::HashMap<cosinum_domain::OrgId, &str> =
        orgs.iter().map(|o| (o.id, o.code.as_str())).collect();
    let mut by: BTreeMap<String, MinistryCompliance> = BTreeMap::new();
    let mut total = MinistryCompliance {
        ministry: "Ensemble".into(),
        ..Default::default()
    };
    for (a, _, e) in apps {
        let code = codes
            .get(&a.organisation_id)
            .map_or_else(|| a.organisation_id.to_string(), |c| (*c).to_owned());
        let c = by
            .entry(code.clone())
            .or_insert_with(|| MinistryCompliance {
                ministry: code,
                ..Default::default()
            });
        count(c, e.verdict);
        count(&mut total, e.verdict);
    }
    Compliance {
        as_of,
        doctrine: cosinum_domain::cloud::types::Doctrine::in_force(as_of).map(|d| d.as_str()),
        total,
        by_ministry: by.into_values().collect(),
    }
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

/// The inventory the caller reads, each application with its verdict.
#[utoipa::path(get, path = "/api/v1/cloud/applications", tag = "cloud", params(AsOf), security(("bearer" = [])),
    responses((status = 200, body = [CloudApplicationDto]), (status = 401, body = crate::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<AsOf>,
) -> Result<Json<Vec<CloudApplicationDto>>, ApiError> {
    let shared = evaluated(&state, caller.actor(), day(&p)).await?;
    let (_, apps) = &*shared;
    Ok(Json(
        apps.iter()
            .map(|(application, _, evaluation)| CloudApplicationDto {
                application: application.clone(),
                evaluation: evaluation.clone(),
            })
            .collect(),
    ))
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
    let shared = evaluated(&state, caller.actor(), day(&p)).await?;
    let (_, apps) = &*shared;
    let (application, facts, evaluation) = apps
        .iter()
        .find(|(a, ..)| a.id == id)
        .ok_or(AppError::NotFound)?;
    Ok(Json(CloudApplicationDetail {
        base: CloudApplicationDto {
            application: application.clone(),
            evaluation: evaluation.clone(),
        },
        facts: facts.clone(),
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
