//! The salary reference grid for contract digital staff (CTR §B.2): the
//! December 2021 grid gives a threshold per job and experience band; the
//! January 2024 grid a low–high range, with a variable part up to 20 %.
//! A proposed salary above the grid needs the budget controller's prior visa.

use serde::{Deserialize, Serialize};
use time::Date;

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
    let Some(c) = g
        .cells
        .iter()
        .find(|c| key(&c.job) == key(job) && key(&c.band) == key(band))
    else {
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
            },
        ]
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
