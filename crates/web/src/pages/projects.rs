//! Major projects pages: the portfolio dashboard and the project page.

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::response::Response;
use cosinum_domain::authz::{Access, Owner, Resource, allows};
use cosinum_domain::money::Euros;
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::edition::{self, DINUM_2017, DriftReference, SizeBand};
use serde::Deserialize;
use time::Date;

use super::pager::Pager;
use super::projects_filter::{MinistryFilter, ministry_filter};
use super::projects_view::{ListedProject, PortfolioView, Row};
use super::{Crumb, Layout, fr_date, render};
use crate::AppState;
use crate::api::projects::project_resource;
use crate::charts::{self, Series};
use crate::error::{AppError, PageError};
use crate::format::{meur, number, pct};
use crate::identity::SignedPage;
use crate::portfolio::FoldSpec;

pub(super) fn parse_date(field: &str, v: &str) -> Result<Option<Date>, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
        .map(Some)
        .map_err(|_| {
            AppError::Invalid(cosinum_domain::ValidationError::new(
                field,
                "date invalide (AAAA-MM-JJ)",
            ))
        })
}

pub(super) fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    #[serde(default)]
    date: String,
    #[serde(default)]
    methode: String,
    #[serde(default)]
    ministere: String,
    #[serde(default)]
    phase: String,
    #[serde(default)]
    tranche: String,
    #[serde(default)]
    tri: String,
    /// Only projects whose budget or calendar drift reaches this percentage.
    #[serde(default)]
    derive_min: String,
}

struct Tile {
    label: &'static str,
    value: String,
    detail: String,
}

pub(super) struct Opt {
    pub(super) value: String,
    pub(super) label: String,
    pub(super) selected: bool,
}

#[derive(Template)]
#[template(path = "projects/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    as_of: String,
    as_of_fr: String,
    method_label: &'static str,
    method_code: &'static str,
    tiles: Vec<Tile>,
    trend_svg: String,
    trend_rows: Vec<(String, String, String, String)>,
    ministry_svg: String,
    bands_svg: String,
    band_rows: Vec<(String, String, String)>,
    ministry_rows: Vec<(String, String, String, String)>,
    ministry_pager: Pager,
    rows: Vec<Row>,
    pager: Pager,
    methods: Vec<Opt>,
    ministries: MinistryFilter,
    phases: Vec<Opt>,
    bands: Vec<Opt>,
    sort: String,
    derive_min: String,
    query: String,
    previous_fr: String,
    entered: Vec<(i64, String)>,
    entered_count: usize,
    exited: Vec<(i64, String)>,
    exited_count: usize,
    reestimates: Vec<(i64, String, String, String, String)>,
    can_create: bool,
}

pub(super) fn opt(value: &str, label: &str, current: &str) -> Opt {
    Opt {
        value: value.into(),
        label: label.into(),
        selected: value == current,
    }
}

