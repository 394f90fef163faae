//! The public panorama (`/donnees/panorama`): key figures, the cost by
//! ministry (an embeddable SVG chart), the table of projects and a page per
//! project — all from the latest public release (or `?version=N`).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use cosinum_domain::publication::figures::{self, PanoramaFigures};
use cosinum_domain::publication::{Dataset, Row, Value};
use serde::Deserialize;

use super::public_data::{ReleaseLine, date_fr, line, site_url};
use super::{Crumb, Layout, render};
use crate::AppState;
use crate::charts;
use crate::error::{AppError, PageError};
use crate::format;
use crate::identity::PageCtx;
use crate::publication::public::{self, PublicData};

#[derive(Deserialize)]
pub struct PanoramaQuery {
    version: Option<i64>,
    ministere: Option<String>,
    phase: Option<String>,
}

async fn pick(state: &AppState, version: Option<i64>) -> Result<Option<Arc<PublicData>>, AppError> {
    match version {
        Some(n) => public::by_number(state, Dataset::Panorama, n)
            .await
            .map(Some),
        None => public::latest(state, Dataset::Panorama).await,
    }
}

fn text(d: &PublicData, row: &Row, key: &str) -> String {
    match d.table.value(row, key) {
        None | Some(Value::Empty) => String::new(),
        Some(v) => v.display_fr(),
    }
}

/// A project line of the table.
pub struct ProjectLine {
    pub href: String,
    pub name: String,
    pub ministry: String,
    pub phase: String,
    pub cost: String,
    pub start: String,
    pub duration: String,
}

fn cost_fr(v: Option<&Value>) -> String {
    match v {
        Some(Value::Number(c)) => format::meur(*c),
        Some(Value::Text(t)) => t.clone(),
        _ => "Non publié".to_owned(),
    }
}

fn project_line(d: &PublicData, row: &Row) -> ProjectLine {
    ProjectLine {
        href: format!("/donnees/panorama/projets/{}", row.id),
        name: row.label.clone(),
        ministry: text(d, row, "ministere_porteur"),
        phase: text(d, row, "phase"),
        cost: cost_fr(d.table.value(row, "cout_estime")),
        start: text(d, row, "debut"),
        duration: d
            .table
            .value(row, "duree")
            .and_then(Value::as_number)
            .map_or_else(String::new, |y| format!("{} ans", format::number(y, 1))),
    }
}

fn cost_chart(f: &PanoramaFigures, as_of: &str) -> String {
    let bars: Vec<(String, f64)> = f
        .by_ministry
        .iter()
        .map(|(m, _, c)| (m.clone(), *c))
        .collect();
    charts::bar_chart(
        "couts-par-ministere",
        &format!("Coût estimé publié par ministère porteur, au {as_of}"),
        "Somme des coûts complets estimés publiés des grands projets de chaque ministère, en millions d'euros (hors projets en cadrage et chiffres non publiés).",
        &bars,
        format::meur,
        |_| false,
    )
}

