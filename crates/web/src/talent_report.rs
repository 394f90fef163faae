//! The digital-talent report of a period: rates per ministry and region,
//! their trend, their dispersion across ministries with each ministry's
//! position and alerts, and the link to delivery (turnover and vacancy
//! against the drift of the ministry's major projects). One function builds
//! it for the API and the dashboard, so they always agree (CTR §B).

use std::collections::{BTreeMap, HashMap};

use cosinum_domain::OrgId;
use cosinum_domain::organisation::Organisation;
use cosinum_domain::talent::dispersion::{Alert, Bands, Summary, alerts, percentile_rank, summary};
use cosinum_domain::talent::hr_return::{HrReturn, Period};
use cosinum_domain::talent::rates::{Rates, rates};
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
    let mut periods: Vec<Period> = all
        .iter()
        .filter_map(|r| Period::parse(&r.period))
        .collect();
    periods.sort();
    periods.dedup();
    let period = match period {
        Some(p) => Period::parse(p)?,
        None => *periods.last()?,
    };
    let code = period.code();
    let mut per_ministry: BTreeMap<OrgId, Vec<&HrReturn>> = BTreeMap::new();
    for r in all.iter().filter(|r| r.period == code) {
        per_ministry.entry(r.organisation_id).or_default().push(r);
    }
    if per_ministry.is_empty() {
        return None;
    }
    let all_rates: Vec<(OrgId, Rates)> = per_ministry
        .iter()
        .map(|(o, rs)| (*o, rates(rs.iter().copied())))
        .collect();
    let column = |f: fn(&Rates) -> Option<f64>| {
        all_rates
            .iter()
            .filter_map(|(_, r)| f(r))
            .collect::<Vec<f64>>()
    };
    let turnovers = column(|r| r.turnover);
    let of_kind: Vec<Period> = periods
        .iter()
        .copied()
        .filter(|p| same_kind(*p, period) && *p <= period)
        .collect();
    // Returns by ministry and period, gathered once: each ministry's trend
    // then reads its own (a scan of every return per ministry and period is
    // quadratic in the number of ministries).
    let mut by_org_period: HashMap<(OrgId, &str), Vec<&HrReturn>> = HashMap::new();
    for r in all {
        by_org_period
            .entry((r.organisation_id, r.period.as_str()))
            .or_default()
            .push(r);
    }
    let trend_of = |org: OrgId| -> Vec<TrendPoint> {
        of_kind
            .iter()
            .filter_map(|p| {
                let c = p.code();
                // A ministry without a return that period has no point (and
                // the map holds no empty list).
                let x = rates(by_org_period.get(&(org, c.as_str()))?.iter().copied());
                Some(TrendPoint {
                    period: c,
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
        .filter(|(o, _)| visible(*o))
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
    let seen: Vec<&HrReturn> = per_ministry
        .iter()
        .filter(|(o, _)| visible(**o))
        .flat_map(|(_, rs)| rs.iter().copied())
        .collect();
    let mut per_region: BTreeMap<&str, Vec<&HrReturn>> = BTreeMap::new();
    for r in &seen {
        per_region.entry(r.region.as_str()).or_default().push(r);
    }
    let by_region = per_region
        .into_iter()
        .map(|(region, rs)| {
            let mut ministries: Vec<OrgId> = rs.iter().map(|r| r.organisation_id).collect();
            ministries.sort();
            ministries.dedup();
            RegionTalent {
                region: region.to_owned(),
                ministries: ministries.len(),
                rates: rates(rs),
            }
        })
        .collect();
    Some(TalentSummary {
        periods: periods.iter().rev().map(|p| p.code()).collect(),
        overall: rates(seen),
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