pub async fn dashboard(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<DashboardQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let as_of = super::projects::parse_date("date", &q.date)?.unwrap_or_else(today);
    let method = if q.methode.is_empty() {
        &DINUM_2017
    } else {
        edition::method(&q.methode)
            .ok_or_else(|| AppError::BadRequest(format!("Méthode inconnue : {}", q.methode)))?
    };
    let actor = page.actor().clone();
    let visible = |org| allows(Some(&actor), Access::Read, &project_resource(org));
    let spec = FoldSpec {
        as_of,
        method,
        lines: crate::portfolio::Lines::Figures,
        trend: true,
    };
    let view = if actor.sees_everything() {
        // The same for whoever sees everything, kept while nothing is written
        // (computing it reads every project's history).
        state
            .portfolio_views
            .get(&state.db, (as_of, method.code), || async {
                let folded = crate::portfolio::folded(&state, None, &spec, |_| true).await?;
                Ok(PortfolioView::new(folded, CHANGES_LISTED))
            })
            .await?
    } else {
        let folded = crate::portfolio::folded(&state, actor.reads_only(), &spec, visible).await?;
        std::sync::Arc::new(PortfolioView::new(folded, CHANGES_LISTED))
    };
    let report = &view.report;
    let f = &report.figures;
    let tiles = vec![
        Tile {
            label: "Projets suivis",
            value: f.projects.to_string(),
            detail: format!("dont {} interministériels", f.interministerial),
        },
        Tile {
            label: "Coût complet estimé",
            value: meur(f.total_cost_meur),
            detail: format!(
                "{} projets chiffrés (hors cadrage et chiffres non publiés)",
                f.costed_projects
            ),
        },
        Tile {
            label: "Durée moyenne",
            value: f
                .mean_duration_years
                .map_or("—".into(), |d| format!("{} ans", number(d, 1))),
            detail: "des projets du panorama".into(),
        },
        Tile {
            label: "Dérive calendaire moyenne",
            value: pct(f.mean_calendar_drift),
            detail: format!(
                "pondérée par la durée : {} — {} projets",
                pct(f.weighted_calendar_drift),
                f.calendar_drift_projects
            ),
        },
        Tile {
            label: "Dérive budgétaire moyenne",
            value: pct(f.mean_budget_drift),
            detail: format!(
                "pondérée par le coût : {} — {} projets",
                pct(f.weighted_budget_drift),
                f.budget_drift_projects
            ),
        },
    ];
    // Trend: the same figures at each half-year end since the first data.
    let mut budget_points = Vec::new();
    let mut calendar_points = Vec::new();
    let mut trend_rows = Vec::new();
    for (d, e) in view.trend.iter() {
        let x = f64::from(d.to_julian_day());
        if let Some(b) = e.mean_budget_drift {
            budget_points.push((x, b * 100.0));
        }
        if let Some(c) = e.mean_calendar_drift {
            calendar_points.push((x, c * 100.0));
        }
        trend_rows.push((
            fr_date(*d),
            e.projects.to_string(),
            pct(e.mean_budget_drift),
            pct(e.mean_calendar_drift),
        ));
    }
    let month_year = |x: f64| {
        Date::from_julian_day(x.round() as i32).map_or_else(
            |_| String::new(),
            |d| format!("{:02}/{}", u8::from(d.month()), d.year()),
        )
    };
    let trend_svg = charts::line_chart(
        "tendance",
        "Évolution des dérives moyennes",
        "Dérive budgétaire et dérive calendaire moyennes du portefeuille, en pourcentage, à chaque fin de semestre.",
        &[
            Series {
                label: "Dérive budgétaire moyenne (%)".into(),
                points: budget_points,
            },
            Series {
                label: "Dérive calendaire moyenne (%)".into(),
                points: calendar_points,
            },
        ],
        month_year,
        |y| format!("{} %", number(y, 0)),
    );
    let bars: Vec<(String, f64)> = report
        .by_ministry
        .iter()
        .filter_map(|g| {
            g.figures
                .mean_budget_drift
                .map(|d| (g.key.clone(), d * 100.0))
        })
        .collect();
    let ministry_svg = charts::bar_chart(
        "ministeres",
        "Dérive budgétaire moyenne par ministère",
        "Dérive budgétaire moyenne des projets de chaque ministère, en pourcentage.",
        &bars,
        |v| format!("{} %", number(v, 0)),
        |v| v > 0.1,
    );
    let band_bars: Vec<(String, f64)> = report
        .by_size_band
        .iter()
        .map(|g| {
            (
                format!("{} ({} projets)", g.label, g.figures.projects),
                g.figures.total_cost_meur,
            )
        })
        .collect();
    let bands_svg = charts::bar_chart(
        "tranches",
        "Répartition du coût par tranche",
        "Coût complet estimé cumulé des projets de chaque tranche de coût, en millions d'euros.",
        &band_bars,
        |v| format!("{} M€", number(v, 0)),
        |_| false,
    );
    let band_rows = report
        .by_size_band
        .iter()
        .map(|g| {
            (
                g.label.clone(),
                g.figures.projects.to_string(),
                meur(g.figures.total_cost_meur),
            )
        })
        .collect();
    let ministry_pager = Pager::new(
        raw.as_deref(),
        "page_ministeres",
        "/projets",
        "par-ministere",
        "ministères",
        report.by_ministry.len(),
    );
    let ministry_rows = report.by_ministry[ministry_pager.range()]
        .iter()
        .map(|g| {
            (
                g.label.clone(),
                g.figures.projects.to_string(),
                meur(g.figures.total_cost_meur),
                pct(g.figures.mean_budget_drift),
            )
        })
        .collect();
    // The projects table, with the filters of the form.
    let min_drift = match q.derive_min.trim() {
        "" => None,
        v => Some(
            v.replace(',', ".").parse::<f64>().map_err(|_| {
                AppError::Invalid(cosinum_domain::ValidationError::new(
                    "derive_min",
                    "pourcentage invalide",
                ))
            })? / 100.0,
        ),
    };
    let by_current = method.drift_against == DriftReference::CurrentBaseline;
    let mut listed: Vec<&ListedProject> = view
        .lines
        .iter()
        .filter(|l| q.ministere.is_empty() || l.ministry == q.ministere)
        .filter(|l| q.phase.is_empty() || l.phase == q.phase)
        .filter(|l| {
            q.tranche.is_empty()
                || l.cost_meur
                    .and_then(Euros::from_meur)
                    .is_some_and(|c| SizeBand::of(c).as_str() == q.tranche)
        })
        .filter(|l| {
            let (b, c) = l.drifts(by_current);
            min_drift.is_none_or(|m| b >= m || c >= m)
        })
        .collect();
    // The lines come sorted by name.
    match q.tri.as_str() {
        "cout" => listed.sort_by(|a, b| b.cost_key().total_cmp(&a.cost_key())),
        "derive_budget" => {
            listed.sort_by(|a, b| b.drifts(by_current).0.total_cmp(&a.drifts(by_current).0));
        }
        "derive_calendaire" => {
            listed.sort_by(|a, b| b.drifts(by_current).1.total_cmp(&a.drifts(by_current).1));
        }
        "ministere" => listed.sort_by(|a, b| a.ministry.cmp(&b.ministry)),
        _ => {}
    }
    let pager = Pager::new(
        raw.as_deref(),
        "page",
        "/projets",
        "liste",
        "projets",
        listed.len(),
    );
    let rows = listed[pager.range()]
        .iter()
        .map(|l| l.row(by_current))
        .collect();
    let (entered_count, exited_count) = report
        .changes
        .as_ref()
        .map_or((0, 0), |c| (c.entered.len(), c.exited.len()));
    let (previous_fr, entered, exited, reestimates) = match &report.changes {
        Some(c) => (
            fr_date(c.previous_as_of),
            view.entered.clone(),
            view.exited.clone(),
            c.reestimates
                .iter()
                .map(|r| {
                    (
                        r.project_id,
                        r.name.clone(),
                        meur(r.before_meur),
                        meur(r.after_meur),
                        pct(Some(r.change)),
                    )
                })
                .collect(),
        ),
        None => (String::new(), Vec::new(), Vec::new(), Vec::new()),
    };
    let query = serde_urlencoded::to_string([
        ("date", q.date.as_str()),
        ("methode", q.methode.as_str()),
        ("ministere", q.ministere.as_str()),
        ("phase", q.phase.as_str()),
        ("tranche", q.tranche.as_str()),
        ("derive_min", q.derive_min.as_str()),
    ])
    .unwrap_or_default();
    let ministries = ministry_filter(&report.by_ministry, &q.ministere);
    let mut phases = vec![opt("", "Toutes", &q.phase)];
    phases.extend(
        Phase::ALL
            .iter()
            .map(|p| opt(p.as_str(), p.label_fr(), &q.phase)),
    );
    let mut bands = vec![opt("", "Toutes", &q.tranche)];
    bands.extend(
        SizeBand::ALL
            .iter()
            .map(|b| opt(b.as_str(), b.label_fr(), &q.tranche)),
    );
    let methods = edition::methods()
        .iter()
        .map(|m| opt(m.code, m.label_fr, method.code))
        .collect();
    let can_create = page.actor().role == cosinum_domain::authz::Role::Admin
        || page
            .actor()
            .scope
            .iter()
            .any(|o| allows(Some(page.actor()), Access::Write, &project_resource(*o)));
    let layout = Layout::new(
        &page.ctx,
        "Grands projets",
        vec![Crumb::link("Accueil", "/"), Crumb::here("Grands projets")],
    );
    render(&DashboardPage {
        layout,
        as_of: as_of.to_string(),
        as_of_fr: fr_date(as_of),
        method_label: report.method_label,
        method_code: report.method,
        tiles,
        trend_svg,
        trend_rows,
        ministry_svg,
        bands_svg,
        band_rows,
        ministry_rows,
        ministry_pager,
        rows,
        pager,
        methods,
        ministries,
        phases,
        bands,
        sort: q.tri.clone(),
        derive_min: q.derive_min.clone(),
        query,
        previous_fr,
        entered,
        entered_count,
        exited,
        exited_count,
        reestimates,
        can_create,
    })
}

/// How many of the projects that entered or left the panorama are named.
const CHANGES_LISTED: usize = 50;

/// Whether `page`'s user may record the DINUM's own assessments.
pub(super) fn is_dinum(page: &SignedPage) -> bool {
    allows(
        Some(page.actor()),
        Access::Write,
        &Resource::owned_by(Owner::Steering),
    )
}

pub(super) async fn load_project(
    state: &AppState,
    page: &SignedPage,
    id: i64,
    access: Access,
) -> Result<cosinum_domain::projects::project::Project, PageError> {
    let p = cosinum_store::projects::get(&state.db, id).await?;
    let resource = project_resource(p.organisation_id);
    // What one may not read does not exist for them (404, as in every
    // module); what one reads but may not change is 403.
    if !allows(Some(page.actor()), Access::Read, &resource) {
        return Err(AppError::NotFound.into());
    }
    if !allows(Some(page.actor()), access, &resource) {
        return Err(AppError::Forbidden.into());
    }
    Ok(p)
}
