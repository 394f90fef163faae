//! The digital-talent dashboard: each ministry's rates for a period with
//! their dispersion (box-and-strip chart), trends, the table by region, the
//! alerts, and the link to delivery (turnover against the drift of major
//! projects). Built from the same report as `/api/v1/talents/summary`.

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::response::Response;
use cosinum_domain::talent::dispersion::{Alert, Summary};
use cosinum_domain::talent::rates::Rates;
use serde::Deserialize;

use super::pager::Pager;
use super::{Crumb, Layout, render};
use crate::AppState;
use crate::charts::{self, Series};
use crate::charts_stats::{Strip, box_strip_chart, scatter_chart};
use crate::error::PageError;
use crate::format::number;
use crate::identity::SignedPage;
use crate::talent_report::{MinistryTalent, TalentSummary};

#[derive(Deserialize)]
pub struct DashboardQuery {
    periode: Option<String>,
    ok: Option<String>,
}

/// A ratio as "12,3 %", or "—".
pub(super) fn pct1(v: Option<f64>) -> String {
    v.map_or("—".into(), |r| format!("{} %", number(r * 100.0, 1)))
}

fn alert_label(a: Alert) -> &'static str {
    match a {
        Alert::TurnoverTooHigh => "Rotation trop forte",
        Alert::TurnoverTooLowWithOutsourcing => "Rotation faible et forte externalisation",
    }
}

/// Where a rank falls: the quartile in words.
fn position(rank: Option<f64>) -> String {
    match rank {
        None => "—".into(),
        Some(r) if r < 0.25 => "1er quartile (plus faibles)".into(),
        Some(r) if r < 0.5 => "2e quartile".into(),
        Some(r) if r < 0.75 => "3e quartile".into(),
        Some(_) => "4e quartile (plus forts)".into(),
    }
}

/// One ministry line of the table.
struct MinistryRow {
    code: String,
    name: String,
    headcount: String,
    entry: String,
    exit: String,
    turnover: String,
    change: String,
    vacancy: String,
    external: String,
    contract: String,
    days: String,
    position: String,
    alerts: Vec<&'static str>,
}

fn cells(r: &Rates) -> [String; 7] {
    [
        number(r.average_headcount, 0),
        pct1(r.entry_rate),
        pct1(r.exit_rate),
        pct1(r.turnover),
        pct1(r.vacancy_rate),
        pct1(r.external_share),
        r.days_to_fill
            .map_or("—".into(), |d| format!("{} j", number(d, 0))),
    ]
}

