//! Credit consumption of granted applications (CTR §C.4): AE engaged and CP
//! paid against the amount granted, restes à payer (AE engaged not yet
//! covered by CP), a year-end forecast at the current pace, and the
//! applications whose payments lag their schedule.

use serde::Serialize;
use time::{Date, Month};

use super::types::{Movement, MovementKind};
use crate::money::Euros;

/// Consumption as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Consumption {
    pub granted: Euros,
    /// Σ commitments (AE) dated on or before the date, corrections included.
    pub engaged: Euros,
    /// Σ payments (CP) dated on or before the date.
    pub paid: Euros,
    /// `engaged − paid`: AE engaged not yet covered by CP.
    pub restes_a_payer: Euros,
    /// `engaged ÷ granted`; `None` when nothing was granted.
    pub engaged_rate: Option<f64>,
    /// `paid ÷ granted`.
    pub paid_rate: Option<f64>,
}

impl Consumption {
    /// Sums consumptions (of several applications: a window, a fund, a
    /// ministry); rates are recomputed on the sums.
    pub fn total(items: impl IntoIterator<Item = Consumption>) -> Consumption {
        let (mut g, mut e, mut p) = (0, 0, 0);
        for c in items {
            g += c.granted.0;
            e += c.engaged.0;
            p += c.paid.0;
        }
        Consumption::from_sums(Euros(g), Euros(e), Euros(p))
    }

    fn from_sums(granted: Euros, engaged: Euros, paid: Euros) -> Consumption {
        let rate = |x: Euros| (granted.0 > 0).then(|| x.0 as f64 / granted.0 as f64);
        Consumption {
            granted,
            engaged,
            paid,
            restes_a_payer: Euros(engaged.0 - paid.0),
            engaged_rate: rate(engaged),
            paid_rate: rate(paid),
        }
    }
}

fn sum(movements: &[Movement], kind: MovementKind, from: Date, to: Date) -> Euros {
    Euros(
        movements
            .iter()
            .filter(|m| m.kind == kind && m.date >= from && m.date <= to)
            .map(|m| m.amount.0)
            .sum(),
    )
}

/// An application's consumption of `granted` as of `as_of`.
pub fn consumption(granted: Euros, movements: &[Movement], as_of: Date) -> Consumption {
    Consumption::from_sums(
        granted,
        sum(movements, MovementKind::Commitment, Date::MIN, as_of),
        sum(movements, MovementKind::Payment, Date::MIN, as_of),
    )
}

/// What `kind` will reach by 31 December of `as_of`'s year at the current
/// pace: the amount already at the start of the year, plus this year's
/// movements so far extrapolated linearly over the whole year
/// (`this year × days in year ÷ days elapsed`, 1 January counting as day 1).
pub fn year_end_forecast(movements: &[Movement], kind: MovementKind, as_of: Date) -> Euros {
    let jan1 = Date::from_calendar_date(as_of.year(), Month::January, 1).unwrap_or(as_of);
    let dec31 = Date::from_calendar_date(as_of.year(), Month::December, 31).unwrap_or(as_of);
    let before = sum(
        movements,
        kind,
        Date::MIN,
        jan1.previous_day().unwrap_or(Date::MIN),
    );
    let this_year = sum(movements, kind, jan1, as_of);
    let elapsed = (as_of - jan1).whole_days() + 1;
    let days = (dec31 - jan1).whole_days() + 1;
    Euros(before.0 + (this_year.0 as f64 * days as f64 / elapsed as f64).round() as i64)
}

/// Checks an application's credit totals after a movement (CTR §C.4: AE
/// are consumed by commitments up to what was granted; CP cover commitments):
/// neither total below zero (a correction larger than what it corrects),
/// commitments within the amount granted, payments within the commitments.
/// The error says which, in French.
pub fn check_totals(granted: Euros, engaged: Euros, paid: Euros) -> Result<(), String> {
    let (g, e, p) = (granted.0, engaged.0, paid.0);
    if e < 0 || p < 0 {
        Err("la correction dépasse le montant qu'elle corrige".to_owned())
    } else if e > g {
        Err(format!(
            "les engagements ({e} €) dépasseraient le montant accordé ({g} €)"
        ))
    } else if p > e {
        Err(format!(
            "les paiements ({p} €) dépasseraient les engagements ({e} €)"
        ))
    } else {
        Ok(())
    }
}

/// Share of the schedule elapsed on `day`: 0 before `start`, 1 from `end`,
/// linear between.
pub fn schedule_share(start: Date, end: Date, day: Date) -> f64 {
    if day <= start {
        0.0
    } else if day >= end {
        1.0
    } else {
        (day - start).whole_days() as f64 / (end - start).whole_days() as f64
    }
}

/// Default tolerance of [`lag`]: payments may trail the schedule by a
/// quarter of the amount before the application is flagged.
pub const LAG_TOLERANCE: f64 = 0.25;

/// How far an application's payments trail its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Lag {
    /// Share of the planned duration elapsed (payments expected to follow it).
    pub expected: f64,
    /// CP paid ÷ granted.
    pub actual: f64,
    /// `expected − actual`, in ratio points.
    pub gap: f64,
}

