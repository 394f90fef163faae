//! Per-edition shares: the online rate (strict and weighted, DM §1.4 "Taux de
//! dématérialisation", DM §1.9), the share of démarches at goal per indicator
//! (DM §1.6), per-ministry breakdown, and the démarches that moved between two
//! editions.
//!
//! Every count states its denominator and its exclusions: a row is never
//! dropped silently (DM §1.9, "the denominator moves").

use std::borrow::Borrow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::method::{Assessment, Indicator, Method, RawValue, assess};
use crate::OrgId;

/// The raw values of one démarche in one edition, keyed by indicator slug.
/// A slug absent from `values` reads as not yet measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemarcheValues {
    pub demarche_id: i64,
    pub ministry: OrgId,
    pub values: BTreeMap<String, RawValue>,
}

impl DemarcheValues {
    /// The assessment of this démarche on an indicator (missing = not yet measured).
    pub fn assess(&self, indicator: &Indicator) -> Assessment {
        self.values
            .get(indicator.slug)
            .map_or(Assessment::NotYetMeasured, |v| assess(indicator, v))
    }
}

/// Slug of the "Réalisable en ligne" indicator in both methods.
pub const ONLINE: &str = "online";

/// Weight of an online level in the weighted rate (DM §1.4 "Taux de
/// dématérialisation"): Oui and local deployment 100 %, partial deployment
/// 50 %, Bêta 10 %, Non 0 %. "Démarche proactive" (v2, DM §1.5) counts 100 %:
/// the right is granted without any démarche, the best an online démarche can
/// be. `None` for a code that is not an online level.
pub fn online_weight(code: &str) -> Option<f64> {
    match code {
        "oui" | "local" | "proactive" => Some(1.0),
        "partiel" => Some(0.5),
        "beta" => Some(0.1),
        "non" => Some(0.0),
        _ => None,
    }
}

fn ratio(num: f64, den: usize) -> Option<f64> {
    (den > 0).then(|| num / den as f64)
}

/// Online rate of an edition, strict and weighted side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnlineShare {
    /// Démarches with a measured online value (the denominator of both shares).
    pub denominator: usize,
    /// Fully online: Oui, En cours de déploiement local, Démarche proactive.
    pub strict_count: usize,
    pub strict_share: Option<f64>,
    /// Sum of [`online_weight`]s over the denominator.
    pub weighted_points: f64,
    pub weighted_share: Option<f64>,
    /// Démarches with no usable online value: missing, not yet measured or
    /// not applicable. Excluded from the denominator.
    pub not_measured: usize,
    /// Démarches whose online value fits no level. Excluded from the
    /// denominator (addition to the brief's struct, so nothing hides).
    pub invalid: usize,
}

impl OnlineShare {
    /// The rate of no démarche: every count zero, no share.
    fn none() -> Self {
        OnlineShare {
            denominator: 0,
            strict_count: 0,
            strict_share: None,
            weighted_points: 0.0,
            weighted_share: None,
            not_measured: 0,
            invalid: 0,
        }
    }
}

/// The online rate of an edition (DM §1.4, §1.9).
///
/// - `strict_count`: démarches fully online (Oui, En cours de déploiement
///   local, and for v2 Démarche proactive).
/// - `weighted_points`: Oui/local/proactive 1, Partiel 0.5, Bêta 0.1, Non 0.
/// - `denominator`: démarches with a **measured** online value. Démarches
///   without one (missing, "À venir", "n/a") are **excluded** and counted in
///   `not_measured`; invalid values are excluded and counted in `invalid`.
///   So `denominator + not_measured + invalid == rows.len()`.
///
/// A method without an `online` indicator counts every row as not measured.
pub fn online_share(method: &Method, rows: &[impl Borrow<DemarcheValues>]) -> OnlineShare {
    let mut s = OnlineShare::none();
    let Some(online) = method.indicator(ONLINE) else {
        s.not_measured = rows.len();
        return s;
    };
    for row in rows {
        match row.borrow().assess(online) {
            Assessment::Level { code, .. } => match online_weight(code) {
                Some(w) => {
                    s.denominator += 1;
                    s.weighted_points += w;
                    if w >= 1.0 {
                        s.strict_count += 1;
                    }
                }
                None => s.invalid += 1,
            },
            Assessment::NotApplicable | Assessment::NotYetMeasured => s.not_measured += 1,
            Assessment::Invalid(_) => s.invalid += 1,
        }
    }
    s.strict_share = ratio(s.strict_count as f64, s.denominator);
    s.weighted_share = ratio(s.weighted_points, s.denominator);
    s
}

