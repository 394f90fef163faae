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

/// A facet lists at most this many values, its most frequent: past a few
/// dozen no one reads the list, and at scale (thousands of ministries) it
/// made the page weigh a megabyte.
const FACET_VALUES_SHOWN: usize = 20;

/// The values a facet shows — the most frequent, in their own order, and
/// the active one whatever its count — and how many it leaves out.
fn most_frequent(
    values: Vec<(String, String, usize)>,
    active: &str,
) -> (Vec<(String, String, usize)>, usize) {
    if values.len() <= FACET_VALUES_SHOWN {
        return (values, 0);
    }
    let mut by_count: Vec<usize> = (0..values.len()).collect();
    by_count.sort_by(|a, b| values[*b].2.cmp(&values[*a].2).then(a.cmp(b)));
    let mut keep = vec![false; values.len()];
    for i in by_count.into_iter().take(FACET_VALUES_SHOWN) {
        keep[i] = true;
    }
    let total = values.len();
    let shown: Vec<_> = values
        .into_iter()
        .zip(keep)
        .filter(|(v, kept)| *kept || (!active.is_empty() && v.0 == active))
        .map(|(v, _)| v)
        .collect();
    let left_out = total - shown.len();
    (shown, left_out)
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    total: usize,
    /// kind label, title, ministry, zone, url, excerpt.
    hits: Vec<(&'static str, String, String, String, String, String)>,
    groups: Vec<FacetGroup>,
}

/// A facet: its title, the values shown and how many are left out.
struct FacetGroup {
    title: &'static str,
    values: Vec<Facet>,
    left_out: usize,
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
    let facet =
        |title: &'static str, key: &str, active: &str, values: Vec<(String, String, usize)>| {
            let (shown, left_out) = most_frequent(values, active);
            let shown: Vec<Facet> = shown
                .into_iter()
                .map(|(value, label, n)| {
                    let on = value == active;
                    (label, n, link(&q, key, if on { "" } else { &value }), on)
                })
                .collect();
            FacetGroup {
                title,
                values: shown,
                left_out,
            }
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
            facet(
                "Type",
                "type_",
                &q.type_,
                r.by_kind
                    .iter()
                    .map(|(k, n)| (k.as_str().to_owned(), k.label_fr().to_owned(), *n))
                    .collect(),
            ),
            facet(
                "Ministère",
                "ministere",
                &q.ministere,
                r.by_ministry
                    .iter()
                    .map(|(k, n)| (k.clone(), k.clone(), *n))
                    .collect(),
            ),
            facet(
                "Zone fonctionnelle",
                "zone",
                &q.zone,
                r.by_zone
                    .iter()
                    .map(|(k, n)| (k.clone(), k.clone(), *n))
                    .collect(),
            ),
        ],
        q: q.q,
    };
    render(&view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(counts: &[usize]) -> Vec<(String, String, usize)> {
        counts
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("V{i:02}"), format!("Valeur {i}"), *n))
            .collect()
    }

    #[test]
    fn a_facet_shows_its_most_frequent_values_and_the_active_one() {
        let few = values(&[3; FACET_VALUES_SHOWN]);
        assert_eq!(most_frequent(few.clone(), ""), (few, 0));
        // Counts 1, 2, …, 30: the 20 largest are V10 to V29, kept in order.
        let counts: Vec<usize> = (1..=30).collect();
        let (shown, left_out) = most_frequent(values(&counts), "");
        let codes: Vec<&str> = shown.iter().map(|v| v.0.as_str()).collect();
        let expected: Vec<String> = (10..30).map(|i| format!("V{i:02}")).collect();
        assert_eq!(codes, expected);
        assert_eq!(left_out, 10);
        // The active value is shown even when rare; equal counts keep the
        // first ones.
        let (shown, left_out) = most_frequent(values(&counts), "V00");
        assert_eq!((shown.len(), left_out), (FACET_VALUES_SHOWN + 1, 9));
        assert_eq!(shown[0].0, "V00");
        let (shown, _) = most_frequent(values(&[1; 25]), "");
        assert_eq!(shown.last().map(|v| v.0.as_str()), Some("V19"));
    }
}