/// The lag of a granted application whose CP should follow its planned
/// schedule linearly, or `None` when it is within `tolerance` (or nothing
/// was granted). Our rule, not a published one: CTR §C gives no definition
/// of "lagging"; linear pacing of CP over the planned duration is the
/// simplest schedule a ministry can be held to.
pub fn lag(
    granted: Euros,
    movements: &[Movement],
    planned: (Date, Date),
    as_of: Date,
    tolerance: f64,
) -> Option<Lag> {
    if granted.0 <= 0 {
        return None;
    }
    let expected = schedule_share(planned.0, planned.1, as_of);
    let actual = consumption(granted, movements, as_of)
        .paid_rate
        .unwrap_or(0.0);
    let gap = expected - actual;
    (gap > tolerance).then_some(Lag {
        expected,
        actual,
        gap,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    fn mv(kind: MovementKind, date: Date, amount: i64) -> Movement {
        Movement {
            application_id: 1,
            kind,
            date,
            amount: Euros(amount),
            reference: String::new(),
        }
    }

    #[test]
    fn consumption_counts_movements_up_to_the_date_with_corrections() {
        use MovementKind::*;
        let m = [
            mv(Commitment, date!(2021 - 03 - 01), 800),
            mv(Commitment, date!(2021 - 04 - 01), -100),
            mv(Payment, date!(2021 - 05 - 01), 300),
            mv(Payment, date!(2021 - 12 - 01), 200),
        ];
        let c = consumption(Euros(1000), &m, date!(2021 - 06 - 30));
        assert_eq!(
            (c.engaged, c.paid, c.restes_a_payer),
            (Euros(700), Euros(300), Euros(400))
        );
        assert_eq!((c.engaged_rate, c.paid_rate), (Some(0.7), Some(0.3)));
        let t = Consumption::total([c, consumption(Euros(1000), &[], date!(2021 - 06 - 30))]);
        assert_eq!((t.granted, t.paid_rate), (Euros(2000), Some(0.15)));
        assert_eq!(
            consumption(Euros(0), &m, date!(2022 - 01 - 01)).paid_rate,
            None
        );
    }

    #[test]
    fn forecast_extrapolates_this_year_only() {
        use MovementKind::*;
        let m = [
            mv(Payment, date!(2020 - 11 - 01), 1000),
            mv(Payment, date!(2021 - 02 - 01), 300),
        ];
        // 2021-04-10 is day 100 of 365: 300 × 365 / 100 = 1095, plus 1000 before.
        assert_eq!(
            year_end_forecast(&m, Payment, date!(2021 - 04 - 10)),
            Euros(2095)
        );
        assert_eq!(
            year_end_forecast(&m, Payment, date!(2021 - 12 - 31)),
            Euros(1300)
        );
    }

    #[test]
    fn lagging_applications_trail_their_schedule() {
        let plan = (date!(2021 - 01 - 01), date!(2022 - 01 - 01));
        let m = [mv(MovementKind::Payment, date!(2021 - 03 - 01), 100)];
        // Mid-2021: about half the schedule, 10 % paid.
        let l = lag(Euros(1000), &m, plan, date!(2021 - 07 - 02), LAG_TOLERANCE).unwrap();
        assert!((l.expected - 0.5).abs() < 0.01 && l.actual == 0.1);
        assert!(lag(Euros(1000), &m, plan, date!(2021 - 03 - 01), LAG_TOLERANCE).is_none());
        assert!(lag(Euros(0), &m, plan, date!(2021 - 12 - 01), LAG_TOLERANCE).is_none());
    }

    #[test]
    fn totals_stay_within_grant_and_commitments() {
        let e = Euros;
        assert!(check_totals(e(100), e(100), e(100)).is_ok());
        assert!(
            check_totals(e(100), e(101), e(0))
                .unwrap_err()
                .contains("accordé")
        );
        assert!(
            check_totals(e(100), e(50), e(60))
                .unwrap_err()
                .contains("engagements")
        );
        assert!(
            check_totals(e(100), e(-1), e(0))
                .unwrap_err()
                .contains("correction")
        );
    }

    proptest! {
        #[test]
        fn schedule_share_is_monotonic_in_range(a in 0i64..400, b in 0i64..400, len in 1i64..900) {
            let start = date!(2021 - 01 - 01);
            let end = start + time::Duration::days(len);
            let (x, y) = (a.min(b), a.max(b));
            let sx = schedule_share(start, end, start + time::Duration::days(x));
            let sy = schedule_share(start, end, start + time::Duration::days(y));
            prop_assert!((0.0..=1.0).contains(&sx) && sx <= sy);
        }

        #[test]
        fn restes_a_payer_is_engaged_minus_paid(amounts in prop::collection::vec((any::<bool>(), -500i64..5000, 0i64..700), 0..30)) {
            let m: Vec<Movement> = amounts.iter().map(|(c, a, d)| mv(
                if *c { MovementKind::Commitment } else { MovementKind::Payment },
                date!(2021 - 01 - 01) + time::Duration::days(*d), *a)).collect();
            let c = consumption(Euros(10_000), &m, date!(2022 - 06 - 30));
            prop_assert_eq!(c.restes_a_payer.0, c.engaged.0 - c.paid.0);
            let f = year_end_forecast(&m, MovementKind::Payment, date!(2021 - 12 - 31));
            prop_assert_eq!(f, consumption(Euros(1), &m, date!(2021 - 12 - 31)).paid);
        }
    }
}
