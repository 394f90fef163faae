//! A fund's figures as of a date, from its windows, applications and
//! movements: decisions and consumption overall, per window and per
//! ministry, the year-end forecast of payments, the lagging applications and
//! the monthly curve of amounts granted, engaged and paid.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use serde::Serialize;
use time::{Date, Month};

use super::consumption::{Consumption, LAG_TOLERANCE, Lag, consumption, lag, year_end_forecast};
use super::decisions::{DecisionStats, decision_stats};
use super::types::{Application, Fund, Movement, MovementKind, Semester, Status, Window};
use crate::OrgId;
use crate::money::Euros;

/// Decisions and consumption of a group of applications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub decisions: DecisionStats,
    pub consumption: Consumption,
}

/// A granted application whose payments trail its schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lagging {
    pub application_id: i64,
    pub organisation_id: OrgId,
    pub title: String,
    pub granted: Euros,
    pub lag: Lag,
}

/// One month of the consumption curve (amounts cumulated at month end).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MonthPoint {
    pub month_end: Date,
    pub granted: Euros,
    pub engaged: Euros,
    pub paid: Euros,
}

/// The fund's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundReport {
    pub as_of: Date,
    pub envelope: Euros,
    /// Granted ÷ envelope.
    pub envelope_granted_rate: Option<f64>,
    pub overall: Figures,
    /// Payments expected by 31 December at the current pace.
    pub paid_forecast_year_end: Euros,
    pub by_window: Vec<(String, Figures)>,
    pub by_ministry: Vec<(OrgId, Figures)>,
    /// By semester of submission (decisions are read as of `as_of`).
    pub by_semester: Vec<(Semester, Figures)>,
    pub lagging: Vec<Lagging>,
    pub curve: Vec<MonthPoint>,
}

/// The movements of a fund's applications, each application's together
/// (in the order given) and looked up by application: held once, however
/// many groups and month ends read them (a fund has about a million
/// movements at scale).
struct ByApplication {
    movements: Vec<Movement>,
    /// Application id → its movements' place in `movements`.
    places: HashMap<i64, Range<usize>>,
}

impl ByApplication {
    /// The movements of the applications of `ids`, others dropped.
    fn new(mut movements: Vec<Movement>, ids: &HashSet<i64>) -> ByApplication {
        movements.retain(|m| ids.contains(&m.application_id));
        // Stable: an application's movements keep their order.
        movements.sort_by_key(|m| m.application_id);
        let mut places: HashMap<i64, Range<usize>> = HashMap::new();
        for (i, m) in movements.iter().enumerate() {
            places
                .entry(m.application_id)
                .and_modify(|r| r.end = i + 1)
                .or_insert(i..i + 1);
        }
        ByApplication { movements, places }
    }

    fn of(&self, application_id: i64) -> &[Movement] {
        self.places
            .get(&application_id)
            .map_or(&[][..], |r| &self.movements[r.clone()])
    }
}

fn figures(
    apps: &[&Application],
    movements: &ByApplication,
    as_of: Date,
    target_days: u32,
) -> Figures {
    let consumptions = apps.iter().map(|a| {
        let granted = match a.status_on(as_of) {
            Some(Status::Granted) => a.granted.unwrap_or(Euros(0)),
            _ => Euros(0),
        };
        consumption(granted, movements.of(a.id), as_of)
    });
    Figures {
        decisions: decision_stats(apps.iter().copied(), as_of, target_days),
        consumption: Consumption::total(consumptions),
    }
}

fn month_ends(from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    loop {
        let next = if m == Month::December {
            Date::from_calendar_date(y + 1, Month::January, 1)
        } else {
            Date::from_calendar_date(y, m.next(), 1)
        };
        let Ok(next) = next else { break };
        let end = next.previous_day().unwrap_or(next);
        out.push(end.min(to));
        if end >= to {
            break;
        }
        (y, m) = (next.year(), next.month());
    }
    out
}

