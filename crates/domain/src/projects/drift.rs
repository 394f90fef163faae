//! Per-project drift ("écart budgétaire" and "écart calendaire") against a
//! baseline, and the baselines ledger questions it needs (which baseline is the
//! original one, which one is in force on a day, how many re-baselines).
//!
//! Definitions: MP §1.4 "Formulas to implement" — a rate is
//! `(current − initial) / initial`, for cost and for duration. Drifts are f64
//! ratios: `0.25` means +25 %.

use serde::Serialize;
use time::{Date, Duration};

use super::{Baseline, Estimate};
use crate::money::Euros;

/// Relative change `(current − reference) / reference` (MP §1.4, the rate of
/// the PAP indicator "respect des coûts et délais des grands projets").
///
/// `None` when the reference is not strictly positive, or either figure (or
/// the result) is not finite: a rate against nothing is undefined.
pub fn relative_change(reference: f64, current: f64) -> Option<f64> {
    if !reference.is_finite() || !current.is_finite() || reference <= 0.0 {
        return None;
    }
    let rate = (current - reference) / reference;
    rate.is_finite().then_some(rate)
}

/// Budget drift of a cost against a baseline:
/// `(cost − baseline.cost) / baseline.cost` (MP §1.4, "ecart_budgetaire").
/// `None` when the baseline cost is not positive.
pub fn budget_drift(baseline: &Baseline, cost: Euros) -> Option<f64> {
    relative_change(baseline.cost.0 as f64, cost.0 as f64)
}

/// Forecast duration in days, measured from the baseline's start.
fn forecast_days(baseline: &Baseline, forecast_end: Date) -> i64 {
    (forecast_end - baseline.start).whole_days()
}

/// Calendar drift of a forecast end date against a baseline (MP §1.4,
/// "ecart_calendaire" = (durée actualisée − durée initiale) / durée initiale,
/// durée = end − start). Both durations are counted in days from
/// `baseline.start`: `((forecast_end − start) − duration_days) / duration_days`.
pub fn calendar_drift(baseline: &Baseline, forecast_end: Date) -> Option<f64> {
    relative_change(
        baseline.duration_days() as f64,
        forecast_days(baseline, forecast_end) as f64,
    )
}

/// The original baseline: the one approved first ("prévisions initiales",
/// MP §1.4; baselines ledger, MP §5). Ties on the approval date go to the
/// first in the slice. `None` for an empty ledger.
pub fn original_baseline(baselines: &[Baseline]) -> Option<&Baseline> {
    // `min_by_key` returns the first of equal minima.
    baselines.iter().min_by_key(|b| b.approved_on)
}

/// The baseline in force on `day`: the latest approved on or before that day
/// (a baseline takes effect on its approval date; MP §5 "re-baseline events
/// with date"). Ties on the approval date go to the last in the slice, the
/// latest recorded. `None` if none was approved yet.
pub fn baseline_in_force(baselines: &[Baseline], day: Date) -> Option<&Baseline> {
    // `max_by_key` returns the last of equal maxima.
    baselines
        .iter()
        .filter(|b| b.approved_on <= day)
        .max_by_key(|b| b.approved_on)
}

/// Number of re-baselines approved up to `day` included: the baselines
/// approved on or before `day`, minus the original one (never below zero;
/// MP §1.9 "re-baselining hides drift", counted so it can be shown).
pub fn rebaselines_until(baselines: &[Baseline], day: Date) -> usize {
    baselines
        .iter()
        .filter(|b| b.approved_on <= day)
        .count()
        .saturating_sub(1)
}

/// The estimate known on `day`: the one with the latest date on or before
/// `day` (input in any order; ties go to the last in the slice). `None` if no
/// estimate was made yet. MP §5 "Snapshot per edition/review date".
pub fn estimate_as_of(estimates: &[Estimate], day: Date) -> Option<&Estimate> {
    estimates
        .iter()
        .filter(|e| e.date <= day)
        .max_by_key(|e| e.date)
}

/// Budget and calendar drift of one project against one reference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Drift {
    pub budget: Option<f64>,
    pub calendar: Option<f64>,
}

impl Drift {
    /// No drift known.
    pub const NONE: Drift = Drift {
        budget: None,
        calendar: None,
    };
}

/// Drift of an estimate against a baseline (MP §1.4): budget drift of its cost
/// and calendar drift of its forecast end. A part is `None` when the estimate
/// lacks the figure; both are `None` when its figures are withheld (tender or
/// trajectory revision: "ne sont volontairement pas publiés", MP §1.3).
pub fn drift_against(baseline: &Baseline, estimate: &Estimate) -> Drift {
    if estimate.figures_withheld {
        return Drift::NONE;
    }
    Drift {
        budget: estimate.cost.and_then(|c| budget_drift(baseline, c)),
        calendar: estimate
            .forecast_end
            .and_then(|end| calendar_drift(baseline, end)),
    }
}