/// Share of démarches at goal on one indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalShare {
    pub slug: &'static str,
    /// Démarches whose level is flagged goal.
    pub reached: usize,
    /// Démarches assessed to a level.
    pub denominator: usize,
    /// `reached / denominator`; `None` when the denominator is zero or the
    /// indicator has no goal level (usage, autonomy: gray, DM §1.5).
    pub share: Option<f64>,
    pub excluded_not_applicable: usize,
    /// Missing or not yet measured ("À venir", too few avis …).
    pub excluded_not_measured: usize,
    /// Values fitting no level (addition to the brief's struct).
    pub excluded_invalid: usize,
}

impl GoalShare {
    /// The goal share of no démarche on the indicator `slug`.
    fn none(slug: &'static str) -> Self {
        GoalShare {
            slug,
            reached: 0,
            denominator: 0,
            share: None,
            excluded_not_applicable: 0,
            excluded_not_measured: 0,
            excluded_invalid: 0,
        }
    }
}

/// Goal share of one indicator.
pub fn goal_share(indicator: &Indicator, rows: &[impl Borrow<DemarcheValues>]) -> GoalShare {
    let mut g = GoalShare::none(indicator.slug);
    for row in rows {
        match row.borrow().assess(indicator) {
            Assessment::Level { goal, .. } => {
                g.denominator += 1;
                g.reached += usize::from(goal);
            }
            Assessment::NotApplicable => g.excluded_not_applicable += 1,
            Assessment::NotYetMeasured => g.excluded_not_measured += 1,
            Assessment::Invalid(_) => g.excluded_invalid += 1,
        }
    }
    if indicator.has_goal() {
        g.share = ratio(g.reached as f64, g.denominator);
    }
    g
}

/// One [`GoalShare`] per indicator of the method, in the method's order
/// (DM §1.6 "Score = % of démarches where goalReached").
///
/// Not-applicable, not-yet-measured and invalid values are excluded from the
/// denominator and counted. Unlike VDE's radar (DM §1.6), démarches with
/// online = "Non" are **not** excluded here: filter `rows` first to get the
/// radar's figure.
pub fn goal_shares(method: &Method, rows: &[impl Borrow<DemarcheValues>]) -> Vec<GoalShare> {
    method
        .indicators
        .iter()
        .map(|i| goal_share(i, rows))
        .collect()
}

/// Online rate and goal shares per ministry (DM §1.6 groups by ministère).
/// Every row lands in exactly one ministry.
pub fn by_ministry(
    method: &Method,
    rows: &[DemarcheValues],
) -> BTreeMap<OrgId, (OnlineShare, Vec<GoalShare>)> {
    by_group(method, rows, |r| Some(r.ministry))
}

/// Online rate and goal shares per group (a ministry, an administration…):
/// `key` names each row's group; a row whose key is `None` is in no group
/// (a démarche the caller cannot place), every other row in exactly one.
pub fn by_group<K: Ord>(
    method: &Method,
    rows: &[DemarcheValues],
    key: impl Fn(&DemarcheValues) -> Option<K>,
) -> BTreeMap<K, (OnlineShare, Vec<GoalShare>)> {
    grouped(rows, key)
        .into_iter()
        .map(|(k, rows)| (k, (online_share(method, &rows), goal_shares(method, &rows))))
        .collect()
}

/// `rows` by group, as `key` names each row's (`None`: in no group), by
/// reference: a group's rows are read, never copied.
pub fn grouped<K: Ord>(
    rows: &[DemarcheValues],
    key: impl Fn(&DemarcheValues) -> Option<K>,
) -> BTreeMap<K, Vec<&DemarcheValues>> {
    let mut groups: BTreeMap<K, Vec<&DemarcheValues>> = BTreeMap::new();
    for row in rows {
        if let Some(k) = key(row) {
            groups.entry(k).or_default().push(row);
        }
    }
    groups
}

