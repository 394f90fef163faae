//! What the démarches dashboard computes from a whole edition and the one
//! before it: the consolidated figures, the goals, the ministries side by
//! side and the top movers. For whoever sees everything it is the same
//! until something is written, so it is computed once per edition and kept
//! (at 100 States' worth of démarches it means assessing millions of values).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cosinum_domain::authz::Actor;
use cosinum_domain::demarches::bilan::bilan_of;
use cosinum_domain::demarches::method::Method;
use cosinum_domain::organisation::Organisation;
use cosinum_store::demarches::Edition;

use super::demarches::{Cell, share_cell};
use super::fr_date;
use crate::AppState;
use crate::api::demarches_crud::{MoverDto, edition_movers};
use crate::charts;
use crate::error::AppError;
use crate::format::number;
use crate::observatory::{method_of, readable_counts, reads};

/// The edition-wide parts of the dashboard, as shown to one reader.
pub(crate) struct EditionView {
    pub(super) count: usize,
    /// Label, definition, numerator / denominator, share.
    pub(super) bilan: Vec<(String, String, String, String)>,
    /// Label, priority, share, exclusions.
    pub(super) goals: Vec<(String, bool, Cell, String)>,
    /// Ministry code, then its cells under the dashboard's columns.
    pub(super) ministries: Vec<(String, Vec<Cell>)>,
    pub(super) ministry_svg: String,
    pub(super) previous_fr: String,
    pub(super) movers_up: Vec<MoverLine>,
    pub(super) movers_down: Vec<MoverLine>,
}

/// A démarche that moved since the previous edition, and on what.
pub(crate) struct MoverLine {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) ministry: String,
    pub(super) moves: String,
}

/// The view of `chosen` for `actor`: cached for whoever sees everything.
pub(super) async fn edition_view(
    state: &AppState,
    actor: &Actor,
    all: &[Edition],
    chosen: &Edition,
    shown: &[&str],
    orgs: &[Organisation],
) -> Result<Arc<EditionView>, AppError> {
    if actor.sees_everything() {
        state
            .demarche_views
            .get(&state.db, chosen.edition_date, || {
                compute(state, actor, all, chosen, shown, orgs)
            })
            .await
    } else {
        Ok(Arc::new(
            compute(state, actor, all, chosen, shown, orgs).await?,
        ))
    }
}

/// The label of an indicator of `m`, or its slug.
pub(super) fn label(m: &Method, slug: &str) -> String {
    m.indicators
        .iter()
        .find(|i| i.slug == slug)
        .map_or_else(|| slug.to_owned(), |i| i.label_fr.to_owned())
}

async fn compute(
    state: &AppState,
    actor: &Actor,
    all: &[Edition],
    chosen: &Edition,
    shown: &[&str],
    orgs: &[Organisation],
) -> Result<EditionView, AppError> {
    let m = method_of(chosen)?;
    // Counts kept per ministry, summed over those the reader reads: the
    // edition itself is never held.
    let figures = state.demarche_figures(chosen).await?;
    let counts = readable_counts(actor, m, &figures);
    let bilan = bilan_of(m, &counts)
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
    let goals = counts
        .goals
        .iter()
        .map(|g| {
            let indicator = m.indicators.iter().find(|i| i.slug == g.slug);
            let priority = indicator.is_some_and(|i| i.priority);
            // Measures without a goal level (usage rate, autonomy) have nothing to reach.
            if !indicator.is_some_and(|i| i.has_goal()) {
                let cell = Cell {
                    text: "sans objectif (mesure seule)".into(),
                    class: "",
                };
                return (label(m, g.slug), priority, cell, String::new());
            }
            let excluded = format!(
                "{} non applicables, {} non mesurées",
                g.excluded_not_applicable, g.excluded_not_measured
            );
            let cell = share_cell(g.reached as f64, g.denominator);
            (label(m, g.slug), priority, cell, excluded)
        })
        .collect();
    let (ministries, ministry_svg) =
        ministries(state, actor, all, chosen, &figures, shown, orgs).await?;
    let moved = edition_movers(state, actor, Some(chosen.edition_date)).await?;
    Ok(EditionView {
        count: counts.rows,
        bilan,
        goals,
        ministries,
        ministry_svg,
        previous_fr: moved.previous_edition.map(fr_date).unwrap_or_default(),
        movers_up: top_movers(&moved.up),
        movers_down: top_movers(&moved.down),
    })
}

/// Ministries side by side (online share, its change since the previous
/// edition, then the `shown` indicators) and the bar chart of online shares.
async fn ministries(
    state: &AppState,
    actor: &Actor,
    all: &[Edition],
    chosen: &Edition,
    figures: &crate::MinistryFigures,
    shown: &[&str],
    orgs: &[Organisation],
) -> Result<(Vec<(String, Vec<Cell>)>, String), AppError> {
    // The method the figures were packed under.
    let m = method_of(chosen)?;
    let code_of: HashMap<_, _> = orgs.iter().map(|o| (o.id, o.code.as_str())).collect();
    let previous = all
        .iter()
        .rev()
        .find(|e| e.edition_date < chosen.edition_date);
    // Only the ministries of this table (those its reader reads) are looked up.
    let before = match previous {
        Some(p) => state.demarche_figures(p).await?,
        None => Default::default(),
    };
    let mut bars = Vec::new();
    let table = figures
        .iter()
        .filter(|(org, _)| reads(actor, **org))
        .map(|(&org, c)| {
            let c = c.unpack(m);
            let (online, goals) = (&c.online, &c.goals);
            let name = code_of
                .get(&org)
                .map_or_else(|| org.to_string(), |c| (*c).to_owned());
            if let Some(s) = online.strict_share {
                bars.push((name.clone(), s * 100.0));
            }
            let change = before
                .get(&org)
                .and_then(|b| Some(online.strict_share? - b.online_share().strict_share?))
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
    let svg = charts::bar_chart(
        "ministeres",
        "Part des démarches entièrement en ligne, par ministère",
        "Pour chaque ministère, part de ses démarches mesurées qui sont entièrement en ligne (comptage strict), dans l'édition affichée.",
        &bars,
        |v| format!("{} %", number(v, 0)),
        |_| false,
    );
    Ok((table, svg))
}

/// Top movers: démarches ranked by the number of indicators that moved in
/// one direction (then by name), at most `TOP_MOVERS`.
const TOP_MOVERS: usize = 10;

fn top_movers(moves: &[MoverDto]) -> Vec<MoverLine> {
    let mut by: BTreeMap<i64, MoverLine> = BTreeMap::new();
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
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
    // Kept with the dashboard's view: without its room for every démarche
    // that moved (megabytes at scale, issue #11).
    lines.shrink_to_fit();
    lines
}
