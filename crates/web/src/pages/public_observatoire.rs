//! The public observatory (`/donnees/observatoire`): the share of démarches
//! at goal per indicator (an embeddable SVG chart), the table of démarches
//! coloured by level, and a view per ministry — from public releases only.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use cosinum_domain::demarches::method::{self, Method};
use cosinum_domain::publication::figures::level_of;
use cosinum_domain::publication::{Dataset, Row, Value};
use serde::Deserialize;

use super::demarche_page::level_class;
use super::public_data::{ReleaseLine, date_fr, line, site_url};
use super::{Crumb, Layout, render};
use crate::AppState;
use crate::api::public::{GoalShareView, observatoire_figures};
use crate::charts;
use crate::error::{AppError, PageError};
use crate::format;
use crate::identity::PageCtx;
use crate::publication::public::{self, PublicData};

#[derive(Deserialize)]
pub struct VersionQuery {
    version: Option<i64>,
}

async fn pick(state: &AppState, version: Option<i64>) -> Result<Option<Arc<PublicData>>, AppError> {
    match version {
        Some(n) => public::by_number(state, Dataset::Observatoire, n)
            .await
            .map(Some),
        None => public::latest(state, Dataset::Observatoire).await,
    }
}

fn method_of(d: &PublicData) -> &'static Method {
    method::method(&d.methodology.0).unwrap_or(&method::V2023)
}

fn shares_chart(id: &str, shares: &[GoalShareView], scope: &str) -> String {
    let bars: Vec<(String, f64)> = shares
        .iter()
        .filter_map(|s| s.percent.map(|p| (s.label.clone(), p)))
        .collect();
    charts::bar_chart(
        id,
        &format!("Part des démarches à l'objectif, par indicateur — {scope}"),
        "Pour chaque indicateur, part des démarches évaluées qui atteignent le niveau objectif (non applicable et non mesuré exclus).",
        &bars,
        |p| format!("{} %", format::number(p, 0)),
        |_| false,
    )
}

/// A cell of the démarches table: the published value and its level.
pub struct LevelCell {
    pub text: String,
    pub class: &'static str,
}

/// A démarche's line.
pub struct DemarcheLine {
    pub name: String,
    pub ministry: String,
    pub administration: String,
    pub url: String,
    pub cells: Vec<LevelCell>,
}

fn text(d: &PublicData, row: &Row, key: &str) -> String {
    match d.table.value(row, key) {
        None | Some(Value::Empty) => String::new(),
        Some(v) => v.display_fr(),
    }
}

/// The indicators published in a release, in method order: (slug, label).
fn indicators(d: &PublicData) -> Vec<(&'static str, &'static str)> {
    method_of(d)
        .indicators
        .iter()
        .filter(|i| d.table.has_field(&format!("{}.niveau", i.slug)))
        .map(|i| (i.slug, i.label_fr))
        .collect()
}