#[derive(Template)]
#[template(path = "talent/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    period: String,
    periods: Vec<(String, bool)>,
    empty: bool,
    key: [String; 7],
    bands: [String; 3],
    alerts: Vec<(String, String, &'static str)>,
    alerts_pager: Pager,
    dispersion_svg: String,
    dispersion: Vec<(&'static str, [String; 5])>,
    ministries: Vec<MinistryRow>,
    ministries_pager: Pager,
    trend_svg: String,
    trend_head: Vec<String>,
    trend_rows: Vec<(String, Vec<String>)>,
    trend_pager: Pager,
    regions: Vec<(String, usize, [String; 7])>,
    delivery_svg: String,
    delivery: Vec<(String, String, String, usize, String, String)>,
    delivery_pager: Pager,
}

/// The pagers of the dashboard's tables of `s` (one line per ministry).
fn pagers(raw: Option<&str>, s: Option<&TalentSummary>) -> [Pager; 4] {
    let path = "/talents";
    let alerts = s.map_or(0, |s| s.by_ministry.iter().map(|m| m.alerts.len()).sum());
    let ministries = s.map_or(0, |s| s.by_ministry.len());
    let delivery = s.map_or(0, |s| s.delivery.len());
    [
        Pager::new(raw, "page_alertes", path, "alertes", "alertes", alerts),
        Pager::new(
            raw,
            "page_ministeres",
            path,
            "par-ministere",
            "ministères",
            ministries,
        ),
        Pager::new(
            raw,
            "page_tendances",
            path,
            "tendances",
            "tendances",
            ministries,
        ),
        Pager::new(
            raw,
            "page_livraison",
            path,
            "livraison",
            "équipes et livraison",
            delivery,
        ),
    ]
}

fn five(s: Option<Summary>) -> Option<[f64; 5]> {
    s.map(|s| [s.min, s.q1, s.median, s.q3, s.max])
}

fn dispersion_chart(s: &TalentSummary) -> String {
    // A dot is red when its ministry is in alert on that indicator.
    let dots = |f: fn(&Rates) -> Option<f64>, alert: &dyn Fn(&MinistryTalent) -> bool| {
        s.by_ministry
            .iter()
            .filter_map(|m| f(&m.rates).map(|v| (m.ministry.clone(), v, alert(m))))
            .collect::<Vec<_>>()
    };
    let b = s.bands;
    let rows = [
        Strip {
            label: "Rotation".into(),
            five: five(s.turnover_dispersion),
            dots: dots(|r| r.turnover, &|m| !m.alerts.is_empty()),
        },
        Strip {
            label: "Vacance".into(),
            five: five(s.vacancy_dispersion),
            dots: dots(|r| r.vacancy_rate, &|_| false),
        },
        Strip {
            label: "Part externe".into(),
            five: five(s.external_dispersion),
            dots: dots(|r| r.external_share, &|m| {
                m.alerts.contains(&Alert::TurnoverTooLowWithOutsourcing)
            }),
        },
    ];
    box_strip_chart(
        "dispersion",
        &format!("Dispersion entre ministères, {}", s.period),
        "Pour chaque indicateur : étendue (trait), premier et troisième quartiles (boîte), médiane (trait épais), et un point par ministère ; en rouge et plus gros, les valeurs hors des seuils d'alerte. Les chiffres sont dans le tableau qui suit.",
        &rows,
        &[
            (
                format!("rotation haute {}", pct1(Some(b.turnover_high))),
                b.turnover_high,
            ),
            (
                format!("basse {}", pct1(Some(b.turnover_low))),
                b.turnover_low,
            ),
        ],
        |v| format!("{} %", number(v * 100.0, 0)),
    )
}

/// The periods of the ministries' trends, oldest first.
fn periods_of(s: &TalentSummary) -> Vec<String> {
    s.by_ministry
        .iter()
        .flat_map(|m| m.trend.iter().map(|t| t.period.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn trend_chart(s: &TalentSummary) -> String {
    // The ministries in alert (or all, when none is), and the ones shown.
    let mut chosen: Vec<_> = s
        .by_ministry
        .iter()
        .filter(|m| !m.alerts.is_empty())
        .collect();
    if chosen.is_empty() {
        chosen = s.by_ministry.iter().collect();
    }
    let labels = periods_of(s);
    let series: Vec<Series> = chosen
        .iter()
        .take(6)
        .map(|m| Series {
            label: m.ministry.clone(),
            points: m
                .trend
                .iter()
                .filter_map(|t| {
                    let i = labels.iter().position(|p| *p == t.period)?;
                    t.turnover.map(|v| (i as f64, v))
                })
                .collect(),
        })
        .collect();
    charts::category_line_chart(
        "tendance",
        "Évolution du taux de rotation",
        "Taux de rotation par période des ministères en alerte ; le tableau qui suit donne ces valeurs pour chaque ministère.",
        &series,
        &labels,
        |y| format!("{} %", number(y * 100.0, 0)),
    )
}

pub async fn dashboard(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<DashboardQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let period = q.periode.as_deref().filter(|p| !p.is_empty());
    let layout = Layout::new(
        &page.ctx,
        "Talents du numérique",
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::here("Talents du numérique"),
        ],
    )
    .with_notice(q.ok.as_deref());
    let s = match crate::api::talent::load_configured(&state, page.actor(), period).await {
        Ok(s) => s,
        Err(crate::error::AppError::NotFound) if period.is_none() => {
            let [alerts_pager, ministries_pager, trend_pager, delivery_pager] = pagers(None, None);
            return render(&DashboardPage {
                layout,
                period: String::new(),
                periods: vec![],
                empty: true,
                key: Default::default(),
                bands: Default::default(),
                alerts: vec![],
                alerts_pager,
                dispersion_svg: String::new(),
                dispersion: vec![],
                ministries: vec![],
                ministries_pager,
                trend_svg: String::new(),
                trend_head: vec![],
                trend_rows: vec![],
                trend_pager,
                regions: vec![],
                delivery_svg: String::new(),
                delivery: vec![],
                delivery_pager,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let [alerts_pager, ministries_pager, trend_pager, delivery_pager] =
        pagers(raw.as_deref(), Some(&s));
    let o = &s.overall;
    let trend_head = periods_of(&s);
    let show = |x: Option<Summary>| {
        x.map_or_else(
            || std::array::from_fn(|_| "—".to_owned()),
            |s| [s.min, s.q1, s.median, s.q3, s.max].map(|v| pct1(Some(v))),
        )
    };
    let view = DashboardPage {
        layout,
        periods: s
            .periods
            .iter()
            .map(|p| (p.clone(), *p == s.period))
            .collect(),
        empty: false,
        key: [
            pct1(o.turnover),
            pct1(o.vacancy_rate),
            pct1(o.external_share),
            o.days_to_fill
                .map_or("—".into(), |d| format!("{} jours", number(d, 0))),
            number(o.average_headcount, 0),
            pct1(o.contract_share),
            s.by_ministry
                .iter()
                .filter(|m| !m.alerts.is_empty())
                .count()
                .to_string(),
        ],
        bands: [
            pct1(Some(s.bands.turnover_high)),
            pct1(Some(s.bands.turnover_low)),
            pct1(Some(s.bands.external_high)),
        ],
        alerts: s
            .by_ministry
            .iter()
            .flat_map(|m| m.alerts.iter().map(move |a| (m, a)))
            .skip(alerts_pager.range().start)
            .take(alerts_pager.range().len())
            .map(|(m, a)| {
                (
                    m.ministry.clone(),
                    format!(
                        "rotation {}, part externe {}",
                        pct1(m.rates.turnover),
                        pct1(m.rates.external_share)
                    ),
                    alert_label(*a),
                )
            })
            .collect(),
        alerts_pager,
        dispersion_svg: dispersion_chart(&s),
        dispersion: vec![
            ("Rotation", show(s.turnover_dispersion)),
            ("Vacance", show(s.vacancy_dispersion)),
            ("Part externe", show(s.external_dispersion)),
        ],
        ministries: s.by_ministry[ministries_pager.range()]
            .iter()
            .map(|m| {
                let [headcount, entry, exit, turnover, vacancy, external, days] = cells(&m.rates);
                MinistryRow {
                    code: m.ministry.clone(),
                    name: m.ministry_name.clone(),
                    headcount,
                    entry,
                    exit,
                    turnover,
                    change: m.turnover_change.map_or("—".into(), |c| {
                        format!(
                            "{}{} pt",
                            if c >= 0.0 { "+" } else { "" },
                            number(c * 100.0, 1)
                        )
                    }),
                    vacancy,
                    external,
                    contract: pct1(m.rates.contract_share),
                    days,
                    position: position(m.turnover_rank),
                    alerts: m
                        .alerts
                        .iter()
                        .map(|a| match a {
                            Alert::TurnoverTooHigh => "Rotation forte",
                            Alert::TurnoverTooLowWithOutsourcing => "Rotation faible",
                        })
                        .collect(),
                }
            })
            .collect(),
        ministries_pager,
        trend_svg: trend_chart(&s),
        trend_rows: s.by_ministry[trend_pager.range()]
            .iter()
            .map(|m| {
                let values = trend_head
                    .iter()
                    .map(|p| {
                        pct1(
                            m.trend
                                .iter()
                                .find(|t| t.period == *p)
                                .and_then(|t| t.turnover),
                        )
                    })
                    .collect();
                (m.ministry.clone(), values)
            })
            .collect(),
        trend_head,
        trend_pager,
        regions: s
            .by_region
            .iter()
            .map(|r| (r.region.clone(), r.ministries, cells(&r.rates)))
            .collect(),
        delivery_svg: scatter_chart(
            "livraison",
            &format!(
                "Rotation des équipes et dérive calendaire des grands projets, {}",
                s.period
            ),
            "Un point par ministère : en abscisse son taux de rotation, en ordonnée l'écart calendaire moyen de ses grands projets à la fin de la période. Les chiffres sont dans le tableau qui suit.",
            &s.delivery
                .iter()
                .filter_map(|d| {
                    d.turnover
                        .zip(d.mean_calendar_drift)
                        .map(|(t, c)| (d.ministry.clone(), t, c))
                })
                .collect::<Vec<_>>(),
            "Taux de rotation",
            "Écart calendaire moyen",
            |x| format!("{} %", number(x * 100.0, 0)),
            |y| format!("{} %", number(y * 100.0, 0)),
        ),
        delivery: s.delivery[delivery_pager.range()]
            .iter()
            .map(|d| {
                (
                    d.ministry.clone(),
                    pct1(d.turnover),
                    pct1(d.vacancy_rate),
                    d.projects,
                    crate::format::pct(d.mean_budget_drift),
                    crate::format::pct(d.mean_calendar_drift),
                )
            })
            .collect(),
        delivery_pager,
        period: s.period.clone(),
    };
    render(&view)
}
