//! A major project as stored, its reviews, and the validation of their input.

use serde::{Deserialize, Serialize};
use time::Date;

use super::{Estimate, Phase};
use crate::OrgId;
use crate::money::Euros;
use crate::validation::{ValidationError, optional_text, required_text};

/// A major project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    pub id: i64,
    /// The ministry or body carrying the project.
    pub organisation_id: OrgId,
    pub name: String,
    /// Description and objectives.
    pub description: String,
    /// First level of the State IS map (POS), e.g. "Ressources humaines".
    pub functional_zone: String,
    pub interministerial: bool,
    /// LOLF programmes funding it, e.g. "P129, P352".
    pub funding_programmes: String,
    /// Links, one per line.
    pub links: String,
    pub phase: Phase,
    pub figures_withheld: bool,
    /// In the portfolio from this day…
    pub entered_on: Date,
    /// …until this day (absent from an edition dated so), if it left.
    pub exited_on: Option<Date>,
    pub archived: bool,
    pub version: i64,
    /// Former names (one per line), from merged records.
    pub aliases: String,
}

impl Project {
    /// Whether the project belongs to the portfolio on `day`.
    pub fn in_portfolio_on(&self, day: Date) -> bool {
        !self.archived && self.entered_on <= day && self.exited_on.is_none_or(|exit| day < exit)
    }
}

/// The editable fields of a project, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectFields {
    pub organisation_id: OrgId,
    pub name: String,
    pub description: String,
    pub functional_zone: String,
    pub interministerial: bool,
    pub funding_programmes: String,
    pub links: String,
    pub phase: Phase,
    pub figures_withheld: bool,
    pub entered_on: Date,
    pub exited_on: Option<Date>,
}

/// Raw project input (form, API, import).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProjectInput {
    pub organisation_id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub functional_zone: String,
    #[serde(default)]
    pub interministerial: bool,
    #[serde(default)]
    pub funding_programmes: String,
    #[serde(default)]
    pub links: String,
    pub phase: String,
    #[serde(default)]
    pub figures_withheld: bool,
    pub entered_on: Option<Date>,
    pub exited_on: Option<Date>,
}

impl ProjectInput {
    pub fn validate(&self, today: Date) -> Result<ProjectFields, ValidationError> {
        let phase = Phase::parse(self.phase.trim())
            .or_else(|| Phase::parse_fr(&self.phase))
            .ok_or_else(|| ValidationError::new("phase", "phase inconnue"))?;
        for link in self.links.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !(link.starts_with("https://") || link.starts_with("http://")) {
                return Err(ValidationError::new(
                    "links",
                    format!("lien invalide : {link}"),
                ));
            }
        }
        let entered_on = self.entered_on.unwrap_or(today);
        if let Some(exit) = self.exited_on
            && exit < entered_on
        {
            return Err(ValidationError::new(
                "exited_on",
                "la sortie précède l'entrée dans le panorama",
            ));
        }
        Ok(ProjectFields {
            organisation_id: OrgId(self.organisation_id),
            name: required_text("name", &self.name, 200)?,
            description: optional_text("description", Some(&self.description), 10_000)?
                .unwrap_or_default(),
            functional_zone: optional_text("functional_zone", Some(&self.functional_zone), 200)?
                .unwrap_or_default(),
            interministerial: self.interministerial,
            funding_programmes: optional_text(
                "funding_programmes",
                Some(&self.funding_programmes),
                500,
            )?
            .unwrap_or_default(),
            links: self.links.trim().to_owned(),
            phase,
            figures_withheld: self.figures_withheld,
            entered_on,
            exited_on: self.exited_on,
        })
    }
}

/// A rating on a four-level scale (1 = best). Labels are configurable: a
/// weather scale by default, or RAG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Rating(pub u8);

