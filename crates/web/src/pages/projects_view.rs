//! The projects dashboard's edition, computed once for whoever sees
//! everything and kept while nothing is written: the report (figures,
//! breakdowns, changes) and the projects of the table, unformatted (only the
//! page shown is formatted).

use crate::format::{meur, pct};
use crate::portfolio::{Folded, PortfolioReport};

/// One line of the projects table, formatted.
pub(super) struct Row {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) ministry: String,
    pub(super) phase: &'static str,
    pub(super) cost: String,
    pub(super) budget: String,
    pub(super) calendar: String,
    pub(super) rebaselines: usize,
    pub(super) withheld: bool,
}

/// The dashboard's edition: its report, its projects before filtering, the
/// half-yearly trend up to it and the names of the projects that entered or
/// left that the page lists — all the page reads, so a kept view needs
/// nothing else (the inputs it comes from may weigh far more).
pub struct PortfolioView {
    pub(super) report: PortfolioReport,
    /// Sorted by name.
    pub(super) lines: Vec<ListedProject>,
    pub(super) trend: super::PortfolioTrend,
    /// The first projects that entered and left since the previous edition,
    /// with their names (at most `listed` of each).
    pub(super) entered: Vec<(i64, String)>,
    pub(super) exited: Vec<(i64, String)>,
}

/// A project of the dashboard's table, before formatting (only the page
/// shown is formatted).
pub(super) struct ListedProject {
    id: i64,
    name: String,
    pub(super) ministry: String,
    pub(super) phase: &'static str,
    phase_label: &'static str,
    pub(super) cost_meur: Option<f64>,
    /// Budget and calendar drifts against the original baseline.
    original: (Option<f64>, Option<f64>),
    /// The same against the current baseline.
    current: (Option<f64>, Option<f64>),
    rebaselines: usize,
    withheld: bool,
}

impl PortfolioView {
    /// The view of a pass over the portfolio that computed its lines and
    /// trend, naming at most `listed` of the projects that entered or left.
    pub(super) fn new(folded: Folded, listed: usize) -> PortfolioView {
        let Folded {
            report,
            lines,
            trend,
            names,
        } = folded;
        let mut lines: Vec<ListedProject> = lines
            .into_iter()
            .map(|l| ListedProject {
                id: l.project_id,
                name: l.name,
                ministry: l.ministry_code,
                phase: l.phase,
                phase_label: l.phase_label,
                cost_meur: l.cost_meur,
                original: (l.budget_drift_original, l.calendar_drift_original),
                current: (l.budget_drift_current, l.calendar_drift_current),
                rebaselines: l.rebaselines,
                withheld: l.figures_withheld,
            })
            .collect();
        // Collected in place, the list would keep the report lines' three
        // times larger allocation for as long as the view is cached (24 MiB
        // at N=1000, issue #11).
        lines.shrink_to_fit();
        let named = |ids: &[i64]| -> Vec<(i64, String)> {
            ids.iter()
                .take(listed)
                .map(|id| (*id, names.get(id).cloned().unwrap_or_default()))
                .collect()
        };
        let (entered, exited) = report
            .changes
            .as_ref()
            .map_or_else(Default::default, |c| (named(&c.entered), named(&c.exited)));
        PortfolioView {
            trend,
            report,
            lines,
            entered,
            exited,
        }
    }
}

impl ListedProject {
    /// Budget and calendar drifts under the method's reference, missing
    /// ones last when sorting by decreasing drift.
    pub(super) fn drifts(&self, by_current: bool) -> (f64, f64) {
        let (b, c) = if by_current {
            self.current
        } else {
            self.original
        };
        (
            b.unwrap_or(f64::NEG_INFINITY),
            c.unwrap_or(f64::NEG_INFINITY),
        )
    }

    pub(super) fn cost_key(&self) -> f64 {
        self.cost_meur.unwrap_or(-1.0)
    }

    pub(super) fn row(&self, by_current: bool) -> Row {
        let (budget, calendar) = if by_current {
            self.current
        } else {
            self.original
        };
        Row {
            id: self.id,
            name: self.name.clone(),
            ministry: self.ministry.clone(),
            phase: self.phase_label,
            cost: if self.withheld {
                "non publié".into()
            } else {
                self.cost_meur.map_or("—".into(), meur)
            },
            budget: pct(budget),
            calendar: pct(calendar),
            rebaselines: self.rebaselines,
            withheld: self.withheld,
        }
    }
}