/// The online rate of the union of disjoint sets of démarches, from each
/// set's rate: counts and points add up, shares are recomputed from them
/// (DM §1.4, §1.9: a share is its count over its denominator). An edition's
/// figures kept per ministry so give any reader's scope, or the whole
/// State, without keeping its rows (issue #11). No part: the rate of no row.
pub fn combine_online<'a>(parts: impl IntoIterator<Item = &'a OnlineShare>) -> OnlineShare {
    let mut s = OnlineShare::none();
    for p in parts {
        s.denominator += p.denominator;
        s.strict_count += p.strict_count;
        s.weighted_points += p.weighted_points;
        s.not_measured += p.not_measured;
        s.invalid += p.invalid;
    }
    s.strict_share = ratio(s.strict_count as f64, s.denominator);
    s.weighted_share = ratio(s.weighted_points, s.denominator);
    s
}

/// The goal shares of the union of disjoint sets of démarches, from each
/// set's [`goal_shares`] under `method`: one per indicator of the method, in
/// its order, counts added up (an indicator a part lacks counts nothing there).
pub fn combine_goals<'a>(
    method: &Method,
    parts: impl IntoIterator<Item = &'a [GoalShare]>,
) -> Vec<GoalShare> {
    let mut out: Vec<GoalShare> = method
        .indicators
        .iter()
        .map(|i| GoalShare::none(i.slug))
        .collect();
    for part in parts {
        for g in part {
            if let Some(o) = out.iter_mut().find(|o| o.slug == g.slug) {
                o.reached += g.reached;
                o.denominator += g.denominator;
                o.excluded_not_applicable += g.excluded_not_applicable;
                o.excluded_not_measured += g.excluded_not_measured;
                o.excluded_invalid += g.excluded_invalid;
            }
        }
    }
    for (o, i) in out.iter_mut().zip(method.indicators.iter()) {
        if i.has_goal() {
            o.share = ratio(o.reached as f64, o.denominator);
        }
    }
    out
}

/// A démarche whose level changed on one indicator between two editions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mover {
    pub demarche_id: i64,
    pub slug: &'static str,
    pub before: Assessment,
    pub after: Assessment,
    /// `+1` up (better level), `-1` down.
    pub direction: i8,
}

/// Démarches that moved up and down between two editions, possibly under two
/// methods.
///
/// - Démarches are matched by `demarche_id` (the first row of an id in each
///   edition is used); those in only one edition are ignored.
/// - Only indicators whose slug exists in both methods are compared (a shared
///   slug means comparable, see the catalogue).
/// - Only values assessed to a level on both sides are compared.
/// - Rank = index of the level in the **after** indicator's `levels` (best
///   first). The before level is looked up there by code, so both ranks are in
///   the same space even across methods; a before level with no counterpart
///   (v1 "Bêta" read against v2) is not compared. Within one method this is
///   the plain index. A lower rank is better: moving from rank 3 to 1 is up.
///
/// Output order: by démarche id, then by indicator order of `method_after`.
pub fn movers(
    method_before: &Method,
    before: &[DemarcheValues],
    method_after: &Method,
    after: &[DemarcheValues],
) -> (Vec<Mover>, Vec<Mover>) {
    let mut earlier: BTreeMap<i64, &DemarcheValues> = BTreeMap::new();
    for row in before {
        earlier.entry(row.demarche_id).or_insert(row);
    }
    let mut later: BTreeMap<i64, &DemarcheValues> = BTreeMap::new();
    for row in after {
        later.entry(row.demarche_id).or_insert(row);
    }
    let pairs: Vec<(&Indicator, &Indicator)> = method_after
        .indicators
        .iter()
        .filter_map(|a| method_before.indicator(a.slug).map(|b| (b, a)))
        .collect();
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for (id, row_after) in later {
        let Some(row_before) = earlier.get(&id) else {
            continue;
        };
        for &(ind_before, ind_after) in &pairs {
            let (b, a) = (row_before.assess(ind_before), row_after.assess(ind_after));
            let rank_b = b.code().and_then(|c| ind_after.rank(c));
            let rank_a = a.code().and_then(|c| ind_after.rank(c));
            let (Some(rb), Some(ra)) = (rank_b, rank_a) else {
                continue;
            };
            if ra == rb {
                continue;
            }
            let direction = if ra < rb { 1 } else { -1 };
            let mover = Mover {
                demarche_id: id,
                slug: ind_after.slug,
                before: b,
                after: a,
                direction,
            };
            if direction > 0 {
                up.push(mover);
            } else {
                down.push(mover);
            }
        }
    }
    (up, down)
}

#[cfg(test)]
pub(crate) mod tests;
