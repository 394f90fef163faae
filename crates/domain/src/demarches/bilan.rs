//! The year-end bilan: one consolidated table of an edition's figures, each
//! line stating its definition and its denominator, with the strict and the
//! weighted online counts side by side.
//!
//! Why: the Oct 2022 edition said "84 % of 249" online and the Nov 2022 press
//! release "près de 90 %, 225 démarches"; each used a different count
//! (DM §0, §1.8, §1.9). A line of this table can never be read two ways.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Month};

mod packed;

pub use packed::PackedCounts;

use super::method::{Indicator, Method};
use super::shares::{
    DemarcheValues, GoalShare, ONLINE, OnlineShare, combine_goals, combine_online, goal_shares,
    grouped, online_share, online_weight,
};

/// One line of the bilan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BilanLine {
    pub label_fr: String,
    /// Exactly what is counted, over what, and what is excluded (French).
    pub definition_fr: String,
    /// Count (or weighted points) of démarches.
    pub numerator: f64,
    pub denominator: usize,
    /// `numerator / denominator`; `None` when the denominator is zero.
    pub share: Option<f64>,
}

/// 31 December of `year`, the bilan's reference date.
pub fn year_end(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::December, 31).ok()
}

/// The edition a year-end bilan reads: the latest one dated on or before
/// 31 December of `year` (editions in any order; ties go to the last in the
/// slice). Pair it with [`super::method_in_force`] of its date.
pub fn edition_for_year_end<T>(editions: &[(Date, T)], year: i32) -> Option<&(Date, T)> {
    let end = year_end(year)?;
    editions
        .iter()
        .filter(|(d, _)| *d <= end)
        .max_by_key(|(d, _)| *d)
}

fn share(num: f64, den: usize) -> Option<f64> {
    (den > 0).then(|| num / den as f64)
}

/// "N démarche(s)" in French.
fn demarches(n: usize) -> String {
    if n > 1 {
        format!("{n} démarches")
    } else {
        format!("{n} démarche")
    }
}

/// Labels (French) of the online levels with this weight, joined by " ou ".
fn online_levels(method: &Method, pick: impl Fn(f64) -> bool) -> String {
    let labels: Vec<String> = method
        .indicator(ONLINE)
        .map(|i| i.levels)
        .unwrap_or_default()
        .iter()
        .filter(|l| online_weight(l.code).is_some_and(&pick))
        .map(|l| format!("« {} »", l.label_fr))
        .collect();
    labels.join(" ou ")
}

/// Indicators given a goal-share line: the method's priority indicators other
/// than `online` (already covered by the online lines) that have a goal level
/// (`usage` has none: DM §1.5, gray). v1 has no priority indicators, so for
/// it every indicator with a goal level except `online`.
fn goal_indicators(method: &Method) -> Vec<&'static Indicator> {
    let any_priority = method.indicators.iter().any(|i| i.priority);
    method
        .indicators
        .iter()
        .filter(|i| i.slug != ONLINE && i.has_goal() && (i.priority || !any_priority))
        .collect()
}

/// The year-end bilan of an edition (DM §1.4, §1.6, §1.9):
///
/// 1. strict online count (fully online démarches);
/// 2. "Oui ou partiel": fully or partially online, the looser count that
///    gives the press release's "225" in 2022; named so it is never mistaken
///    for line 1;
/// 3. weighted online rate (Oui/local/proactive 100 %, Partiel 50 %,
///    Bêta 10 %);
/// 4. one goal-share line per priority indicator (see `goal_indicators`).
///
/// Lines 1–3 share one denominator: démarches with a measured online value.
/// Each `definition_fr` names the levels counted and the démarches excluded.
pub fn bilan(method: &Method, rows: &[DemarcheValues]) -> Vec<BilanLine> {
    bilan_of(method, &BilanCounts::of(method, rows))
}

/// What the bilan counts in a set of démarches. Counts of disjoint sets add
/// up ([`BilanCounts::combine`]), so an edition's bilan over any group of
/// ministries comes from each ministry's counts without its rows (issue #11).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BilanCounts {
    /// Démarches in the set.
    pub rows: usize,
    pub online: OnlineShare,
    /// Démarches fully or partially online (line 2, "Oui ou partiel").
    pub online_or_partial: usize,
    /// One per indicator of the method, in its order.
    pub goals: Vec<GoalShare>,
}

impl BilanCounts {
    /// The counts of `rows` under `method`.
    pub fn of(method: &Method, rows: &[impl Borrow<DemarcheValues>]) -> Self {
        let online_or_partial = method
            .indicator(ONLINE)
            .map(|online| {
                rows.iter()
                    .filter(|r| {
                        let r: &DemarcheValues = (*r).borrow();
                        r.assess(online)
                            .code()
                            .and_then(online_weight)
                            .is_some_and(|w| w >= 0.5)
                    })
                    .count()
            })
            .unwrap_or(0);
        Self {
            rows: rows.len(),
            online: online_share(method, rows),
            online_or_partial,
            goals: goal_shares(method, rows),
        }
    }

