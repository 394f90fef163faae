//! Decisions on applications as of a date: the decision rate (granted ÷
//! decided, the "taux de sélectivité" of CTR §C.3–C.4), amounts granted ÷
//! requested, and the time from submission to decision against its target.

use serde::Serialize;
use time::Date;

use super::types::{Application, Status};
use crate::money::Euros;

/// Decisions over a set of applications, as of a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionStats {
    /// Applications submitted on or before the date.
    pub applications: usize,
    pub pending: usize,
    pub granted: usize,
    pub rejected: usize,
    pub withdrawn: usize,
    /// Granted ÷ (granted + rejected); withdrawals are not decisions.
    /// `None` before any decision.
    pub decision_rate: Option<f64>,
    /// Requested by every application counted.
    pub requested: Euros,
    /// Requested by the decided applications (the base of `amount_rate`).
    pub requested_decided: Euros,
    pub granted_amount: Euros,
    /// Σ granted ÷ Σ requested over decided applications.
    pub amount_rate: Option<f64>,
    /// Days from submission to decision, decided applications.
    pub median_days: Option<f64>,
    pub mean_days: Option<f64>,
    /// Decided within the target delay, ÷ decided.
    pub within_target: Option<f64>,
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

/// The decisions as of `as_of` (each application read with
/// [`Application::status_on`]); `target_days` is the target delay.
pub fn decision_stats<'a>(
    apps: impl IntoIterator<Item = &'a Application>,
    as_of: Date,
    target_days: u32,
) -> DecisionStats {
    let mut s = DecisionStats {
        applications: 0,
        pending: 0,
        granted: 0,
        rejected: 0,
        withdrawn: 0,
        decision_rate: None,
        requested: Euros(0),
        requested_decided: Euros(0),
        granted_amount: Euros(0),
        amount_rate: None,
        median_days: None,
        mean_days: None,
        within_target: None,
    };
    let mut delays = Vec::new();
    for a in apps {
        let Some(status) = a.status_on(as_of) else {
            continue;
        };
        s.applications += 1;
        s.requested = s.requested + a.fields.requested;
        match status {
            Status::Submitted | Status::UnderReview => s.pending += 1,
            Status::Withdrawn => s.withdrawn += 1,
            Status::Granted | Status::Rejected => {
                if status == Status::Granted {
                    s.granted += 1;
                    s.granted_amount = s.granted_amount + a.granted.unwrap_or(Euros(0));
                } else {
                    s.rejected += 1;
                }
                s.requested_decided = s.requested_decided + a.fields.requested;
                if let Some(d) = a.decided_on {
                    delays.push((d - a.fields.submitted_on).whole_days());
                }
            }
        }
    }
    let decided = s.granted + s.rejected;
    s.decision_rate = (decided > 0).then(|| s.granted as f64 / decided as f64);
    s.amount_rate = (s.requested_decided.0 > 0)
        .then(|| s.granted_amount.0 as f64 / s.requested_decided.0 as f64);
    delays.sort_unstable();
    s.median_days = median(&delays);
    s.mean_days =
        (!delays.is_empty()).then(|| delays.iter().sum::<i64>() as f64 / delays.len() as f64);
    s.within_target = (!delays.is_empty()).then(|| {
        delays
            .iter()
            .filter(|d| **d <= i64::from(target_days))
            .count() as f64
            / delays.len() as f64
    });
    s
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;
    use crate::OrgId;
    use crate::funding::types::ApplicationFields;

    pub(crate) fn app(
        status: Status,
        submitted: Date,
        decided: Option<Date>,
        requested: i64,
        granted: Option<i64>,
    ) -> Application {
        Application {
            id: 1,
            fields: ApplicationFields {
                organisation_id: OrgId(1),
                window_id: 1,
                title: "x".into(),
                description: String::new(),
                total_cost: Euros(requested * 2),
                requested: Euros(requested),
                project_id: None,
                inventory_id: None,
                planned_start: submitted,
                planned_end: submitted,
                submitted_on: submitted,
                workload: vec![],
            },
            status,
            reviewed_on: None,
            decided_on: decided,
            granted: granted.map(Euros),
            motive: String::new(),
            version: 1,
        }
    }

    #[test]
    fn rates_count_decisions_only_and_respect_the_date() {
        let d = |m, day| Date::from_calendar_date(2021, m, day).unwrap();
        use time::Month::*;
        let apps = [
            app(
                Status::Granted,
                d(January, 10),
                Some(d(March, 1)),
                100,
                Some(80),
            ),
            app(
                Status::Rejected,
                d(January, 10),
                Some(d(February, 9)),
                300,
                None,
            ),
            app(
                Status::Withdrawn,
                d(January, 20),
                Some(d(February, 1)),
                50,
                None,
            ),
            app(Status::UnderReview, d(February, 1), None, 70, None),
            // Decided after the date: still pending then.
            app(
                Status::Granted,
                d(February, 1),
                Some(d(June, 1)),
                40,
                Some(40),
            ),
            // Submitted after the date: not counted.
            app(Status::Submitted, d(May, 1), None, 999, None),
        ];
        let s = decision_stats(&apps, d(April, 1), 40);
        assert_eq!(s.applications, 5);
        assert_eq!(
            (s.granted, s.rejected, s.withdrawn, s.pending),
            (1, 1, 1, 2)
        );
        assert_eq!(s.decision_rate, Some(0.5));
        assert_eq!(s.requested, Euros(560));
        assert_eq!(s.requested_decided, Euros(400));
        assert_eq!(s.granted_amount, Euros(80));
        assert_eq!(s.amount_rate, Some(0.2));
        // Delays: 50 and 30 days.
        assert_eq!((s.median_days, s.mean_days), (Some(40.0), Some(40.0)));
        assert_eq!(s.within_target, Some(0.5));
        let later = decision_stats(&apps, d(December, 31), 40);
        assert_eq!(later.decision_rate, Some(2.0 / 3.0));
    }

    #[test]
    fn nothing_decided_means_no_rate() {
        let apps = [app(
            Status::Submitted,
            date!(2021 - 01 - 01),
            None,
            10,
            None,
        )];
        let s = decision_stats(&apps, date!(2021 - 06 - 01), 60);
        assert_eq!(
            (s.decision_rate, s.amount_rate, s.median_days),
            (None, None, None)
        );
    }

    proptest! {
        #[test]
        fn counts_add_up_and_rates_stay_in_range(
            specs in prop::collection::vec((0usize..5, 0i64..400, 0i64..200, 1i64..1000), 0..40),
            as_of in 0i64..600,
        ) {
            let base = date!(2021 - 01 - 01);
            let apps: Vec<Application> = specs.iter().map(|(k, sub, delay, req)| {
                let status = Status::ALL[*k];
                let submitted = base + time::Duration::days(*sub);
                let decided = (!status.pending()).then(|| submitted + time::Duration::days(*delay));
                let granted = (status == Status::Granted).then_some(req / 2);
                app(status, submitted, decided, *req, granted)
            }).collect();
            let s = decision_stats(&apps, base + time::Duration::days(as_of), 60);
            prop_assert_eq!(s.applications, s.pending + s.granted + s.rejected + s.withdrawn);
            for r in [s.decision_rate, s.amount_rate, s.within_target].into_iter().flatten() {
                prop_assert!((0.0..=1.0).contains(&r));
            }
            prop_assert!(s.granted_amount <= s.requested_decided);
        }
    }
}
