//! `/api/v1/funding/capacity`: each ministry declares its delivery capacity
//! per semester and sees its load against it — and what a new application
//! would do to it before filing.

use axum::Json;
use axum::extract::State;
use cosinum_domain::authz::{Access, Actor, allows};
use cosinum_domain::funding::capacity::{Load, load, pending_weight, with_extra};
use cosinum_domain::funding::decisions::decision_stats;
use cosinum_domain::funding::{Application, Capacity, Semester};
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::funding::{applications, capacities};
use serde::Deserialize;
use serde::Serialize;
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::funding::application_resource;
use super::funding_applications::{WorkloadEntry, parse_workload};
use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// A semester's load, with the load an extra application would bring.
#[derive(Serialize, ToSchema)]
pub struct LoadLine {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    load: Load,
    /// Set for a what-if: the load with the new application counted in full.
    #[schema(value_type = Option<Object>)]
    with_application: Option<Load>,
    /// Version of the declared capacity (to change it).
    capacity_version: Option<i64>,
}

impl LoadLine {
    pub fn load(&self) -> &Load {
        &self.load
    }

    pub fn with_application(&self) -> Option<&Load> {
        self.with_application.as_ref()
    }

    pub fn capacity_version(&self) -> Option<i64> {
        self.capacity_version
    }
}

/// A ministry's load per semester as of `as_of`, over its applications in
/// every fund; with `extra`, the same with a new application's workload.
pub async fn ministry_loads(
    state: &AppState,
    org: OrgId,
    as_of: Date,
    extra: &[(Semester, f64)],
) -> Result<Vec<LoadLine>, AppError> {
    let apps =
        applications::list_among(&state.db, cosinum_store::among::Among::Ministry(org)).await?;
    let apps: Vec<&Application> = apps.iter().collect();
    let caps: Vec<(Capacity, i64)> = capacities::list(&state.db)
        .await?
        .into_iter()
        .filter(|(c, _)| c.organisation_id == org)
        .collect();
    Ok(loads_of(&apps, &caps, as_of, extra))
}

/// The ministries whose load exceeds their declared capacity in the
/// semester of `as_of` or a later one, with those semesters' loads.
pub async fn ministries_over_capacity(
    state: &AppState,
    as_of: Date,
) -> Result<Vec<(OrgId, Vec<Load>)>, AppError> {
    // Every application and capacity read once, then handed out by ministry
    // (reading them per ministry made a committee pack read them hundreds of times).
    let caps = capacities::list(&state.db).await?;
    let apps = applications::list(&state.db).await?;
    let mut by_org: std::collections::BTreeMap<OrgId, (Vec<_>, Vec<_>)> = Default::default();
    for (c, v) in caps {
        by_org.entry(c.organisation_id).or_default().0.push((c, v));
    }
    for a in &apps {
        if let Some((_, mine)) = by_org.get_mut(&a.fields.organisation_id) {
            mine.push(a);
        }
    }
    let from = Semester::of(as_of);
    let mut out = Vec::new();
    for (org, (caps, apps)) in by_org {
        let over: Vec<Load> = loads_of(&apps, &caps, as_of, &[])
            .iter()
            .map(|l| l.load)
            .filter(|l| l.semester >= from && l.over)
            .collect();
        if !over.is_empty() {
            out.push((org, over));
        }
    }
    Ok(out)
}

/// The load per semester of one ministry, from its applications and its
/// declared capacities (with their versions): callers going through every
/// ministry read the tables once and hand each ministry its share.
fn loads_of(
    apps: &[&Application],
    caps: &[(Capacity, i64)],
    as_of: Date,
    extra: &[(Semester, f64)],
) -> Vec<LoadLine> {
    let weight = pending_weight(decision_stats(apps.iter().copied(), as_of, 0).decision_rate);
    let mut semesters: Vec<Semester> = caps.iter().map(|(c, _)| c.semester).collect();
    semesters.extend(
        apps.iter()
            .flat_map(|a| a.fields.workload.iter().map(|(s, _)| *s)),
    );
    semesters.extend(extra.iter().map(|(s, _)| *s));
    semesters.sort();
    semesters.dedup();
    semesters
        .into_iter()
        .map(|s| {
            let cap = caps.iter().find(|(c, _)| c.semester == s);
            let l = load(s, cap.map(|(c, _)| c), apps, weight, as_of);
            let more: f64 = extra
                .iter()
                .filter(|(x, _)| *x == s)
                .map(|(_, pm)| pm)
                .sum();
            LoadLine {
                with_application: (!extra.is_empty()).then(|| with_extra(&l, more)),
                load: l,
                capacity_version: cap.map(|(_, v)| *v),
            }
        })
        .collect()
}

