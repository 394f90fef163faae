//! The portfolio's inputs read part by part: a few thousand projects with
//! their whole history at a time, in the order of [`PortfolioData::load`]
//! (by name, then id). Figures summed over the parts in turn are those of
//! the whole inputs to the last bit, without every project's history held
//! at once (50,000 projects and 694,000 reviews at N=1000: ~70 MB, issue #11).

use std::collections::{BTreeSet, HashMap};

use cosinum_domain::projects::Baseline;
use time::Date;

use super::editions::{PortfolioData, members};
use crate::among::{ProjectIds, ProjectScope};
use crate::db::Db;
use crate::error::StoreResult;

/// A walk through the portfolio, part by part ([`PortfolioData::parts`]).
pub struct PortfolioParts {
    db: Db,
    size: usize,
    /// The name and id of the last project read.
    after: Option<(String, i64)>,
    done: bool,
    /// The dates of every project's reviews: each part carries them, since
    /// they set comparison points for the whole portfolio.
    review_dates: BTreeSet<Date>,
}

impl PortfolioData {
    /// The portfolio's inputs as parts of `size` projects (at least one):
    /// each part is what [`PortfolioData::load_of`] reads for its projects,
    /// with the whole portfolio's review and edition dates, so its
    /// snapshots are those the whole inputs give for the same projects.
    pub async fn parts(db: &Db, size: usize) -> StoreResult<PortfolioParts> {
        Ok(PortfolioParts {
            db: db.clone(),
            size: size.max(1),
            after: None,
            done: false,
            review_dates: super::reviews::review_dates(db).await?,
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
        if self.done {
            return Ok(None);
        }
        let after = self.after.as_ref().map(|(name, id)| (name.as_str(), *id));
        let projects = super::list_after(&self.db, after, self.size).await?;
        self.done = projects.len() < self.size;
        let Some(last) = projects.last() else {
            return Ok(None);
        };
        self.after = Some((last.name.clone(), last.id));
        let ids = ProjectIds::of(projects.iter().map(|p| p.id));
        let scope = ProjectScope::Ids(&ids);
        let db = &self.db;
        let (baselines, estimates, editions) = tokio::try_join!(
            super::baselines::list_in(db, scope),
            super::reviews::estimates_of_projects(db, scope),
            members(db, scope),
        )?;
        let mut by_project: HashMap<i64, Vec<Baseline>> = HashMap::new();
        for b in baselines {
            by_project
                .entry(b.project_id)
                .or_default()
                .push(b.baseline());
        }
        Ok(Some(PortfolioData {
            published: editions.values().flatten().copied().collect(),
            projects,
            baselines: by_project,
            estimates,
            editions,
            review_dates: self.review_dates.clone(),
        }))
    }
}