    /// The counts of the union of disjoint sets from each set's counts under
    /// `method`: counts add up, shares are recomputed.
    pub fn combine<'a>(method: &Method, parts: impl IntoIterator<Item = &'a BilanCounts>) -> Self {
        let parts: Vec<&BilanCounts> = parts.into_iter().collect();
        Self {
            rows: parts.iter().map(|p| p.rows).sum(),
            online: combine_online(parts.iter().map(|p| &p.online)),
            online_or_partial: parts.iter().map(|p| p.online_or_partial).sum(),
            goals: combine_goals(method, parts.iter().map(|p| &p.goals[..])),
        }
    }
}

/// The counts of each group of `rows` (a ministry, an administration…):
/// `key` names each row's group; a row whose key is `None` is in no group,
/// every other row in exactly one. Rows are grouped by reference, never copied.
pub fn counts_by<K: Ord>(
    method: &Method,
    rows: &[DemarcheValues],
    key: impl Fn(&DemarcheValues) -> Option<K>,
) -> BTreeMap<K, BilanCounts> {
    grouped(rows, key)
        .into_iter()
        .map(|(k, rows)| (k, BilanCounts::of(method, &rows)))
        .collect()
}

/// The bilan (see [`bilan`]) from a set's counts.
pub fn bilan_of(method: &Method, counts: &BilanCounts) -> Vec<BilanLine> {
    let o = &counts.online;
    let excluded = format!(
        "Base : {} dont la valeur « Réalisable en ligne » est mesurée, sur {} de \
         l'édition ; exclues : {} non mesurée(s) ou non applicable(s), {} à valeur \
         invalide.",
        demarches(o.denominator),
        demarches(counts.rows),
        o.not_measured,
        o.invalid
    );
    let partial_count = counts.online_or_partial;
    let mut lines = vec![
        BilanLine {
            label_fr: "Démarches entièrement en ligne (décompte strict)".into(),
            definition_fr: format!(
                "Nombre de démarches dont « Réalisable en ligne » vaut {}. {excluded}",
                online_levels(method, |w| w >= 1.0)
            ),
            numerator: o.strict_count as f64,
            denominator: o.denominator,
            share: o.strict_share,
        },
        BilanLine {
            label_fr: "Démarches en ligne ou partiellement en ligne (« Oui ou partiel »)".into(),
            definition_fr: format!(
                "Nombre de démarches dont « Réalisable en ligne » vaut {} : décompte \
                 large, qui compte comme en ligne les déploiements partiels. {excluded}",
                online_levels(method, |w| w >= 0.5)
            ),
            numerator: partial_count as f64,
            denominator: o.denominator,
            share: share(partial_count as f64, o.denominator),
        },
        BilanLine {
            label_fr: "Taux de dématérialisation pondéré".into(),
            definition_fr: format!(
                "Somme des points (en ligne 100 %, partiel 50 %, bêta 10 %, non 0 %) \
                 rapportée au nombre de démarches : {} compte(nt) 1, {} compte(nt) 0,5{}. \
                 {excluded}",
                online_levels(method, |w| w >= 1.0),
                online_levels(method, |w| w == 0.5),
                if method
                    .indicator(ONLINE)
                    .and_then(|i| i.level("beta"))
                    .is_some()
                {
                    ", « Bêta » compte 0,1"
                } else {
                    ""
                }
            ),
            numerator: o.weighted_points,
            denominator: o.denominator,
            share: o.weighted_share,
        },
    ];
    for ind in goal_indicators(method) {
        let Some(g) = counts.goals.iter().find(|g| g.slug == ind.slug) else {
            continue;
        };
        let goal_labels: Vec<String> = ind
            .levels
            .iter()
            .filter(|l| l.goal)
            .map(|l| format!("« {} »", l.label_fr))
            .collect();
        lines.push(BilanLine {
            label_fr: format!("{} : démarches à l'objectif", ind.label_fr),
            definition_fr: format!(
                "Nombre de démarches au niveau {} de « {} ». Base : {} évaluée(s) sur {} ; \
                 exclues : {} non applicable(s), {} non encore mesurée(s), {} à valeur \
                 invalide.",
                goal_labels.join(" ou "),
                ind.label_fr,
                demarches(g.denominator),
                demarches(counts.rows),
                g.excluded_not_applicable,
                g.excluded_not_measured,
                g.excluded_invalid
            ),
            numerator: g.reached as f64,
            denominator: g.denominator,
            share: g.share,
        });
    }
    lines
}

#[cfg(test)]
mod tests;
