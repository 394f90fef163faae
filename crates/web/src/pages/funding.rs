//! The funding dashboard: a fund as of a date — envelope, decisions, AE
//! engaged and CP paid over time, per window and per ministry, the
//! applications whose payments lag — and a ministry's portfolio with its
//! capacity.

use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::Response;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::funding::report::Figures;
use cosinum_domain::money::Euros;
use serde::Deserialize;

use super::organisations::SelectOption;
use super::pager::Pager;
use super::{Crumb, Layout, NoticeQuery, fr_date, render};
use crate::AppState;
use crate::api::funding::{application_resource, report_for};
use crate::api::funding_applications::{ListParams, dtos};
use crate::api::funding_capacity::ministry_loads;
use crate::charts::{self, Series};
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;

/// "12,3 M€".
pub(super) fn meur(e: Euros) -> String {
    format!("{} M€", number(e.meur(), 1))
}

pub(super) fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |r| format!("{} %", number(r * 100.0, 0)))
}

fn parse_day(s: Option<&str>) -> Result<Option<time::Date>, PageError> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("Date invalide : {s}")).into()),
    }
}

#[derive(Deserialize)]
pub struct DashboardQuery {
    fonds: Option<String>,
    date: Option<String>,
    /// Confirmation after a redirect.
    ok: Option<String>,
}

struct Tile {
    label: &'static str,
    value: String,
    detail: String,
}

/// One row of a figures table: name, link, then the cells.
struct Row {
    name: String,
    href: String,
    cells: Vec<String>,
}

fn row(name: String, href: String, f: &Figures) -> Row {
    let d = &f.decisions;
    let c = &f.consumption;
    Row {
        name,
        href,
        cells: vec![
            d.applications.to_string(),
            d.pending.to_string(),
            pct(d.decision_rate),
            d.median_days
                .map_or("—".into(), |m| format!("{} j", number(m, 0))),
            meur(d.granted_amount),
            pct(c.engaged_rate),
            pct(c.paid_rate),
            meur(c.restes_a_payer),
        ],
    }
}

#[derive(Template)]
#[template(path = "funding/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    funds: Vec<SelectOption>,
    fund_code: String,
    fund_name: String,
    programme: String,
    as_of: String,
    as_of_fr: String,
    tiles: Vec<Tile>,
    curve_svg: String,
    curve_rows: Vec<(String, String, String, String)>,
    windows: Vec<Row>,
    windows_pager: Pager,
    ministries: Vec<Row>,
    ministries_pager: Pager,
    semesters: Vec<Row>,
    lagging: Vec<(i64, String, String, String, String, String)>,
    lagging_pager: Pager,
    can_file: bool,
}

