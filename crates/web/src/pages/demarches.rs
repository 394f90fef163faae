//! The online-services dashboard: one edition's consolidated figures, each
//! with its definition and denominator, indicators at goal, ministries side
//! by side, and the evolution of the online share across editions.

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::response::Response;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::demarches::method::method;
use cosinum_domain::demarches::shares::DemarcheValues;
use cosinum_store::demarches;
use serde::Deserialize;

use super::{Crumb, Layout, fr_date, render};
use crate::AppState;
use crate::api::demarches::demarche_resource;
use crate::error::{AppError, PageError};
use crate::format::number;
use crate::identity::SignedPage;

#[derive(Deserialize)]
pub struct DashboardQuery {
    edition: Option<String>,
    /// A ministry whose démarches are listed.
    ministere: Option<String>,
    /// Confirmation after a redirect.
    ok: Option<String>,
}

/// A target's line, in French.
pub(super) fn target_line(t: &crate::api::demarches_targets::TargetProgress) -> TargetLine {
    TargetLine {
        label: match &t.scope {
            Some(code) => format!("{} ({code})", t.label),
            None => t.label.clone(),
        },
        deadline: fr_date(t.deadline),
        current: t.current.map_or("—".into(), |c| {
            format!(
                "{} % (objectif {} %)",
                number(c * 100.0, 0),
                number(t.threshold * 100.0, 0)
            )
        }),
        percent: t.current.map_or(0, |c| (c * 100.0).round() as i64),
        trend: t.slope_per_year.map_or("—".into(), |sl| {
            format!("{} points par an", number(sl * 100.0, 1))
        }),
        projected: t.projected_date.map_or("—".into(), fr_date),
        status: t.status.label_fr(),
        late: t.status == cosinum_domain::demarches::targets::ProgressStatus::Late,
    }
}

/// One target and where it stands.
pub(super) struct TargetLine {
    pub(super) label: String,
    pub(super) deadline: String,
    pub(super) current: String,
    pub(super) percent: i64,
    pub(super) trend: String,
    pub(super) projected: String,
    pub(super) status: &'static str,
    pub(super) late: bool,
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

/// A share shown with its colour class and its count, e.g. "84 % (209/249)".
pub(super) struct Cell {
    pub(super) text: String,
    pub(super) class: &'static str,
}

pub(super) fn share_cell(reached: f64, denominator: usize) -> Cell {
    if denominator == 0 {
        return Cell {
            text: "—".into(),
            class: "",
        };
    }
    let share = reached / denominator as f64;
    let class = if share >= 0.8 {
        "cosinum-level-good"
    } else if share >= 0.5 {
        "cosinum-level-mid"
    } else {
        "cosinum-level-bad"
    };
    Cell {
        text: format!(
            "{} % ({}/{})",
            number(share * 100.0, 0),
            number(reached, 0),
            denominator
        ),
        class,
    }
}

#[derive(Template)]
#[template(path = "demarches/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    editions: Vec<Opt>,
    edition_fr: String,
    method_label: &'static str,
    /// Edition-wide figures, goals, ministries and movers.
    view: std::sync::Arc<super::demarches_view::EditionView>,
    columns: Vec<String>,
    /// The chosen ministry's administrations: name, then the same cells as
    /// `ministries` without the change column.
    administrations: Vec<(String, Vec<Cell>)>,
    admin_columns: Vec<String>,
    evolution: super::demarche_charts::Evolution,
    targets: Vec<TargetLine>,
    edition_value: String,
    ministry: String,
    listed: Vec<(i64, String, String, String)>,
    listed_pager: super::pager::Pager,
    ministries_pager: super::pager::Pager,
    can_write: bool,
}

impl DashboardPage {
    /// The ministries of the comparison's current page.
    fn ministries_shown(&self) -> &[(String, Vec<Cell>)] {
        &self.view.ministries[self.ministries_pager.range()]
    }
}

