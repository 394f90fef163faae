//! The search index kept in step with the database. Every write, whatever
//! its path (page, API, command line, another server), lands in the audit
//! history; before a search, when the history has moved since the index's
//! stamp, the kinds of objects written since are re-read and only the
//! documents that changed are re-indexed. The index lives in memory, or in
//! `web.search_index_dir` so that a large portfolio is not re-indexed at
//! every start (`cosinum reindex` rebuilds it from scratch).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use cosinum_domain::OrgId;
use cosinum_search::{Doc, Kind, Pair, PairOptions, SearchIndex, Update};
use cosinum_store::Db;
use cosinum_store::among::{Among, Table};
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
        if kinds.is_empty() {
            // Nothing searchable was written (a sign-in, say): the index
            // stands, and what documents borrow need not be read (34,000
            // organisations and 50,000 projects' zones at scale).
            *guard = Some((now, index.clone()));
            return Ok(index);
        }
        // One range of one kind at a time: only one range's documents are
        // held at once (700,000 documents at scale). Until the last range
        // is done, each commit carries the stamp the index had, so an index
        // left half updated is brought up to date again from there.
        let before = since.map(|at| at.stamp()).unwrap_or_default();
        let lookups = Lookups::read(db).await?;
        let mut steps = Vec::new();
        for kind in kinds {
            for range in ranges(db, kind).await? {
                steps.push((kind, range));
            }
        }
        let mut total = Update::default();
        for (n, &(kind, range)) in steps.iter().enumerate() {
            let docs = documents_among(db, kind, Among::Ids(range.0, range.1), &lookups).await?;
            let index = index.clone();
            let stamp = if n + 1 == steps.len() {
                now.stamp()
            } else {
                before.clone()
            };
            let update =
                tokio::task::spawn_blocking(move || index.replace_range(kind, range, docs, &stamp))
                    .await
                    .map_err(|e| AppError::Internal(e.into()))?
                    .map_err(|e| AppError::Internal(e.into()))?;
            total.added += update.added;
            total.updated += update.updated;
            total.removed += update.removed;
        }
        log_update(total);
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

/// Ids read at a time when a kind is (re)indexed: one range's documents
/// are held at once (hundreds of thousands of funding requests at scale).
const RANGE_IDS: i64 = 25_000;

/// What documents borrow from other objects: their ministry's code, and
/// for applications and funding requests their project's functional zone.
pub struct Lookups {
    codes: HashMap<OrgId, String>,
    zones: HashMap<i64, String>,
}

impl Lookups {
    pub async fn read(db: &Db) -> Result<Lookups, AppError> {
        let codes = cosinum_store::organisations::list(db, true)
            .await?
            .into_iter()
            .map(|o| (o.id, o.code))
            .collect();
        let zones = cosinum_store::projects::zones(db).await?;
        Ok(Lookups { codes, zones })
    }

    fn code(&self, id: OrgId) -> String {
        self.codes.get(&id).cloned().unwrap_or_default()
    }

    fn zone(&self, project: Option<i64>) -> String {
        project
            .and_then(|id| self.zones.get(&id))
            .cloned()
            .unwrap_or_default()
    }
}

/// Every searchable object, as documents.
pub async fn documents(db: &Db) -> Result<Vec<Doc>, AppError> {
    let lookups = Lookups::read(db).await?;
    let mut out = Vec::new();
    for kind in Kind::ALL {
        out.extend(documents_among(db, kind, Among::All, &lookups).await?);
    }
    Ok(out)
}

/// The id ranges a kind is indexed by, in order: [`RANGE_IDS`] ids at a
/// time over its table's ids, the first range open downwards and the last
/// upwards so that the documents of objects since deleted go too. Plan
/// lines (a few thousand, read with their plans) are one range.
async fn ranges(db: &Db, kind: Kind) -> Result<Vec<(i64, i64)>, AppError> {
    let table = match kind {
        Kind::Project => Table::Projects,
        Kind::Application => Table::CloudApplications,
        Kind::FundingApplication => Table::FundingApplications,
        Kind::PlanLine => return Ok(vec![(i64::MIN, i64::MAX)]),
    };
    Ok(ranges_over(
        cosinum_store::among::id_span(db, table).await?,
        RANGE_IDS,
    ))
}

/// Ranges of `size` ids over `span` (the smallest and largest ids, if any),
/// the first open downwards and the last upwards: together they take every
/// id once.
pub(crate) fn ranges_over(span: Option<(i64, i64)>, size: i64) -> Vec<(i64, i64)> {
    let Some((lo, hi)) = span else {
        return vec![(i64::MIN, i64::MAX)];
    };
    let size = size.max(1);
    let mut out = Vec::new();
    let mut start = lo;
    loop {
        let end = start.saturating_add(size - 1);
        if end >= hi {
            out.push((start, i64::MAX));
            break;
        }
        out.push((start, end));
        start = end + 1;
    }
    out[0].0 = i64::MIN;
    out
}

