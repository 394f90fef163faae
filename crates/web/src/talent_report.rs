//! The digital-talent report of a period: rates per ministry and region,
//! their trend, their dispersion across ministries with each ministry's
//! position and alerts, and the link to delivery (turnover and vacancy
//! against the drift of the ministry's major projects). One function builds
//! it for the API and the dashboard, so they always agree (CTR §B).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cosinum_domain::OrgId;
use cosinum_domain::organisation::Organisation;
use cosinum_domain::talent::dispersion::{Alert, Bands, Summary, alerts, percentile_rank, summary};
use cosinum_domain::talent::hr_return::{HrReturn, Period};
use cosinum_domain::talent::rates::{RateSums, Rates};
use serde::Serialize;
use utoipa::ToSchema;

use crate::portfolio::PortfolioReport;

/// One period of a ministry's trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    pub period: String,
    pub turnover: Option<f64>,
    pub vacancy_rate: Option<f64>,
    pub external_share: Option<f64>,
}

/// A ministry's figures for the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MinistryTalent {
    pub ministry: String,
    pub ministry_name: String,
    #[schema(value_type = Object)]
    pub rates: Rates,
    /// Share of all ministries with a strictly lower turnover (0–1).
    pub turnover_rank: Option<f64>,
    #[schema(value_type = Vec<String>)]
    pub alerts: Vec<Alert>,
    /// Turnover change since the previous period of the same kind, in points (0.02 = +2 pts).
    pub turnover_change: Option<f64>,
    /// Every period of the same kind (years or semesters), oldest first.
    pub trend: Vec<TrendPoint>,
}

/// A region's figures, all visible ministries together.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionTalent {
    pub region: String,
    pub ministries: usize,
    #[schema(value_type = Object)]
    pub rates: Rates,
}

/// A ministry's staff figures against the drift of its major projects at
/// the end of the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryPoint {
    pub ministry: String,
    pub turnover: Option<f64>,
    pub vacancy_rate: Option<f64>,
    /// Major projects in the portfolio at the end of the period.
    pub projects: usize,
    /// Unweighted means of per-project drifts (DINUM method).
    pub mean_budget_drift: Option<f64>,
    pub mean_calendar_drift: Option<f64>,
}

/// The report of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TalentSummary {
    pub period: String,
    /// Every period with returns, newest first.
    pub periods: Vec<String>,
    #[schema(value_type = Object)]
    pub overall: Rates,
    pub by_ministry: Vec<MinistryTalent>,
    pub by_region: Vec<RegionTalent>,
    /// Dispersion across all ministries (anonymous aggregates: a ministry
    /// sees where it stands without seeing the others' names).
    #[schema(value_type = Object)]
    pub turnover_dispersion: Option<Summary>,
    #[schema(value_type = Object)]
    pub vacancy_dispersion: Option<Summary>,
    #[schema(value_type = Object)]
    pub external_dispersion: Option<Summary>,
    #[schema(value_type = Object)]
    pub bands: Bands,
    pub delivery: Vec<DeliveryPoint>,
}

fn same_kind(a: Period, b: Period) -> bool {
    matches!(
        (a, b),
        (Period::Year(_), Period::Year(_)) | (Period::Semester(_), Period::Semester(_))
    )
}

/// Builds the report of `period` (default: the latest) from every return;
/// names and figures only for the ministries `visible` accepts, dispersion
/// over all. `None` when there is no return for the period. Its `delivery`
/// is empty: [`TalentSummary::with_delivery`] adds it from the portfolio at the period's
/// end (computed apart, so the returns and the portfolio's inputs need not
/// be in memory together).
pub fn build(
    all: &[HrReturn],
    orgs: &[Organisation],
    period: Option<&str>,
    visible: impl Fn(OrgId) -> bool,
    bands: Bands,
) -> Option<TalentSummary> {
    let mut tally = Tally::new(visible);
    for r in all {
        tally.add(r);
    }
    tally.summary(orgs, period, bands)
}

/// What a summary is computed from, summed return by return, so the
/// returns need not be held: at N=1000 their 144,000 (24 MiB), held beside
/// the summary's build, made the talent dashboard's first load the
/// server's peak (issue #11). Returns added in the order they are listed
/// (by period, ministry and region) give the figures
/// [`cosinum_domain::talent::rates::rates`] gives over the same returns, to
/// the last bit.
pub struct Tally<V> {
    /// Whose figures are shown: overall and by region, over these only.
    visible: V,
    /// Every period with returns.
    periods: BTreeSet<Period>,
    /// Per ministry and period, every ministry (the dispersion is over all).
    ministries: BTreeMap<(OrgId, Period), RateSums>,
    /// Per period, over the visible ministries.
    overall: BTreeMap<Period, RateSums>,
    /// Per period and region, over the visible ministries, with them.
    regions: BTreeMap<Period, BTreeMap<String, (RateSums, BTreeSet<OrgId>)>>,
}

