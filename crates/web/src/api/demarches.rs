//! `/api/v1/demarches`: online services — the tracked démarches, the
//! observatory's editions and the summary of one edition.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use cosinum_domain::authz::{Actor, Owner, Resource};
use cosinum_domain::demarches::bilan::{BilanLine, bilan_of};
use cosinum_domain::demarches::method::method;
use cosinum_domain::demarches::shares::{GoalShare, OnlineShare, by_group};
use cosinum_store::demarches;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::streamed::StreamedJson;
use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::identity::ApiCaller;
use crate::observatory::{readable_counts, readable_movers, reads};

/// A démarche belongs to its ministry, which reads and edits it; the
/// observatory itself is the DINUM's (it measures satisfaction, availability
/// and the rest, DM §2.1: its master data lives in the DINUM's Grist), so the
/// DINUM edits every ministry's démarches too — a referential record.
pub fn demarche_resource(org: cosinum_domain::OrgId) -> Resource {
    Resource {
        referential: true,
        ..Resource::owned_by(Owner::Organisation(org))
    }
}

/// Figures per (ministry, administration): each row is placed by its
/// démarche's administration.
pub fn by_administration(
    m: &cosinum_domain::demarches::Method,
    rows: &[cosinum_domain::demarches::shares::DemarcheValues],
    list: &[cosinum_domain::demarches::demarche::Demarche],
) -> std::collections::BTreeMap<(cosinum_domain::OrgId, String), (OnlineShare, Vec<GoalShare>)> {
    let administration: std::collections::HashMap<i64, &str> = list
        .iter()
        .map(|d| (d.id, d.administration.as_str()))
        .collect();
    by_group(m, rows, |r| {
        administration
            .get(&r.demarche_id)
            .map(|a| (r.ministry, (*a).to_owned()))
    })
}

#[derive(Deserialize, IntoParams)]
pub struct SummaryParams {
    /// Date of the edition (default: the latest).
    edition: Option<Date>,
}

/// One ministry's figures in an edition.
#[derive(Clone, Serialize, ToSchema)]
pub struct MinistrySummary {
    pub code: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub online: OnlineShare,
    #[schema(value_type = Vec<Object>)]
    pub goals: Vec<GoalShare>,
    /// Change of its strict online share since the previous edition (ratio points).
    pub online_change: Option<f64>,
}

/// One administration's figures in an edition.
#[derive(Clone, Serialize, ToSchema)]
pub struct AdministrationSummary {
    pub ministry: String,
    pub administration: String,
    #[schema(value_type = Object)]
    pub online: OnlineShare,
    #[schema(value_type = Vec<Object>)]
    pub goals: Vec<GoalShare>,
}

/// An edition of the observatory, summarised.
#[derive(Clone, Serialize, ToSchema)]
pub struct Summary {
    pub edition: Date,
    /// The method of the edition (`v2019`, `v2023`): levels and goals follow it.
    pub method: &'static str,
    pub method_label: &'static str,
    pub demarches: usize,
    /// Fully online counted strictly, and weighted (100 % online, 50 % partial, 10 % beta).
    #[schema(value_type = Object)]
    pub online: OnlineShare,
    /// Share at goal for each indicator, with denominators and exclusions.
    #[schema(value_type = Vec<Object>)]
    pub goals: Vec<GoalShare>,
    /// The consolidated table: each line states its definition and denominator.
    #[schema(value_type = Vec<Object>)]
    pub bilan: Vec<BilanLine>,
    pub by_ministry: Vec<MinistrySummary>,
    pub by_administration: Vec<AdministrationSummary>,
    pub previous_edition: Option<Date>,
    /// Change of the strict online share since the previous edition (ratio points).
    pub online_change: Option<f64>,
    /// Démarches whose level rose / fell on at least one indicator since the previous edition.
    pub movers_up: usize,
    pub movers_down: usize,
}

impl Summary {
    /// About how many bytes the summary takes in memory: a line per
    /// ministry and administration, each with its goals (tens of megabytes
    /// at scale, where it is not kept: `web.cache_keep_mib`).
    pub fn approx_bytes(&self) -> usize {
        let goals = |g: &Vec<GoalShare>| g.capacity() * std::mem::size_of::<GoalShare>();
        let ministries: usize = self
            .by_ministry
            .iter()
            .map(|m| {
                std::mem::size_of::<MinistrySummary>()
                    + m.code.capacity()
                    + m.name.capacity()
                    + goals(&m.goals)
            })
            .sum();
        let administrations: usize = self
            .by_administration
            .iter()
            .map(|a| {
                std::mem::size_of::<AdministrationSummary>()
                    + a.ministry.capacity()
                    + a.administration.capacity()
                    + goals(&a.goals)
            })
            .sum();
        std::mem::size_of::<Self>() + goals(&self.goals) + ministries + administrations
    }
}