fn demarche_line(d: &PublicData, row: &Row, shown: &[(&str, &str)]) -> DemarcheLine {
    let m = method_of(d);
    let url = text(d, row, "url");
    DemarcheLine {
        name: row.label.clone(),
        ministry: text(d, row, "ministere"),
        administration: text(d, row, "administration"),
        url: if url.starts_with("https://") || url.starts_with("http://") {
            url
        } else {
            String::new()
        },
        cells: shown
            .iter()
            .map(|(slug, _)| {
                let level = text(d, row, &format!("{slug}.niveau"));
                let value = text(d, row, slug);
                let colour = level_of(m, slug, &level).map(|l| l.colour);
                LevelCell {
                    text: match (value.is_empty(), level.is_empty()) {
                        (true, true) => "—".to_owned(),
                        (false, false) if value != level => format!("{value} ({level})"),
                        (_, false) => level,
                        (false, true) => value,
                    },
                    class: level_class(colour),
                }
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "donnees/observatoire.html")]
struct ObservatoirePage {
    layout: Layout,
    heading: String,
    release: Option<ReleaseLine>,
    chart: String,
    shares: Vec<(String, String, String)>,
    ministries: Vec<(String, usize, String)>,
    headers: Vec<&'static str>,
    demarches: Vec<DemarcheLine>,
    embed_url: String,
    ministry_page: bool,
}

fn pct(s: &GoalShareView) -> String {
    s.percent
        .map_or_else(|| "—".to_owned(), |p| format!("{} %", format::number(p, 0)))
}

async fn render_page(
    state: &AppState,
    ctx: &PageCtx,
    site: &str,
    version: Option<i64>,
    ministry: Option<&str>,
) -> Result<Response, PageError> {
    let mut crumbs = vec![Crumb::link("Données ouvertes", "/donnees")];
    let heading = match ministry {
        None => {
            crumbs.push(Crumb::here("Observatoire des démarches"));
            "Observatoire de la qualité des démarches en ligne".to_owned()
        }
        Some(m) => {
            crumbs.push(Crumb::link(
                "Observatoire des démarches",
                "/donnees/observatoire",
            ));
            crumbs.push(Crumb::here(m.to_owned()));
            format!("Observatoire des démarches en ligne — {m}")
        }
    };
    let layout = Layout::new(ctx, heading.clone(), crumbs);
    let Some(d) = pick(state, version).await? else {
        return render(&ObservatoirePage {
            layout,
            heading,
            release: None,
            chart: String::new(),
            shares: vec![],
            ministries: vec![],
            headers: vec![],
            demarches: vec![],
            embed_url: String::new(),
            ministry_page: ministry.is_some(),
        });
    };
    let figures = observatoire_figures(&d);
    let (shares, scope) = match ministry {
        None => (figures.overall, "ensemble des ministères".to_owned()),
        Some(m) => (
            figures
                .by_ministry
                .iter()
                .find(|x| x.ministry == m)
                .ok_or(AppError::NotFound)?
                .shares
                .iter()
                .map(|s| GoalShareView {
                    slug: s.slug.clone(),
                    label: s.label.clone(),
                    at_goal: s.at_goal,
                    assessed: s.assessed,
                    percent: s.percent,
                })
                .collect(),
            m.to_owned(),
        ),
    };
    let shown = indicators(&d);
    let demarches = d
        .table
        .rows
        .iter()
        .filter(|r| ministry.is_none_or(|m| text(&d, r, "ministere") == m))
        .map(|r| demarche_line(&d, r, &shown))
        .collect();
    let as_of = date_fr(d.release.as_of);
    render(&ObservatoirePage {
        layout,
        heading,
        chart: shares_chart(
            "objectifs",
            &shares,
            &format!("{scope}, édition du {as_of}"),
        ),
        ministries: figures
            .by_ministry
            .iter()
            .map(|m| {
                let priority: Vec<String> = m
                    .shares
                    .iter()
                    .filter_map(|s| {
                        s.percent
                            .map(|p| format!("{} : {} %", s.label, format::number(p, 0)))
                    })
                    .take(3)
                    .collect();
                (m.ministry.clone(), m.demarches, priority.join(" · "))
            })
            .collect(),
        shares: shares
            .iter()
            .map(|s| {
                (
                    s.label.clone(),
                    pct(s),
                    format!("{} / {}", s.at_goal, s.assessed),
                )
            })
            .collect(),
        headers: shown.iter().map(|(_, l)| *l).collect(),
        demarches,
        embed_url: format!(
            "{site}/donnees/observatoire/graphiques/objectifs.svg?version={}",
            d.release.number
        ),
        ministry_page: ministry.is_some(),
        release: Some(line(&d.release)),
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Query(q): Query<VersionQuery>,
) -> Result<Response, PageError> {
    render_page(&state, &ctx, &site_url(&state, &headers), q.version, None).await
}

pub async fn ministry(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, PageError> {
    render_page(
        &state,
        &ctx,
        &site_url(&state, &headers),
        q.version,
        Some(&code),
    )
    .await
}

/// The goal-shares chart alone, to embed in another site (`<img>`).
pub async fn chart(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<VersionQuery>,
) -> Result<Response, PageError> {
    let d = pick(&state, q.version).await?.ok_or(AppError::NotFound)?;
    let f = observatoire_figures(&d);
    let svg = shares_chart(
        "objectifs",
        &f.overall,
        &format!("édition du {}", date_fr(d.release.as_of)),
    );
    Ok(crate::api::public::cached(
        &headers,
        "image/svg+xml",
        svg.into_bytes(),
    ))
}