impl<V: Fn(OrgId) -> bool> Tally<V> {
    pub fn new(visible: V) -> Self {
        Tally {
            visible,
            periods: BTreeSet::new(),
            ministries: BTreeMap::new(),
            overall: BTreeMap::new(),
            regions: BTreeMap::new(),
        }
    }

    /// Adds one return (one whose period is not a period counts nowhere).
    pub fn add(&mut self, r: &HrReturn) {
        let Some(period) = Period::parse(&r.period) else {
            return;
        };
        self.periods.insert(period);
        let org = r.organisation_id;
        self.ministries.entry((org, period)).or_default().add(r);
        if !(self.visible)(org) {
            return;
        }
        self.overall.entry(period).or_default().add(r);
        let regions = self.regions.entry(period).or_default();
        let region = match regions.get_mut(r.region.as_str()) {
            Some(region) => region,
            None => regions.entry(r.region.clone()).or_default(),
        };
        region.0.add(r);
        region.1.insert(org);
    }

    /// The report of `period` (default: the latest); `None` when no return
    /// is of that period.
    pub fn summary(
        mut self,
        orgs: &[Organisation],
        period: Option<&str>,
        bands: Bands,
    ) -> Option<TalentSummary> {
        let period = match period {
            Some(p) => Period::parse(p)?,
            None => *self.periods.last()?,
        };
        let code = period.code();
        let all_rates: Vec<(OrgId, Rates)> = self
            .ministries
            .iter()
            .filter(|((_, p), _)| *p == period)
            .map(|((o, _), sums)| (*o, sums.rates()))
            .collect();
        if all_rates.is_empty() {
            return None;
        }
        let column = |f: fn(&Rates) -> Option<f64>| {
            all_rates
                .iter()
                .filter_map(|(_, r)| f(r))
                .collect::<Vec<f64>>()
        };
        let turnovers = column(|r| r.turnover);
        let of_kind: Vec<Period> = self
            .periods
            .iter()
            .copied()
            .filter(|p| same_kind(*p, period) && *p <= period)
            .collect();
        let trend_of = |org: OrgId| -> Vec<TrendPoint> {
            of_kind
                .iter()
                .filter_map(|p| {
                    // A ministry without a return that period has no point.
                    let x = self.ministries.get(&(org, *p))?.rates();
                    Some(TrendPoint {
                        period: p.code(),
                        turnover: x.turnover,
                        vacancy_rate: x.vacancy_rate,
                        external_share: x.external_share,
                    })
                })
                .collect()
        };
        // By id through a map: a scan of the organisations per ministry is
        // quadratic (12,000 ministries with returns among 34,000 organisations
        // at scale).
        let org_of: HashMap<OrgId, &Organisation> = orgs.iter().map(|o| (o.id, o)).collect();
        let code_of = |id: OrgId| {
            org_of.get(&id).map_or_else(
                || (id.to_string(), id.to_string()),
                |o| (o.code.clone(), o.name.clone()),
            )
        };
        let mut by_ministry: Vec<MinistryTalent> = all_rates
            .iter()
            .filter(|(o, _)| (self.visible)(*o))
            .map(|(o, r)| {
                let trend = trend_of(*o);
                let previous = trend.iter().rev().nth(1).and_then(|t| t.turnover);
                let (ministry, ministry_name) = code_of(*o);
                MinistryTalent {
                    ministry,
                    ministry_name,
                    rates: *r,
                    turnover_rank: r.turnover.and_then(|t| percentile_rank(&turnovers, t)),
                    alerts: alerts(r.turnover, r.external_share, &bands),
                    turnover_change: r.turnover.zip(previous).map(|(a, b)| a - b),
                    trend,
                }
            })
            .collect();
        by_ministry.sort_by(|a, b| a.ministry.cmp(&b.ministry));
        let by_region = self
            .regions
            .remove(&period)
            .unwrap_or_default()
            .into_iter()
            .map(|(region, (sums, ministries))| RegionTalent {
                region,
                ministries: ministries.len(),
                rates: sums.rates(),
            })
            .collect();
        Some(TalentSummary {
            periods: self.periods.iter().rev().map(|p| p.code()).collect(),
            overall: self
                .overall
                .get(&period)
                .copied()
                .unwrap_or_default()
                .rates(),
            turnover_dispersion: summary(&turnovers),
            vacancy_dispersion: summary(&column(|r| r.vacancy_rate)),
            external_dispersion: summary(&column(|r| r.external_share)),
            by_ministry,
            by_region,
            bands,
            delivery: Vec::new(),
            period: code,
        })
    }
}

