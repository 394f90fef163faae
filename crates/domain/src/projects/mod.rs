//! Major State digital projects ("grands projets numériques", ≥ 9 M€ TTC):
//! types, and the indicator maths of the COSINUM's first agenda point.
//!
//! Facts, formulas and sources: `shared/reference/major-projects.md` (cited as
//! "MP §n" below). Every function here is pure and documented with its source.

pub mod avis;
pub mod drift;
pub mod edition;
pub mod forecast;
pub mod portfolio;
pub mod project;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::OrgId;
use crate::money::Euros;

/// The project's phase (MP §1.4 "Phases"; "Abandonné" added for projects stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Cadrage,
    ConceptionRealisation,
    Experimentation,
    Deploiement,
    Termine,
    Abandonne,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Cadrage,
        Phase::ConceptionRealisation,
        Phase::Experimentation,
        Phase::Deploiement,
        Phase::Termine,
        Phase::Abandonne,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Cadrage => "cadrage",
            Phase::ConceptionRealisation => "conception_realisation",
            Phase::Experimentation => "experimentation",
            Phase::Deploiement => "deploiement",
            Phase::Termine => "termine",
            Phase::Abandonne => "abandonne",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Phase::Cadrage => "Cadrage",
            Phase::ConceptionRealisation => "Conception / Réalisation",
            Phase::Experimentation => "Expérimentation",
            Phase::Deploiement => "Déploiement",
            Phase::Termine => "Terminé",
            Phase::Abandonne => "Abandonné",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Parses the Panorama's wording ("Conception / Réalisation", "En cadrage", …).
    pub fn parse_fr(s: &str) -> Option<Phase> {
        let t = s.trim().to_lowercase();
        let t = t.strip_prefix("en ").unwrap_or(&t);
        Some(match t {
            "cadrage" => Phase::Cadrage,
            "conception / réalisation"
            | "conception/réalisation"
            | "conception / realisation"
            | "conception réalisation"
            | "conception - réalisation"
            | "réalisation"
            | "conception" => Phase::ConceptionRealisation,
            "expérimentation" | "experimentation" => Phase::Experimentation,
            "déploiement" | "deploiement" => Phase::Deploiement,
            "terminé" | "termine" => Phase::Termine,
            "abandonné" | "abandonne" => Phase::Abandonne,
            _ => return None,
        })
    }

    /// Finished projects (completed or stopped) no longer move.
    pub fn is_closed(self) -> bool {
        matches!(self, Phase::Termine | Phase::Abandonne)
    }
}

/// A baseline of the project: the reference its drift is measured against.
/// The first one is the original baseline; each re-baseline adds one, none is
/// ever overwritten (issue #3, "Baselines ledger").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// When this baseline was approved (takes effect from this day).
    pub approved_on: Date,
    /// Full cost: build + first 24 months of run, internal staff included, TTC
    /// (arrêté du 5 juin 2020 art. 2, MP §3.2).
    pub cost: Euros,
    pub start: Date,
    pub planned_end: Date,
}

impl Baseline {
    /// Planned duration in days (at least one day).
    pub fn duration_days(&self) -> i64 {
        (self.planned_end - self.start).whole_days().max(1)
    }
}

/// What a review (or a Panorama edition) says of the project at its date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub date: Date,
    /// Current full-cost estimate; `None` when not known ("NA", "En cadrage").
    pub cost: Option<Euros>,
    /// Start date as known at this date.
    pub start: Option<Date>,
    /// Current forecast end date.
    pub forecast_end: Option<Date>,
    pub phase: Phase,
    /// Tender under way or trajectory being revised: the project is counted
    /// but its figures are not published nor used (MP §1.3, masking value).
    pub figures_withheld: bool,
}

/// What the portfolio maths needs to know about one project as of a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectSnapshot {
    pub project_id: i64,
    pub ministry: OrgId,
    pub functional_zone: String,
    pub interministerial: bool,
    /// Tender under way or trajectory being revised: counted, figures not used.
    pub figures_withheld: bool,
    pub phase: Phase,
    /// Latest estimate known at the date (cost, end), if any.
    pub cost: Option<Euros>,
    pub start: Option<Date>,
    pub forecast_end: Option<Date>,
    /// The original baseline and the one in force at the date, if any.
    pub original: Option<Baseline>,
    pub current: Option<Baseline>,
    /// Number of re-baselines approved up to the date.
    pub rebaselines: usize,
}
