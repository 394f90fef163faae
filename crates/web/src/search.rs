//! The search index kept in step with the database: built from every
//! project, application, funding application and plan line, and rebuilt
//! before a search whenever the audit history has moved since — every
//! write, whatever its path (page, API, command line, another server), is
//! in that history, so nothing written is ever missing from the results.

use std::sync::Arc;

use cosinum_search::{Doc, Kind, SearchIndex};
use cosinum_store::Db;
use tokio::sync::Mutex;

use crate::error::AppError;

/// The current index and the audit position it reflects.
#[derive(Default)]
pub struct SearchState {
    current: Mutex<Option<(i64, Arc<SearchIndex>)>>,
}

impl SearchState {
    /// The index as of now (rebuilt first if the database changed).
    pub async fn index(&self, db: &Db) -> Result<Arc<SearchIndex>, AppError> {
        let mut guard = self.current.lock().await;
        let position = cosinum_store::audit::position(db).await?;
        if let Some((at, index)) = guard.as_ref()
            && *at == position
        {
            return Ok(index.clone());
        }
        let index = Arc::new(
            SearchIndex::build(documents(db).await?).map_err(|e| AppError::Internal(e.into()))?,
        );
        *guard = Some((position, index.clone()));
        Ok(index)
    }
}

/// Every searchable object, as documents.
pub async fn documents(db: &Db) -> Result<Vec<Doc>, AppError> {
    let orgs = cosinum_store::organisations::list(db, true).await?;
    let code = |id: cosinum_domain::OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(String::new, |o| o.code.clone())
    };
    let projects = cosinum_store::projects::list(db, false).await?;
    let zone_of = |project: Option<i64>| {
        project
            .and_then(|id| projects.iter().find(|p| p.id == id))
            .map_or_else(String::new, |p| p.functional_zone.clone())
    };
    let mut out: Vec<Doc> = projects
        .iter()
        .map(|p| Doc {
            kind: Kind::Project,
            id: p.id,
            ministry: code(p.organisation_id),
            title: p.name.clone(),
            body: p.description.clone(),
            zone: p.functional_zone.clone(),
            url: format!("/projets/{}", p.id),
            amount: None,
        })
        .collect();
    out.extend(
        cosinum_store::cloud::applications(db)
            .await?
            .into_iter()
            .map(|a| Doc {
                kind: Kind::Application,
                id: a.id,
                ministry: code(a.organisation_id),
                zone: zone_of(a.project_id),
                title: a.name,
                body: a.description,
                url: format!("/hebergement/applications/{}", a.id),
                amount: a.full_cost.map(|c| c.0),
            }),
    );
    out.extend(
        cosinum_store::funding::applications::list(db)
            .await?
            .into_iter()
            .map(|a| Doc {
                kind: Kind::FundingApplication,
                id: a.id,
                ministry: code(a.fields.organisation_id),
                zone: zone_of(a.fields.project_id),
                title: a.fields.title,
                body: a.fields.description,
                url: format!("/financements/dossiers/{}", a.id),
                amount: Some(a.fields.requested.0),
            }),
    );
    // Plan lines: those of each ministry's latest revision per year.
    let plans = cosinum_store::plans::plans(db).await?;
    for p in &plans {
        let latest = plans
            .iter()
            .filter(|q| q.organisation_id == p.organisation_id && q.year == p.year)
            .all(|q| q.revision <= p.revision);
        if !latest {
            continue;
        }
        out.extend(p.lines.iter().map(|l| Doc {
            kind: Kind::PlanLine,
            id: l.id,
            ministry: code(p.organisation_id),
            title: l.title.clone(),
            body: l.description.clone(),
            zone: l.functional_zone.clone(),
            url: format!("/reutilisation/plans/{}#ligne-{}", p.id, l.id),
            amount: Some(l.total().0.0),
        }));
    }
    Ok(out)
}
