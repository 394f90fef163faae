//! The writes of an edition's import, gathered as the lines are decided and
//! written in bulk (multi-row inserts on SQLite, `COPY` on PostgreSQL)
//! instead of a few statements per line. Rows and audit lines are written
//! in the order the per-row code wrote them, with the ids it would have
//! drawn, so the history reads the same.

use cosinum_domain::audit::AuditAction;
use cosinum_domain::projects::project::{BaselineFields, Review};
use time::{Date, OffsetDateTime};

use super::import_state::State;
use crate::audit::{self, AuditCtx};
use crate::db::Tx;
use crate::error::{StoreError, StoreResult};
use crate::scale::write::{Cell, write_cells};

/// Lines decided between two writes: enough to keep statements full,
/// few enough to keep memory flat whatever the file's size.
pub(super) const BATCH_LINES: usize = 5_000;

/// What an audit line is about, when its id is not known yet.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    Id(i64),
    /// A project, by its slot in [`State::projects`].
    Project(usize),
    /// A review created by this import, by its place in [`Pending::reviews`].
    NewReview(usize),
}

struct PendingAudit {
    object_type: &'static str,
    target: Target,
    version: i64,
    action: AuditAction,
    changes: String,
}

struct NewReview {
    slot: usize,
    review: Review,
}

/// Rows and audit lines decided but not written yet.
#[derive(Default)]
pub(super) struct Pending {
    /// Projects created, by slot, in the order created.
    projects: Vec<usize>,
    reviews: Vec<NewReview>,
    baselines: Vec<(usize, BaselineFields)>,
    audit: Vec<PendingAudit>,
}

impl Pending {
    pub fn create_project(&mut self, slot: usize) {
        self.projects.push(slot);
    }

    /// Queues a review of the project in `slot`; returns its audit target.
    pub fn create_review(&mut self, slot: usize, review: Review) -> Target {
        self.reviews.push(NewReview { slot, review });
        Target::NewReview(self.reviews.len() - 1)
    }

    pub fn add_baseline(&mut self, slot: usize, f: BaselineFields) {
        self.baselines.push((slot, f));
    }

    pub fn audit(
        &mut self,
        object_type: &'static str,
        target: Target,
        version: i64,
        action: AuditAction,
        changes: String,
    ) {
        self.audit.push(PendingAudit {
            object_type,
            target,
            version,
            action,
            changes,
        });
    }

