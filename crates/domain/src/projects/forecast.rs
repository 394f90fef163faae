//! Reference-class forecasting (Flyvbjerg): the final cost and end date of a
//! running project, read off the distribution of drifts of comparable
//! advanced projects of the portfolio, with the size of that reference class
//! shown next to the figures.
//!
//! Drifts are those of MP §1.4 ("Formulas to implement") against each
//! project's original baseline; size bands are the Panorama's (MP §1.3).

use serde::Serialize;
use time::{Date, Duration};

use super::drift::{budget_drift, calendar_drift};
use super::edition::SizeBand;
use super::{Baseline, Phase, ProjectSnapshot};
use crate::money::Euros;

/// The `p`-quantile of `values` (in any order), by linear interpolation
/// between order statistics — Hyndman & Fan (1996) definition 7, R's and
/// NumPy's default: with the values sorted `x[0] ≤ … ≤ x[n−1]`,
/// `h = (n − 1)·p` and `Q(p) = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`.
///
/// `None` if `values` is empty, `p` is outside `[0, 1]` (or NaN), or a value
/// is not finite.
pub fn quantile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() || !(0.0..=1.0).contains(&p) || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let x_lo = *sorted.get(lo)?;
    let x_hi = *sorted.get(lo + 1).unwrap_or(&x_lo);
    Some(x_lo + (h - lo as f64) * (x_hi - x_lo))
}

/// The original baseline and both drifts of an advanced project, if it can
/// serve as a reference.
fn reference_drifts(s: &ProjectSnapshot) -> Option<(&Baseline, f64, f64)> {
    if s.figures_withheld || !matches!(s.phase, Phase::Deploiement | Phase::Termine) {
        return None;
    }
    let b = s.original.as_ref()?;
    Some((
        b,
        budget_drift(b, s.cost?)?,
        calendar_drift(b, s.forecast_end?)?,
    ))
}

/// The reference class and whether it is restricted to the target's band.
fn select_class<'a>(
    target: &ProjectSnapshot,
    portfolio: &'a [ProjectSnapshot],
    min_size: usize,
) -> (Vec<&'a ProjectSnapshot>, bool) {
    let advanced: Vec<&ProjectSnapshot> = portfolio
        .iter()
        .filter(|s| s.project_id != target.project_id && reference_drifts(s).is_some())
        .collect();
    if let Some(band) = target.original.as_ref().map(|b| SizeBand::of(b.cost)) {
        let same: Vec<&ProjectSnapshot> = advanced
            .iter()
            .copied()
            .filter(|s| {
                s.original
                    .as_ref()
                    .is_some_and(|b| SizeBand::of(b.cost) == band)
            })
            .collect();
        if !same.is_empty() && same.len() >= min_size {
            return (same, true);
        }
    }
    (advanced, false)
}

/// The reference class of `target` in `portfolio`: the other projects
/// (id ≠ target's) that are advanced — phase Déploiement or Terminé (not
/// Abandonné), figures not withheld — and have an original baseline, a cost
/// and a forecast end (so both their drifts against the original baseline,
/// MP §1.4, are defined). Those in the same [`SizeBand`] (MP §1.3) as the
/// target's original-baseline cost are preferred; if they are fewer than
/// `min_size` or none (or the target has no original baseline), every
/// advanced project is used.
pub fn reference_class<'a>(
    target: &ProjectSnapshot,
    portfolio: &'a [ProjectSnapshot],
    min_size: usize,
) -> Vec<&'a ProjectSnapshot> {
    select_class(target, portfolio, min_size).0
}

/// A reference-class forecast of a project's final cost and end date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceClassForecast {
    /// Number of projects the quantiles are read from.
    pub class_size: usize,
    pub cost_p50: Euros,
    pub cost_p80: Euros,
    pub end_p50: Date,
    pub end_p80: Date,
    /// Whether the class is restricted to the target's size band.
    pub same_size_band: bool,
}