impl TalentSummary {
    /// The last day of the summary's period: the portfolio [`Self::with_delivery`]
    /// takes is the one of that day.
    pub fn period_end(&self) -> Option<time::Date> {
        Period::parse(&self.period).map(Period::end)
    }

    /// The summary with its link to delivery: each listed ministry's
    /// turnover and vacancy beside its projects' drifts in `portfolio`, the
    /// DINUM-method report at [`Self::period_end`] over the same ministries.
    pub fn with_delivery(mut self, portfolio: &PortfolioReport) -> Self {
        let groups: HashMap<&str, _> = portfolio
            .by_ministry
            .iter()
            .map(|g| (g.key.as_str(), g))
            .collect();
        self.delivery = self
            .by_ministry
            .iter()
            .map(|m| {
                let g = groups.get(m.ministry.as_str()).copied();
                DeliveryPoint {
                    ministry: m.ministry.clone(),
                    turnover: m.rates.turnover,
                    vacancy_rate: m.rates.vacancy_rate,
                    projects: g.map_or(0, |g| g.figures.projects),
                    mean_budget_drift: g.and_then(|g| g.figures.mean_budget_drift),
                    mean_calendar_drift: g.and_then(|g| g.figures.mean_calendar_drift),
                }
            })
            .collect();
        self
    }
}

#[cfg(test)]
mod tests {
    use cosinum_domain::talent::hr_return::ExitReasons;
    use cosinum_domain::talent::rates::rates;

    use super::*;

    fn ret(org: i64, region: &str, period: &str, end: u32, exits: u32, fte: f64) -> HrReturn {
        HrReturn {
            organisation_id: OrgId(org),
            region: region.into(),
            period: period.into(),
            headcount_start: 100,
            headcount_end: end,
            contract_start: None,
            contract_end: Some(end / 3),
            entries: 7,
            exits,
            exit_reasons: ExitReasons::default(),
            positions_opened: 9,
            vacant_end: 3,
            median_days_to_fill: Some(40 + exits),
            external_fte: Some(fte),
            external_spend: None,
        }
    }

    fn org(id: i64) -> Organisation {
        crate::fixtures::ministry(id, &format!("M{id}"))
    }

    /// The sums kept per ministry, period and region give the rates of the
    /// returns of each group, read as they are listed (by period, ministry,
    /// region); the ministries not shown still count in the dispersion.
    #[test]
    fn the_summary_of_the_sums_is_the_rates_of_each_group() {
        let all = vec![
            ret(1, "Bretagne", "2023", 98, 11, 4.5),
            ret(1, "Occitanie", "2023", 120, 9, 2.25),
            ret(2, "Bretagne", "2023", 90, 15, 1.0),
            ret(1, "Bretagne", "2024", 104, 6, 3.75),
            ret(1, "Occitanie", "2024", 131, 13, 0.5),
            ret(2, "Bretagne", "2024", 87, 21, 6.0),
            ret(3, "Occitanie", "2024", 110, 4, 2.0),
        ];
        let orgs = [org(1), org(2), org(3)];
        let shown = |o: OrgId| o != OrgId(3);
        let s = build(&all, &orgs, None, shown, Bands::default()).unwrap();
        let of = |keep: &dyn Fn(&HrReturn) -> bool| rates(all.iter().filter(|r| keep(r)));
        assert_eq!(s.period, "2024");
        assert_eq!(s.periods, ["2024", "2023"]);
        assert_eq!(
            s.overall,
            of(&|r| r.period == "2024" && r.organisation_id != OrgId(3))
        );
        let m1 = &s.by_ministry[0];
        assert_eq!((m1.ministry.as_str(), s.by_ministry.len()), ("M1", 2));
        assert_eq!(
            m1.rates,
            of(&|r| r.period == "2024" && r.organisation_id == OrgId(1))
        );
        let before = of(&|r| r.period == "2023" && r.organisation_id == OrgId(1));
        assert_eq!(m1.trend[0].turnover, before.turnover);
        assert_eq!(
            m1.turnover_change,
            Some(m1.rates.turnover.unwrap() - before.turnover.unwrap())
        );
        let bretagne = &s.by_region[0];
        assert_eq!(
            (bretagne.region.as_str(), bretagne.ministries),
            ("Bretagne", 2)
        );
        assert_eq!(
            bretagne.rates,
            of(&|r| r.period == "2024" && r.region == "Bretagne")
        );
        // Occitanie without ministry 3, not shown.
        assert_eq!(s.by_region[1].ministries, 1);
        assert_eq!(
            s.by_region[1].rates,
            of(&|r| r.period == "2024" && r.region == "Occitanie" && r.organisation_id == OrgId(1))
        );
        // The dispersion is over the three ministries.
        assert_eq!(s.turnover_dispersion.unwrap().count, 3);
        assert!(build(&all, &orgs, Some("2022"), shown, Bands::default()).is_none());
    }
}
