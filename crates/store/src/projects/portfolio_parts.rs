//! The portfolio's inputs read part by part: a few thousand projects with
//! their whole history at a time, in the order of [`PortfolioData::load`]
//! (by name, then id). Figures summed over the parts in turn are those of
//! the whole inputs to the last bit, without every project's history held
//! at once (50,000 projects and 694,000 reviews at N=1000: ~70 MB, issue #11).

use std::collections::{BTreeSet, HashMap};

use cosinum_domain::projects::Baseline;
use time::Date;
use tokio::task::JoinHandle;

use super::editions::{PortfolioData, members};
use crate::among::{ProjectIds, ProjectScope};
use crate::db::Db;
use crate::error::{StoreError, StoreResult};

/// A walk through the portfolio, part by part ([`PortfolioData::parts`]).
/// The next part is read while the caller works on the current one.
pub struct PortfolioParts {
    db: Db,
    size: usize,
    /// Every project's id (archived ones aside), by name then id; the
    /// position of the next part in it.
    order: Vec<i64>,
    next: usize,
    /// The dates of every project's reviews: each part carries them, since
    /// they set comparison points for the whole portfolio.
    review_dates: BTreeSet<Date>,
    reading: Option<JoinHandle<StoreResult<PortfolioData>>>,
}

impl PortfolioData {
    /// The portfolio's inputs as parts of `size` projects (at least one):
    /// each part is what [`PortfolioData::load_of`] reads for its projects,
    /// with the whole portfolio's review and edition dates, so its
    /// snapshots are those the whole inputs give for the same projects.
    pub async fn parts(db: &Db, size: usize) -> StoreResult<PortfolioParts> {
        // The order once (a sort of the projects), then each part by ids:
        // paging by name read and sorted every project for each part.
        let (order, review_dates) =
            tokio::try_join!(super::ids_in_order(db), super::reviews::review_dates(db))?;
        Ok(PortfolioParts {
            db: db.clone(),
            size: size.max(1),
            order,
            next: 0,
            review_dates,
            reading: None,
        })
    }
}

impl PortfolioParts {
    /// The dates of every project's reviews (archived reviews aside).
    pub fn review_dates(&self) -> &BTreeSet<Date> {
        &self.review_dates
    }

    /// The next part, or `None` once every project has been read.
    pub async fn next(&mut self) -> StoreResult<Option<PortfolioData>> {
        let reading = match self.reading.take() {
            Some(reading) => reading,
            None => match self.start_reading() {
                Some(reading) => reading,
                None => return Ok(None),
            },
        };
        let part = reading
            .await
            .map_err(|e| StoreError::Other(anyhow::anyhow!("portfolio read failed: {e}")))??;
        self.reading = self.start_reading();
        Ok(Some(part))
    }

    /// Starts reading the part at `self.next`, if any is left.
    fn start_reading(&mut self) -> Option<JoinHandle<StoreResult<PortfolioData>>> {
        let ids = self.order.get(self.next..)?;
        let ids = ids.get(..self.size).unwrap_or(ids);
        if ids.is_empty() {
            return None;
        }
        self.next += ids.len();
        Some(tokio::spawn(read_part(
            self.db.clone(),
            ids.to_vec(),
            self.review_dates.clone(),
        )))
    }
}

impl Drop for PortfolioParts {
    /// A walk left before its end stops reading.
    fn drop(&mut self) {
        if let Some(reading) = self.reading.take() {
            reading.abort();
        }
    }
}

/// The inputs of the projects `ids`, in that order.
async fn read_part(
    db: Db,
    ids: Vec<i64>,
    review_dates: BTreeSet<Date>,
) -> StoreResult<PortfolioData> {
    let listed = ProjectIds::of(ids.iter().copied());
    let scope = ProjectScope::Ids(&listed);
    // The reviews, the largest read, decoded on a task of their own so
    // that both cores decode.
    let estimates = {
        let (db, listed) = (db.clone(), listed.clone());
        tokio::spawn(async move {
            super::reviews::estimates_of_projects(&db, ProjectScope::Ids(&listed)).await
        })
    };
    let (mut projects, baselines, editions) = tokio::try_join!(
        super::list_ids(&db, &listed),
        super::baselines::list_in(&db, scope),
        members(&db, scope),
    )?;
    let estimates = estimates
        .await
        .map_err(|e| StoreError::Other(anyhow::anyhow!("portfolio read failed: {e}")))??;
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    projects.sort_by_key(|p| position.get(&p.id).copied().unwrap_or(usize::MAX));
    let mut by_project: HashMap<i64, Vec<Baseline>> = HashMap::new();
    for b in baselines {
        by_project
            .entry(b.project_id)
            .or_default()
            .push(b.baseline());
    }
    Ok(PortfolioData {
        published: editions.values().flatten().copied().collect(),
        projects,
        baselines: by_project,
        estimates,
        editions,
        review_dates,
    })
}