/// Reference-class forecast of `target` (Flyvbjerg's method; drifts of
/// MP §1.4): take the [`reference_class`], the [`quantile`]s 0.5 and 0.8 of
/// its members' budget and calendar drifts against their original baselines
/// (the "uplifts"), and apply them to the target's original baseline:
/// final cost = baseline cost × (1 + budget uplift), rounded to the euro;
/// end = baseline start + baseline duration × (1 + calendar uplift), rounded
/// to the day.
///
/// `None` when the target has no original baseline, is closed (Terminé,
/// Abandonné: nothing left to forecast), the class has fewer than `min_size`
/// members (or none), or a date falls outside the calendar.
pub fn forecast(
    target: &ProjectSnapshot,
    portfolio: &[ProjectSnapshot],
    min_size: usize,
) -> Option<ReferenceClassForecast> {
    let baseline = target.original.as_ref()?;
    if target.phase.is_closed() {
        return None;
    }
    let (class, same_size_band) = select_class(target, portfolio, min_size);
    if class.is_empty() || class.len() < min_size {
        return None;
    }
    let (budget, calendar): (Vec<f64>, Vec<f64>) = class
        .iter()
        .filter_map(|s| reference_drifts(s).map(|(_, b, c)| (b, c)))
        .unzip();
    let cost = |p: f64| -> Option<Euros> {
        let uplift = quantile(&budget, p)?;
        Some(Euros(
            (baseline.cost.0 as f64 * (1.0 + uplift)).round() as i64
        ))
    };
    let end = |p: f64| -> Option<Date> {
        let uplift = quantile(&calendar, p)?;
        let days = (baseline.duration_days() as f64 * (1.0 + uplift)).round() as i64;
        baseline.start.checked_add(Duration::days(days))
    };
    Some(ReferenceClassForecast {
        class_size: class.len(),
        cost_p50: cost(0.5)?,
        cost_p80: cost(0.8)?,
        end_p50: end(0.5)?,
        end_p80: end(0.8)?,
        same_size_band,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OrgId;
    use proptest::prelude::*;
    use time::macros::date;

    const S: Date = date!(2020 - 01 - 01);

    /// A project with an original baseline of `meur` M€ over 100 days, now
    /// forecast at `meur × (1 + budget)` and `100 × (1 + calendar)` days.
    fn project(id: i64, phase: Phase, meur: i64, budget: f64, calendar: f64) -> ProjectSnapshot {
        let base = Euros(meur * 1_000_000);
        ProjectSnapshot {
            project_id: id,
            ministry: OrgId(1),
            functional_zone: "Justice".into(),
            interministerial: false,
            figures_withheld: false,
            phase,
            cost: Some(Euros((base.0 as f64 * (1.0 + budget)).round() as i64)),
            start: Some(S),
            forecast_end: Some(S + Duration::days((100.0 * (1.0 + calendar)).round() as i64)),
            original: Some(Baseline {
                approved_on: S,
                cost: base,
                start: S,
                planned_end: S + Duration::days(100),
            }),
            current: None,
            rebaselines: 0,
        }
    }

    #[test]
    fn quantile_type_7_by_hand() {
        // Sorted: 1 2 3 4. h = 3p.
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(&v, 0.0), Some(1.0));
        assert_eq!(quantile(&v, 1.0), Some(4.0));
        assert_eq!(quantile(&v, 0.5), Some(2.5)); // h = 1.5
        assert!((quantile(&v, 0.8).unwrap() - 3.4).abs() < 1e-12); // h = 2.4
        assert_eq!(quantile(&[7.0], 0.8), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&v, 1.2), None);
        assert_eq!(quantile(&v, -0.1), None);
        assert_eq!(quantile(&v, f64::NAN), None);
        assert_eq!(quantile(&[1.0, f64::NAN], 0.5), None);
    }

    fn portfolio() -> Vec<ProjectSnapshot> {
        vec![
            // Same band as a 50 M€ target (20–100 M€).
            project(1, Phase::Deploiement, 30, 0.0, 0.0),
            project(2, Phase::Termine, 40, 0.2, 0.1),
            project(3, Phase::Deploiement, 60, 0.4, 0.5),
            project(4, Phase::Termine, 80, 1.0, 1.0),
            // Not references: running, abandoned, withheld.
            project(5, Phase::ConceptionRealisation, 50, 3.0, 3.0),
            project(6, Phase::Abandonne, 50, 3.0, 3.0),
            ProjectSnapshot {
                figures_withheld: true,
                ..project(7, Phase::Deploiement, 50, 3.0, 3.0)
            },
            // Other bands.
            project(8, Phase::Termine, 10, -0.5, 0.0),
            project(9, Phase::Termine, 200, 2.0, 2.0),
        ]
    }

    fn ids(class: &[&ProjectSnapshot]) -> Vec<i64> {
        class.iter().map(|s| s.project_id).collect()
    }

    #[test]
    fn reference_class_prefers_the_size_band() {
        let p = portfolio();
        let target = project(3, Phase::ConceptionRealisation, 50, 0.0, 0.0);
        // Project 3 itself is excluded (same id).
        assert_eq!(ids(&reference_class(&target, &p, 3)), vec![1, 2, 4]);
        // Too few in the band: every advanced project.
        assert_eq!(ids(&reference_class(&target, &p, 4)), vec![1, 2, 4, 8, 9]);
    }

    #[test]
    fn forecast_by_hand() {
        let p = portfolio();
        let target = project(10, Phase::ConceptionRealisation, 50, 0.0, 0.0);
        let f = forecast(&target, &p, 4).unwrap();
        assert_eq!((f.class_size, f.same_size_band), (4, true));
        // Budget drifts 0, 0.2, 0.4, 1.0: h = 1.5 → 0.3; h = 2.4 → 0.64.
        assert_eq!(f.cost_p50, Euros(65_000_000));
        assert_eq!(f.cost_p80, Euros(82_000_000));
        // Calendar drifts 0, 0.1, 0.5, 1.0: 0.3 → 130 days; 0.7 → 170 days.
        assert_eq!(f.end_p50, S + Duration::days(130));
        assert_eq!(f.end_p80, S + Duration::days(170));

        // Only 4 in the band: the 6 advanced projects of the portfolio.
        let wide = forecast(&target, &p, 5).unwrap();
        assert_eq!((wide.class_size, wide.same_size_band), (6, false));
        assert!(
            forecast(&target, &p, 7).is_none(),
            "only 6 references exist"
        );
    }

    #[test]
    fn no_forecast_without_baseline_or_once_closed() {
        let p = portfolio();
        let mut target = project(10, Phase::Deploiement, 50, 0.0, 0.0);
        target.original = None;
        assert!(forecast(&target, &p, 1).is_none());
        let closed = project(10, Phase::Termine, 50, 0.0, 0.0);
        assert!(forecast(&closed, &p, 1).is_none());
        let running = project(10, Phase::Cadrage, 50, 0.0, 0.0);
        assert!(forecast(&running, &[], 0).is_none(), "empty class");
    }

    proptest! {
        /// Type-7 quantiles stay within the data and grow with p.
        #[test]
        fn quantile_is_monotone_and_bounded(values in proptest::collection::vec(-1e6f64..1e6, 1..40),
                                            p in 0.0f64..=1.0, q in 0.0f64..=1.0) {
            let (lo, hi) = if p <= q { (p, q) } else { (q, p) };
            let (a, b) = (quantile(&values, lo).unwrap(), quantile(&values, hi).unwrap());
            prop_assert!(a <= b + 1e-9);
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(min - 1e-9 <= a && b <= max + 1e-9);
        }

        /// The P80 forecast is never below the P50 one, and the class is as large as required.
        #[test]
        fn p80_is_at_least_p50(members in proptest::collection::vec(
                                   (1i64..300, -0.9f64..3.0, -0.5f64..3.0, any::<bool>()), 0..20),
                               target_meur in 1i64..300, min_size in 0usize..6) {
            let portfolio: Vec<ProjectSnapshot> = members.iter().enumerate()
                .map(|(i, &(m, b, c, done))| {
                    let phase = if done { Phase::Termine } else { Phase::Deploiement };
                    project(i as i64, phase, m, b, c)
                })
                .collect();
            let target = project(-1, Phase::ConceptionRealisation, target_meur, 0.0, 0.0);
            if let Some(f) = forecast(&target, &portfolio, min_size) {
                prop_assert!(f.cost_p80 >= f.cost_p50);
                prop_assert!(f.end_p80 >= f.end_p50);
                prop_assert!(f.class_size >= min_size.max(1));
            } else {
                prop_assert!(portfolio.len() < min_size.max(1));
            }
        }
    }
}