/// The documents of one kind among the objects `among` names.
pub async fn documents_among(
    db: &Db,
    kind: Kind,
    among: Among,
    lookups: &Lookups,
) -> Result<Vec<Doc>, AppError> {
    Ok(match kind {
        Kind::Project => project_documents(db, among, lookups).await?,
        Kind::Application => cosinum_store::cloud::applications_among(db, among)
            .await?
            .into_iter()
            .map(|a| Doc {
                kind: Kind::Application,
                id: a.id,
                ministry: lookups.code(a.organisation_id),
                zone: lookups.zone(a.project_id),
                title: a.name,
                body: a.description,
                url: format!("/hebergement/applications/{}", a.id),
                amount: a.full_cost.map(|c| c.0),
            })
            .collect(),
        Kind::FundingApplication => cosinum_store::funding::applications::list_among(db, among)
            .await?
            .into_iter()
            .map(|a| Doc {
                kind: Kind::FundingApplication,
                id: a.id,
                ministry: lookups.code(a.fields.organisation_id),
                zone: lookups.zone(a.fields.project_id),
                title: a.fields.title,
                body: a.fields.description,
                url: format!("/financements/dossiers/{}", a.id),
                amount: Some(a.fields.requested.0),
            })
            .collect(),
        Kind::PlanLine => plan_line_documents(db, lookups)
            .await?
            .into_iter()
            .filter(|d| match among {
                Among::All => true,
                Among::Ids(lo, hi) => (lo..=hi).contains(&d.id),
                Among::Ministry(org) => d.ministry == lookups.code(org),
            })
            .collect(),
    })
}

/// Projects not archived, with the latest known cost of each (withheld
/// figures are not shown, here as on the project page).
async fn project_documents(db: &Db, among: Among, lookups: &Lookups) -> Result<Vec<Doc>, AppError> {
    let mut cost = HashMap::new();
    for r in cosinum_store::projects::reviews::cost_lines(db, among).await? {
        match r.cost_eur {
            _ if r.figures_withheld => cost.remove(&r.project_id),
            Some(c) => cost.insert(r.project_id, c),
            None => None,
        };
    }
    Ok(cosinum_store::projects::list_among(db, false, among)
        .await?
        .into_iter()
        .map(|p| Doc {
            kind: Kind::Project,
            id: p.id,
            ministry: lookups.code(p.organisation_id),
            url: format!("/projets/{}", p.id),
            amount: cost.get(&p.id).copied(),
            title: p.name,
            body: p.description,
            zone: p.functional_zone,
        })
        .collect())
}

/// The lines of each ministry's latest revision per year.
async fn plan_line_documents(db: &Db, lookups: &Lookups) -> Result<Vec<Doc>, AppError> {
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
            ministry: lookups.code(p.organisation_id),
            title: l.title.clone(),
            body: l.description.clone(),
            zone: l.functional_zone.clone(),
            url: format!("/reutilisation/plans/{}#ligne-{}", p.id, l.id),
            amount: Some(l.total().0.0),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ranges_cut_the_span_and_open_at_both_ends() {
        assert_eq!(ranges_over(None, 10), [(i64::MIN, i64::MAX)]);
        assert_eq!(ranges_over(Some((5, 5)), 10), [(i64::MIN, i64::MAX)]);
        assert_eq!(
            ranges_over(Some((1, 25)), 10),
            [(i64::MIN, 10), (11, 20), (21, i64::MAX)]
        );
        assert_eq!(
            ranges_over(Some((1, 20)), 10),
            [(i64::MIN, 10), (11, i64::MAX)]
        );
    }

    proptest! {
        /// Every id falls in exactly one range, ranges follow each other,
        /// and each but the ends spans `size` ids.
        #[test]
        fn ranges_take_every_id_once(lo in -1000i64..1000, len in 0i64..5000, size in 1i64..700) {
            let hi = lo + len;
            let r = ranges_over(Some((lo, hi)), size);
            prop_assert_eq!(r[0].0, i64::MIN);
            prop_assert_eq!(r[r.len() - 1].1, i64::MAX);
            for w in r.windows(2) {
                prop_assert_eq!(w[0].1 + 1, w[1].0);
                prop_assert!(w[0].0 <= w[0].1);
            }
            for (a, b) in r.iter().skip(1).take(r.len().saturating_sub(2)) {
                prop_assert_eq!(b - a + 1, size);
            }
            prop_assert_eq!(r.len() as i64, (len / size) + 1);
        }
    }
}