#[derive(Deserialize, IntoParams)]
pub struct CapacityParams {
    /// The ministry's code (default: the caller's).
    ministry: Option<String>,
    as_of: Option<Date>,
}

async fn ministry_of(
    state: &AppState,
    actor: &Actor,
    code: Option<&str>,
) -> Result<OrgId, AppError> {
    let org = match code {
        Some(c) => {
            cosinum_store::organisations::get_by_code(&state.db, &c.to_uppercase())
                .await
                .map_err(|_| AppError::NotFound)?
                .id
        }
        None => actor
            .organisation
            .ok_or_else(|| AppError::BadRequest("Précisez le ministère (ministry=CODE).".into()))?,
    };
    if !allows(Some(actor), Access::Read, &application_resource(org)) {
        return Err(AppError::NotFound);
    }
    Ok(org)
}

/// A ministry's load against its declared capacity, per semester.
#[utoipa::path(get, path = "/api/v1/funding/capacity", tag = "funding", params(CapacityParams), security(("bearer" = [])),
    responses((status = 200, body = [LoadLine]), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn capacity(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<CapacityParams>,
) -> Result<Json<Vec<LoadLine>>, ApiError> {
    let org = ministry_of(&state, caller.actor(), p.ministry.as_deref()).await?;
    Ok(Json(
        ministry_loads(&state, org, p.as_of.unwrap_or_else(today), &[]).await?,
    ))
}

/// A new application's workload, to see its effect before filing it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIf {
    ministry: Option<String>,
    workload: Vec<WorkloadEntry>,
}

/// What a new application would do to the ministry's load ("this
/// application would bring you to 130 % of your capacity in 2022S2").
#[utoipa::path(post, path = "/api/v1/funding/capacity/what-if", tag = "funding", request_body = WhatIf, security(("bearer" = [])),
    responses((status = 200, body = [LoadLine]), (status = 404, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn what_if(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<WhatIf>,
) -> Result<Json<Vec<LoadLine>>, ApiError> {
    let org = ministry_of(&state, caller.actor(), body.ministry.as_deref()).await?;
    let extra = parse_workload(&body.workload)?;
    Ok(Json(ministry_loads(&state, org, today(), &extra).await?))
}

/// A declared capacity.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityWrite {
    organisation_id: i64,
    /// "2022S2".
    semester: String,
    /// Person-months the ministry's digital teams can put into projects.
    capacity: f64,
    /// Of which already taken by ongoing projects outside the funds.
    committed: f64,
    /// The version read; absent for a first declaration.
    version: Option<i64>,
}

/// Declares or changes a ministry's capacity for a semester (the ministry
/// itself, or the DINUM).
#[utoipa::path(put, path = "/api/v1/funding/capacity", tag = "funding", request_body = CapacityWrite, security(("bearer" = [])),
    responses((status = 200, body = [LoadLine]), (status = 403, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
pub async fn set_capacity(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CapacityWrite>,
) -> Result<Json<Vec<LoadLine>>, ApiError> {
    let org = OrgId(body.organisation_id);
    if !allows(
        Some(caller.actor()),
        Access::Write,
        &application_resource(org),
    ) {
        return Err(AppError::Forbidden.into());
    }
    let semester = Semester::parse(&body.semester).ok_or_else(|| {
        AppError::Invalid(ValidationError::new(
            "semester",
            "semestre invalide (par exemple 2022S2)",
        ))
    })?;
    let c = Capacity {
        organisation_id: org,
        semester,
        capacity: body.capacity,
        committed: body.committed,
    };
    let mut tx = state.db.begin().await?;
    capacities::set(&mut tx, &caller.audit(), &c, body.version).await?;
    tx.commit().await?;
    Ok(Json(ministry_loads(&state, org, today(), &[]).await?))
}
