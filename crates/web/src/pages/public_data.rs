//! Open data for everyone (`/donnees`): the hub, the list of releases and
//! each release with its files and changelog. Anonymous visitors are
//! welcome; everything shown is read from published releases only.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use cosinum_domain::publication::Dataset;
use cosinum_domain::publication::changelog::Changelog;
use cosinum_store::publication::Release;

use super::{Crumb, Layout, render};
use crate::AppState;
use crate::error::{AppError, PageError};
use crate::format;
use crate::identity::PageCtx;
use crate::publication::public;

/// A release as listed on public pages.
pub struct ReleaseLine {
    pub title: &'static str,
    pub number: i64,
    pub as_of: String,
    pub public_from: String,
    pub methodology: String,
    pub rows: i64,
    pub changes: String,
    pub files: Vec<Download>,
    pub href: String,
}

/// A file to download.
pub struct Download {
    pub name: String,
    pub href: String,
    pub size: String,
    pub sha256: String,
    pub label: &'static str,
}

/// The site's address for links meant to be copied elsewhere (the chart
/// embedding snippets): `web.public_url` when set, else the request's host.
pub fn site_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    match &state.config.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

pub fn date_fr(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

fn label_of(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("csv") => "Données (CSV)",
        Some("md") => "Journal des changements",
        _ if name == "schema.json" => "Schéma (Table Schema)",
        _ if name == "datapackage.json" => "Description (Data Package)",
        _ => "Données (JSON)",
    }
}

fn size_fr(bytes: i64) -> String {
    if bytes >= 1_000_000 {
        format!("{} Mo", format::number(bytes as f64 / 1e6, 1))
    } else if bytes >= 1_000 {
        format!("{} ko", format::number(bytes as f64 / 1e3, 1))
    } else {
        format!("{bytes} octets")
    }
}

pub fn changes_fr(log: &Changelog) -> String {
    match log.previous {
        None => "Première version publiée".to_owned(),
        Some(p) if log.is_empty() => format!("Aucun changement depuis la version {p}"),
        Some(p) => format!(
            "Depuis la version {p} : {} entrée(s), {} sortie(s), {} valeur(s) modifiée(s)",
            log.added.len(),
            log.removed.len(),
            log.values_changed()
        ),
    }
}

pub fn line(r: &Release) -> ReleaseLine {
    let d = r.dataset.as_str();
    ReleaseLine {
        title: r.dataset.title_fr(),
        number: r.number,
        as_of: date_fr(r.as_of),
        public_from: r.public_from.map(date_fr).unwrap_or_default(),
        methodology: r.methodology.clone(),
        rows: r.row_count,
        changes: changes_fr(&r.changelog),
        files: r
            .files
            .iter()
            .map(|f| Download {
                name: f.name.clone(),
                href: format!("/api/v1/public/{d}/releases/{}/files/{}", r.number, f.name),
                size: size_fr(f.bytes),
                sha256: f.sha256.clone(),
                label: label_of(&f.name),
            })
            .collect(),
        href: format!("/donnees/{d}/versions/{}", r.number),
    }
}

/// A dataset on the hub.
pub struct DatasetCard {
    pub title: &'static str,
    pub description: &'static str,
    pub page: &'static str,
    pub latest: Option<ReleaseLine>,
    pub versions: usize,
}

#[derive(Template)]
#[template(path = "donnees/hub.html")]
struct HubPage {
    layout: Layout,
    cards: Vec<DatasetCard>,
}

pub async fn hub(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    let all = public::releases(&state, None).await?;
    let cards = Dataset::ALL
        .into_iter()
        .map(|d| {
            let mine: Vec<&Release> = all.iter().filter(|r| r.dataset == d).collect();
            DatasetCard {
                title: d.title_fr(),
                description: d.description_fr(),
                page: match d {
                    Dataset::Panorama => "/donnees/panorama",
                    Dataset::Observatoire => "/donnees/observatoire",
                },
                latest: mine.first().map(|r| line(r)),
                versions: mine.len(),
            }
        })
        .collect();
    render(&HubPage {
        layout: Layout::new(
            &ctx,
            "Données ouvertes",
            vec![Crumb::here("Données ouvertes")],
        ),
        cards,
    })
}

#[derive(Template)]
#[template(path = "donnees/versions.html")]
struct VersionsPage {
    layout: Layout,
    releases: Vec<ReleaseLine>,
}

pub async fn versions(State(state): State<AppState>, ctx: PageCtx) -> Result<Response, PageError> {
    let releases = public::releases(&state, None)
        .await?
        .iter()
        .map(line)
        .collect();
    render(&VersionsPage {
        layout: Layout::new(
            &ctx,
            "Versions publiées",
            vec![
                Crumb::link("Données ouvertes", "/donnees"),
                Crumb::here("Versions publiées"),
            ],
        ),
        releases,
    })
}

/// One changed record of a changelog, for the page.
pub struct ChangedLine {
    pub label: String,
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "donnees/version.html")]
struct VersionPage {
    layout: Layout,
    release: ReleaseLine,
    log: Changelog,
    changed: Vec<ChangedLine>,
    added: String,
    removed: String,
}

pub async fn version(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((code, number)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let dataset = Dataset::parse(&code).ok_or(AppError::NotFound)?;
    let d = public::by_number(&state, dataset, number).await?;
    let log = d.release.changelog.clone();
    let names = |v: &[cosinum_domain::publication::changelog::RecordRef]| {
        v.iter()
            .map(|r| r.label.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let title = format!("{} — version {number}", dataset.title_fr());
    render(&VersionPage {
        layout: Layout::new(
            &ctx,
            title.clone(),
            vec![
                Crumb::link("Données ouvertes", "/donnees"),
                Crumb::link("Versions publiées", "/donnees/versions"),
                Crumb::here(format!("Version {number}")),
            ],
        ),
        release: line(&d.release),
        added: names(&log.added),
        removed: names(&log.removed),
        changed: log
            .changed
            .iter()
            .map(|c| ChangedLine {
                label: c.label.clone(),
                changes: c
                    .changes
                    .iter()
                    .map(|v| (v.field.clone(), v.before.display_fr(), v.after.display_fr()))
                    .collect(),
            })
            .collect(),
        log,
    })
}
