//! A project's state as of a date, from its history: the input of every
//! portfolio figure (issue #3: "Portfolio edition as of any date").

use time::Date;

use super::drift::{baseline_in_force, estimate_as_of, original_baseline, rebaselines_until};
use super::project::Project;
use super::{Baseline, Estimate, ProjectSnapshot};

/// The snapshot of `project` as of `as_of`, or `None` if it was not in the
/// portfolio that day (by its entry and exit dates). Figures come from the
/// latest estimate dated on or before `as_of`; baselines approved after it are
/// ignored, so that any past edition can be recomputed exactly.
pub fn snapshot(
    project: &Project,
    baselines: &[Baseline],
    estimates: &[Estimate],
    as_of: Date,
) -> Option<ProjectSnapshot> {
    project
        .in_portfolio_on(as_of)
        .then(|| state_as_of(project, baselines, estimates, as_of))
}

/// The project as known on `as_of`, whether or not it was in the portfolio
/// (the caller decides membership, e.g. from published editions).
pub fn state_as_of(
    project: &Project,
    baselines: &[Baseline],
    estimates: &[Estimate],
    as_of: Date,
) -> ProjectSnapshot {
    let known: Vec<Baseline> = baselines
        .iter()
        .filter(|b| b.approved_on <= as_of)
        .cloned()
        .collect();
    let estimate = estimate_as_of(estimates, as_of);
    let current = baseline_in_force(&known, as_of).cloned();
    ProjectSnapshot {
        project_id: project.id,
        ministry: project.organisation_id,
        functional_zone: project.functional_zone.clone(),
        interministerial: project.interministerial,
        figures_withheld: estimate.map_or(project.figures_withheld, |e| e.figures_withheld),
        phase: estimate.map_or(project.phase, |e| e.phase),
        cost: estimate.and_then(|e| e.cost),
        start: estimate
            .and_then(|e| e.start)
            .or(current.as_ref().map(|b| b.start)),
        forecast_end: estimate.and_then(|e| e.forecast_end),
        original: original_baseline(&known).cloned(),
        current,
        rebaselines: rebaselines_until(&known, as_of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OrgId;
    use crate::money::Euros;
    use crate::projects::Phase;
    use time::macros::date;

    fn project(entered: Date, exited: Option<Date>) -> Project {
        Project {
            id: 7,
            organisation_id: OrgId(1),
            name: "P".into(),
            description: String::new(),
            functional_zone: "Fiscalité".into(),
            interministerial: false,
            funding_programmes: String::new(),
            links: String::new(),
            phase: Phase::Cadrage,
            figures_withheld: false,
            entered_on: entered,
            exited_on: exited,
            archived: false,
            version: 1,
            aliases: String::new(),
        }
    }

    fn estimate(d: Date, meur: f64, phase: Phase) -> Estimate {
        Estimate {
            date: d,
            cost: Euros::from_meur(meur),
            start: Some(date!(2020 - 01 - 01)),
            forecast_end: Some(date!(2024 - 01 - 01)),
            phase,
            figures_withheld: false,
        }
    }

    fn baseline(d: Date, meur: f64) -> Baseline {
        Baseline {
            approved_on: d,
            cost: Euros::from_meur(meur).unwrap_or_default(),
            start: date!(2020 - 01 - 01),
            planned_end: date!(2023 - 01 - 01),
        }
    }

    #[test]
    fn snapshot_uses_only_what_was_known_at_the_date() {
        let p = project(date!(2020 - 01 - 01), Some(date!(2025 - 01 - 01)));
        let baselines = [
            baseline(date!(2020 - 01 - 01), 10.0),
            baseline(date!(2022 - 06 - 01), 15.0),
        ];
        let estimates = [
            estimate(date!(2021 - 01 - 01), 12.0, Phase::ConceptionRealisation),
            estimate(date!(2023 - 01 - 01), 18.0, Phase::Deploiement),
        ];
        let s = snapshot(&p, &baselines, &estimates, date!(2021 - 06 - 30)).unwrap();
        assert_eq!(s.cost, Euros::from_meur(12.0));
        assert_eq!(s.phase, Phase::ConceptionRealisation);
        assert_eq!(s.current.as_ref().map(|b| b.cost), Euros::from_meur(10.0));
        assert_eq!(s.rebaselines, 0);
        let s = snapshot(&p, &baselines, &estimates, date!(2023 - 06 - 30)).unwrap();
        assert_eq!(s.cost, Euros::from_meur(18.0));
        assert_eq!(s.original.as_ref().map(|b| b.cost), Euros::from_meur(10.0));
        assert_eq!(s.current.as_ref().map(|b| b.cost), Euros::from_meur(15.0));
        assert_eq!(s.rebaselines, 1);
        assert!(
            snapshot(&p, &baselines, &estimates, date!(2025 - 01 - 01)).is_none(),
            "left the portfolio"
        );
        assert!(
            snapshot(&p, &baselines, &estimates, date!(2019 - 12 - 31)).is_none(),
            "not yet in it"
        );
    }
}