/// Everything the project page shows about drift, as of a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectDrift {
    /// Against the original baseline ("prévisions initiales", MP §1.4).
    pub vs_original: Drift,
    /// Against the baseline in force (what remains after re-baselines, MP §1.9).
    pub vs_current: Drift,
    /// Change of cost and of forecast duration over the recent window.
    pub recent: Drift,
    /// Re-baselines approved up to the date.
    pub rebaselines: usize,
}

/// Drift of one project as of `as_of` (MP §1.4 formulas, MP §1.9 caveats).
///
/// - `vs_original` and `vs_current`: [`drift_against`] the original baseline
///   and the baseline in force at `as_of`, for the estimate known at `as_of`
///   ([`estimate_as_of`]). Only baselines approved by `as_of` exist at that
///   date, so both are `None` before the first approval.
/// - `recent`: relative change between the estimate known at
///   `as_of − window_days` and the one known at `as_of`, of the cost and of
///   the forecast duration (forecast end − start, the start being that of the
///   baseline in force at `as_of`, or failing one the estimate's own start —
///   the later estimate's, else the earlier's — the same start for both so
///   only the end moves). A part is `None` when either estimate is missing,
///   withheld, lacks the figure, or when both are the same estimate (nothing
///   was re-estimated in the window); all `None` when `window_days <= 0`.
/// - `rebaselines`: [`rebaselines_until`] `as_of`.
pub fn project_drift(
    baselines: &[Baseline],
    estimates: &[Estimate],
    as_of: Date,
    window_days: i64,
) -> ProjectDrift {
    let estimate = estimate_as_of(estimates, as_of);
    let current = baseline_in_force(baselines, as_of);
    let original = original_baseline(baselines).filter(|b| b.approved_on <= as_of);
    let against = |b: Option<&Baseline>| match (b, estimate) {
        (Some(b), Some(e)) => drift_against(b, e),
        _ => Drift::NONE,
    };
    let earlier = (window_days > 0)
        .then(|| as_of.checked_sub(Duration::days(window_days)))
        .flatten()
        .and_then(|day| estimate_as_of(estimates, day));
    let recent = match (earlier, estimate) {
        (Some(before), Some(after)) => recent_change(before, after, current),
        _ => Drift::NONE,
    };
    ProjectDrift {
        vs_original: against(original),
        vs_current: against(current),
        recent,
        rebaselines: rebaselines_until(baselines, as_of),
    }
}