pub async fn dashboard(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<DashboardQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let raw = raw.as_deref();
    let as_of =
        parse_day(q.date.as_deref())?.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let shared = report_for(
        &state,
        page.actor(),
        q.fonds.as_deref().filter(|s| !s.is_empty()),
        as_of,
    )
    .await?;
    let (fund, windows, r) = &*shared;
    let orgs = state.organisations(true).await?;
    let code = |id: cosinum_domain::OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.code.clone())
    };
    let d = &r.overall.decisions;
    let c = &r.overall.consumption;
    let tiles = vec![
        Tile {
            label: "Enveloppe (AE)",
            value: meur(r.envelope),
            detail: format!("dont {} accordés", pct(r.envelope_granted_rate)),
        },
        Tile {
            label: "Dossiers",
            value: d.applications.to_string(),
            detail: format!(
                "{} retenus, {} rejetés, {} en attente, {} retirés",
                d.granted, d.rejected, d.pending, d.withdrawn
            ),
        },
        Tile {
            label: "Taux de sélection",
            value: pct(d.decision_rate),
            detail: format!(
                "retenus ÷ décidés ; montants accordés ÷ demandés : {}",
                pct(d.amount_rate)
            ),
        },
        Tile {
            label: "Délai de décision",
            value: d
                .median_days
                .map_or("—".into(), |m| format!("{} j", number(m, 0))),
            detail: format!(
                "médiane ; cible {} j, tenue pour {}",
                fund.decision_target_days,
                pct(d.within_target)
            ),
        },
        Tile {
            label: "AE engagées / CP payés",
            value: format!("{} / {}", pct(c.engaged_rate), pct(c.paid_rate)),
            detail: format!(
                "{} engagés, {} payés, sur {} accordés",
                meur(c.engaged),
                meur(c.paid),
                meur(c.granted)
            ),
        },
        Tile {
            label: "Restes à payer",
            value: meur(c.restes_a_payer),
            detail: format!(
                "AE engagées non couvertes par des CP ; CP payés fin {} au rythme actuel : {}",
                as_of.year(),
                meur(r.paid_forecast_year_end)
            ),
        },
    ];
    let x = |d: time::Date| f64::from(d.to_julian_day());
    let series =
        |label: &str, f: &dyn Fn(&cosinum_domain::funding::report::MonthPoint) -> Euros| Series {
            label: label.into(),
            points: r
                .curve
                .iter()
                .map(|p| (x(p.month_end), f(p).meur()))
                .collect(),
        };
    let curve_svg = charts::line_chart(
        "consommation",
        "Montants accordés, AE engagées et CP payés, cumulés",
        "Cumul en fin de mois des montants accordés, des autorisations d'engagement engagées et des crédits de paiement payés, en millions d'euros.",
        &[
            series("Accordé (M€)", &|p| p.granted),
            series("AE engagées (M€)", &|p| p.engaged),
            series("CP payés (M€)", &|p| p.paid),
        ],
        |v| {
            time::Date::from_julian_day(v.round() as i32).map_or_else(
                |_| String::new(),
                |d| format!("{:02}/{}", u8::from(d.month()), d.year()),
            )
        },
        |v| format!("{} M€", number(v, 0)),
    );
    // The data table keeps one line per quarter end, and the last month.
    let curve_rows = r
        .curve
        .iter()
        .enumerate()
        .filter(|(i, p)| u8::from(p.month_end.month()) % 3 == 0 || *i + 1 == r.curve.len())
        .map(|(_, p)| {
            (
                fr_date(p.month_end),
                meur(p.granted),
                meur(p.engaged),
                meur(p.paid),
            )
        })
        .collect();
    let fund_q = format!("fonds={}&date={as_of}", fund.code);
    // Each long table turns with a parameter of its own.
    let pager =
        |param, anchor, label, total| Pager::new(raw, param, "/financements", anchor, label, total);
    let windows_pager = pager(
        "page_guichets",
        "par-guichet",
        "guichets",
        r.by_window.len(),
    );
    let window_rows = r.by_window[windows_pager.range()]
        .iter()
        .map(|(w, f)| {
            let theme = windows
                .iter()
                .find(|x| &x.code == w)
                .map_or("", |x| x.theme.as_str());
            row(format!("{w} — {theme}"), String::new(), f)
        })
        .collect();
    let ministries_pager = pager(
        "page_ministeres",
        "par-ministere",
        "ministères",
        r.by_ministry.len(),
    );
    let ministries = r.by_ministry[ministries_pager.range()]
        .iter()
        .map(|(id, f)| {
            let c = code(*id);
            let href = format!("/financements/ministeres/{c}?{fund_q}");
            row(c, href, f)
        })
        .collect();
    let semesters = r
        .by_semester
        .iter()
        .map(|(s, f)| row(s.to_string(), String::new(), f))
        .collect();
    let mut lagging: Vec<_> = r.lagging.iter().collect();
    lagging.sort_by(|a, b| b.lag.gap.total_cmp(&a.lag.gap));
    let lagging_pager = pager(
        "page_retards",
        "retards",
        "dossiers en retard",
        lagging.len(),
    );
    let lagging = lagging_pager
        .take(lagging)
        .into_iter()
        .map(|l| {
            (
                l.application_id,
                l.title.clone(),
                code(l.organisation_id),
                meur(l.granted),
                pct(Some(l.lag.expected)),
                pct(Some(l.lag.actual)),
            )
        })
        .collect();
    let funds = cosinum_store::funding::funds(&state.db)
        .await?
        .into_iter()
        .rev()
        .map(|f| SelectOption {
            selected: f.id == fund.id,
            label: format!("{} — {}", f.code, f.name),
            value: f.code,
        })
        .collect();
    let can_file = orgs.iter().any(|o| {
        allows(
            Some(page.actor()),
            Access::Write,
            &application_resource(o.id),
        )
    });
    render(&DashboardPage {
        layout: Layout::new(
            &page.ctx,
            "Financements",
            vec![Crumb::link("Accueil", "/"), Crumb::here("Financements")],
        )
        .with_notice(q.ok.as_deref()),
        funds,
        fund_code: fund.code.clone(),
        fund_name: fund.name.clone(),
        programme: fund.programme.clone(),
        as_of: as_of.to_string(),
        as_of_fr: fr_date(as_of),
        tiles,
        curve_svg,
        curve_rows,
        windows: window_rows,
        windows_pager,
        ministries,
        ministries_pager,
        semesters,
        lagging,
        lagging_pager,
        can_file,
    })
}