/// The report of `fund` as of `as_of`. `apps` are the fund's applications
/// (those of other funds' windows are ignored); `movements` any movements
/// (those of other applications are ignored).
pub fn fund_report(
    fund: &Fund,
    windows: &[Window],
    apps: &[Application],
    movements: Vec<Movement>,
    as_of: Date,
) -> FundReport {
    let window_ids: Vec<i64> = windows
        .iter()
        .filter(|w| w.fund_id == fund.id)
        .map(|w| w.id)
        .collect();
    let mine: Vec<&Application> = apps
        .iter()
        .filter(|a| window_ids.contains(&a.fields.window_id))
        .collect();
    // A set, not a scan of the applications per movement: both grow with
    // the portfolio, and the scan made the report quadratic.
    let mine_ids: HashSet<i64> = mine.iter().map(|a| a.id).collect();
    let by_app = ByApplication::new(movements, &mine_ids);
    drop(mine_ids);
    let target = fund.decision_target_days;
    let overall = figures(&mine, &by_app, as_of, target);
    let by_window = windows
        .iter()
        .filter(|w| w.fund_id == fund.id)
        .map(|w| {
            let these: Vec<&Application> = mine
                .iter()
                .copied()
                .filter(|a| a.fields.window_id == w.id)
                .collect();
            (w.code.clone(), figures(&these, &by_app, as_of, target))
        })
        .collect();
    let mut ministries: BTreeMap<OrgId, Vec<&Application>> = BTreeMap::new();
    for a in &mine {
        ministries
            .entry(a.fields.organisation_id)
            .or_default()
            .push(a);
    }
    let by_ministry = ministries
        .into_iter()
        .map(|(org, these)| (org, figures(&these, &by_app, as_of, target)))
        .collect();
    let mut semesters: BTreeMap<Semester, Vec<&Application>> = BTreeMap::new();
    for a in &mine {
        semesters
            .entry(Semester::of(a.fields.submitted_on))
            .or_default()
            .push(a);
    }
    let by_semester = semesters
        .into_iter()
        .filter(|(s, _)| s.bounds().0 <= as_of)
        .map(|(s, these)| (s, figures(&these, &by_app, as_of, target)))
        .collect();
    let lagging = mine
        .iter()
        .filter(|a| a.status_on(as_of) == Some(Status::Granted))
        .filter_map(|a| {
            let granted = a.granted?;
            let l = lag(
                granted,
                by_app.of(a.id),
                (a.fields.planned_start, a.fields.planned_end),
                as_of,
                LAG_TOLERANCE,
            )?;
            Some(Lagging {
                application_id: a.id,
                organisation_id: a.fields.organisation_id,
                title: a.fields.title.clone(),
                granted,
                lag: l,
            })
        })
        .collect::<Vec<_>>();
    let start = mine
        .iter()
        .map(|a| a.fields.submitted_on)
        .min()
        .unwrap_or(fund.start)
        .min(fund.start);
    let curve = if start <= as_of {
        month_ends(start, as_of)
            .into_iter()
            .map(|d| {
                let f = figures(&mine, &by_app, d, target);
                MonthPoint {
                    month_end: d,
                    granted: f.decisions.granted_amount,
                    engaged: f.consumption.engaged,
                    paid: f.consumption.paid,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    FundReport {
        as_of,
        envelope: fund.envelope,
        envelope_granted_rate: (fund.envelope.0 > 0)
            .then(|| overall.decisions.granted_amount.0 as f64 / fund.envelope.0 as f64),
        paid_forecast_year_end: year_end_forecast(&by_app.movements, MovementKind::Payment, as_of),
        overall,
        by_window,
        by_ministry,
        by_semester,
        lagging,
        curve,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::funding::types::ApplicationFields;

    fn fund() -> Fund {
        Fund {
            id: 1,
            code: "F".into(),
            name: "F".into(),
            programme: "363".into(),
            envelope: Euros(10_000),
            start: date!(2021 - 01 - 01),
            end: date!(2022 - 12 - 31),
            rules: String::new(),
            decision_target_days: 60,
            version: 1,
        }
    }

    fn window(id: i64, fund_id: i64) -> Window {
        Window {
            id,
            fund_id,
            code: format!("W{id}"),
            theme: "t".into(),
            max_rate: 1.0,
            min_size: None,
            max_size: None,
            opens: date!(2021 - 01 - 01),
            closes: date!(2021 - 12 - 31),
            delivery_months: 18,
            version: 1,
        }
    }

    fn app(id: i64, window_id: i64, org: i64, status: Status, granted: Option<i64>) -> Application {
        Application {
            id,
            fields: ApplicationFields {
                organisation_id: OrgId(org),
                window_id,
                title: format!("A{id}"),
                description: String::new(),
                total_cost: Euros(4000),
                requested: Euros(2000),
                project_id: None,
                inventory_id: None,
                planned_start: date!(2021 - 03 - 01),
                planned_end: date!(2021 - 09 - 01),
                submitted_on: date!(2021 - 01 - 15),
                workload: vec![],
            },
            status,
            reviewed_on: None,
            decided_on: (!status.pending()).then_some(date!(2021 - 02 - 15)),
            granted: granted.map(Euros),
            motive: String::new(),
            version: 1,
        }
    }

    fn pay(app: i64, kind: MovementKind, d: Date, amount: i64) -> Movement {
        Movement {
            application_id: app,
            kind,
            date: d,
            amount: Euros(amount),
            reference: format!("{app}-{d}"),
        }
    }

    #[test]
    fn a_fund_report_keeps_to_its_windows_and_flags_laggards() {
        let windows = [window(1, 1), window(2, 1), window(3, 2)];
        let apps = [
            app(1, 1, 10, Status::Granted, Some(2000)),
            app(2, 2, 20, Status::Granted, Some(1000)),
            app(3, 2, 20, Status::Rejected, None),
            // Another fund's window: ignored.
            app(4, 3, 10, Status::Granted, Some(9999)),
        ];
        use MovementKind::*;
        let movements = [
            pay(1, Commitment, date!(2021 - 03 - 01), 2000),
            pay(1, Payment, date!(2021 - 06 - 01), 1500),
            pay(2, Commitment, date!(2021 - 03 - 01), 1000),
            pay(4, Payment, date!(2021 - 03 - 01), 9999),
        ];
        let r = fund_report(
            &fund(),
            &windows,
            &apps,
            movements.to_vec(),
            date!(2021 - 08 - 31),
        );
        assert_eq!(r.overall.decisions.applications, 3);
        assert_eq!(r.overall.decisions.granted_amount, Euros(3000));
        assert_eq!(r.envelope_granted_rate, Some(0.3));
        assert_eq!(r.overall.consumption.engaged, Euros(3000));
        assert_eq!(r.overall.consumption.paid, Euros(1500));
        assert_eq!(r.overall.consumption.restes_a_payer, Euros(1500));
        assert_eq!(r.by_window.len(), 2);
        assert_eq!(r.by_ministry.len(), 2);
        assert_eq!(r.by_semester.len(), 1, "all submitted in 2021S1");
        assert_eq!(r.by_semester[0].1.decisions.applications, 3);
        // Application 2: nothing paid near the end of its schedule.
        assert_eq!(
            r.lagging
                .iter()
                .map(|l| l.application_id)
                .collect::<Vec<_>>(),
            [2]
        );
        let last = r.curve.last().unwrap();
        assert_eq!(
            (last.month_end, last.paid),
            (date!(2021 - 08 - 31), Euros(1500))
        );
        assert_eq!(r.curve.first().unwrap().month_end, date!(2021 - 01 - 31));
        // Before any decision, nothing granted yet.
        let early = fund_report(
            &fund(),
            &windows,
            &apps,
            movements.to_vec(),
            date!(2021 - 02 - 01),
        );
        assert_eq!(early.overall.decisions.granted_amount, Euros(0));
        assert_eq!(early.overall.decisions.pending, 3);
    }

    #[test]
    fn month_ends_stop_at_the_date() {
        let m = month_ends(date!(2021 - 11 - 20), date!(2022 - 02 - 10));
        assert_eq!(
            m,
            [
                date!(2021 - 11 - 30),
                date!(2021 - 12 - 31),
                date!(2022 - 01 - 31),
                date!(2022 - 02 - 10)
            ]
        );
    }

    proptest::proptest! {
        /// Each application's movements are its own, in the order given,
        /// and only those of the applications asked for are kept.
        #[test]
        fn movements_by_application_keep_their_order(
            given in proptest::collection::vec((0i64..8, 1i64..1000), 0..60),
            kept in proptest::collection::hash_set(0i64..8, 0..8),
        ) {
            let movements: Vec<Movement> = given
                .iter()
                .map(|&(app, amount)| pay(app, MovementKind::Payment, date!(2021 - 03 - 01), amount))
                .collect();
            let by = ByApplication::new(movements.clone(), &kept);
            for id in 0..8 {
                let expected: Vec<&Movement> = movements
                    .iter()
                    .filter(|m| m.application_id == id && kept.contains(&id))
                    .collect();
                let got: Vec<&Movement> = by.of(id).iter().collect();
                proptest::prop_assert_eq!(got, expected);
            }
            let total = movements.iter().filter(|m| kept.contains(&m.application_id)).count();
            proptest::prop_assert_eq!(by.movements.len(), total);
        }
    }
}