/// The online share and the goals across every edition, each read under its
/// own method, over what `actor` may read: combined from each edition's
/// per-ministry figures, never from its rows.
async fn evolution(
    state: &AppState,
    actor: &cosinum_domain::authz::Actor,
    all: &[cosinum_store::demarches::Edition],
    m: &'static cosinum_domain::demarches::method::Method,
    shown: &[&str],
) -> Result<super::demarche_charts::Evolution, AppError> {
    let mut editions = Vec::with_capacity(all.len());
    for e in all {
        let Some(em) = method(&e.method) else {
            continue;
        };
        let figures = state.demarche_figures(e).await?;
        let counts = crate::observatory::readable_counts(actor, em, &figures);
        editions.push((e.edition_date, em, counts.online, counts.goals));
    }
    Ok(super::demarche_charts::evolution(&editions, m, shown))
}

/// The dashboard, or, when its figures take longer than
/// `web.page_patience_secs` to compute (an edition's worth of a thousand
/// States' démarches, after start-up or a write), a page saying so with a
/// link to reload it (no automatic refresh: RGAA 13.1 leaves the user in
/// control of time). The computation runs on as a task of its own, so the
/// work is kept for the reload instead of being cut by the request timeout.
pub async fn dashboard(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<DashboardQuery>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let ctx = crate::identity::PageCtx {
        identity: page.ctx.identity.clone(),
        path: page.ctx.path.clone(),
        request_id: page.ctx.request_id.clone(),
    };
    let again = match raw.as_deref() {
        Some(query) if !query.is_empty() => format!("/demarches?{query}"),
        _ => "/demarches".to_owned(),
    };
    let patience = std::time::Duration::from_secs(state.config.page_patience_secs);
    let task = tokio::spawn(full_dashboard(state, page, q, raw));
    match tokio::time::timeout(patience, task).await {
        Ok(Ok(page)) => page,
        Ok(Err(e)) => Err(AppError::Internal(anyhow::anyhow!("dashboard task: {e}")).into()),
        Err(_) => preparing(&ctx, again),
    }
}

#[derive(Template)]
#[template(path = "demarches/preparing.html")]
struct PreparingPage {
    layout: Layout,
    seconds: u64,
    /// This page again, with its query.
    again: String,
}

/// 503 with `Retry-After`: the figures are on their way.
fn preparing(ctx: &crate::identity::PageCtx, again: String) -> Result<Response, PageError> {
    const RELOAD_SECS: u64 = 15;
    let mut res = render(&PreparingPage {
        layout: Layout::new(ctx, "Qualité des démarches en ligne", vec![]),
        seconds: RELOAD_SECS,
        again,
    })?;
    *res.status_mut() = axum::http::StatusCode::SERVICE_UNAVAILABLE;
    res.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(RELOAD_SECS),
    );
    Ok(res)
}

