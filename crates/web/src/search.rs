//! The search index kept in step with the database. Every write, whatever
//! its path (page, API, command line, another server), lands in the audit
//! history; before a search, when the history has moved since the index's
//! stamp, the kinds of objects written since are re-read and only the
//! documents that changed are re-indexed. The index lives in memory, or in
//! `web.search_index_dir` so that a large portfolio is not re-indexed at
//! every start (`cosinum reindex` rebuilds it from scratch).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use cosinum_search::{Doc, Kind, Pair, PairOptions, SearchIndex, Update};
use cosinum_store::Db;
use cosinum_store::audit::{self, Position};
use tokio::sync::Mutex;

use crate::error::AppError;

/// The current index and the history position it reflects.
#[derive(Default)]
pub struct SearchState {
    dir: Option<std::path::PathBuf>,
    /// The temporary directory of the index when no directory is set.
    scratch: std::sync::OnceLock<tempfile::TempDir>,
    current: Mutex<Option<(Position, Arc<SearchIndex>)>>,
    /// The duplicates of the whole portfolio, by index stamp and threshold:
    /// the report is costly (a search per document) and asked for often.
    pairs: Mutex<Option<CachedPairs>>,
}

/// Index stamp, threshold (bits of the f32) and the pairs found.
type CachedPairs = (String, u32, Arc<Vec<Pair>>);

impl SearchState {
    /// An index kept in `dir` (created if missing), or in memory.
    pub fn new(dir: Option<&Path>) -> SearchState {
        SearchState {
            dir: dir.map(Path::to_path_buf),
            scratch: std::sync::OnceLock::new(),
            current: Mutex::default(),
            pairs: Mutex::default(),
        }
    }

    /// The pairs of similar efforts of different ministries, those whose
    /// both sides are of the `visible` ministries (all when `None`). The
    /// pairs of the whole portfolio are computed once per state of the
    /// index and threshold, then filtered for each reader.
    pub async fn pairs(
        &self,
        db: &Db,
        visible: Option<Vec<String>>,
        options: PairOptions,
    ) -> Result<Vec<Pair>, AppError> {
        let index = self.index(db).await?;
        let all = {
            let mut cached = self.pairs.lock().await;
            let key = (
                index.stamp().unwrap_or_default(),
                options.threshold.to_bits(),
            );
            match cached.as_ref() {
                Some((stamp, threshold, pairs)) if (stamp, threshold) == (&key.0, &key.1) => {
                    pairs.clone()
                }
                _ => {
                    let pairs =
                        tokio::task::spawn_blocking(move || index.duplicate_pairs(None, options))
                            .await
                            .map_err(|e| AppError::Internal(e.into()))?
                            .map(Arc::new)
                            .map_err(|e| AppError::Internal(e.into()))?;
                    *cached = Some((key.0, key.1, pairs.clone()));
                    pairs
                }
            }
        };
        let reads = |m: &str| visible.as_ref().is_none_or(|v| v.iter().any(|x| x == m));
        Ok(all
            .iter()
            .filter(|p| reads(&p.a.ministry) && reads(&p.b.ministry))
            .cloned()
            .collect())
    }

    /// The index as of now (brought up to date first if the database changed).
    pub async fn index(&self, db: &Db) -> Result<Arc<SearchIndex>, AppError> {
        let mut guard = self.current.lock().await;
        let now = audit::current_position(db).await?;
        let (since, index) = match guard.take() {
            Some((at, index)) if at == now => {
                *guard = Some((at, index.clone()));
                return Ok(index);
            }
            Some((at, index)) => (Some(at), index),
            None => {
                let index = Arc::new(self.open()?);
                (index.stamp().as_deref().and_then(Position::parse), index)
            }
        };
        let kinds = match since {
            Some(at) => kinds_written(&audit::types_since(db, at).await?),
            None => Kind::ALL.to_vec(),
        };
        // One kind at a time: only one kind's documents are held at once
        // (700,000 documents at scale). Until the last kind is done, each
        // commit carries the stamp the index had, so an index left half
        // updated is brought up to date again from there.
        let before = since.map(|at| at.stamp()).unwrap_or_default();
        for (n, kind) in kinds.iter().enumerate() {
            let docs = documents_of(db, &[*kind]).await?;
            let index = index.clone();
            let stamp = if n + 1 == kinds.len() {
                now.stamp()
            } else {
                before.clone()
            };
            let kind = *kind;
            let update = tokio::task::spawn_blocking(move || index.replace(&[kind], docs, &stamp))
                .await
                .map_err(|e| AppError::Internal(e.into()))?
                .map_err(|e| AppError::Internal(e.into()))?;
            log_update(update);
        }
        *guard = Some((now, index.clone()));
        Ok(index)
    }

    fn open(&self) -> Result<SearchIndex, AppError> {
        let memory = || SearchIndex::in_memory().map_err(|e| AppError::Internal(e.into()));
        let dir = match &self.dir {
            Some(dir) => dir.as_path(),
            None => match self.scratch() {
                Some(dir) => dir,
                None => return memory(),
            },
        };
        match SearchIndex::open(dir) {
            Ok(index) => Ok(index),
            // Another process holds it (a second server on the same
            // directory): this one keeps its own index in memory.
            Err(e @ cosinum_search::SearchError::Busy(_)) => {
                tracing::warn!("{e}; this server indexes in memory instead");
                memory()
            }
            Err(e) => Err(AppError::Internal(e.into())),
        }
    }
}