    /// Writes everything pending: new projects (as they stand now), new
    /// reviews, baselines, then the audit lines, in the order decided.
    pub async fn flush(
        &mut self,
        tx: &mut Tx,
        ctx: &AuditCtx,
        state: &mut State,
    ) -> StoreResult<()> {
        let now = OffsetDateTime::now_utc();
        let ids = reserve_ids(tx, "projects", self.projects.len()).await?;
        for (&slot, id) in self.projects.iter().zip(ids) {
            state.projects[slot].p.id = id;
            state.by_id.insert(id, slot);
        }
        let ids = reserve_ids(tx, "project_reviews", self.reviews.len()).await?;
        for (r, id) in self.reviews.iter_mut().zip(ids) {
            r.review.id = id;
            r.review.project_id = state.projects[r.slot].p.id;
            if let Some(at) = state.reviews_at.get_mut(&r.slot)
                && at.id.is_none()
            {
                at.id = Some(id);
                at.review.id = id;
                at.review.project_id = r.review.project_id;
            }
        }
        let mut cells = Vec::with_capacity(self.projects.len() * PROJECT_COLUMNS.len());
        for &slot in &self.projects {
            let known = &mut state.projects[slot];
            known.stored_version = known.p.version;
        }
        for &slot in &self.projects {
            let p = &state.projects[slot].p;
            cells.extend([
                Cell::Int(p.id),
                Cell::Int(p.organisation_id.0),
                Cell::Text(&p.name),
                Cell::Text(&p.description),
                Cell::Text(&p.functional_zone),
                Cell::Bool(p.interministerial),
                Cell::Text(&p.funding_programmes),
                Cell::Text(&p.links),
                Cell::Text(p.phase.as_str()),
                Cell::Bool(p.figures_withheld),
                Cell::Date(p.entered_on),
                p.exited_on.into(),
                Cell::Int(p.version),
                Cell::Time(now),
                Cell::Time(now),
            ]);
        }
        write_cells(tx, "projects", &PROJECT_COLUMNS, &cells)
            .await
            .map_err(unique("name"))?;
        let mut cells = Vec::with_capacity(self.reviews.len() * REVIEW_COLUMNS.len());
        for NewReview { review: r, .. } in &self.reviews {
            cells.extend([
                Cell::Int(r.id),
                Cell::Int(r.project_id),
                Cell::Date(r.review_date),
                Cell::Text(&r.source),
                r.cost.map(|c| c.0).into(),
                r.start.into(),
                r.forecast_end.into(),
                Cell::Text(r.phase.as_str()),
                Cell::Bool(r.figures_withheld),
                Cell::Null,
                Cell::Null,
                Cell::Text(&r.narrative),
                Cell::Int(r.version),
                Cell::Time(now),
                Cell::Time(now),
            ]);
        }
        write_cells(tx, "project_reviews", &REVIEW_COLUMNS, &cells)
            .await
            .map_err(unique("review_date"))?;
        let mut cells = Vec::with_capacity(self.baselines.len() * BASELINE_COLUMNS.len());
        for (slot, b) in &self.baselines {
            cells.extend([
                Cell::Int(state.projects[*slot].p.id),
                Cell::Date(b.approved_on),
                Cell::Int(b.cost.0),
                Cell::Date(b.start),
                Cell::Date(b.planned_end),
                Cell::Text(&b.reason),
                Cell::Text(&b.approved_by),
                Cell::Time(now),
            ]);
        }
        write_cells(tx, "project_baselines", &BASELINE_COLUMNS, &cells).await?;
        let entries: Vec<audit::Pending> = self
            .audit
            .drain(..)
            .map(|a| audit::Pending {
                object_type: a.object_type,
                object_id: match a.target {
                    Target::Id(id) => id,
                    Target::Project(slot) => state.projects[slot].p.id,
                    Target::NewReview(i) => self.reviews[i].review.id,
                },
                version: a.version,
                action: a.action,
                changes: a.changes,
            })
            .collect();
        audit::record_many(tx, ctx, &entries).await?;
        self.projects.clear();
        self.reviews.clear();
        self.baselines.clear();
        Ok(())
    }
}

const PROJECT_COLUMNS: [&str; 15] = [
    "id",
    "organisation_id",
    "name",
    "description",
    "functional_zone",
    "interministerial",
    "funding_programmes",
    "links",
    "phase",
    "figures_withheld",
    "entered_on",
    "exited_on",
    "version",
    "created_at",
    "updated_at",
];

const REVIEW_COLUMNS: [&str; 15] = [
    "id",
    "project_id",
    "review_date",
    "source",
    "cost_eur",
    "start_on",
    "forecast_end_on",
    "phase",
    "figures_withheld",
    "ministry_rating",
    "dinum_rating",
    "narrative",
    "version",
    "created_at",
    "updated_at",
];

const BASELINE_COLUMNS: [&str; 8] = [
    "project_id",
    "approved_on",
    "cost_eur",
    "start_on",
    "planned_end_on",
    "reason",
    "approved_by",
    "created_at",
];

/// A unique-constraint violation as the one-row inserts report it.
fn unique(field: &'static str) -> impl FnOnce(StoreError) -> StoreError {
    move |e| match e {
        StoreError::Db(e) => StoreError::unique(field)(e),
        other => other,
    }
}