impl Rating {
    pub fn parse(s: &str) -> Option<Rating> {
        match s.trim() {
            "1" => Some(Rating(1)),
            "2" => Some(Rating(2)),
            "3" => Some(Rating(3)),
            "4" => Some(Rating(4)),
            _ => None,
        }
    }
}

/// A key milestone: planned against actual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub label: String,
    pub planned_on: Date,
    pub actual_on: Option<Date>,
}

/// A top risk named in a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    pub label: String,
    /// "faible", "moyen", "élevé", "critique".
    pub level: String,
}

pub const RISK_LEVELS: [&str; 4] = ["faible", "moyen", "élevé", "critique"];

/// A periodic review of a project (or a Panorama edition's line).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub id: i64,
    pub project_id: i64,
    pub review_date: Date,
    /// "revue" for the periodic follow-up, "panorama:<file>" for imported editions.
    pub source: String,
    pub cost: Option<Euros>,
    pub start: Option<Date>,
    pub forecast_end: Option<Date>,
    pub phase: Phase,
    pub figures_withheld: bool,
    pub ministry_rating: Option<Rating>,
    pub dinum_rating: Option<Rating>,
    pub narrative: String,
    pub milestones: Vec<Milestone>,
    pub risks: Vec<Risk>,
    pub version: i64,
}

impl Review {
    pub fn estimate(&self) -> Estimate {
        Estimate {
            date: self.review_date,
            cost: self.cost,
            start: self.start,
            forecast_end: self.forecast_end,
            phase: self.phase,
            figures_withheld: self.figures_withheld,
        }
    }
}

/// The editable fields of a review, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewFields {
    pub review_date: Date,
    pub cost: Option<Euros>,
    pub start: Option<Date>,
    pub forecast_end: Option<Date>,
    pub phase: Phase,
    pub figures_withheld: bool,
    pub ministry_rating: Option<Rating>,
    pub dinum_rating: Option<Rating>,
    pub narrative: String,
    pub milestones: Vec<Milestone>,
    pub risks: Vec<Risk>,
}