/// An application in a ministry's portfolio, formatted.
struct AppLine {
    id: i64,
    title: String,
    window: String,
    status: String,
    requested: String,
    granted: String,
    engaged: String,
    paid: String,
}

#[derive(Template)]
#[template(path = "funding/ministry.html")]
struct MinistryPage {
    layout: Layout,
    code: String,
    name: String,
    as_of: String,
    fund_code: String,
    applications: Vec<AppLine>,
    loads_svg: String,
    loads: Vec<(String, String, String, String, String, String, bool)>,
    can_write: bool,
    /// The capacity grid: semester, capacity, committed, version ("" if new).
    capacity_rows: Vec<(String, String, String, String)>,
}

/// A ministry's portfolio: every application with its status, amounts and
/// consumption, and its load against capacity per semester.
pub async fn ministry(
    State(state): State<AppState>,
    page: SignedPage,
    Path(code): Path<String>,
    Query(q): Query<DashboardQuery>,
    Query(notice): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let org = cosinum_store::organisations::get_by_code(&state.db, &code.to_uppercase())
        .await
        .map_err(|_| AppError::NotFound)?;
    let resource = application_resource(org.id);
    if !allows(Some(page.actor()), Access::Read, &resource) {
        return Err(AppError::NotFound.into());
    }
    let as_of =
        parse_day(q.date.as_deref())?.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let fund = q.fonds.clone().filter(|f| !f.is_empty());
    let params = ListParams::new(fund.clone(), Some(org.code.clone()));
    let applications = dtos(&state, page.actor(), &params, as_of)
        .await?
        .into_iter()
        .map(|a| {
            let x = a.application();
            let c = a.consumption();
            AppLine {
                id: x.id,
                title: x.fields.title.clone(),
                window: a.window().to_owned(),
                status: x.status.label_fr().to_owned(),
                requested: meur(x.fields.requested),
                granted: x.granted.map_or("—".into(), meur),
                engaged: pct(c.engaged_rate),
                paid: pct(c.paid_rate),
            }
        })
        .collect();
    let loads = ministry_loads(&state, org.id, as_of, &[]).await?;
    let bars: Vec<(String, f64)> = loads
        .iter()
        .filter_map(|l| Some((l.load().semester.to_string(), l.load().ratio? * 100.0)))
        .collect();
    let loads_svg = charts::bar_chart(
        "capacite",
        "Charge rapportée à la capacité, par semestre",
        "Pour chaque semestre : charge des projets en cours, des dossiers retenus et des dossiers en attente pondérés par le taux de sélection historique, en pourcentage de la capacité déclarée.",
        &bars,
        |v| format!("{} %", number(v, 0)),
        |v| v > 100.0,
    );
    // Declared semesters, then up to the next two from today.
    let mut capacity_rows: Vec<(String, String, String, String)> = loads
        .iter()
        .filter(|l| l.capacity_version().is_some())
        .map(|l| {
            let x = l.load();
            (
                x.semester.to_string(),
                x.capacity.map_or(String::new(), |c| format!("{c}")),
                format!("{}", x.committed),
                l.capacity_version()
                    .map_or(String::new(), |v| v.to_string()),
            )
        })
        .collect();
    let now = cosinum_domain::funding::Semester::of(time::OffsetDateTime::now_utc().date());
    for s in [now, now.next(), now.next().next()] {
        if !capacity_rows.iter().any(|r| r.0 == s.to_string()) {
            capacity_rows.push((s.to_string(), String::new(), String::new(), String::new()));
        }
    }
    capacity_rows.sort();
    let loads = loads
        .iter()
        .map(|l| {
            let l = l.load();
            (
                l.semester.to_string(),
                l.capacity.map_or("non déclarée".into(), |c| number(c, 0)),
                number(l.committed, 0),
                number(l.granted, 0),
                format!(
                    "{} (× {})",
                    number(l.pending_weighted, 0),
                    number(l.weight, 2)
                ),
                format!("{} — {}", number(l.total, 0), pct(l.ratio)),
                l.over,
            )
        })
        .collect();
    render(&MinistryPage {
        layout: Layout::new(
            &page.ctx,
            format!("Financements — {}", org.code),
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Financements", "/financements"),
                Crumb::here(org.code.clone()),
            ],
        )
        .with_notice(notice.ok.as_deref()),
        code: org.code.clone(),
        name: org.name.clone(),
        as_of: as_of.to_string(),
        fund_code: fund.unwrap_or_default(),
        applications,
        loads_svg,
        loads,
        can_write: allows(Some(page.actor()), Access::Write, &resource),
        capacity_rows,
    })
}
