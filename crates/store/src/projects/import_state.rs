//! What applying an edition needs to know of the database, read up front in
//! a few queries (instead of several per line), then kept up to date in
//! memory as the edition's lines are decided.

use std::collections::{HashMap, HashSet};

use cosinum_domain::OrgId;
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::project::{Milestone, Project, Review, Risk};
use time::Date;

use super::import::{SOURCE_PANORAMA, name_key};
use super::reviews::ReviewRow;
use crate::db::Tx;
use crate::error::StoreResult;

/// A project as the import sees it: its current state, what the database
/// holds of it, and what the decisions about it depend on.
pub(super) struct Known {
    /// The state it has reached so far in this import (`id` is 0 for a
    /// project created by this import until its row is written).
    pub p: Project,
    /// Its phase when first read (or created): a line whose figures are
    /// withheld keeps it.
    pub first_phase: Phase,
    /// The version of its row in the database; 0 before it is written.
    pub stored_version: i64,
    pub has_baseline: bool,
    /// Its latest review not archived (the one its phase follows).
    pub latest: Option<Latest>,
}

/// The latest review of a project: by date, then id.
#[derive(Debug, Clone, Copy)]
pub(super) struct Latest {
    pub date: Date,
    /// `None` for the review this import creates, whose id, drawn after
    /// every existing one, ranks last.
    pub id: Option<i64>,
    pub phase: Phase,
    pub figures_withheld: bool,
}

impl Latest {
    /// Whether a review dated `date` with id `id` (`None`: created now)
    /// comes after this one.
    pub fn is_before(&self, date: Date, id: Option<i64>) -> bool {
        let rank = |id: Option<i64>| id.unwrap_or(i64::MAX);
        (date, rank(id)) > (self.date, rank(self.id))
    }
}

/// The review of a project at the edition's date from the Panorama, if any.
pub(super) struct ReviewAt {
    /// `None` until the row created by this import is written.
    pub id: Option<i64>,
    pub review: Review,
    pub archived: bool,
}

/// The state of the portfolio as the import goes.
pub(super) struct State {
    /// Every project, archived ones included, then those created here.
    pub projects: Vec<Known>,
    pub by_id: HashMap<i64, usize>,
    /// Names and former names of projects not archived, as matched.
    pub by_name: HashMap<(OrgId, String), usize>,
    /// Names taken, exactly as stored (the unique constraint's key).
    pub names: HashSet<(OrgId, String)>,
    /// The Panorama review at the edition's date, by project.
    pub reviews_at: HashMap<usize, ReviewAt>,
    /// Editions by date: (id, date).
    pub editions: Vec<(i64, Date)>,
    /// Members of each edition.
    pub members: HashMap<i64, Vec<i64>>,
}

type LatestRow = (i64, Date, i64, String, bool);

#[derive(sqlx::FromRow)]
struct ReviewAtRow {
    #[sqlx(flatten)]
    row: ReviewRow,
    archived_at: Option<time::OffsetDateTime>,
}

impl State {
    pub async fn load(tx: &mut Tx, as_of: Date) -> StoreResult<State> {
        let mut state = State {
            projects: Vec::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            names: HashSet::new(),
            reviews_at: HashMap::new(),
            editions: Vec::new(),
            members: HashMap::new(),
        };
        // Matched in Rust, not with SQL LOWER(): SQLite folds only ASCII, and
        // both backends must match the same names.
        // Former names of merged projects match too; archived records never do.
        for p in super::list_in_tx(tx).await? {
            let slot = state.projects.len();
            state.by_id.insert(p.id, slot);
            state.names.insert((p.organisation_id, p.name.clone()));
            if !p.archived {
                for alias in p.aliases.lines().filter(|a| !a.trim().is_empty()) {
                    state
                        .by_name
                        .insert((p.organisation_id, name_key(alias)), slot);
                }
                state
                    .by_name
                    .insert((p.organisation_id, name_key(&p.name)), slot);
            }
            state.projects.push(Known {
                first_phase: p.phase,
                stored_version: p.version,
                has_baseline: false,
                latest: None,
                p,
            });
        }
        let with_baselines: Vec<(i64,)> = on_tx!(tx, c => sqlx::query_as(
            "SELECT DISTINCT project_id FROM project_baselines")
            .fetch_all(c)
            .await)?;
        for (id,) in with_baselines {
            if let Some(&slot) = state.by_id.get(&id) {
                state.projects[slot].has_baseline = true;
            }
        }
        // Ties on the date go to the later id, as the phase-following query orders them.
        let latest: Vec<LatestRow> = on_tx!(tx, c => sqlx::query_as(
            "SELECT project_id, review_date, id, phase, figures_withheld FROM ( \
               SELECT project_id, review_date, id, phase, figures_withheld, ROW_NUMBER() OVER ( \
                 PARTITION BY project_id ORDER BY review_date DESC, id DESC) AS rank \
               FROM project_reviews WHERE archived_at IS NULL) latest WHERE rank = 1")
            .fetch_all(c)
            .await)?;
        for (project, date, id, phase, withheld) in latest {
            if let Some(&slot) = state.by_id.get(&project) {
                state.projects[slot].latest = Some(Latest {
                    date,
                    id: Some(id),
                    phase: parse_phase(id, &phase)?,
                    figures_withheld: withheld,
                });
            }
        }
        state.load_reviews_at(tx, as_of).await?;
        state.editions = on_tx!(tx, c => sqlx::query_as(
            "SELECT id, as_of FROM portfolio_editions ORDER BY as_of")
            .fetch_all(c)
            .await)?;
        let members: Vec<(i64, i64)> = on_tx!(tx, c => sqlx::query_as(
            "SELECT edition_id, project_id FROM edition_projects")
            .fetch_all(c)
            .await)?;
        for (edition, project) in members {
            state.members.entry(edition).or_default().push(project);
        }
        Ok(state)
    }

