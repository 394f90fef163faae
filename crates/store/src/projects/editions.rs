//! Published editions of the portfolio and the loading of everything the
//! portfolio maths needs.

use std::collections::HashMap;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use cosinum_domain::projects::portfolio::{snapshot, state_as_of};
use cosinum_domain::projects::project::Project;
use cosinum_domain::projects::{Baseline, Estimate, ProjectSnapshot};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::among::{Owners, ProjectScope};
use crate::db::{Db, Tx};
use crate::error::StoreResult;

/// A published edition: the complete list of projects at its date.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Edition {
    pub id: i64,
    pub as_of: Date,
    /// The imported file, or "cosinum" for an edition frozen in the platform.
    pub source: String,
    pub projects: i64,
}

pub async fn list(db: &Db) -> StoreResult<Vec<Edition>> {
    Ok(on_pool!(db, p => sqlx::query_as(
        "SELECT e.id, e.as_of, e.source, (SELECT COUNT(*) FROM edition_projects m WHERE m.edition_id = e.id) AS projects \
         FROM portfolio_editions e ORDER BY e.as_of")
        .fetch_all(p)
        .await)?)
}

/// Creates the edition dated `as_of`, or returns the existing one; its
/// members become exactly `project_ids`. Returns the edition id and whether
/// anything changed.
pub async fn upsert(
    tx: &mut Tx,
    as_of: Date,
    source: &str,
    project_ids: &[i64],
) -> StoreResult<(i64, bool)> {
    let existing: Option<(i64,)> = on_tx!(tx, c => sqlx::query_as("SELECT id FROM portfolio_editions WHERE as_of = $1")
        .bind(as_of)
        .fetch_optional(c)
        .await)?;
    let (id, created) = match existing {
        Some((id,)) => (id, false),
        None => {
            let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
                "INSERT INTO portfolio_editions (as_of, source, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(as_of)
                .bind(source)
                .bind(OffsetDateTime::now_utc())
                .fetch_one(c)
                .await)?;
            (id, true)
        }
    };
    let mut current: Vec<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT project_id FROM edition_projects WHERE edition_id = $1 ORDER BY project_id")
        .bind(id)
        .fetch_all(c)
        .await)?;
    let mut wanted: Vec<i64> = project_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    current.sort_unstable();
    if !created && current.iter().map(|(p,)| *p).eq(wanted.iter().copied()) {
        return Ok((id, false));
    }
    on_tx!(tx, c => sqlx::query("DELETE FROM edition_projects WHERE edition_id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    for p in &wanted {
        on_tx!(tx, c => sqlx::query("INSERT INTO edition_projects (edition_id, project_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*p)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok((id, true))
}

/// For each project listed in at least one edition: the date of its first
/// edition and, if it is absent from the latest one, the date of the first
/// edition after its last appearance (when it left the panorama).
pub async fn membership_spans(tx: &mut Tx) -> StoreResult<HashMap<i64, (Date, Option<Date>)>> {
    let editions: Vec<(i64, Date)> = on_tx!(tx, c => sqlx::query_as("SELECT id, as_of FROM portfolio_editions ORDER BY as_of")
        .fetch_all(c)
        .await)?;
    let members: Vec<(i64, i64)> = on_tx!(tx, c => sqlx::query_as("SELECT edition_id, project_id FROM edition_projects")
        .fetch_all(c)
        .await)?;
    let position: HashMap<i64, usize> = editions
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let mut seen: HashMap<i64, (usize, usize)> = HashMap::new();
    for (edition, project) in members {
        let Some(&i) = position.get(&edition) else {
            continue;
        };
        let e = seen.entry(project).or_insert((i, i));
        e.0 = e.0.min(i);
        e.1 = e.1.max(i);
    }
    Ok(seen
        .into_iter()
        .map(|(project, (first, last))| {
            let exit = editions.get(last + 1).map(|(_, d)| *d);
            (project, (editions[first].1, exit))
        })
        .collect())
}

/// The members of the latest edition dated strictly before `as_of`.
pub async fn previous_members(tx: &mut Tx, as_of: Date) -> StoreResult<HashSet<i64>> {
    let rows: Vec<(i64,)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT m.project_id FROM edition_projects m JOIN portfolio_editions e ON e.id = m.edition_id \
         WHERE e.as_of = (SELECT MAX(as_of) FROM portfolio_editions WHERE as_of < $1)")
        .bind(as_of)
        .fetch_all(c)
        .await)?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

/// Everything needed to compute the portfolio at any date.
#[derive(Debug, Clone, Default)]
pub struct PortfolioData {
    pub projects: Vec<Project>,
    pub baselines: HashMap<i64, Vec<Baseline>>,
    pub estimates: HashMap<i64, Vec<Estimate>>,
    /// Published editions: date → members. A published edition is the
    /// complete list at its date, so it decides membership of the projects
    /// it ever listed.
    pub editions: BTreeMap<Date, HashSet<i64>>,
    /// Every project listed in any published edition (membership of these
    /// follows the editions).
    pub published: HashSet<i64>,
    /// The dates of every project's reviews (archived reviews aside), even
    /// when only some projects were read.
    pub review_dates: BTreeSet<Date>,
}

impl PortfolioData {
    pub async fn load(db: &Db) -> StoreResult<PortfolioData> {
        Self::load_of(db, None).await
    }

    /// The same, for the projects of `owners` only (every project when
    /// `None`): a ministry's reader needs its own projects, not the whole
    /// portfolio's history. What sets the comparison points for everyone —
    /// the dates of the published editions and of the reviews — stays the
    /// whole portfolio's, so these projects' figures are the same either way.
    pub async fn load_of(db: &Db, owners: Option<Owners>) -> StoreResult<PortfolioData> {
        // Four independent reads, each on its own pooled connection and task:
        // decoding tens of thousands of rows then uses every core. (Like the
        // sequential reads before, they are not one snapshot; the caches
        // keyed on the audit history reload after any write.)
        let scope = owners.clone();
        let projects = spawn_read(db, |db| async move {
            match scope {
                Some(o) => super::list_of(&db, &o).await,
                None => super::list(&db, false).await,
            }
        });
        let scope = owners.clone();
        let baselines = spawn_read(db, |db| async move {
            let records = match scope {
                Some(o) => super::baselines::list_in(&db, ProjectScope::Of(&o)).await?,
                None => super::baselines::list_all(&db).await?,
            };
            let mut by_project: HashMap<i64, Vec<Baseline>> = HashMap::new();
            for b in records {
                by_project
                    .entry(b.project_id)
                    .or_default()
                    .push(b.baseline());
            }
            Ok(by_project)
        });
        let scope = owners.clone();
        let estimates = spawn_read(db, |db| async move {
            super::reviews::estimates_of_projects(&db, ProjectScope::of(scope.as_ref())).await
        });
        // Read whole when only some projects' estimates are: they set every
        // report's comparison point.
        let review_dates = owners.is_some().then(|| {
            spawn_read(
                db,
                |db| async move { super::reviews::review_dates(&db).await },
            )
        });
        let editions = spawn_read(db, |db| async move {
            members(&db, ProjectScope::of(owners.as_ref())).await
        });
        let editions = joined(editions).await?;
        let published = editions.values().flatten().copied().collect();
        let estimates = joined(estimates).await?;
        let review_dates = match review_dates {
            Some(read) => joined(read).await?,
            None => estimates.values().flatten().map(|e| e.date).collect(),
        };
        Ok(PortfolioData {
            published,
            projects: joined(projects).await?,
            baselines: joined(baselines).await?,
            estimates,
            editions,
            review_dates,
        })
    }

    /// The first review's date in the whole portfolio.
    pub fn first_review(&self) -> Option<Date> {
        self.review_dates.first().copied()
    }

    /// The latest review's date on or before `day` in the whole portfolio.
    pub fn latest_review_until(&self, day: Date) -> Option<Date> {
        self.review_dates.range(..=day).next_back().copied()
    }

    /// About how many bytes the data take in memory (tables' capacities and
    /// the projects' texts; allocator overheads aside): what a cache weighs
    /// before deciding to keep it.
    pub fn approx_bytes(&self) -> usize {
        use std::mem::size_of;
        let texts = |p: &Project| {
            p.name.capacity()
                + p.description.capacity()
                + p.functional_zone.capacity()
                + p.funding_programmes.capacity()
                + p.links.capacity()
                + p.aliases.capacity()
        };
        // A hash table holds its capacity in entries plus a control byte
        // each; each entry here owns a list.
        fn lists<T>(m: &HashMap<i64, Vec<T>>) -> usize {
            m.capacity() * (size_of::<(i64, Vec<T>)>() + 1)
                + m.values()
                    .map(|v| v.capacity() * size_of::<T>())
                    .sum::<usize>()
        }
        let projects = self.projects.capacity() * size_of::<Project>()
            + self.projects.iter().map(texts).sum::<usize>();
        let baselines = lists(&self.baselines);
        let estimates = lists(&self.estimates);
        let editions = self
            .editions
            .values()
            .map(|m| size_of::<(Date, HashSet<i64>)>() + m.capacity() * (size_of::<i64>() + 1))
            .sum::<usize>()
            + self.published.capacity() * (size_of::<i64>() + 1);
        projects + baselines + estimates + editions
    }

    /// The projects in the portfolio on `as_of`, each as known that day.
    /// A project listed in any published edition is in the portfolio on
    /// `as_of` exactly when the latest edition on or before that day lists it
    /// (and it has not been archived or given an exit date since); other
    /// projects follow their entry and exit dates.
    pub fn snapshots(&self, as_of: Date) -> Vec<ProjectSnapshot> {
        let published = &self.published;
        let latest = self.editions.range(..=as_of).next_back();
        self.projects
            .iter()
            .filter_map(|p| {
                let b = self.baselines.get(&p.id).map_or(&[][..], Vec::as_slice);
                let e = self.estimates.get(&p.id).map_or(&[][..], Vec::as_slice);
                if !published.contains(&p.id) {
                    return snapshot(p, b, e, as_of);
                }
                let (edition_date, members) = latest?;
                // An exit recorded after the latest edition (a project closed
                // between two editions) still counts.
                let closed_since = p.exited_on.is_some_and(|x| x > *edition_date && x <= as_of);
                (members.contains(&p.id) && !p.archived && !closed_since)
                    .then(|| state_as_of(p, b, e, as_of))
            })
            .collect()
    }
}

/// Published editions' members (of the projects in `scope` only), by date;
/// every edition that lists a project has its date there, even with none of
/// those projects, since the latest edition decides membership.
pub(super) async fn members(
    db: &Db,
    scope: ProjectScope<'_>,
) -> StoreResult<BTreeMap<Date, HashSet<i64>>> {
    let sql = format!(
        "SELECT e.as_of, m.project_id FROM edition_projects m \
         JOIN portfolio_editions e ON e.id = m.edition_id WHERE {}",
        scope.condition(db.backend(), "m.project_id")
    );
    let rows: Vec<(Date, i64)> = on_pool!(db, p => {
        let query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        match scope.bound() {
            Some(json) => query.bind(json),
            None => query,
        }
        .fetch_all(p)
        .await
    })?;
    let mut editions: BTreeMap<Date, HashSet<i64>> = BTreeMap::new();
    for (as_of, project) in rows {
        editions.entry(as_of).or_default().insert(project);
    }
    if matches!(scope, ProjectScope::All) {
        return Ok(editions);
    }
    for as_of in listing_dates(db).await? {
        editions.entry(as_of).or_default();
    }
    Ok(editions)
}

/// The dates of the published editions that list at least one project.
pub(super) async fn listing_dates(db: &Db) -> StoreResult<Vec<Date>> {
    let dates: Vec<(Date,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT e.as_of FROM portfolio_editions e \
         WHERE EXISTS (SELECT 1 FROM edition_projects m WHERE m.edition_id = e.id)")
        .fetch_all(p)
        .await)?;
    Ok(dates.into_iter().map(|(d,)| d).collect())
}

/// Runs one read of [`PortfolioData::load`] on a task of its own.
fn spawn_read<T, F, Fut>(db: &Db, read: F) -> tokio::task::JoinHandle<StoreResult<T>>
where
    T: Send + 'static,
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = StoreResult<T>> + Send + 'static,
{
    tokio::spawn(read(db.clone()))
}

/// The result of a read started by [`spawn_read`]; a panic in it is an error.
async fn joined<T>(task: tokio::task::JoinHandle<StoreResult<T>>) -> StoreResult<T> {
    task.await
        .map_err(|e| crate::StoreError::Other(anyhow::anyhow!("portfolio read failed: {e}")))?
}
