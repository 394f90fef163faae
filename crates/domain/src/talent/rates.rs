//! Movement, vacancy and outsourcing rates of an HR return (CTR §B.3).

use serde::Serialize;

pub use super::hr_return::HrReturn;

/// The rates of one return or of a sum of returns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rates {
    /// Mean of the headcounts at the start and the end (effectif moyen).
    pub average_headcount: f64,
    /// Entries ÷ average headcount.
    pub entry_rate: Option<f64>,
    /// Exits ÷ average headcount.
    pub exit_rate: Option<f64>,
    /// DGAFP rotation rate: (entry rate + exit rate) ÷ 2, the default.
    pub turnover: Option<f64>,
    /// The textbook variant: ((entries + exits) ÷ 2) ÷ headcount at the start.
    pub turnover_on_start: Option<f64>,
    /// Vacant open positions ÷ (occupied posts + vacant ones), the Eurostat
    /// job-vacancy convention (CTR §B.3: no DGAFP definition exists).
    pub vacancy_rate: Option<f64>,
    /// External FTE ÷ (external FTE + headcount at the end).
    pub external_share: Option<f64>,
    /// Contract staff ÷ headcount at the end, when every return says.
    pub contract_share: Option<f64>,
    /// External IT spend (euros) per agent at the end, when every return says.
    pub external_spend_per_agent: Option<f64>,
    /// Mean of the reported median days to fill a position, weighted by the
    /// entries of each return (a median of medians cannot be computed).
    pub days_to_fill: Option<f64>,
}

/// The rates of the sum of `returns` (counts are added before dividing, so a
/// large site weighs more than a small one).
pub fn rates<'a>(returns: impl IntoIterator<Item = &'a HrReturn>) -> Rates {
    let mut sums = RateSums::default();
    for r in returns {
        sums.add(r);
    }
    sums.rates()
}

/// The sums [`rates`] divides, added one return at a time: a report can
/// keep the sums of each group instead of the group's returns (issue #11).
/// Returns added in the same order give the same rates to the last bit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateSums {
    start: u64,
    end: u64,
    entries: u64,
    exits: u64,
    vacant: u64,
    external: Option<f64>,
    all_external: bool,
    // Optional figures count only when every return reports them.
    contract: Option<u64>,
    spend: Option<i64>,
    fill_days: f64,
    fill_weight: u64,
}

impl Default for RateSums {
    /// The sums of no return.
    fn default() -> Self {
        RateSums {
            start: 0,
            end: 0,
            entries: 0,
            exits: 0,
            vacant: 0,
            external: None,
            all_external: true,
            contract: Some(0),
            spend: Some(0),
            fill_days: 0.0,
            fill_weight: 0,
        }
    }
}

impl RateSums {
    /// Adds `r`'s counts.
    pub fn add(&mut self, r: &HrReturn) {
        self.contract = self
            .contract
            .zip(r.contract_end)
            .map(|(a, b)| a + u64::from(b));
        self.spend = self.spend.zip(r.external_spend).map(|(a, b)| a + b.0);
        if let Some(d) = r.median_days_to_fill {
            self.fill_days += f64::from(d) * f64::from(r.entries);
            self.fill_weight += u64::from(r.entries);
        }
        self.start += u64::from(r.headcount_start);
        self.end += u64::from(r.headcount_end);
        self.entries += u64::from(r.entries);
        self.exits += u64::from(r.exits);
        self.vacant += u64::from(r.vacant_end);
        match r.external_fte {
            Some(x) => *self.external.get_or_insert(0.0) += x,
            None => self.all_external = false,
        }
    }

