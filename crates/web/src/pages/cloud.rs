//! The cloud-hosting dashboard: compliance with "Cloud au centre" per
//! ministry (chart and table), the hosting mix, sensitive applications that
//! are not compliant and why, derogations ending within 90 days, and the
//! pipeline of planned migrations.

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::response::Response;
use cosinum_domain::cloud::compliance::hosting_on;
use cosinum_domain::cloud::types::{Environment, OfferKind};
use cosinum_store::among::Among;
use serde::Deserialize;

use super::pager::Pager;
use super::{Crumb, Layout, fr_date, render};
use crate::AppState;
use crate::charts;
use crate::cloud_overview::{evaluated_among, overview};
use crate::committee::signals::code_of;
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;

#[derive(Deserialize)]
pub struct DashboardQuery {
    date: Option<String>,
    /// A ministry whose inventory is listed.
    ministere: Option<String>,
    ok: Option<String>,
}

pub(super) fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |r| format!("{} %", number(r * 100.0, 0)))
}

/// A listed application: id, name, ministry, then free text columns.
#[derive(Clone)]
pub(super) struct Line {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) ministry: String,
    pub(super) cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "cloud/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    as_of: String,
    as_of_fr: String,
    doctrine: String,
    total: (usize, usize, usize, usize, String),
    rate_svg: String,
    ministries: Vec<(String, usize, usize, usize, usize, String)>,
    ministries_pager: Pager,
    mix: Vec<(String, usize, String)>,
    sensitive_breaches: Vec<Line>,
    breaches_pager: Pager,
    expiring: Vec<Line>,
    expiring_pager: Pager,
    pipeline_svg: String,
    pipeline: Vec<(String, usize)>,
    ministry: String,
    inventory: Vec<Line>,
    inventory_pager: Pager,
}

pub async fn dashboard(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<DashboardQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let raw = raw.as_deref();
    let today = time::OffsetDateTime::now_utc().date();
    let as_of = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| AppError::BadRequest(format!("Date invalide : {d}")))?,
        None => today,
    };
    let overview = overview(&state, page.actor(), as_of).await?;
    let orgs = state.organisations(true).await?;
    let c = overview.compliance(&orgs);
    let code = |id| code_of(&orgs, id);
    let bars: Vec<(String, f64)> = c
        .by_ministry
        .iter()
        .filter_map(|m| Some((m.ministry.clone(), m.compliance_rate? * 100.0)))
        .collect();
    let rate_svg = charts::bar_chart(
        "conformite",
        "Taux de conformité à la doctrine « Cloud au centre », par ministère",
        "Pour chaque ministère, part des applications dans le champ de la doctrine qui la respectent, sans dérogation.",
        &bars,
        |v| format!("{} %", number(v, 0)),
        |v| v < 50.0,
    );
    let (mix, hosted, pipeline) = (&overview.mix, overview.hosted, &overview.pipeline);
    // Each long table turns with a parameter of its own.
    let pager =
        |param, anchor, label, total| Pager::new(raw, param, "/hebergement", anchor, label, total);
    let breaches_pager = pager(
        "page_sensibles",
        "sensibles",
        "applications sensibles non conformes",
        overview.sensitive_breaches.len(),
    );
    let sensitive_breaches = overview.sensitive_breaches[breaches_pager.range()]
        .iter()
        .map(|b| Line {
            id: b.id,
            name: b.name.clone(),
            ministry: code(b.ministry),
            cells: vec![b.reasons.join(" ; ")],
        })
        .collect();
    let expiring_pager = pager(
        "page_derogations",
        "derogations",
        "dérogations arrivant à échéance",
        overview.expiring.len(),
    );
    let expiring = overview.expiring[expiring_pager.range()]
        .iter()
        .map(|d| Line {
            id: d.id,
            name: d.name.clone(),
            ministry: code(d.ministry),
            cells: vec![
                format!("{:?}", d.rule),
                fr_date(d.end),
                d.granted_by.clone(),
            ],
        })
        .collect();
    let ministries_pager = pager(
        "page_ministeres",
        "par-ministere",
        "ministères",
        c.by_ministry.len(),
    );
    let ministry = q.ministere.clone().unwrap_or_default();
    // The inventory of the ministry asked for, read for it alone.
    let (offers, listed) = match orgs.iter().find(|o| o.code == ministry) {
        Some(o) => evaluated_among(&state, page.actor(), Among::Ministry(o.id), as_of).await?,
        None => (Vec::new(), Vec::new()),
    };
    let inventory_pager = pager("page", "inventaire", "inventaire", listed.len());
    let inventory = listed[inventory_pager.range()]
        .iter()
        .map(|(a, f, e)| {
            let prod = hosting_on(&f.hostings, as_of)
                .get(&Environment::Production)
                .and_then(|h| offers.iter().find(|o| o.id == h.offer_id))
                .map_or("—".to_owned(), |o| o.name.clone());
            Line {
                id: a.id,
                name: a.name.clone(),
                ministry: ministry.clone(),
                cells: vec![
                    a.status.label_fr().to_owned(),
                    prod,
                    e.verdict.label_fr().to_owned(),
                ],
            }
        })
        .collect();
    let pipeline: Vec<(String, usize)> = pipeline.iter().map(|(q, n)| (q.clone(), *n)).collect();
    let pipeline_svg = charts::bar_chart(
        "migrations",
        "Migrations prévues, par trimestre",
        "Nombre d'applications dont l'hébergement de production doit changer, par trimestre de bascule prévue.",
        &pipeline
            .iter()
            .map(|(q, n)| (q.clone(), *n as f64))
            .collect::<Vec<_>>(),
        |v| number(v, 0),
        |_| false,
    );
    let t = &c.total;
    render(&DashboardPage {
        layout: Layout::new(
            &page.ctx,
            "Hébergement et cloud",
            vec![
                Crumb::link("Accueil", "/"),
                Crumb::here("Hébergement et cloud"),
            ],
        )
        .with_notice(q.ok.as_deref()),
        as_of: as_of.to_string(),
        as_of_fr: fr_date(as_of),
        doctrine: cosinum_domain::cloud::types::Doctrine::in_force(as_of)
            .map_or("aucune (avant juillet 2021)".into(), |d| {
                d.label_fr().to_owned()
            }),
        total: (
            t.applications,
            t.compliant,
            t.non_compliant,
            t.under_derogation,
            pct(t.compliance_rate),
        ),
        rate_svg,
        ministries: c.by_ministry[ministries_pager.range()]
            .iter()
            .map(|m| {
                (
                    m.ministry.clone(),
                    m.applications,
                    m.compliant,
                    m.non_compliant,
                    m.under_derogation,
                    pct(m.compliance_rate),
                )
            })
            .collect(),
        ministries_pager,
        mix: [
            OfferKind::InternalCloud,
            OfferKind::Commercial,
            OfferKind::OnPremise,
        ]
        .iter()
        .map(|k| {
            let n = mix.get(k.label_fr()).copied().unwrap_or(0);
            (
                k.label_fr().to_owned(),
                n,
                pct((hosted > 0).then(|| n as f64 / hosted as f64)),
            )
        })
        .collect(),
        sensitive_breaches,
        breaches_pager,
        expiring,
        expiring_pager,
        pipeline_svg,
        pipeline,
        ministry,
        inventory,
        inventory_pager,
    })
}
