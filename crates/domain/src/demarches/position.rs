//! Where a ministry stands among the ministries in an edition, indicator by
//! indicator: its share, the State's share over all ministries, and its rank
//! (DM §1.6 groups the figures by ministère; shares as in [`super::shares`]).

use serde::Serialize;

use super::method::Method;
use super::shares::{DemarcheValues, ONLINE, by_ministry, goal_shares, online_share};
use crate::OrgId;

/// One indicator's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    /// `online` is the strict online share; other slugs the goal share.
    pub slug: &'static str,
    pub reached: usize,
    pub denominator: usize,
    /// The ministry's share; `None` when none of its démarches is measured.
    pub share: Option<f64>,
    /// The same figure over every ministry's démarches.
    pub state_share: Option<f64>,
    /// 1 = best; ministries with equal shares share a rank (1 + the number
    /// of ministries strictly ahead). `None` when `share` is `None`.
    pub rank: Option<usize>,
    /// Ministries with a share on this indicator (the rank's "out of").
    pub ranked: usize,
}

/// One indicator's figures: slug, per ministry (org, reached, denominator,
/// share), and the State's share.
type Figure = (
    &'static str,
    Vec<(OrgId, usize, usize, Option<f64>)>,
    Option<f64>,
);

/// The position of `ministry` on the strict online share and on each
/// indicator of `method` that has a goal level, in the method's order.
/// Every row counts in exactly one ministry (`row.ministry`).
pub fn ministry_position(
    method: &Method,
    rows: &[DemarcheValues],
    ministry: OrgId,
) -> Vec<Position> {
    let groups = by_ministry(method, rows);
    let mut figures: Vec<Figure> = Vec::new();
    if method.indicator(ONLINE).is_some() {
        figures.push((
            ONLINE,
            groups
                .iter()
                .map(|(org, (o, _))| (*org, o.strict_count, o.denominator, o.strict_share))
                .collect(),
            online_share(method, rows).strict_share,
        ));
    }
    let state_goals = goal_shares(method, rows);
    for indicator in method.indicators {
        if indicator.slug == ONLINE || !indicator.has_goal() {
            continue;
        }
        let per_ministry = groups
            .iter()
            .filter_map(|(org, (_, goals))| {
                let g = goals.iter().find(|g| g.slug == indicator.slug)?;
                Some((*org, g.reached, g.denominator, g.share))
            })
            .collect();
        let state = state_goals
            .iter()
            .find(|g| g.slug == indicator.slug)
            .and_then(|g| g.share);
        figures.push((indicator.slug, per_ministry, state));
    }
    figures
        .into_iter()
        .map(|(slug, per_ministry, state_share)| {
            let mine = per_ministry.iter().find(|(org, ..)| *org == ministry);
            let share = mine.and_then(|m| m.3);
            let shares: Vec<f64> = per_ministry.iter().filter_map(|m| m.3).collect();
            Position {
                slug,
                reached: mine.map_or(0, |m| m.1),
                denominator: mine.map_or(0, |m| m.2),
                share,
                state_share,
                rank: share.map(|s| 1 + shares.iter().filter(|x| **x > s).count()),
                ranked: shares.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::demarches::method::{V2023, parse_raw};

    fn row(id: i64, org: i64, online: &str, satisfaction: &str) -> DemarcheValues {
        DemarcheValues {
            demarche_id: id,
            ministry: OrgId(org),
            values: BTreeMap::from([
                ("online".to_owned(), parse_raw(online)),
                ("satisfaction".to_owned(), parse_raw(satisfaction)),
            ]),
        }
    }

    #[test]
    fn ranks_a_ministry_among_others_with_ties() {
        let rows = vec![
            row(1, 1, "Oui", "9"),
            row(2, 1, "Non", "6"),
            row(3, 2, "Oui", "9"),
            row(4, 2, "Oui", "8,5"),
            row(5, 3, "Partiel", "à venir"),
            row(6, 3, "Oui", "4"),
        ];
        let p = ministry_position(&V2023, &rows, OrgId(1));
        let online = p.iter().find(|x| x.slug == "online").unwrap();
        // Ministry 2: 2/2 online; ministries 1 and 3: 1/2 each, tied second.
        assert_eq!((online.reached, online.denominator), (1, 2));
        assert_eq!(online.share, Some(0.5));
        assert_eq!((online.rank, online.ranked), (Some(2), 3));
        assert_eq!(online.state_share, Some(4.0 / 6.0));
        let sat = p.iter().find(|x| x.slug == "satisfaction").unwrap();
        // Satisfaction ≥ 8: ministry 1 1/2, ministry 2 2/2, ministry 3 0/1.
        assert_eq!((sat.reached, sat.denominator, sat.rank), (1, 2, Some(2)));
        assert_eq!(sat.ranked, 3);
        assert_eq!(sat.state_share, Some(3.0 / 5.0));
        // Indicators without a goal level (usage) get no line.
        assert!(p.iter().all(|x| x.slug != "usage"));
    }

    #[test]
    fn a_ministry_without_measured_values_has_no_rank() {
        let rows = vec![row(1, 1, "Oui", "9"), row(2, 2, "à venir", "à venir")];
        let p = ministry_position(&V2023, &rows, OrgId(2));
        let online = p.iter().find(|x| x.slug == "online").unwrap();
        assert_eq!((online.share, online.rank, online.ranked), (None, None, 1));
    }

    #[test]
    fn rank_is_within_the_ranked_ministries() {
        // Property over a family of portfolios: rank ∈ 1..=ranked, and the
        // best share holds rank 1.
        for seed in 0..200u64 {
            let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let mut next = |n: u64| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 33) % n
            };
            let rows: Vec<DemarcheValues> = (0..(1 + next(30)))
                .map(|i| {
                    let online = ["Oui", "Non", "Partiel", "à venir"][next(4) as usize];
                    let sat = format!("{}", next(11));
                    row(i as i64, 1 + next(5) as i64, online, &sat)
                })
                .collect();
            for org in 1..=5 {
                for p in ministry_position(&V2023, &rows, OrgId(org)) {
                    if let Some(r) = p.rank {
                        assert!(r >= 1 && r <= p.ranked, "seed {seed}: {p:?}");
                    }
                    assert_eq!(p.rank.is_some(), p.share.is_some());
                }
            }
        }
    }
}
