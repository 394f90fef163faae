//! The online-services dashboard: one edition's consolidated figures, each
//! with its definition and denominator, indicators at goal, ministries side
//! by side, and the evolution of the online share across editions.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use cosinum_domain::authz::{Access, allows};
use cosinum_domain::demarches::bilan::bilan;
use cosinum_domain::demarches::method::method;
use cosinum_domain::demarches::shares::{DemarcheValues, by_ministry, goal_shares};
use cosinum_store::demarches;
use serde::Deserialize;

use super::{Crumb, Layout, fr_date, render};
use crate::AppState;
use crate::api::demarches::demarche_resource;
use crate::cache::readable;
use crate::charts;
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
    count: usize,
    bilan: Vec<(String, String, String, String)>,
    goals: Vec<(String, bool, Cell, String)>,
    columns: Vec<String>,
    ministries: Vec<(String, Vec<Cell>)>,
    ministry_svg: String,
    /// The chosen ministry's administrations: name, then the same cells as
    /// `ministries` without the change column.
    administrations: Vec<(String, Vec<Cell>)>,
    admin_columns: Vec<String>,
    evolution: super::demarche_charts::Evolution,
    targets: Vec<TargetLine>,
    edition_value: String,
    ministry: String,
    listed: Vec<(i64, String, String, String)>,
    previous_fr: String,
    movers_up: Vec<MoverLine>,
    movers_down: Vec<MoverLine>,
    can_write: bool,
}

/// A démarche that moved since the previous edition, and on what.
struct MoverLine {
    id: i64,
    name: String,
    ministry: String,
    moves: String,
}

/// Top movers: démarches ranked by the number of indicators that moved in
/// one direction (then by name), at most `TOP_MOVERS`.
const TOP_MOVERS: usize = 10;

fn top_movers(moves: &[crate::api::demarches_crud::MoverDto]) -> Vec<MoverLine> {
    let mut by: std::collections::BTreeMap<i64, MoverLine> = std::collections::BTreeMap::new();
    let mut counts: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
    for m in moves {
        let line = by.entry(m.demarche_id).or_insert_with(|| MoverLine {
            id: m.demarche_id,
            name: m.name.clone(),
            ministry: m.ministry.clone(),
            moves: String::new(),
        });
        if !line.moves.is_empty() {
            line.moves.push_str(" ; ");
        }
        line.moves.push_str(&format!(
            "{} : {} → {}",
            m.indicator,
            m.before.unwrap_or("—"),
            m.after.unwrap_or("—")
        ));
        *counts.entry(m.demarche_id).or_default() += 1;
    }
    let mut lines: Vec<MoverLine> = by.into_values().collect();
    lines.sort_by(|a, b| counts[&b.id].cmp(&counts[&a.id]).then(a.name.cmp(&b.name)));
    lines.truncate(TOP_MOVERS);
    lines
}

/// The online share and the goals across every edition, each read under its
/// own method, over what `actor` may read.
async fn evolution(
    state: &AppState,
    actor: &cosinum_domain::authz::Actor,
    all: &[cosinum_store::demarches::Edition],
    m: &'static cosinum_domain::demarches::method::Method,
    shown: &[&str],
) -> Result<super::demarche_charts::Evolution, AppError> {
    let mut stored = Vec::with_capacity(all.len());
    for e in all {
        let Some(em) = method(&e.method) else {
            continue;
        };
        stored.push((
            e.edition_date,
            em,
            state.demarche_rows(e.edition_date).await?,
        ));
    }
    let editions_rows: Vec<_> = stored
        .iter()
        .map(|(d, em, r)| (*d, *em, readable(actor, r)))
        .collect();
    Ok(super::demarche_charts::evolution(&editions_rows, m, shown))
}