    /// The rates of the returns added.
    pub fn rates(&self) -> Rates {
        let RateSums {
            start,
            end,
            entries,
            exits,
            vacant,
            external,
            all_external,
            contract,
            spend,
            fill_days,
            fill_weight,
        } = *self;
        let average = (start + end) as f64 / 2.0;
        let per = |n: u64, d: f64| (d > 0.0).then(|| n as f64 / d);
        let entry_rate = per(entries, average);
        let exit_rate = per(exits, average);
        // External share only when every return reports it: a partial sum would
        // understate it.
        let external = external.filter(|_| all_external);
        Rates {
            average_headcount: average,
            entry_rate,
            exit_rate,
            turnover: entry_rate.zip(exit_rate).map(|(a, b)| (a + b) / 2.0),
            turnover_on_start: per(entries + exits, start as f64 * 2.0),
            vacancy_rate: per(vacant, (end + vacant) as f64),
            external_share: external.and_then(|x| {
                let total = x + end as f64;
                (total > 0.0).then(|| x / total)
            }),
            contract_share: contract.and_then(|c| per(c, end as f64)),
            external_spend_per_agent: spend.and_then(|s| (end > 0).then(|| s as f64 / end as f64)),
            days_to_fill: (fill_weight > 0).then(|| fill_days / fill_weight as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::OrgId;
    use crate::money::Euros;
    use crate::talent::hr_return::ExitReasons;

    fn r(
        start: u32,
        end: u32,
        entries: u32,
        exits: u32,
        vacant: u32,
        external: Option<f64>,
    ) -> HrReturn {
        HrReturn {
            organisation_id: OrgId(1),
            region: "Île-de-France".into(),
            period: "2024".into(),
            headcount_start: start,
            headcount_end: end,
            contract_start: None,
            contract_end: Some(end / 2),
            entries,
            exits,
            exit_reasons: ExitReasons::default(),
            positions_opened: vacant + entries,
            vacant_end: vacant,
            median_days_to_fill: None,
            external_fte: external,
            external_spend: None,
        }
    }

    #[test]
    fn dgafp_rates_on_the_average_headcount() {
        // 100 → 110: average 105; 20 entries, 10 exits.
        let x = rates(&[r(100, 110, 20, 10, 12, Some(40.0))]);
        assert_eq!(x.average_headcount, 105.0);
        assert!((x.entry_rate.unwrap() - 20.0 / 105.0).abs() < 1e-12);
        assert!((x.turnover.unwrap() - 15.0 / 105.0).abs() < 1e-12);
        // The textbook variant on the start headcount: (20+10)/2/100.
        assert_eq!(x.turnover_on_start, Some(0.15));
        assert_eq!(x.vacancy_rate, Some(12.0 / 122.0));
        assert_eq!(x.external_share, Some(40.0 / 150.0));
    }

    #[test]
    fn sums_weigh_sites_by_size_and_missing_outsourcing_is_unknown() {
        let x = rates(&[
            r(100, 100, 10, 10, 0, Some(10.0)),
            r(10, 10, 10, 10, 0, None),
        ]);
        assert!((x.turnover.unwrap() - 20.0 / 110.0).abs() < 1e-12);
        assert_eq!(x.external_share, None);
        assert_eq!(x.contract_share, Some(55.0 / 110.0));
        let empty = rates(&[]);
        assert_eq!((empty.turnover, empty.vacancy_rate), (None, None));
    }

    #[test]
    fn optional_figures_need_every_return() {
        let mut a = r(100, 100, 10, 10, 0, None);
        a.median_days_to_fill = Some(60);
        a.external_spend = Some(Euros(1_000_000));
        let mut b = r(50, 50, 30, 30, 0, None);
        b.median_days_to_fill = Some(120);
        b.external_spend = Some(Euros(500_000));
        let x = rates(&[a.clone(), b.clone()]);
        // (60×10 + 120×30) / 40 = 105 days; 1.5 M€ over 150 agents.
        assert_eq!(x.days_to_fill, Some(105.0));
        assert_eq!(x.external_spend_per_agent, Some(10_000.0));
        b.external_spend = None;
        b.contract_end = None;
        let y = rates(&[a, b]);
        assert_eq!((y.external_spend_per_agent, y.contract_share), (None, None));
    }

    proptest! {
        #[test]
        fn turnover_is_the_mean_of_entry_and_exit_rates(
            start in 1u32..1000, end in 1u32..1000, entries in 0u32..500, exits in 0u32..500, vacant in 0u32..100,
        ) {
            let x = rates(&[r(start, end, entries, exits, vacant, None)]);
            let t = x.turnover.unwrap();
            prop_assert!((t - (x.entry_rate.unwrap() + x.exit_rate.unwrap()) / 2.0).abs() < 1e-12);
            prop_assert!((0.0..1.0).contains(&x.vacancy_rate.unwrap()) || vacant == 0);
        }
    }
}
