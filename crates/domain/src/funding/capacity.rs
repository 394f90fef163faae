//! Each ministry's delivery capacity against what it has asked for (the
//! COSINUM's request: steer the whole portfolio of applications so that it
//! does not exceed the ministry's capacity to deliver, CTR §C.2 context).
//!
//! Load of a semester, in person-months:
//! `committed` (ongoing projects outside the fund, declared) + the workload
//! of granted applications + the workload of pending applications weighted
//! by the ministry's historical decision rate. Over capacity when the load
//! exceeds the declared capacity.

use serde::Serialize;
use time::Date;

use super::types::{Application, Capacity, Semester, Status};

/// A semester's load against capacity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Load {
    pub semester: Semester,
    /// Declared capacity; `None` when the ministry declared none.
    pub capacity: Option<f64>,
    pub committed: f64,
    pub granted: f64,
    /// Pending workload × `weight`.
    pub pending_weighted: f64,
    /// The weight given to pending applications (the decision rate).
    pub weight: f64,
    pub total: f64,
    /// `total ÷ capacity`.
    pub ratio: Option<f64>,
    pub over: bool,
}

/// The weight of pending applications: the historical decision rate, or 1
/// (every pending application counted in full) when nothing was decided yet
/// — the prudent reading when a ministry has no track record.
pub fn pending_weight(decision_rate: Option<f64>) -> f64 {
    decision_rate
        .filter(|r| r.is_finite())
        .unwrap_or(1.0)
        .clamp(0.0, 1.0)
}

fn workload_in(a: &Application, s: Semester) -> f64 {
    a.fields
        .workload
        .iter()
        .filter(|(x, _)| *x == s)
        .map(|(_, pm)| pm)
        .sum()
}

/// The load of `semester` from one ministry's applications read on `as_of`
/// (withdrawn and rejected ones weigh nothing).
pub fn load(
    semester: Semester,
    capacity: Option<&Capacity>,
    apps: &[&Application],
    weight: f64,
    as_of: Date,
) -> Load {
    let (mut granted, mut pending) = (0.0, 0.0);
    for a in apps {
        match a.status_on(as_of) {
            Some(Status::Granted) => granted += workload_in(a, semester),
            Some(Status::Submitted | Status::UnderReview) => pending += workload_in(a, semester),
            _ => {}
        }
    }
    let committed = capacity.map_or(0.0, |c| c.committed);
    let total = committed + granted + pending * weight;
    let cap = capacity.map(|c| c.capacity);
    let ratio = cap.filter(|c| *c > 0.0).map(|c| total / c);
    Load {
        semester,
        capacity: cap,
        committed,
        granted,
        pending_weighted: pending * weight,
        weight,
        total,
        ratio,
        over: cap.is_some_and(|c| total > c),
    }
}

/// The same load with an extra application of `workload` person-months in
/// the semester, counted in full (as if granted): "this application would
/// bring you to 130 % of your capacity in 2022S2".
pub fn with_extra(l: &Load, workload: f64) -> Load {
    let total = l.total + workload.max(0.0);
    let ratio = l.capacity.filter(|c| *c > 0.0).map(|c| total / c);
    Load {
        total,
        ratio,
        over: l.capacity.is_some_and(|c| total > c),
        granted: l.granted + workload.max(0.0),
        ..*l
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;
    use crate::OrgId;
    use crate::funding::types::ApplicationFields;
    use crate::money::Euros;

    fn app(status: Status, decided: Option<Date>, work: &[(Semester, f64)]) -> Application {
        Application {
            id: 1,
            fields: ApplicationFields {
                organisation_id: OrgId(1),
                window_id: 1,
                title: "x".into(),
                description: String::new(),
                total_cost: Euros(2),
                requested: Euros(1),
                project_id: None,
                inventory_id: None,
                planned_start: date!(2021 - 01 - 01),
                planned_end: date!(2022 - 12 - 31),
                submitted_on: date!(2021 - 01 - 15),
                workload: work.to_vec(),
            },
            status,
            reviewed_on: None,
            decided_on: decided,
            granted: None,
            motive: String::new(),
            version: 1,
        }
    }

    const S2: Semester = Semester {
        year: 2022,
        half: 2,
    };

    #[test]
    fn load_adds_committed_granted_and_weighted_pending() {
        let cap = Capacity {
            organisation_id: OrgId(1),
            semester: S2,
            capacity: 100.0,
            committed: 40.0,
        };
        let apps = [
            app(Status::Granted, Some(date!(2021 - 03 - 01)), &[(S2, 30.0)]),
            app(Status::UnderReview, None, &[(S2, 40.0)]),
            app(Status::Rejected, Some(date!(2021 - 03 - 01)), &[(S2, 99.0)]),
            // Granted after the date: pending then.
            app(Status::Granted, Some(date!(2022 - 01 - 01)), &[(S2, 10.0)]),
        ];
        let refs: Vec<&Application> = apps.iter().collect();
        let l = load(S2, Some(&cap), &refs, 0.5, date!(2021 - 06 - 30));
        assert_eq!((l.granted, l.pending_weighted), (30.0, 25.0));
        assert_eq!(l.total, 95.0);
        assert_eq!((l.ratio, l.over), (Some(0.95), false));
        let w = with_extra(&l, 35.0);
        assert_eq!((w.total, w.ratio, w.over), (130.0, Some(1.3), true));
        let none = load(S2, None, &refs, 0.5, date!(2021 - 06 - 30));
        assert_eq!((none.capacity, none.ratio, none.over), (None, None, false));
    }

    #[test]
    fn pending_weight_falls_back_to_one() {
        assert_eq!(pending_weight(None), 1.0);
        assert_eq!(pending_weight(Some(0.66)), 0.66);
        assert_eq!(pending_weight(Some(f64::NAN)), 1.0);
    }

    proptest! {
        #[test]
        fn more_work_never_lowers_the_load(extra in 0.0f64..500.0, committed in 0.0f64..100.0, weight in 0.0f64..1.0) {
            let cap = Capacity { organisation_id: OrgId(1), semester: S2, capacity: 120.0, committed };
            let apps = [app(Status::Submitted, None, &[(S2, 20.0)])];
            let refs: Vec<&Application> = apps.iter().collect();
            let l = load(S2, Some(&cap), &refs, weight, date!(2022 - 01 - 01));
            let w = with_extra(&l, extra);
            prop_assert!(w.total >= l.total);
            prop_assert_eq!(w.over, w.total > 120.0);
        }
    }
}