pub async fn dashboard(
    State(state): State<AppState>,
    page: SignedPage,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let all = demarches::editions(db).await?;
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
    let chosen_rows = state.demarche_rows(chosen.edition_date).await?;
    let rows = readable(&actor, &chosen_rows);
    let bilan = bilan(m, &rows)
        .into_iter()
        .map(|l| {
            (
                l.label_fr,
                l.definition_fr,
                format!(
                    "{} / {}",
                    number(l.numerator, 1).trim_end_matches(",0"),
                    l.denominator
                ),
                l.share
                    .map_or("—".into(), |s| format!("{} %", number(s * 100.0, 1))),
            )
        })
        .collect();
    let label = |slug: &str| {
        m.indicators
            .iter()
            .find(|i| i.slug == slug)
            .map_or_else(|| slug.to_owned(), |i| i.label_fr.to_owned())
    };
    let goals = goal_shares(m, &rows)
        .into_iter()
        .map(|g| {
            let indicator = m.indicators.iter().find(|i| i.slug == g.slug);
            let priority = indicator.is_some_and(|i| i.priority);
            // Measures without a goal level (usage rate, autonomy) have nothing to reach.
            if !indicator.is_some_and(|i| i.has_goal()) {
                return (
                    label(g.slug),
                    priority,
                    Cell {
                        text: "sans objectif (mesure seule)".into(),
                        class: "",
                    },
                    String::new(),
                );
            }
            let excluded = format!(
                "{} non applicables, {} non mesurées",
                g.excluded_not_applicable, g.excluded_not_measured
            );
            (
                label(g.slug),
                priority,
                share_cell(g.reached as f64, g.denominator),
                excluded,
            )
        })
        .collect();
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
    let orgs = cosinum_store::organisations::list(db, true).await?;
    // The previous edition, for each ministry's change.
    let previous = all
        .iter()
        .rev()
        .find(|e| e.edition_date < chosen.edition_date);
    let before = match previous.and_then(|p| method(&p.method).map(|pm| (p, pm))) {
        Some((p, pm)) => by_ministry(
            pm,
            &readable(&actor, &state.demarche_rows(p.edition_date).await?),
        ),
        None => Default::default(),
    };
    let mut bars = Vec::new();
    let ministries = by_ministry(m, &rows)
        .into_iter()
        .map(|(org, (online, goals))| {
            let name = orgs
                .iter()
                .find(|o| o.id == org)
                .map_or_else(|| org.to_string(), |o| o.code.clone());
            if let Some(s) = online.strict_share {
                bars.push((name.clone(), s * 100.0));
            }
            let change = before
                .get(&org)
                .and_then(|(b, _)| Some(online.strict_share? - b.strict_share?))
                .map_or("—".into(), |c| {
                    format!(
                        "{}{} pt",
                        if c > 0.0 { "+" } else { "" },
                        number(c * 100.0, 1)
                    )
                });
            let mut cells = vec![share_cell(online.strict_count as f64, online.denominator)];
            cells.push(Cell {
                text: change,
                class: "",
            });
            cells.extend(shown.iter().map(|slug| {
                goals.iter().find(|g| g.slug == *slug).map_or(
                    Cell {
                        text: "—".into(),
                        class: "",
                    },
                    |g| share_cell(g.reached as f64, g.denominator),
                )
            }));
            (name, cells)
        })
        .collect();
    bars.sort_by(|a, b| b.1.total_cmp(&a.1));
    let ministry_svg = charts::bar_chart(
        "ministeres",
        "Part des démarches entièrement en ligne, par ministère",
        "Pour chaque ministère, part de ses démarches mesurées qui sont entièrement en ligne (comptage strict), dans l'édition affichée.",
        &bars,
        |v| format!("{} %", number(v, 0)),
        |_| false,
    );
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
        let online = m.indicators.iter().find(|i| i.slug == "online");
        let values: std::collections::HashMap<i64, &DemarcheValues> =
            rows.iter().map(|r| (r.demarche_id, r)).collect();
        for d in demarches::list(db)
            .await?
            .into_iter()
            .filter(|d| d.organisation_id == org.id)
        {
            let level = match (online, values.get(&d.id)) {
                (Some(i), Some(v)) => v
                    .assess(i)
                    .code()
                    .and_then(|c| i.level(c))
                    .map_or("non mesuré", |l| l.label_fr),
                _ => "non mesuré",
            };
            listed.push((d.id, d.name, d.administration, level.to_owned()));
        }
        let list = demarches::list(db).await?;
        let mine: Vec<DemarcheValues> = rows
            .iter()
            .filter(|r| r.ministry == org.id)
            .cloned()
            .collect();
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
    let moved =
        crate::api::demarches_crud::edition_movers(&state, page.actor(), Some(chosen.edition_date))
            .await?;
    let can_write = orgs
        .iter()
        .any(|o| allows(Some(page.actor()), Access::Write, &demarche_resource(o.id)));
    render(&DashboardPage {
        layout: layout.with_notice(q.ok.as_deref()),
        previous_fr: moved.previous_edition.map(fr_date).unwrap_or_default(),
        movers_up: top_movers(&moved.up),
        movers_down: top_movers(&moved.down),
        can_write,
        editions,
        edition_fr: fr_date(chosen.edition_date),
        method_label: m.label_fr,
        count: rows.len(),
        bilan,
        goals,
        columns,
        ministries,
        ministry_svg,
        administrations,
        admin_columns,
        evolution,
        targets,
        edition_value: chosen.edition_date.to_string(),
        ministry,
        listed,
    })
}