/// The summary of an edition, over the démarches the caller may read.
#[utoipa::path(get, path = "/api/v1/demarches/summary", tag = "demarches", params(SummaryParams), security(("bearer" = [])),
    responses((status = 200, body = Summary), (status = 404, body = crate::ErrorBody), (status = 401, body = crate::ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<SummaryParams>,
) -> Result<StreamedJson<Summary>, ApiError> {
    // Tens of megabytes at scale (a line per ministry and administration).
    Ok(StreamedJson(
        summary_for(&state, caller.actor(), p.edition).await?,
    ))
}

/// The summary of the edition of `edition` (default: the latest) over the
/// démarches `actor` may read; not found when there is no such edition.
pub async fn summary_for(
    state: &AppState,
    actor: &Actor,
    edition: Option<Date>,
) -> Result<Arc<Summary>, AppError> {
    if !actor.sees_everything() {
        return Ok(Arc::new(compute_summary(state, actor, edition).await?));
    }
    // Whoever sees everything sees the same summary: kept while nothing is
    // written (it reads every value of two editions).
    state
        .demarche_summaries
        .get(&state.db, edition, || {
            compute_summary(state, actor, edition)
        })
        .await
}

async fn compute_summary(
    state: &AppState,
    actor: &Actor,
    edition: Option<Date>,
) -> Result<Summary, AppError> {
    let all = state.demarche_editions().await?;
    let edition = match edition {
        Some(d) => all
            .iter()
            .find(|e| e.edition_date == d)
            .ok_or(AppError::NotFound)?,
        None => all.last().ok_or(AppError::NotFound)?,
    };
    let m = method(&edition.method)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown method {}", edition.method)))?;
    let previous = all
        .iter()
        .rev()
        .find(|e| e.edition_date < edition.edition_date);
    // Counts kept per ministry (and administration), summed over the
    // ministries the caller may read: the edition itself is never held.
    let figures = state.demarche_figures(edition).await?;
    let digest = state.demarche_digest(edition, previous).await?;
    let counts = readable_counts(actor, m, &figures);
    let previous_figures = match previous {
        Some(p) => Some((p, state.demarche_figures(p).await?)),
        None => None,
    };
    let online_change = previous_figures.as_ref().and_then(|(p, before)| {
        let pm = method(&p.method)?;
        counts
            .online
            .strict_share
            .zip(readable_counts(actor, pm, before).online.strict_share)
            .map(|(a, b)| a - b)
    });
    let distinct = |v: &[(
        cosinum_domain::OrgId,
        cosinum_domain::demarches::shares::Mover,
    )]| {
        readable_movers(actor, v)
            .map(|x| x.demarche_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let orgs = state.organisations(true).await?;
    let org_by_id: std::collections::HashMap<_, _> = orgs.iter().map(|o| (o.id, o)).collect();
    let code = |org: cosinum_domain::OrgId| {
        org_by_id
            .get(&org)
            .map_or_else(|| org.to_string(), |o| o.code.clone())
    };
    let by_ministry = figures
        .iter()
        .filter(|(org, _)| reads(actor, **org))
        .map(|(org, c)| {
            let c = c.unpack(m);
            let online_change = previous_figures
                .as_ref()
                .and_then(|(_, before)| before.get(org))
                .and_then(|b| Some(c.online.strict_share? - b.online_share().strict_share?));
            MinistrySummary {
                code: code(*org),
                name: org_by_id
                    .get(org)
                    .map_or_else(String::new, |o| o.name.clone()),
                online: c.online,
                goals: c.goals,
                online_change,
            }
        })
        .collect();
    let by_administration = digest
        .administrations
        .iter()
        .filter(|((org, _), _)| reads(actor, *org))
        .map(|((org, administration), c)| {
            let c = c.unpack(m);
            AdministrationSummary {
                ministry: code(*org),
                administration: administration.clone(),
                online: c.online,
                goals: c.goals,
            }
        })
        .collect();
    Ok(Summary {
        edition: edition.edition_date,
        method: m.code,
        method_label: m.label_fr,
        demarches: counts.rows,
        bilan: bilan_of(m, &counts),
        online: counts.online,
        goals: counts.goals,
        by_ministry,
        by_administration,
        previous_edition: previous.map(|e| e.edition_date),
        online_change,
        movers_up: distinct(&digest.up),
        movers_down: distinct(&digest.down),
    })
}

/// The observatory's editions.
#[utoipa::path(get, path = "/api/v1/demarches/editions", tag = "demarches", security(("bearer" = [])),
    responses((status = 200, body = [Object]), (status = 401, body = crate::ErrorBody)))]
pub async fn editions(
    State(state): State<AppState>,
    _caller: ApiCaller,
) -> Result<Json<Vec<demarches::Edition>>, ApiError> {
    Ok(Json(state.demarche_editions().await?.to_vec()))
}