async fn full_dashboard(
    state: AppState,
    page: SignedPage,
    q: DashboardQuery,
    raw: Option<String>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let all = state.demarche_editions().await?;
    let chosen = match q.edition.as_deref().filter(|e| !e.is_empty()) {
        Some(e) => all
            .iter()
            .find(|x| x.edition_date.to_string() == e)
            .ok_or(AppError::NotFound)?,
        None => all.last().ok_or(AppError::NotFound)?,
    };
    let m = method(&chosen.method)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown method {}", chosen.method)))?;
    let actor = page.actor().clone();
    let label = |slug: &str| super::demarches_view::label(m, slug);
    // Ministries side by side: online (strict) then the priority indicators
    // (all indicators with a goal under the 2019 method, which had no priority ones).
    let shown: Vec<&str> = m
        .indicators
        .iter()
        .filter(|i| i.priority || !m.indicators.iter().any(|j| j.priority))
        .filter(|i| i.has_goal() && i.slug != "online")
        .map(|i| i.slug)
        .collect();
    let mut columns = vec![
        "En ligne (strict)".to_owned(),
        "Évolution depuis l'édition précédente".to_owned(),
    ];
    columns.extend(shown.iter().map(|s| label(s)));
    let orgs = state.organisations(true).await?;
    let view =
        super::demarches_view::edition_view(&state, &actor, &all, chosen, &shown, &orgs).await?;
    // Evolution across editions, each read under its own method.
    let evolution = if actor.sees_everything() {
        // The same for whoever sees everything, kept while nothing is written.
        let cached = state
            .demarche_evolutions
            .get(db, chosen.edition_date, || {
                evolution(&state, &actor, &all, m, &shown)
            })
            .await?;
        (*cached).clone()
    } else {
        evolution(&state, &actor, &all, m, &shown).await?
    };
    let today = time::OffsetDateTime::now_utc().date();
    let targets = crate::api::demarches_targets::progress_all(&state, page.actor(), today)
        .await?
        .into_iter()
        .map(|t| target_line(&t))
        .collect();
    // The démarches of one ministry, with their online level in this edition.
    let ministry = q.ministere.clone().unwrap_or_default();
    let mut listed = Vec::new();
    let mut administrations = Vec::new();
    if let Some(org) = orgs.iter().find(|o| o.code == ministry)
        && allows(Some(page.actor()), Access::Read, &demarche_resource(org.id))
    {
        // Only this ministry's démarches are read.
        let mut mine: Vec<DemarcheValues> = Vec::new();
        demarches::edition_values_among(
            db,
            chosen.edition_date,
            demarches::Among::Ministry(org.id),
            4096,
            |chunk| mine.extend(chunk),
        )
        .await?;
        let online = m.indicators.iter().find(|i| i.slug == "online");
        let values: std::collections::HashMap<i64, &DemarcheValues> =
            mine.iter().map(|r| (r.demarche_id, r)).collect();
        let list = demarches::list(db).await?;
        for d in list.iter().filter(|d| d.organisation_id == org.id) {
            let level = match (online, values.get(&d.id)) {
                (Some(i), Some(v)) => v
                    .assess(i)
                    .code()
                    .and_then(|c| i.level(c))
                    .map_or("non mesuré", |l| l.label_fr),
                _ => "non mesuré",
            };
            listed.push((
                d.id,
                d.name.clone(),
                d.administration.clone(),
                level.to_owned(),
            ));
        }
        for ((_, name), (online, goals)) in
            crate::api::demarches::by_administration(m, &mine, &list)
        {
            let mut cells = vec![share_cell(online.strict_count as f64, online.denominator)];
            cells.extend(shown.iter().map(|slug| {
                goals.iter().find(|g| g.slug == *slug).map_or(
                    Cell {
                        text: "—".into(),
                        class: "",
                    },
                    |g| share_cell(g.reached as f64, g.denominator),
                )
            }));
            administrations.push((name, cells));
        }
    }
    let pager = |param, anchor, label, total| {
        super::pager::Pager::new(raw.as_deref(), param, "/demarches", anchor, label, total)
    };
    let listed_pager = pager("page", "liste", "démarches", listed.len());
    let listed = listed_pager.take(listed);
    let ministries_pager = pager(
        "page_ministeres",
        "par-ministere",
        "ministères",
        view.ministries.len(),
    );
    let editions = all
        .iter()
        .rev()
        .map(|e| Opt {
            value: e.edition_date.to_string(),
            label: format!("{} ({})", fr_date(e.edition_date), e.method),
            selected: e.id == chosen.id,
        })
        .collect();
    let admin_columns = columns
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, c)| c.clone())
        .collect();
    let layout = Layout::new(
        &page.ctx,
        "Démarches en ligne",
        vec![
            Crumb::link("Accueil", "/"),
            Crumb::here("Démarches en ligne"),
        ],
    );
    let can_write = orgs
        .iter()
        .any(|o| allows(Some(page.actor()), Access::Write, &demarche_resource(o.id)));
    render(&DashboardPage {
        layout: layout.with_notice(q.ok.as_deref()),
        can_write,
        editions,
        edition_fr: fr_date(chosen.edition_date),
        method_label: m.label_fr,
        view,
        columns,
        administrations,
        admin_columns,
        evolution,
        targets,
        edition_value: chosen.edition_date.to_string(),
        ministry,
        listed,
        listed_pager,
        ministries_pager,
    })
}
