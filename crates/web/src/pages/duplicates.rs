//! `/reutilisation/doublons`: the duplicates report for the committee,
//! printable (the print stylesheet drops navigation and forms), with its
//! CSV and Excel downloads.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use cosinum_search::Kind;
use serde::Deserialize;

use super::{Crumb, Layout, render};
use crate::AppState;
use crate::api::reuse_report::{DuplicatesParams, duplicates_of};
use crate::error::PageError;
use crate::format::{meur, number};
use crate::identity::SignedPage;

/// Pairs listed on the page: a committee reads the top of the ranking; the
/// CSV and Excel files hold them all.
const SHOWN: usize = 200;

#[derive(Deserialize)]
pub struct DuplicatesQuery {
    seuil: Option<u32>,
    type_objet: Option<String>,
    ministere: Option<String>,
    ecartees: Option<String>,
}

/// One side of a pair: kind, title, ministry, link, amount.
type Side = (&'static str, String, String, String, String);

struct Row {
    rank: usize,
    similarity: String,
    a: Side,
    b: Side,
    same_zone: bool,
    shared: String,
    at_stake: String,
    verdicts: Vec<(&'static str, &'static str, String)>,
}

#[derive(Template)]
#[template(path = "reuse/duplicates.html")]
struct DuplicatesPage {
    layout: Layout,
    seuil: u32,
    type_objet: String,
    ministere: String,
    ecartees: bool,
    kinds: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    /// Pairs found (the page lists the first [`SHOWN`]; the files, all).
    total: usize,
    dismissed: usize,
    total_at_stake: String,
    query: String,
}

pub async fn show(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<DuplicatesQuery>,
) -> Result<Response, PageError> {
    let seuil = q.seuil.unwrap_or(10).min(100);
    let params = DuplicatesParams {
        threshold: Some(seuil as f32 / 100.0),
        kind: q.type_objet.clone(),
        ministry: q.ministere.clone(),
        include_dismissed: Some(q.ecartees.is_some()),
        format: None,
    };
    let report = duplicates_of(&state, page.actor(), &params).await?;
    let money = |a: Option<i64>| a.map_or("—".to_owned(), |v| meur(v as f64 / 1e6));
    let side = |d: &cosinum_search::Doc| {
        (
            d.kind.label_fr(),
            d.title.clone(),
            d.ministry.clone(),
            d.url.clone(),
            money(d.amount),
        )
    };
    let rows = report
        .pairs
        .iter()
        .take(SHOWN)
        .enumerate()
        .map(|(i, p)| Row {
            rank: i + 1,
            similarity: format!("{} %", number(f64::from(p.pair.similarity) * 100.0, 0)),
            a: side(&p.pair.a),
            b: side(&p.pair.b),
            same_zone: p.pair.same_zone,
            shared: p.pair.shared_terms.join(", "),
            at_stake: money(p.pair.amount_at_stake),
            verdicts: p
                .verdicts
                .iter()
                .map(|f| (f.verdict.label_fr(), f.verdict.badge(), f.author.clone()))
                .collect(),
        })
        .collect();
    let query = serde_urlencoded::to_string([
        ("threshold", (seuil as f32 / 100.0).to_string()),
        ("kind", q.type_objet.clone().unwrap_or_default()),
        ("ministry", q.ministere.clone().unwrap_or_default()),
    ])
    .unwrap_or_default();
    render(&DuplicatesPage {
        layout: Layout::new(
            &page.ctx,
            "Doublons entre ministères",
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::link("Réutilisation", "/reutilisation"),
                Crumb::here("Doublons"),
            ],
        ),
        seuil,
        type_objet: q.type_objet.unwrap_or_default(),
        ministere: q.ministere.unwrap_or_default(),
        ecartees: q.ecartees.is_some(),
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_fr()))
            .collect(),
        rows,
        total: report.pairs.len(),
        dismissed: report.dismissed,
        total_at_stake: meur(report.total_at_stake as f64 / 1e6),
        query,
    })
}