/// Change from `before` to `after` (see [`project_drift`], `recent`).
fn recent_change(before: &Estimate, after: &Estimate, baseline: Option<&Baseline>) -> Drift {
    if std::ptr::eq(before, after) || before.figures_withheld || after.figures_withheld {
        return Drift::NONE;
    }
    let budget = match (before.cost, after.cost) {
        (Some(b), Some(a)) => relative_change(b.0 as f64, a.0 as f64),
        _ => None,
    };
    let start = baseline.map(|b| b.start).or(after.start).or(before.start);
    let calendar = match (start, before.forecast_end, after.forecast_end) {
        (Some(s), Some(b), Some(a)) => {
            relative_change((b - s).whole_days() as f64, (a - s).whole_days() as f64)
        }
        _ => None,
    };
    Drift { budget, calendar }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projects::Phase;
    use proptest::prelude::*;
    use time::macros::date;

    fn baseline(approved_on: Date, meur: i64, start: Date, end: Date) -> Baseline {
        Baseline {
            approved_on,
            cost: Euros(meur * 1_000_000),
            start,
            planned_end: end,
        }
    }

    fn estimate(date: Date, meur: Option<i64>, end: Option<Date>) -> Estimate {
        Estimate {
            date,
            cost: meur.map(|m| Euros(m * 1_000_000)),
            start: None,
            forecast_end: end,
            phase: Phase::ConceptionRealisation,
            figures_withheld: false,
        }
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn relative_change_rejects_undefined_references() {
        assert_eq!(relative_change(20.0, 25.0), Some(0.25));
        assert_eq!(relative_change(40.0, 30.0), Some(-0.25));
        assert_eq!(relative_change(0.0, 1.0), None);
        assert_eq!(relative_change(-5.0, 1.0), None);
        assert_eq!(relative_change(f64::NAN, 1.0), None);
        assert_eq!(relative_change(f64::INFINITY, 1.0), None);
        assert_eq!(relative_change(1.0, f64::NAN), None);
    }

    #[test]
    fn budget_and_calendar_drift_by_hand() {
        // ASTREA-like: 20 M€ → 70.5 M€ is +252.5 %.
        let b = baseline(
            date!(2016 - 01 - 01),
            20,
            date!(2016 - 01 - 01),
            date!(2016 - 12 - 31),
        );
        assert!(close(budget_drift(&b, Euros(70_500_000)), 2.525));
        // Planned 365 days (2016 is leap: 1 Jan → 31 Dec = 365 days).
        assert_eq!(b.duration_days(), 365);
        // Forecast end 1 Jan 2018: 731 days, (731 − 365) / 365.
        assert!(close(
            calendar_drift(&b, date!(2018 - 01 - 01)),
            366.0 / 365.0
        ));
        // On time: zero.
        assert_eq!(calendar_drift(&b, date!(2016 - 12 - 31)), Some(0.0));
        // A zero-cost baseline has no budget drift.
        let free = Baseline {
            cost: Euros(0),
            ..b.clone()
        };
        assert_eq!(budget_drift(&free, Euros(1)), None);
    }

    #[test]
    fn ledger_queries() {
        let s = date!(2019 - 01 - 01);
        let e = date!(2022 - 01 - 01);
        // Unsorted on purpose.
        let ledger = vec![
            baseline(date!(2021 - 06 - 01), 60, s, e),
            baseline(date!(2019 - 03 - 01), 40, s, e),
            baseline(date!(2020 - 06 - 01), 50, s, e),
        ];
        assert_eq!(original_baseline(&ledger).unwrap().cost.meur(), 40.0);
        assert!(baseline_in_force(&ledger, date!(2019 - 02 - 28)).is_none());
        let in_force = |d| baseline_in_force(&ledger, d).unwrap().cost.meur();
        assert_eq!(in_force(date!(2019 - 03 - 01)), 40.0);
        assert_eq!(in_force(date!(2020 - 06 - 01)), 50.0);
        assert_eq!(in_force(date!(2030 - 01 - 01)), 60.0);
        assert_eq!(rebaselines_until(&ledger, date!(2019 - 01 - 01)), 0);
        assert_eq!(rebaselines_until(&ledger, date!(2019 - 03 - 01)), 0);
        assert_eq!(rebaselines_until(&ledger, date!(2020 - 06 - 01)), 1);
        assert_eq!(rebaselines_until(&ledger, date!(2030 - 01 - 01)), 2);
        assert!(original_baseline(&[]).is_none());
    }

    #[test]
    fn original_baseline_ties_go_to_the_first() {
        let d = date!(2020 - 01 - 01);
        let ledger = vec![baseline(d, 10, d, d), baseline(d, 11, d, d)];
        assert_eq!(original_baseline(&ledger).unwrap().cost.meur(), 10.0);
        assert_eq!(baseline_in_force(&ledger, d).unwrap().cost.meur(), 11.0);
    }

    #[test]
    fn estimate_as_of_picks_latest_not_after() {
        let es = vec![
            estimate(date!(2021 - 11 - 01), Some(3), None),
            estimate(date!(2020 - 11 - 01), Some(1), None),
            estimate(date!(2021 - 07 - 01), Some(2), None),
        ];
        assert!(estimate_as_of(&es, date!(2020 - 10 - 31)).is_none());
        let cost = |d| estimate_as_of(&es, d).unwrap().cost.unwrap().meur();
        assert_eq!(cost(date!(2021 - 07 - 01)), 2.0);
        assert_eq!(cost(date!(2021 - 10 - 31)), 2.0);
        assert_eq!(cost(date!(2022 - 01 - 01)), 3.0);
    }

    #[test]
    fn drift_against_respects_missing_and_withheld_figures() {
        let b = baseline(
            date!(2020 - 01 - 01),
            40,
            date!(2020 - 01 - 01),
            date!(2020 - 04 - 10), // 100 days
        );
        let e = estimate(date!(2020 - 06 - 01), Some(50), Some(date!(2020 - 05 - 30)));
        let d = drift_against(&b, &e);
        assert!(close(d.budget, 0.25));
        assert!(close(d.calendar, 0.5));
        let no_end = estimate(date!(2020 - 06 - 01), Some(50), None);
        assert_eq!(drift_against(&b, &no_end).calendar, None);
        let withheld = Estimate {
            figures_withheld: true,
            ..e
        };
        assert_eq!(drift_against(&b, &withheld), Drift::NONE);
    }

    #[test]
    fn project_drift_original_current_and_recent() {
        let s = date!(2020 - 01 - 01);
        let ledger = vec![
            // Original: 40 M€, 100 days.
            baseline(date!(2020 - 01 - 01), 40, s, date!(2020 - 04 - 10)),
            // Re-baseline: 80 M€, 200 days.
            baseline(date!(2021 - 01 - 01), 80, s, date!(2020 - 07 - 19)),
        ];
        let es = vec![
            estimate(date!(2020 - 06 - 01), Some(50), Some(date!(2020 - 05 - 30))),
            estimate(
                date!(2021 - 03 - 01),
                Some(100),
                Some(date!(2020 - 10 - 27)),
            ),
        ];
        let pd = project_drift(&ledger, &es, date!(2021 - 06 - 01), 365);
        // 100 M€ vs 40: +150 %; vs 80: +25 %.
        assert!(close(pd.vs_original.budget, 1.5));
        assert!(close(pd.vs_current.budget, 0.25));
        // 300 days vs 100: +200 %; vs 200: +50 %.
        assert!(close(pd.vs_original.calendar, 2.0));
        assert!(close(pd.vs_current.calendar, 0.5));
        assert_eq!(pd.rebaselines, 1);
        // Recent: estimate of 2020-06-01 (50 M€, 150 days) → 100 M€, 300 days.
        assert!(close(pd.recent.budget, 1.0));
        assert!(close(pd.recent.calendar, 1.0));

        // Short window: same estimate at both ends, no recent change.
        let short = project_drift(&ledger, &es, date!(2021 - 06 - 01), 30);
        assert_eq!(short.recent, Drift::NONE);
        // Before the re-baseline both references are the original.
        let early = project_drift(&ledger, &es, date!(2020 - 12 - 31), 365);
        assert_eq!(early.vs_original, early.vs_current);
        assert_eq!(early.rebaselines, 0);
        // Before any baseline: no drift, no window when non-positive.
        let none = project_drift(&ledger, &es, date!(2019 - 12 - 31), 0);
        assert_eq!(none.vs_original, Drift::NONE);
        assert_eq!(none.recent, Drift::NONE);
    }

    #[test]
    fn recent_uses_the_estimate_start_without_baseline() {
        let mut a = estimate(date!(2020 - 01 - 01), Some(10), Some(date!(2020 - 04 - 10)));
        a.start = Some(date!(2020 - 01 - 01));
        let mut b = estimate(date!(2020 - 07 - 01), Some(12), Some(date!(2020 - 07 - 19)));
        b.start = Some(date!(2020 - 01 - 01));
        let pd = project_drift(&[], &[a, b], date!(2020 - 08 - 01), 200);
        assert!(close(pd.recent.budget, 0.2));
        // 100 days → 200 days.
        assert!(close(pd.recent.calendar, 1.0));
        assert_eq!(pd.vs_original, Drift::NONE);
    }

    fn arb_day() -> impl Strategy<Value = Date> {
        (0i64..4000).prop_map(|n| date!(2015 - 01 - 01) + Duration::days(n))
    }

    proptest! {
        /// Reaching the baseline figures gives zero drift; exceeding them, a positive one.
        #[test]
        fn drift_sign_follows_overrun(cost in 1i64..1_000_000_000, extra in 0i64..1_000_000_000,
                                      start in arb_day(), days in 1i64..5000, slip in 0i64..5000) {
            let b = Baseline { approved_on: start, cost: Euros(cost), start,
                               planned_end: start + Duration::days(days) };
            prop_assert_eq!(budget_drift(&b, Euros(cost)), Some(0.0));
            prop_assert_eq!(calendar_drift(&b, b.planned_end), Some(0.0));
            prop_assert!(budget_drift(&b, Euros(cost + extra)).unwrap() >= 0.0);
            let late = calendar_drift(&b, b.planned_end + Duration::days(slip)).unwrap();
            prop_assert!(late >= 0.0);
        }

        /// The baseline in force is never approved after the day, and the
        /// re-baseline count never decreases as time passes.
        #[test]
        fn ledger_is_consistent(approvals in proptest::collection::vec(arb_day(), 0..8),
                                d1 in arb_day(), d2 in arb_day()) {
            let ledger: Vec<Baseline> = approvals.iter()
                .map(|&a| Baseline { approved_on: a, cost: Euros(1), start: a, planned_end: a })
                .collect();
            let (early, late) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
            prop_assert!(rebaselines_until(&ledger, early) <= rebaselines_until(&ledger, late));
            if let Some(b) = baseline_in_force(&ledger, late) {
                prop_assert!(b.approved_on <= late);
                prop_assert!(original_baseline(&ledger).unwrap().approved_on <= b.approved_on);
            } else {
                prop_assert_eq!(rebaselines_until(&ledger, late), 0);
            }
        }
    }
}
