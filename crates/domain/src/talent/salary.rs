//! The salary reference grid for contract digital staff (CTR §B.2): the
//! December 2021 grid gives a threshold per job and experience band; the
//! January 2024 grid a low–high range, with a variable part up to 20 %.
//! A proposed salary above the grid needs the budget controller's prior visa.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::validation::{ValidationError, required_text};

/// One cell of a grid: a job and an experience band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridCell {
    pub job: String,
    /// e.g. "0–3 ans", "3–6 ans".
    pub band: String,
    /// 2024 grids: the bottom of the range (annual gross, euros).
    pub low: Option<i64>,
    /// The threshold (2021) or the top of the range (2024).
    pub high: i64,
}

/// A version of the grid, in force from a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub version: String,
    pub valid_from: Date,
    pub cells: Vec<GridCell>,
    /// Share of variable pay allowed on top (0.20 in 2024; none in 2021).
    pub variable_max: Option<f64>,
    /// Where the amounts come from (the text of reference), shown with them.
    pub source: String,
}

impl Grid {
    /// Checks a grid before it is stored: a version code, at least one cell,
    /// positive amounts with low ≤ high, one cell per job and band, and a
    /// variable part between 0 and 100 %. Job and band names are trimmed.
    pub fn validated(&self) -> Result<Grid, ValidationError> {
        let version = required_text("version", &self.version, 40)?;
        if self.cells.is_empty() {
            return Err(ValidationError::new(
                "cells",
                "la grille ne contient aucune ligne",
            ));
        }
        if self.variable_max.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
            return Err(ValidationError::new(
                "variable_max",
                "part variable entre 0 et 100 % attendue",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let mut cells = Vec::with_capacity(self.cells.len());
        for c in &self.cells {
            let job = required_text("job", &c.job, 200)?;
            let band = required_text("band", &c.band, 60)?;
            if c.high <= 0 || c.low.is_some_and(|l| l <= 0 || l > c.high) {
                return Err(ValidationError::new(
                    "high",
                    format!("{job}, {band} : montants positifs, bas ≤ haut attendus"),
                ));
            }
            if !seen.insert((key(&job), key(&band))) {
                return Err(ValidationError::new(
                    "job",
                    format!(
                        "{job}, {band} : deux lignes pour le même métier et la même ancienneté"
                    ),
                ));
            }
            cells.push(GridCell {
                job,
                band,
                ..c.clone()
            });
        }
        Ok(Grid {
            version,
            cells,
            ..self.clone()
        })
    }

    /// The job names, in the grid's order, each once.
    pub fn jobs(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.cells {
            if !out.iter().any(|j| key(j) == key(&c.job)) {
                out.push(&c.job);
            }
        }
        out
    }

    /// The experience bands, in the grid's order, each once.
    pub fn bands(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.cells {
            if !out.iter().any(|b| key(b) == key(&c.band)) {
                out.push(&c.band);
            }
        }
        out
    }

    /// The cell of a job and band (case and spaces ignored).
    pub fn cell(&self, job: &str, band: &str) -> Option<&GridCell> {
        self.cells
            .iter()
            .find(|c| key(&c.job) == key(job) && key(&c.band) == key(band))
    }
}

/// The grid in force on `day`: the latest valid from on or before it.
pub fn grid_on(grids: &[Grid], day: Date) -> Option<&Grid> {
    grids
        .iter()
        .filter(|g| g.valid_from <= day)
        .max_by_key(|g| g.valid_from)
}

/// Where a proposed salary stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "position", rename_all = "snake_case")]
pub enum Check {
    /// Within the grid (at or below the threshold, or inside the range).
    WithinGrid { version: String },
    /// Below the bottom of the range (2024 grids).
    BelowRange { version: String, low: i64 },
    /// Above the threshold or the top of the range: prior visa of the
    /// budget controller (CBCM) needed.
    AboveGrid { version: String, high: i64 },
    /// No cell for this job and band in the grid in force.
    UnknownJob { version: String },
    /// No grid in force at that date.
    NoGrid,
}

fn key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Checks an annual gross salary for a job and experience band on a date.
pub fn check(grids: &[Grid], day: Date, job: &str, band: &str, salary: i64) -> Check {
    let Some(g) = grid_on(grids, day) else {
        return Check::NoGrid;
    };
    let version = g.version.clone();
    let Some(c) = g.cell(job, band) else {
        return Check::UnknownJob { version };
    };
    if salary > c.high {
        Check::AboveGrid {
            version,
            high: c.high,
        }
    } else if let Some(low) = c.low.filter(|l| salary < *l) {
        Check::BelowRange { version, low }
    } else {
        Check::WithinGrid { version }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn grids() -> Vec<Grid> {
        vec![
            Grid {
                version: "2021-12".into(),
                valid_from: date!(2021 - 12 - 01),
                cells: vec![GridCell {
                    job: "Développeur".into(),
                    band: "3–6 ans".into(),
                    low: None,
                    high: 50_000,
                }],
                variable_max: None,
                source: "test".into(),
            },
            Grid {
                version: "2024-01".into(),
                valid_from: date!(2024 - 01 - 01),
                cells: vec![GridCell {
                    job: "Développeur".into(),
                    band: "3–6 ans".into(),
                    low: Some(45_000),
                    high: 58_000,
                }],
                variable_max: Some(0.2),
                source: "test".into(),
            },
        ]
    }

    #[test]
    fn grids_are_checked_before_storing() {
        let g = grids().remove(1);
        assert_eq!(g.validated().unwrap().jobs(), ["Développeur"]);
        let mut twice = g.clone();
        twice.cells.push(GridCell {
            job: " développeur ".into(),
            ..g.cells[0].clone()
        });
        assert_eq!(twice.validated().unwrap_err().field, "job");
        let mut inverted = g.clone();
        inverted.cells[0].low = Some(60_000);
        assert_eq!(inverted.validated().unwrap_err().field, "high");
        let variable = Grid {
            variable_max: Some(1.5),
            ..g.clone()
        };
        assert_eq!(variable.validated().unwrap_err().field, "variable_max");
        let empty = Grid { cells: vec![], ..g };
        assert_eq!(empty.validated().unwrap_err().field, "cells");
    }

    #[test]
    fn the_grid_in_force_decides() {
        let g = grids();
        assert_eq!(
            check(&g, date!(2023 - 06 - 01), "développeur", "3–6 ans", 52_000),
            Check::AboveGrid {
                version: "2021-12".into(),
                high: 50_000
            }
        );
        assert_eq!(
            check(&g, date!(2024 - 06 - 01), "Développeur", "3–6 ans", 52_000),
            Check::WithinGrid {
                version: "2024-01".into()
            }
        );
        assert_eq!(
            check(&g, date!(2024 - 06 - 01), "Développeur", "3–6 ans", 40_000),
            Check::BelowRange {
                version: "2024-01".into(),
                low: 45_000
            }
        );
        assert_eq!(
            check(&g, date!(2024 - 06 - 01), "Architecte", "3–6 ans", 40_000),
            Check::UnknownJob {
                version: "2024-01".into()
            }
        );
        assert_eq!(
            check(&g, date!(2020 - 01 - 01), "Développeur", "3–6 ans", 40_000),
            Check::NoGrid
        );
    }
}