    /// The Panorama reviews already recorded at `as_of`, with their
    /// milestones and risks (a correction of the edition rewrites them).
    async fn load_reviews_at(&mut self, tx: &mut Tx, as_of: Date) -> StoreResult<()> {
        let rows: Vec<ReviewAtRow> = on_tx!(tx, c => sqlx::query_as(
            "SELECT id, project_id, review_date, source, cost_eur, start_on, forecast_end_on, phase, \
             figures_withheld, ministry_rating, dinum_rating, narrative, version, archived_at \
             FROM project_reviews WHERE review_date = $1 AND source = $2")
            .bind(as_of)
            .bind(SOURCE_PANORAMA)
            .fetch_all(c)
            .await)?;
        if rows.is_empty() {
            return Ok(());
        }
        let milestones: Vec<(i64, String, Date, Option<Date>)> = on_tx!(tx, c => sqlx::query_as(
            "SELECT m.review_id, m.label, m.planned_on, m.actual_on FROM review_milestones m \
             JOIN project_reviews r ON r.id = m.review_id \
             WHERE r.review_date = $1 AND r.source = $2 ORDER BY m.review_id, m.position")
            .bind(as_of)
            .bind(SOURCE_PANORAMA)
            .fetch_all(c)
            .await)?;
        let risks: Vec<(i64, String, String)> = on_tx!(tx, c => sqlx::query_as(
            "SELECT k.review_id, k.label, k.level FROM review_risks k \
             JOIN project_reviews r ON r.id = k.review_id \
             WHERE r.review_date = $1 AND r.source = $2 ORDER BY k.review_id, k.position")
            .bind(as_of)
            .bind(SOURCE_PANORAMA)
            .fetch_all(c)
            .await)?;
        let mut parts: HashMap<i64, (Vec<Milestone>, Vec<Risk>)> = HashMap::new();
        for (review, label, planned_on, actual_on) in milestones {
            parts.entry(review).or_default().0.push(Milestone {
                label,
                planned_on,
                actual_on,
            });
        }
        for (review, label, level) in risks {
            parts
                .entry(review)
                .or_default()
                .1
                .push(Risk { label, level });
        }
        for ReviewAtRow { row, archived_at } in rows {
            let Some(&slot) = self.by_id.get(&row.project_id) else {
                continue;
            };
            let (m, r) = parts.remove(&row.id).unwrap_or_default();
            let review = row.into_domain(m, r)?;
            self.reviews_at.insert(
                slot,
                ReviewAt {
                    id: Some(review.id),
                    review,
                    archived: archived_at.is_some(),
                },
            );
        }
        Ok(())
    }

    /// Adds a project created by this import; returns its slot.
    pub fn add(&mut self, p: Project) -> usize {
        let slot = self.projects.len();
        self.names.insert((p.organisation_id, p.name.clone()));
        self.by_name
            .insert((p.organisation_id, name_key(&p.name)), slot);
        self.projects.push(Known {
            first_phase: p.phase,
            stored_version: 0,
            has_baseline: false,
            latest: None,
            p,
        });
        slot
    }

    /// The members of the latest edition dated strictly before `as_of`.
    pub fn previous_members(&self, as_of: Date) -> HashSet<i64> {
        self.editions
            .iter()
            .rev()
            .find(|(_, d)| *d < as_of)
            .and_then(|(id, _)| self.members.get(id))
            .map(|m| m.iter().copied().collect())
            .unwrap_or_default()
    }

    /// For each project listed in at least one edition: the date of its
    /// first edition and, if it is absent from the latest one, the date of
    /// the first edition after its last appearance (when it left).
    pub fn membership_spans(&self) -> HashMap<i64, (Date, Option<Date>)> {
        let mut seen: HashMap<i64, (usize, usize)> = HashMap::new();
        for (i, (edition, _)) in self.editions.iter().enumerate() {
            for project in self.members.get(edition).into_iter().flatten() {
                let e = seen.entry(*project).or_insert((i, i));
                e.0 = e.0.min(i);
                e.1 = e.1.max(i);
            }
        }
        seen.into_iter()
            .map(|(project, (first, last))| {
                let exit = self.editions.get(last + 1).map(|(_, d)| *d);
                (project, (self.editions[first].1, exit))
            })
            .collect()
    }
}

fn parse_phase(review: i64, phase: &str) -> StoreResult<Phase> {
    Ok(Phase::parse(phase)
        .ok_or_else(|| anyhow::anyhow!("review {review}: unknown phase {phase:?}"))?)
}
