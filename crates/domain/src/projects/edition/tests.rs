//! Tests of the edition figures, with hand-computed expected values.

use super::*;
use crate::OrgId;
use proptest::prelude::*;
use time::Duration;
use time::macros::date;

const S: Date = date!(2020 - 01 - 01);

fn m(meur: i64) -> Euros {
    Euros(meur * 1_000_000)
}

/// A project started on 1 Jan 2020 and forecast to last `days`, with its
/// baselines `(M€, days)` from the same start: the first is the original,
/// the last the current one.
fn snap(
    id: i64,
    ph: Phase,
    cost: Option<i64>,
    d: Option<i64>,
    bl: &[(i64, i64)],
) -> ProjectSnapshot {
    let baseline = |&(meur, days): &(i64, i64)| Baseline {
        approved_on: S,
        cost: m(meur),
        start: S,
        planned_end: S + Duration::days(days),
    };
    ProjectSnapshot {
        project_id: id,
        ministry: OrgId(1),
        functional_zone: "Fiscalité".into(),
        interministerial: false,
        figures_withheld: false,
        phase: ph,
        cost: cost.map(m),
        start: d.map(|_| S),
        forecast_end: d.map(|d| S + Duration::days(d)),
        original: bl.first().map(baseline),
        current: bl.last().map(baseline),
        rebaselines: bl.len().saturating_sub(1),
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-12)
}

/// Five projects whose figures are computed by hand in the tests below.
fn portfolio() -> Vec<ProjectSnapshot> {
    use Phase::*;
    let rebaselined = &[(40, 100), (50, 150)];
    let mut p = vec![
        snap(1, ConceptionRealisation, Some(50), Some(150), rebaselined),
        snap(2, Termine, Some(30), Some(200), &[(60, 100)]),
        snap(3, Cadrage, Some(12), None, &[]),
        snap(4, Deploiement, Some(100), Some(4000), &[(10, 100)]),
        snap(5, Deploiement, None, Some(366), &[(20, 200)]),
    ];
    p[0].interministerial = true;
    p[3].interministerial = true;
    p[3].figures_withheld = true;
    p
}

#[test]
fn dinum_2017_by_hand() {
    let f = edition(&portfolio(), date!(2021 - 11 - 30), &DINUM_2017);
    assert_eq!(f.method, "dinum-2017");
    assert_eq!((f.projects, f.interministerial), (5, 2));
    // 50 + 30: project 3 is in cadrage, 4 withheld, 5 has no cost.
    assert_eq!((f.total_cost, f.costed_projects), (m(80), 2));
    // Projects 1, 2 and 5: (150 + 200 + 366) days / 3 / 365.
    assert!(close(f.mean_duration_years, 716.0 / 3.0 / 365.0));
    // Budget: +25 % and −50 % (closed project 2 included).
    assert_eq!(f.budget_drift_projects, 2);
    assert!(close(f.mean_budget_drift, -0.125));
    assert!(close(f.weighted_budget_drift, (80.0 - 100.0) / 100.0));
    // Calendar: +50 %, +100 %, +83 %.
    assert_eq!(f.calendar_drift_projects, 3);
    assert!(close(f.mean_calendar_drift, (0.5 + 1.0 + 0.83) / 3.0));
    assert!(close(f.weighted_calendar_drift, (716.0 - 400.0) / 400.0));

    // Against the baseline in force, project 1 drifts by 0 %.
    let f = edition(&portfolio(), date!(2021 - 11 - 30), &CURRENT_BASELINE);
    assert!(close(f.mean_budget_drift, (0.0 - 0.5) / 2.0));
    assert!(close(f.weighted_budget_drift, (80.0 - 110.0) / 110.0));
    assert!(close(f.mean_calendar_drift, (0.0 + 1.0 + 0.83) / 3.0));
    assert!(close(f.weighted_calendar_drift, (716.0 - 450.0) / 450.0));
}

#[test]
fn closed_projects_can_be_left_out_and_empty_means_are_none() {
    let mut open_only = DINUM_2017;
    open_only.include_closed_in_drift = false;
    let f = edition(&portfolio(), S, &open_only);
    assert_eq!((f.budget_drift_projects, f.calendar_drift_projects), (1, 2));
    assert!(close(f.mean_budget_drift, 0.25));
    assert!(close(f.mean_calendar_drift, (0.5 + 0.83) / 2.0));
    let e = edition(&[], S, &DINUM_2017);
    assert_eq!((e.projects, e.total_cost), (0, Euros(0)));
    assert!(e.mean_duration_years.is_none() && e.mean_budget_drift.is_none());
    assert!(e.weighted_calendar_drift.is_none());
}

