//! One project: figures against its baselines, charts, ratings, ledger,
//! reviews, forecast.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use cosinum_domain::authz::Access;
use cosinum_domain::money::Euros;
use cosinum_domain::projects::drift::baseline_in_force;
use cosinum_domain::projects::project::Rating;

use super::projects::{is_dinum, load_project};
use super::{Crumb, Layout, NoticeQuery, fr_date, render};
use crate::AppState;
use crate::api::projects::detail;
use crate::charts::{self, Series};
use crate::error::PageError;
use crate::format::{meur, number, pct};
use crate::identity::SignedPage;

struct BaselineLine {
    approved_on: String,
    cost: String,
    start: String,
    planned_end: String,
    reason: String,
    approved_by: String,
    original: bool,
}

struct ReviewLine {
    id: i64,
    date: String,
    source: String,
    cost: String,
    end: String,
    phase: &'static str,
    ministry_rating: String,
    dinum_rating: String,
    narrative: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "projects/show.html")]
struct ProjectPage {
    layout: Layout,
    id: i64,
    name: String,
    ministry: String,
    phase: &'static str,
    description: String,
    zone: String,
    programmes: String,
    links: Vec<String>,
    interministerial: bool,
    withheld: bool,
    in_portfolio: String,
    figures: Vec<(&'static str, String)>,
    cost_svg: String,
    end_svg: String,
    cost_rows: Vec<(String, String, String)>,
    baselines: Vec<BaselineLine>,
    reviews: Vec<ReviewLine>,
    milestones: Vec<(String, String, String, String)>,
    risks: Vec<(String, String)>,
    forecast: Option<(usize, bool, String, String, String, String)>,
    can_write: bool,
    is_dinum: bool,
    avis: Vec<super::avis_pages::AvisLine>,
    today: String,
    rating_options: Vec<(u8, String)>,
    reuse: Option<super::reuse_panel::ReusePanel>,
    /// The committee's decisions about this object.
    committee: Vec<super::committee_decisions::LineView>,
}

fn rating(config: &crate::WebConfig, r: Option<Rating>) -> String {
    r.map_or("—".into(), |r| {
        format!("{} ({})", config.rating_label(r.0), r.0)
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Path(id): Path<i64>,
    Query(n): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let project = load_project(&state, &page, id, Access::Read).await?;
    let can_write = load_project(&state, &page, id, Access::Write).await.is_ok();
    let today = super::projects::today();
    let (project, ledger, history, drift, forecast) = detail(&state, project.id, today).await?;
    let org = cosinum_store::organisations::get(&state.db, project.organisation_id).await?;
    let avis = cosinum_store::projects::avis::list_for_project(&state.db, project.id)
        .await?
        .into_iter()
        .map(|a| super::avis_pages::line(&crate::api::avis::dto(a, project.name.clone(), today)))
        .collect();
    let baselines: Vec<_> = ledger.iter().map(|b| b.baseline()).collect();
    let latest = history.iter().rev().find(|r| r.review_date <= today);
    let shown = latest.is_none_or(|r| !r.figures_withheld);
    let mut figures = vec![
        (
            "Coût estimé",
            latest
                .and_then(|r| r.cost)
                .filter(|_| shown)
                .map_or("—".into(), |c| meur(c.meur())),
        ),
        (
            "Fin prévue",
            latest
                .and_then(|r| r.forecast_end)
                .filter(|_| shown)
                .map_or("—".into(), fr_date),
        ),
    ];
    if let Some(b) = baselines.first() {
        figures.push((
            "Référence initiale",
            format!("{} — fin {}", meur(b.cost.meur()), fr_date(b.planned_end)),
        ));
    }
    figures.extend([
        (
            "Dérive budgétaire (référence initiale)",
            pct(drift.vs_original.budget),
        ),
        (
            "Dérive calendaire (référence initiale)",
            pct(drift.vs_original.calendar),
        ),
        (
            "Dérive budgétaire (référence en vigueur)",
            pct(drift.vs_current.budget),
        ),
        (
            "Dérive calendaire (référence en vigueur)",
            pct(drift.vs_current.calendar),
        ),
        ("Évolution du coût sur 6 mois", pct(drift.recent.budget)),
        ("Rebasages", drift.rebaselines.to_string()),
    ]);
    // Cost estimates over time against the baseline in force at each date.
    let mut estimate_points = Vec::new();
    let mut baseline_points = Vec::new();
    let mut cost_rows = Vec::new();
    for r in history.iter().filter(|r| !r.figures_withheld) {
        let x = f64::from(r.review_date.to_julian_day());
        let in_force = baseline_in_force(&baselines, r.review_date);
        if let Some(c) = r.cost {
            estimate_points.push((x, c.meur()));
        }
        if let Some(b) = in_force {
            baseline_points.push((x, b.cost.meur()));
        }
        cost_rows.push((
            fr_date(r.review_date),
            r.cost.map_or("—".into(), |c| meur(c.meur())),
            in_force.map_or("—".into(), |b| meur(b.cost.meur())),
        ));
    }
    // Forecast duration against the planned one, in years from the start.
    let mut end_points = Vec::new();
    let mut planned_points = Vec::new();
    for r in history.iter().filter(|r| !r.figures_withheld) {
        let x = f64::from(r.review_date.to_julian_day());
        let in_force = baseline_in_force(&baselines, r.review_date);
        let start = r.start.or(in_force.map(|b| b.start));
        if let (Some(s), Some(e)) = (start, r.forecast_end) {
            end_points.push((x, (e - s).whole_days() as f64 / 365.0));
        }
        if let Some(b) = in_force {
            planned_points.push((x, (b.planned_end - b.start).whole_days() as f64 / 365.0));
        }
    }
    let end_svg = charts::line_chart(
        "durees",
        "Durée prévue et durée de la référence en vigueur",
        "Durée du projet prévue à chaque revue, en années depuis son début, comparée à la durée de la référence en vigueur.",
        &[
            Series {
                label: "Durée prévue (années)".into(),
                points: end_points,
            },
            Series {
                label: "Durée de la référence (années)".into(),
                points: planned_points,
            },
        ],
        |x| {
            time::Date::from_julian_day(x.round() as i32).map_or_else(
                |_| String::new(),
                |d| format!("{:02}/{}", u8::from(d.month()), d.year()),
            )
        },
        |y| number(y, 1),
    );
    let cost_svg = charts::line_chart(
        "couts",
        "Coût estimé et référence en vigueur",
        "Coût complet estimé à chaque revue, en millions d'euros, comparé au coût de la référence en vigueur à la même date.",
        &[
            Series {
                label: "Coût estimé (M€)".into(),
                points: estimate_points,
            },
            Series {
                label: "Référence en vigueur (M€)".into(),
                points: baseline_points,
            },
        ],
        |x| {
            time::Date::from_julian_day(x.round() as i32).map_or_else(
                |_| String::new(),
                |d| format!("{:02}/{}", u8::from(d.month()), d.year()),
            )
        },
        |y| number(y, 0),
    );
    let layout = Layout::new(
        &page.ctx,
        project.name.clone(),
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::link("Grands projets", "/projets"),
            Crumb::here(project.name.clone()),
        ],
    )
    .with_notice(n.ok.as_deref());
    let reuse = super::reuse_panel::panel(
        &state,
        &page,
        cosinum_search::Kind::Project,
        project.id,
        format!("/projets/{}", project.id),
        5,
    )
    .await?;
    render(&ProjectPage {
        reuse,
        committee: super::committee_decisions::about(&state, "project", project.id).await?,
        layout,
        id: project.id,
        ministry: format!("{} — {}", org.code, org.name),
        phase: project.phase.label_fr(),
        description: project.description.clone(),
        zone: project.functional_zone.clone(),
        programmes: project.funding_programmes.clone(),
        links: project
            .links
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        interministerial: project.interministerial,
        withheld: !shown,
        in_portfolio: match project.exited_on {
            Some(exit) => format!("du {} au {}", fr_date(project.entered_on), fr_date(exit)),
            None => format!("depuis le {}", fr_date(project.entered_on)),
        },
        figures,
        cost_svg,
        end_svg,
        cost_rows,
        baselines: ledger
            .iter()
            .enumerate()
            .map(|(i, b)| BaselineLine {
                approved_on: fr_date(b.approved_on),
                cost: meur(Euros(b.cost_eur).meur()),
                start: fr_date(b.start_on),
                planned_end: fr_date(b.planned_end_on),
                reason: b.reason.clone(),
                approved_by: b.approved_by.clone(),
                original: i == 0,
            })
            .collect(),
        reviews: history
            .iter()
            .rev()
            .map(|r| ReviewLine {
                id: r.id,
                date: fr_date(r.review_date),
                source: if r.source == cosinum_store::projects::reviews::SOURCE_REVIEW {
                    "Revue".into()
                } else {
                    r.source.replace("panorama:", "Panorama ")
                },
                cost: if r.figures_withheld {
                    "non publié".into()
                } else {
                    r.cost.map_or("—".into(), |c| meur(c.meur()))
                },
                end: if r.figures_withheld {
                    "non publiée".into()
                } else {
                    r.forecast_end.map_or("—".into(), fr_date)
                },
                phase: r.phase.label_fr(),
                ministry_rating: rating(&state.config, r.ministry_rating),
                dinum_rating: rating(&state.config, r.dinum_rating),
                narrative: r.narrative.clone(),
                version: r.version,
            })
            .collect(),
        milestones: latest.map_or_else(Vec::new, |r| {
            r.milestones
                .iter()
                .map(|m| {
                    let late = m
                        .actual_on
                        .map_or(today > m.planned_on, |a| a > m.planned_on);
                    (
                        m.label.clone(),
                        fr_date(m.planned_on),
                        m.actual_on.map_or("—".into(), fr_date),
                        if late {
                            "En retard".into()
                        } else {
                            "Dans les temps".into()
                        },
                    )
                })
                .collect()
        }),
        risks: latest.map_or_else(Vec::new, |r| {
            r.risks
                .iter()
                .map(|k| (k.label.clone(), k.level.clone()))
                .collect()
        }),
        forecast: forecast.map(|f| {
            (
                f.class_size,
                f.same_size_band,
                meur(f.cost_p50.meur()),
                meur(f.cost_p80.meur()),
                fr_date(f.end_p50),
                fr_date(f.end_p80),
            )
        }),
        can_write,
        is_dinum: is_dinum(&page),
        avis,
        today: today.to_string(),
        rating_options: (1..=4)
            .map(|n| (n, state.config.rating_label(n).to_owned()))
            .collect(),
        name: project.name,
    })
}