#[derive(Template)]
#[template(path = "donnees/panorama.html")]
struct PanoramaPage {
    layout: Layout,
    release: Option<ReleaseLine>,
    tiles: Vec<(&'static str, String, String)>,
    chart: String,
    chart_rows: Vec<(String, usize, String)>,
    ministries: Vec<(String, bool)>,
    phases: Vec<(String, bool)>,
    projects: Vec<ProjectLine>,
    filtered: bool,
    embed_url: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Query(q): Query<PanoramaQuery>,
) -> Result<Response, PageError> {
    let layout = Layout::new(
        &ctx,
        "Panorama des grands projets numériques de l'État",
        vec![
            Crumb::link("Données ouvertes", "/donnees"),
            Crumb::here("Panorama des grands projets"),
        ],
    );
    let Some(d) = pick(&state, q.version).await? else {
        return render(&PanoramaPage {
            layout,
            release: None,
            tiles: vec![],
            chart: String::new(),
            chart_rows: vec![],
            ministries: vec![],
            phases: vec![],
            projects: vec![],
            filtered: false,
            embed_url: String::new(),
        });
    };
    let f = figures::panorama(&d.table);
    let as_of = date_fr(d.release.as_of);
    let tiles = vec![
        (
            "Projets référencés",
            f.projects.to_string(),
            format!("dont {} interministériels", f.interministerial),
        ),
        (
            "Coût complet estimé",
            format!("{} Md€", format::number(f.total_cost_meur / 1000.0, 2)),
            format!(
                "{} projets chiffrés (hors cadrage et chiffres non publiés)",
                f.costed_projects
            ),
        ),
        (
            "Durée moyenne",
            f.mean_duration_years.map_or_else(
                || "—".to_owned(),
                |y| format!("{} ans", format::number(y, 1)),
            ),
            "du début à la fin prévisionnelle".to_owned(),
        ),
    ];
    let mut ministries: Vec<String> = f.by_ministry.iter().map(|m| m.0.clone()).collect();
    ministries.sort();
    let keep = |row: &&Row| {
        q.ministere
            .as_deref()
            .filter(|m| !m.is_empty())
            .is_none_or(|m| text(&d, row, "ministere_porteur") == m)
            && q.phase
                .as_deref()
                .filter(|p| !p.is_empty())
                .is_none_or(|p| text(&d, row, "phase") == p)
    };
    let projects = d
        .table
        .rows
        .iter()
        .filter(keep)
        .map(|r| project_line(&d, r))
        .collect();
    let site = site_url(&state, &headers);
    render(&PanoramaPage {
        layout,
        tiles,
        chart: cost_chart(&f, &as_of),
        chart_rows: f
            .by_ministry
            .iter()
            .map(|(m, n, c)| (m.clone(), *n, format::meur(*c)))
            .collect(),
        ministries: ministries
            .into_iter()
            .map(|m| {
                let sel = q.ministere.as_deref() == Some(m.as_str());
                (m, sel)
            })
            .collect(),
        phases: f
            .by_phase
            .iter()
            .map(|(p, _)| (p.clone(), q.phase.as_deref() == Some(p.as_str())))
            .collect(),
        projects,
        filtered: q.ministere.as_deref().is_some_and(|m| !m.is_empty())
            || q.phase.as_deref().is_some_and(|p| !p.is_empty()),
        embed_url: format!(
            "{site}/donnees/panorama/graphiques/couts-par-ministere.svg?version={}",
            d.release.number
        ),
        release: Some(line(&d.release)),
    })
}

/// The cost-by-ministry chart alone, to embed in another site (`<img>`).
pub async fn chart(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PanoramaQuery>,
) -> Result<Response, PageError> {
    let d = pick(&state, q.version).await?.ok_or(AppError::NotFound)?;
    let svg = cost_chart(&figures::panorama(&d.table), &date_fr(d.release.as_of));
    Ok(crate::api::public::cached(
        &headers,
        "image/svg+xml",
        svg.into_bytes(),
    ))
}

/// One published field of a project.
pub struct FieldLine {
    pub name: String,
    pub value: String,
    pub link: bool,
}

#[derive(Template)]
#[template(path = "donnees/panorama_project.html")]
struct ProjectPage {
    layout: Layout,
    name: String,
    release: ReleaseLine,
    in_latest: bool,
    fields: Vec<FieldLine>,
    history: Vec<(i64, String, String, String)>,
}

pub async fn project(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let history = public::history(&state, Dataset::Panorama).await?;
    let mut seen: Vec<(Arc<PublicData>, usize)> = Vec::new();
    for d in &history {
        if let Some(i) = d.table.rows.iter().position(|r| r.id == id) {
            seen.push((d.clone(), i));
        }
    }
    let (last, i) = seen.last().cloned().ok_or(AppError::NotFound)?;
    let row = &last.table.rows[i];
    let fields = last
        .table
        .fields
        .iter()
        .zip(&row.values)
        .map(|(f, v)| FieldLine {
            name: f.name.clone(),
            value: match (f.key.as_str(), v) {
                ("cout_estime", v) => cost_fr(Some(v)),
                (_, Value::Empty) => "—".to_owned(),
                (_, v) => v.display_fr(),
            },
            link: matches!(v, Value::Text(t) if t.starts_with("https://") || t.starts_with("http://")),
        })
        .collect();
    let in_latest = history
        .last()
        .is_some_and(|d| d.release.id == last.release.id);
    render(&ProjectPage {
        layout: Layout::new(
            &ctx,
            row.label.clone(),
            vec![
                Crumb::link("Données ouvertes", "/donnees"),
                Crumb::link("Panorama des grands projets", "/donnees/panorama"),
                Crumb::here(row.label.clone()),
            ],
        ),
        name: row.label.clone(),
        release: line(&last.release),
        in_latest,
        fields,
        history: seen
            .iter()
            .map(|(d, i)| {
                let r = &d.table.rows[*i];
                (
                    d.release.number,
                    date_fr(d.release.as_of),
                    text(d, r, "phase"),
                    cost_fr(d.table.value(r, "cout_estime")),
                )
            })
            .collect(),
    })
}