#[test]
fn methods_and_size_bands() {
    let codes: Vec<&str> = methods().iter().map(|m| m.code).collect();
    assert_eq!(codes, ["dinum-2017", "baseline-courante-2026"]);
    let current = method("baseline-courante-2026").map(|m| m.drift_against);
    assert_eq!(current, Some(DriftReference::CurrentBaseline));
    assert!(method("nope").is_none());
    let bands = [
        8_999_999,
        9_000_000,
        19_999_999,
        20_000_000,
        100_000_000,
        100_000_001,
    ]
    .map(|e| SizeBand::of(Euros(e)).as_str());
    assert_eq!(bands, ["lt9", "9-20", "9-20", "20-100", "20-100", "gt100"]);
    assert_eq!(SizeBand::From20To100.label_fr(), "20–100 M€");
    assert!(SizeBand::ALL.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn breakdown_by_flag() {
    let groups = breakdown(&portfolio(), S, &DINUM_2017, |s| s.interministerial);
    assert_eq!(
        (groups[&true].projects, groups[&true].total_cost),
        (2, m(50))
    );
    assert_eq!(groups[&false].projects, 3);
    assert!(close(groups[&false].mean_budget_drift, -0.5));
}

#[test]
fn changes_between_editions() {
    let at = |id, meur| snap(id, Phase::Deploiement, meur, None, &[]);
    let withheld = ProjectSnapshot {
        figures_withheld: true,
        ..at(7, Some(10))
    };
    let prev = vec![
        at(1, Some(40)),
        at(2, Some(30)),
        at(6, Some(10)),
        withheld,
        at(8, Some(80)),
    ];
    let cur = vec![
        at(8, Some(60)),
        at(3, None),
        at(2, Some(30)),
        at(1, Some(50)),
        at(7, Some(20)),
    ];
    let c = changes(&prev, &cur);
    assert_eq!((c.entered, c.exited), (vec![3], vec![6]));
    let order: Vec<(i64, f64)> = c
        .reestimates
        .iter()
        .map(|r| (r.project_id, r.change))
        .collect();
    // |+25 %| = |−25 %|: by id; then the unchanged one; 7 was withheld.
    assert_eq!(order, vec![(1, 0.25), (8, -0.25), (2, 0.0)]);
    assert_eq!(
        (c.reestimates[0].before, c.reestimates[0].after),
        (m(40), m(50))
    );
}

prop_compose! {
    fn arb_snapshot()(id in 0i64..40, phase in 0usize..6, flags in (any::<bool>(), any::<bool>()),
                      cost in proptest::option::of(0i64..500_000_000),
                      end in proptest::option::of(0i64..6000),
                      original in proptest::option::of((1i64..500_000_000, 0i64..3000, 1i64..4000)),
                      rebaselined in any::<bool>(), zone in 0u8..4) -> ProjectSnapshot {
        let original = original.map(|(cost, from, days)| {
            let start = S + Duration::days(from);
            Baseline { approved_on: start, cost: Euros(cost), start, planned_end: start + Duration::days(days) }
        });
        let current = if rebaselined { original.clone().map(|b| Baseline { cost: Euros(b.cost.0 * 2), ..b }) }
                      else { original.clone() };
        ProjectSnapshot {
            project_id: id, ministry: OrgId(i64::from(zone)), functional_zone: format!("z{zone}"),
            interministerial: flags.0, figures_withheld: flags.1, phase: Phase::ALL[phase],
            cost: cost.map(Euros), start: end.map(|_| S), forecast_end: end.map(|d| S + Duration::days(d)),
            original, current, rebaselines: usize::from(rebaselined),
        }
    }
}

proptest! {
    /// A breakdown never drops nor duplicates a snapshot: group counts and
    /// sums add up to the whole edition's.
    #[test]
    fn breakdown_partitions_the_edition(snaps in proptest::collection::vec(arb_snapshot(), 0..30)) {
        let counts = |f: &EditionFigures| [f.projects, f.interministerial, f.costed_projects,
            f.budget_drift_projects, f.calendar_drift_projects, f.total_cost.0 as usize];
        for method in methods() {
            let whole = counts(&edition(&snaps, S, method));
            let groups = breakdown(&snaps, S, method, |s| (s.ministry, s.phase));
            let summed = groups.values().map(counts)
                .fold([0; 6], |acc, c| std::array::from_fn(|i| acc[i] + c[i]));
            prop_assert_eq!(summed, whole);
        }
    }

    /// Without re-baselines both methods agree; the drift means lie within
    /// the range of the per-project rates.
    #[test]
    fn methods_agree_without_rebaselines(snaps in proptest::collection::vec(arb_snapshot(), 0..30)) {
        let plain: Vec<ProjectSnapshot> = snaps.into_iter()
            .map(|s| ProjectSnapshot { current: s.original.clone(), rebaselines: 0, ..s })
            .collect();
        let a = edition(&plain, S, &DINUM_2017);
        let b = edition(&plain, S, &CURRENT_BASELINE);
        prop_assert_eq!(EditionFigures { method: b.method, ..a.clone() }, b);
        let rates: Vec<f64> = plain.iter()
            .filter(|s| !s.figures_withheld)
            .filter_map(|s| budget_drift(s.original.as_ref()?, s.cost?))
            .collect();
        if let Some(mean) = a.mean_budget_drift {
            let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(lo - 1e-9 <= mean && mean <= hi + 1e-9);
        }
    }

    /// The running sums give, to the last bit, the figures a direct reading
    /// of the definition gives (each figure computed on its own, over the
    /// snapshots it concerns), whatever the snapshots.
    #[test]
    fn sums_match_the_definition(snaps in proptest::collection::vec(arb_snapshot(), 0..30)) {
        for method in methods() {
            prop_assert_eq!(edition(&snaps, S, method), by_definition(&snaps, method));
        }
    }

    /// Entered and exited are the set differences of the two editions' ids.
    #[test]
    fn changes_are_set_differences(before in proptest::collection::vec(arb_snapshot(), 0..30),
                                   after in proptest::collection::vec(arb_snapshot(), 0..30)) {
        let ids = |l: &[ProjectSnapshot]| l.iter().map(|s| s.project_id).collect::<std::collections::BTreeSet<_>>();
        let c = changes(&before, &after);
        prop_assert_eq!(c.entered, ids(&after).difference(&ids(&before)).copied().collect::<Vec<_>>());
        prop_assert_eq!(c.exited, ids(&before).difference(&ids(&after)).copied().collect::<Vec<_>>());
    }
}

/// The edition's figures read off their definition one by one (the doc of
/// [`edition`]), without running sums: what the sums are checked against.
fn by_definition(snaps: &[ProjectSnapshot], method: &MethodVersion) -> EditionFigures {
    let shown = || snaps.iter().filter(|s| !s.figures_withheld);
    let costed: Vec<i64> = shown()
        .filter(|s| s.phase != Phase::Cadrage)
        .filter_map(|s| s.cost.map(|c| c.0))
        .collect();
    let durations: Vec<f64> = shown()
        .filter_map(|s| Some((s.forecast_end? - s.start?).whole_days() as f64 / DAYS_PER_YEAR))
        .collect();
    let drifted = || {
        shown()
            .filter(|s| method.include_closed_in_drift || !s.phase.is_closed())
            .filter_map(|s| Some((s, reference_baseline(s, method)?)))
    };
    // (rate, reference, current) of each project with the figure.
    let budget: Vec<(f64, f64, f64)> = drifted()
        .filter_map(|(s, b)| {
            let cost = s.cost?;
            Some((budget_drift(b, cost)?, b.cost.0 as f64, cost.0 as f64))
        })
        .collect();
    let calendar: Vec<(f64, f64, f64)> = drifted()
        .filter_map(|(s, b)| {
            let end = s.forecast_end?;
            let rate = calendar_drift(b, end)?;
            Some((
                rate,
                b.duration_days() as f64,
                (end - b.start).whole_days() as f64,
            ))
        })
        .collect();
    let mean =
        |v: &[f64]| (!v.is_empty()).then(|| v.iter().fold(0.0, |a, x| a + x) / v.len() as f64);
    let rates = |v: &[(f64, f64, f64)]| v.iter().map(|r| r.0).collect::<Vec<_>>();
    let weighted = |v: &[(f64, f64, f64)]| {
        let (r, c) = v.iter().fold((0i128, 0i128), |(r, c), x| {
            (r + x.1 as i128, c + x.2 as i128)
        });
        relative_change(r as f64, c as f64)
    };
    EditionFigures {
        as_of: S,
        method: method.code,
        projects: snaps.len(),
        interministerial: snaps.iter().filter(|s| s.interministerial).count(),
        total_cost: Euros(costed.iter().fold(0i64, |a, c| a.saturating_add(*c))),
        costed_projects: costed.len(),
        mean_duration_years: mean(&durations),
        mean_calendar_drift: mean(&rates(&calendar)),
        mean_budget_drift: mean(&rates(&budget)),
        weighted_calendar_drift: weighted(&calendar),
        weighted_budget_drift: weighted(&budget),
        calendar_drift_projects: calendar.len(),
        budget_drift_projects: budget.len(),
    }
}
