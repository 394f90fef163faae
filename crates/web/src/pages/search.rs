//! The search box over everything, with facets (ministry, kind, functional
//! zone) that narrow the results.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{Crumb, Layout, render};
use crate::AppState;
use crate::api::search::{SearchParams, run};
use crate::error::PageError;
use crate::identity::SignedPage;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    ministere: String,
    #[serde(default)]
    type_: String,
    #[serde(default)]
    zone: String,
}

/// A facet value: label, count, link that applies it (or removes it when active).
type Facet = (String, usize, String, bool);

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    total: usize,
    /// kind label, title, ministry, zone, url, excerpt.
    hits: Vec<(&'static str, String, String, String, String, String)>,
    /// Facet groups: title and values.
    groups: Vec<(&'static str, Vec<Facet>)>,
}

fn link(q: &SearchQuery, key: &str, value: &str) -> String {
    let mut parts = vec![
        ("q", q.q.as_str()),
        ("ministere", q.ministere.as_str()),
        ("type_", q.type_.as_str()),
        ("zone", q.zone.as_str()),
    ];
    for p in &mut parts {
        if p.0 == key {
            p.1 = value;
        }
    }
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let qs: Vec<String> = parts
        .iter()
        .filter(|p| !p.1.is_empty())
        .map(|p| format!("{}={}", p.0, enc(p.1)))
        .collect();
    format!("/recherche?{}", qs.join("&"))
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let params = SearchParams::new(
        q.q.clone(),
        Some(q.ministere.clone()),
        Some(q.type_.clone()),
        Some(q.zone.clone()),
    );
    let r = run(&state, page.actor(), &params).await?;
    let facet = |key: &str, active: &str, values: Vec<(String, String, usize)>| -> Vec<Facet> {
        values
            .into_iter()
            .map(|(value, label, n)| {
                let on = value == active;
                (label, n, link(&q, key, if on { "" } else { &value }), on)
            })
            .collect()
    };
    let view = SearchPage {
        layout: Layout::new(
            &page.ctx,
            "Rechercher",
            vec![Crumb::link("Accueil", "/"), Crumb::here("Rechercher")],
        ),
        total: r.total,
        hits: r
            .hits
            .iter()
            .map(|h| {
                let excerpt: String = h.doc.body.chars().take(220).collect();
                (
                    h.doc.kind.label_fr(),
                    h.doc.title.clone(),
                    h.doc.ministry.clone(),
                    h.doc.zone.clone(),
                    h.doc.url.clone(),
                    excerpt,
                )
            })
            .collect(),
        groups: vec![
            (
                "Type",
                facet(
                    "type_",
                    &q.type_,
                    r.by_kind
                        .iter()
                        .map(|(k, n)| (k.as_str().to_owned(), k.label_fr().to_owned(), *n))
                        .collect(),
                ),
            ),
            (
                "Ministère",
                facet(
                    "ministere",
                    &q.ministere,
                    r.by_ministry
                        .iter()
                        .map(|(k, n)| (k.clone(), k.clone(), *n))
                        .collect(),
                ),
            ),
            (
                "Zone fonctionnelle",
                facet(
                    "zone",
                    &q.zone,
                    r.by_zone
                        .iter()
                        .map(|(k, n)| (k.clone(), k.clone(), *n))
                        .collect(),
                ),
            ),
        ],
        q: q.q,
    };
    render(&view)
}