impl SearchState {
    /// The temporary directory of the index, created on first use; `None`
    /// when none can be created (the index is then kept in memory).
    fn scratch(&self) -> Option<&Path> {
        if self.scratch.get().is_none() {
            match tempfile::Builder::new().prefix("cosinum-search-").tempdir() {
                Ok(dir) => {
                    let _ = self.scratch.set(dir);
                }
                Err(e) => {
                    tracing::warn!(
                        "no temporary directory for the search index ({e}): kept in memory"
                    );
                    return None;
                }
            }
        }
        self.scratch.get().map(tempfile::TempDir::path)
    }
}

fn log_update(u: Update) {
    if !u.is_empty() {
        tracing::info!(
            added = u.added,
            updated = u.updated,
            removed = u.removed,
            "search index updated"
        );
    }
}

/// The kinds of documents that may have changed after writes to these
/// kinds of objects. A project lends its functional zone to its
/// applications and funding applications, and its latest review its cost;
/// an organisation its code to everything it owns.
pub fn kinds_written(object_types: &[String]) -> Vec<Kind> {
    let mut kinds = BTreeSet::new();
    for t in object_types {
        match t.as_str() {
            cosinum_store::organisations::OBJECT_TYPE => kinds.extend(Kind::ALL),
            cosinum_store::projects::OBJECT_TYPE => {
                kinds.extend([Kind::Project, Kind::Application, Kind::FundingApplication])
            }
            cosinum_store::projects::reviews::OBJECT_TYPE => {
                kinds.insert(Kind::Project);
            }
            cosinum_store::cloud::APPLICATION_TYPE => {
                kinds.insert(Kind::Application);
            }
            cosinum_store::funding::applications::OBJECT_TYPE => {
                kinds.insert(Kind::FundingApplication);
            }
            cosinum_store::plans::PLAN_TYPE | cosinum_store::plans::LINE_TYPE => {
                kinds.insert(Kind::PlanLine);
            }
            _ => {}
        }
    }
    kinds.into_iter().collect()
}

/// Every searchable object, as documents.
pub async fn documents(db: &Db) -> Result<Vec<Doc>, AppError> {
    documents_of(db, &Kind::ALL).await
}

/// The documents of the given kinds.
pub async fn documents_of(db: &Db, kinds: &[Kind]) -> Result<Vec<Doc>, AppError> {
    let orgs = cosinum_store::organisations::list(db, true).await?;
    let codes: std::collections::HashMap<cosinum_domain::OrgId, &str> =
        orgs.iter().map(|o| (o.id, o.code.as_str())).collect();
    let code =
        |id: cosinum_domain::OrgId| codes.get(&id).map_or_else(String::new, |c| (*c).to_owned());
    let projects = cosinum_store::projects::list(db, false).await?;
    // Applications name their project: looked up, not searched for (280,000
    // applications and 50,000 projects at scale).
    let zones: std::collections::HashMap<i64, &str> = projects
        .iter()
        .map(|p| (p.id, p.functional_zone.as_str()))
        .collect();
    let zone_of = |project: Option<i64>| {
        project
            .and_then(|id| zones.get(&id))
            .map_or_else(String::new, |z| (*z).to_owned())
    };
    let mut out: Vec<Doc> = Vec::new();
    if kinds.contains(&Kind::Project) {
        // The latest known cost of each project (reviews come in date order).
        let mut cost = std::collections::HashMap::new();
        for r in cosinum_store::projects::reviews::list_all_figures(db).await? {
            match r.cost {
                // Withheld figures are not shown, here as on the project page.
                _ if r.figures_withheld => cost.remove(&r.project_id),
                Some(c) => cost.insert(r.project_id, c.0),
                None => None,
            };
        }
        out.extend(projects.iter().map(|p| Doc {
            kind: Kind::Project,
            id: p.id,
            ministry: code(p.organisation_id),
            title: p.name.clone(),
            body: p.description.clone(),
            zone: p.functional_zone.clone(),
            url: format!("/projets/{}", p.id),
            amount: cost.get(&p.id).copied(),
        }));
    }
    if kinds.contains(&Kind::Application) {
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
    }
    if kinds.contains(&Kind::FundingApplication) {
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
    }
    if kinds.contains(&Kind::PlanLine) {
        out.extend(plan_line_documents(db, &code).await?);
    }
    Ok(out)
}

/// The lines of each ministry's latest revision per year.
async fn plan_line_documents(
    db: &Db,
    code: &impl Fn(cosinum_domain::OrgId) -> String,
) -> Result<Vec<Doc>, AppError> {
    let plans = cosinum_store::plans::plans(db).await?;
    let mut latest: std::collections::HashMap<_, i32> = std::collections::HashMap::new();
    for p in &plans {
        let r = latest
            .entry((p.organisation_id, p.year))
            .or_insert(p.revision);
        *r = (*r).max(p.revision);
    }
    let mut out = Vec::new();
    for p in &plans {
        if latest.get(&(p.organisation_id, p.year)) != Some(&p.revision) {
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