impl ReviewFields {
    /// Checks the review on its own, and that a drift beyond `threshold`
    /// (e.g. 0.10 = 10 %) against the baseline in force is explained.
    pub fn check(
        &self,
        baseline: Option<&super::Baseline>,
        threshold: f64,
    ) -> Result<(), ValidationError> {
        if let (Some(start), Some(end)) = (self.start, self.forecast_end)
            && end < start
        {
            return Err(ValidationError::new(
                "forecast_end",
                "la fin prévue précède le début",
            ));
        }
        if self.cost.is_some_and(|c| c.0 < 0) {
            return Err(ValidationError::new(
                "cost",
                "le coût ne peut pas être négatif",
            ));
        }
        for m in &self.milestones {
            required_text("milestones", &m.label, 200)?;
        }
        for r in &self.risks {
            required_text("risks", &r.label, 300)?;
            if !RISK_LEVELS.contains(&r.level.as_str()) {
                return Err(ValidationError::new(
                    "risks",
                    format!("niveau de risque inconnu : {}", r.level),
                ));
            }
        }
        if let Some(b) = baseline
            && self.narrative.trim().is_empty()
        {
            let budget = self.cost.and_then(|c| super::drift::budget_drift(b, c));
            let calendar = self
                .forecast_end
                .and_then(|e| super::drift::calendar_drift(b, e));
            let worst = [budget, calendar]
                .into_iter()
                .flatten()
                .fold(0.0_f64, |m, d| m.max(d.abs()));
            if worst > threshold {
                return Err(ValidationError::new(
                    "narrative",
                    format!(
                        "une dérive de {:.0} % par rapport à la référence en vigueur doit être expliquée (seuil : {:.0} %)",
                        worst * 100.0,
                        threshold * 100.0
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A new baseline (the original one, or a re-baseline), validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineFields {
    pub approved_on: Date,
    pub cost: Euros,
    pub start: Date,
    pub planned_end: Date,
    pub reason: String,
    pub approved_by: String,
}

impl BaselineFields {
    /// `first` is true for the original baseline (a re-baseline must give its reason).
    pub fn check(&self, first: bool) -> Result<(), ValidationError> {
        if self.cost.0 <= 0 {
            return Err(ValidationError::new(
                "cost",
                "le coût de référence doit être positif",
            ));
        }
        if self.planned_end <= self.start {
            return Err(ValidationError::new(
                "planned_end",
                "la fin prévue doit suivre le début",
            ));
        }
        if !first && self.reason.trim().is_empty() {
            return Err(ValidationError::new(
                "reason",
                "un rebasage doit être motivé",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projects::Baseline;
    use time::macros::date;

    fn review(cost_meur: f64, end: Date, narrative: &str) -> ReviewFields {
        ReviewFields {
            review_date: date!(2026 - 06 - 30),
            cost: Euros::from_meur(cost_meur),
            start: Some(date!(2024 - 01 - 01)),
            forecast_end: Some(end),
            phase: Phase::ConceptionRealisation,
            figures_withheld: false,
            ministry_rating: Some(Rating(2)),
            dinum_rating: Some(Rating(3)),
            narrative: narrative.into(),
            milestones: vec![],
            risks: vec![],
        }
    }

    fn baseline() -> Baseline {
        Baseline {
            approved_on: date!(2024 - 01 - 01),
            cost: Euros(20_000_000),
            start: date!(2024 - 01 - 01),
            planned_end: date!(2026 - 01 - 01),
        }
    }

    #[test]
    fn a_drift_beyond_the_threshold_needs_a_narrative() {
        let b = baseline();
        assert!(
            review(21.0, date!(2026 - 01 - 01), "")
                .check(Some(&b), 0.10)
                .is_ok()
        );
        let err = review(23.0, date!(2026 - 01 - 01), "")
            .check(Some(&b), 0.10)
            .unwrap_err();
        assert_eq!(err.field, "narrative");
        assert!(err.message.contains("15 %"), "{}", err.message);
        assert!(
            review(23.0, date!(2026 - 01 - 01), "Marché complémentaire")
                .check(Some(&b), 0.10)
                .is_ok()
        );
        // Calendar drift counts too: 2 years planned, 3 forecast = +50 %.
        assert_eq!(
            review(20.0, date!(2027 - 01 - 01), "")
                .check(Some(&b), 0.10)
                .unwrap_err()
                .field,
            "narrative"
        );
        // Without a baseline there is nothing to measure against.
        assert!(
            review(90.0, date!(2030 - 01 - 01), "")
                .check(None, 0.10)
                .is_ok()
        );
    }

    #[test]
    fn baselines_and_projects_validate() {
        let ok = BaselineFields {
            approved_on: date!(2024 - 01 - 01),
            cost: Euros(9_000_000),
            start: date!(2024 - 01 - 01),
            planned_end: date!(2027 - 01 - 01),
            reason: String::new(),
            approved_by: "DINUM".into(),
        };
        assert!(ok.check(true).is_ok());
        assert_eq!(ok.check(false).unwrap_err().field, "reason");
        let inverted = BaselineFields {
            planned_end: date!(2023 - 01 - 01),
            ..ok
        };
        assert_eq!(inverted.check(true).unwrap_err().field, "planned_end");
        let input = ProjectInput {
            organisation_id: 1,
            name: " SIRHEN ".into(),
            phase: "Conception / Réalisation".into(),
            links: "https://example.gouv.fr\nftp://x".into(),
            ..Default::default()
        };
        assert_eq!(
            input.validate(date!(2026 - 01 - 01)).unwrap_err().field,
            "links"
        );
        let input = ProjectInput {
            links: String::new(),
            ..input
        };
        let f = input.validate(date!(2026 - 01 - 01)).unwrap();
        assert_eq!(
            (f.name.as_str(), f.phase),
            ("SIRHEN", Phase::ConceptionRealisation)
        );
    }
}