/// `n` ids for new rows of `table`, in order: the ones an insert without id
/// would have drawn. SQLite gives a new row the largest id plus one (the
/// transaction holds the write lock, so nobody else draws meanwhile);
/// PostgreSQL's identity sequence hands out ids that no other transaction
/// will get.
async fn reserve_ids(tx: &mut Tx, table: &str, n: usize) -> StoreResult<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = i64::try_from(n).map_err(anyhow::Error::from)?;
    match tx {
        Tx::Sqlite(t) => {
            let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
            let (max,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .fetch_one(&mut **t)
                .await?;
            Ok((max + 1..=max + count).collect())
        }
        Tx::Postgres(t) => {
            let sql = format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
            );
            let mut ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(count)
                .fetch_all(&mut **t)
                .await?;
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

/// Writes the state reached by projects already in the database (a version
/// moved past the stored one): phase, figures withheld, entry and exit.
pub(super) async fn update_projects(tx: &mut Tx, state: &mut State) -> StoreResult<()> {
    let changed: Vec<usize> = (0..state.projects.len())
        .filter(|&s| {
            let k = &state.projects[s];
            k.stored_version != 0 && k.stored_version != k.p.version
        })
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    match tx {
        Tx::Sqlite(t) => {
            const WIDTH: usize = 7;
            for chunk in changed.chunks(500) {
                let mut sql = String::from(
                    "WITH v (id, phase, figures_withheld, entered_on, exited_on, version, updated_at) AS (VALUES ",
                );
                for i in 0..chunk.len() {
                    sql.push_str(if i == 0 { "(" } else { ", (" });
                    sql.push_str(&["?"; WIDTH].join(", "));
                    sql.push(')');
                }
                sql.push_str(
                    ") UPDATE projects SET phase = v.phase, figures_withheld = v.figures_withheld, \
                     entered_on = v.entered_on, exited_on = v.exited_on, version = v.version, \
                     updated_at = v.updated_at FROM v WHERE projects.id = v.id",
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for &slot in chunk {
                    let p = &state.projects[slot].p;
                    q = q
                        .bind(p.id)
                        .bind(p.phase.as_str())
                        .bind(p.figures_withheld)
                        .bind(p.entered_on)
                        .bind(p.exited_on)
                        .bind(p.version)
                        .bind(now);
                }
                q.execute(&mut **t).await?;
            }
        }
        Tx::Postgres(t) => {
            let p = |s: &usize| &state.projects[*s].p;
            let ids: Vec<i64> = changed.iter().map(|s| p(s).id).collect();
            let phases: Vec<&str> = changed.iter().map(|s| p(s).phase.as_str()).collect();
            let withheld: Vec<bool> = changed.iter().map(|s| p(s).figures_withheld).collect();
            let entered: Vec<Date> = changed.iter().map(|s| p(s).entered_on).collect();
            let exited: Vec<Option<Date>> = changed.iter().map(|s| p(s).exited_on).collect();
            let versions: Vec<i64> = changed.iter().map(|s| p(s).version).collect();
            sqlx::query(
                "UPDATE projects SET phase = v.phase, figures_withheld = v.figures_withheld, \
                 entered_on = v.entered_on, exited_on = v.exited_on, version = v.version, updated_at = $7 \
                 FROM UNNEST($1::bigint[], $2::text[], $3::boolean[], $4::date[], $5::date[], $6::bigint[]) \
                 AS v (id, phase, figures_withheld, entered_on, exited_on, version) WHERE projects.id = v.id",
            )
            .bind(ids)
            .bind(phases)
            .bind(withheld)
            .bind(entered)
            .bind(exited)
            .bind(versions)
            .bind(now)
            .execute(&mut **t)
            .await?;
        }
    }
    for slot in changed {
        let k = &mut state.projects[slot];
        k.stored_version = k.p.version;
    }
    Ok(())
}

/// Creates the edition dated `as_of` if needed and makes its members
/// exactly `members`. Returns its id and whether anything changed.
pub(super) async fn upsert_edition(
    tx: &mut Tx,
    state: &mut State,
    as_of: Date,
    source: &str,
    members: &[i64],
) -> StoreResult<(i64, bool)> {
    let mut wanted = members.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let existing = state.editions.iter().find(|(_, d)| *d == as_of).copied();
    let id = match existing {
        Some((id, _)) => {
            let mut current = state.members.get(&id).cloned().unwrap_or_default();
            current.sort_unstable();
            if current == wanted {
                return Ok((id, false));
            }
            on_tx!(tx, c => sqlx::query("DELETE FROM edition_projects WHERE edition_id = $1")
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            id
        }
        None => {
            let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
                "INSERT INTO portfolio_editions (as_of, source, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(as_of)
                .bind(source)
                .bind(OffsetDateTime::now_utc())
                .fetch_one(c)
                .await)?;
            let at = state.editions.partition_point(|(_, d)| *d < as_of);
            state.editions.insert(at, (id, as_of));
            id
        }
    };
    let cells: Vec<Cell<'_>> = wanted
        .iter()
        .flat_map(|p| [Cell::Int(id), Cell::Int(*p)])
        .collect();
    write_cells(
        tx,
        "edition_projects",
        &["edition_id", "project_id"],
        &cells,
    )
    .await?;
    state.members.insert(id, wanted);
    Ok((id, true))
}
