//! Tests of the per-edition shares, with hand-computed expected values.

use super::*;
use crate::demarches::method::{V2019, V2023, parse_raw};
use proptest::prelude::*;

/// A démarche of ministry `org` with `(slug, raw cell)` values.
pub(crate) fn row(id: i64, org: i64, cells: &[(&str, &str)]) -> DemarcheValues {
    DemarcheValues {
        demarche_id: id,
        ministry: OrgId(org),
        values: cells
            .iter()
            .map(|(s, c)| (s.to_string(), parse_raw(c)))
            .collect(),
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn combining_nothing_is_the_figures_of_no_row() {
    let none: [DemarcheValues; 0] = [];
    assert_eq!(combine_online([]), online_share(&V2023, &none));
    assert_eq!(combine_goals(&V2023, []), goal_shares(&V2023, &none));
    // Counts add up; the share is recomputed, not averaged.
    let a = online_share(&V2019, &[row(1, 1, &[("online", "Oui")])]);
    let b = online_share(
        &V2019,
        &[
            row(2, 2, &[("online", "Non")]),
            row(3, 2, &[("online", "Non")]),
        ],
    );
    let both = combine_online([&a, &b]);
    assert_eq!((both.denominator, both.strict_count), (3, 1));
    assert!(close(both.strict_share, 1.0 / 3.0));
}

#[test]
fn online_share_strict_and_weighted() {
    // v1: Oui, local, Partiel, Bêta, Non, À venir, n/a, missing, invalid.
    let rows = [
        row(1, 1, &[("online", "Oui")]),
        row(2, 1, &[("online", "En cours de déploiement local")]),
        row(3, 1, &[("online", "Partiel")]),
        row(4, 1, &[("online", "Bêta")]),
        row(5, 1, &[("online", "Non")]),
        row(6, 1, &[("online", "À venir")]),
        row(7, 1, &[("online", "n/a")]),
        row(8, 1, &[]),
        row(9, 1, &[("online", "Bientôt")]),
    ];
    let s = online_share(&V2019, &rows);
    assert_eq!(s.denominator, 5);
    assert_eq!(s.strict_count, 2);
    assert!(close(s.strict_share, 2.0 / 5.0));
    // 1 + 1 + 0.5 + 0.1 + 0 = 2.6
    assert!((s.weighted_points - 2.6).abs() < 1e-9);
    assert!(close(s.weighted_share, 2.6 / 5.0));
    assert_eq!(s.not_measured, 3);
    assert_eq!(s.invalid, 1);
}

#[test]
fn online_share_v2_counts_proactive_as_online() {
    let rows = [
        row(1, 1, &[("online", "Démarche proactive")]),
        row(2, 1, &[("online", "Partiel")]),
        // No Bêta in v2: invalid, excluded.
        row(3, 1, &[("online", "Bêta")]),
    ];
    let s = online_share(&V2023, &rows);
    assert_eq!((s.denominator, s.strict_count, s.invalid), (2, 1, 1));
    assert!(close(s.weighted_share, 1.5 / 2.0));
}

#[test]
fn online_share_of_nothing_is_none() {
    let s = online_share(&V2023, &[] as &[DemarcheValues]);
    assert_eq!(s.denominator, 0);
    assert_eq!(s.strict_share, None);
    assert_eq!(s.weighted_share, None);
}

#[test]
fn every_online_level_has_a_weight() {
    for m in [&V2019, &V2023] {
        for l in m.indicator(ONLINE).unwrap().levels {
            let w = online_weight(l.code).unwrap();
            // Strict (weight 1) exactly when the level is the goal.
            assert_eq!(w >= 1.0, l.goal, "{} {}", m.code, l.code);
        }
    }
}

#[test]
fn goal_shares_exclude_and_count() {
    let rows = [
        row(1, 1, &[("satisfaction", "8,2"), ("handicap", "100 %")]),
        row(2, 1, &[("satisfaction", "7"), ("handicap", "75")]),
        row(3, 1, &[("satisfaction", "9"), ("handicap", "n/a")]),
        row(4, 1, &[("satisfaction", "Nombre d'avis insuffisant")]),
        row(5, 1, &[("satisfaction", "12"), ("usage", "60 %")]),
    ];
    let g = goal_shares(&V2023, &rows);
    assert_eq!(g.len(), 12);
    let sat = g.iter().find(|g| g.slug == "satisfaction").unwrap();
    assert_eq!((sat.reached, sat.denominator), (2, 3));
    assert!(close(sat.share, 2.0 / 3.0));
    assert_eq!(sat.excluded_not_measured, 1);
    assert_eq!(sat.excluded_invalid, 1);
    let h = g.iter().find(|g| g.slug == "handicap").unwrap();
    assert_eq!((h.reached, h.denominator), (1, 2));
    assert_eq!(h.excluded_not_applicable, 1);
    assert_eq!(h.excluded_not_measured, 2);
    // No goal level: no share even with a denominator.
    let u = g.iter().find(|g| g.slug == "usage").unwrap();
    assert_eq!((u.denominator, u.share), (1, None));
}

#[test]
fn by_ministry_splits_rows() {
    let rows = [
        row(1, 10, &[("online", "Oui")]),
        row(2, 20, &[("online", "Non")]),
        row(3, 10, &[("online", "Partiel")]),
    ];
    let m = by_ministry(&V2023, &rows);
    assert_eq!(m.len(), 2);
    let (o10, g10) = &m[&OrgId(10)];
    assert_eq!((o10.denominator, o10.strict_count), (2, 1));
    assert!(close(o10.weighted_share, 0.75));
    assert_eq!(g10.len(), 12);
    assert!(close(m[&OrgId(20)].0.strict_share, 0.0));
}

#[test]
fn by_group_places_each_row_once_and_skips_unplaced_rows() {
    let rows = [
        row(1, 10, &[("online", "Oui")]),
        row(2, 10, &[("online", "Non")]),
        row(3, 20, &[("online", "Oui")]),
        row(4, 20, &[("online", "Oui")]),
    ];
    // Groups by démarche parity, as an administration would be looked up.
    let g = by_group(&V2023, &rows, |r| {
        (r.demarche_id != 4).then_some(r.demarche_id % 2)
    });
    assert_eq!(g.len(), 2);
    assert_eq!((g[&1].0.denominator, g[&1].0.strict_count), (2, 2));
    assert_eq!((g[&0].0.denominator, g[&0].0.strict_count), (1, 0));
    let total: usize = g.values().map(|(o, _)| o.denominator).sum();
    assert_eq!(total, 3, "the unplaced row counts nowhere");
}

#[test]
fn movers_within_one_method() {
    let before = [
        row(1, 1, &[("online", "Partiel"), ("satisfaction", "7")]),
        row(2, 1, &[("online", "Oui"), ("dlnuf", "1")]),
        row(3, 1, &[("online", "Non")]),
        row(4, 1, &[("online", "Oui")]),
    ];
    let after = [
        row(1, 1, &[("online", "Oui"), ("satisfaction", "8.5")]),
        row(2, 1, &[("online", "Oui"), ("dlnuf", "6")]),
        row(3, 1, &[("online", "À venir")]),
        row(5, 1, &[("online", "Oui")]),
    ];
    let (up, down) = movers(&V2023, &before, &V2023, &after);
    let up: Vec<_> = up.iter().map(|m| (m.demarche_id, m.slug)).collect();
    assert_eq!(up, [(1, "online"), (1, "satisfaction")]);
    assert_eq!(down.len(), 1);
    assert_eq!((down[0].demarche_id, down[0].slug), (2, "dlnuf"));
    assert_eq!(down[0].direction, -1);
    assert_eq!(down[0].before.code(), Some("optimal"));
    assert_eq!(down[0].after.code(), Some("faible"));
}

#[test]
fn movers_across_methods_compare_shared_slugs_only() {
    let before = [
        row(1, 1, &[("online", "Partiel"), ("handicap_v1", "Oui")]),
        row(2, 1, &[("online", "Bêta")]),
        row(3, 1, &[("online", "Oui"), ("satisfaction", "8")]),
    ];
    let after = [
        row(1, 1, &[("online", "Oui"), ("handicap", "40")]),
        row(2, 1, &[("online", "Oui")]),
        row(
            3,
            1,
            &[("online", "Démarche proactive"), ("satisfaction", "4")],
        ),
    ];
    let (up, down) = movers(&V2019, &before, &V2023, &after);
    // handicap_v1 vs handicap: not comparable; Bêta has no v2 counterpart.
    let up: Vec<_> = up.iter().map(|m| (m.demarche_id, m.slug)).collect();
    assert_eq!(up, [(1, "online"), (3, "online")]);
    let down: Vec<_> = down.iter().map(|m| (m.demarche_id, m.slug)).collect();
    assert_eq!(down, [(3, "satisfaction")]);
}

fn arb_cell() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "Oui",
        "Partiel",
        "Bêta",
        "Non",
        "En cours de déploiement local",
        "Démarche proactive",
        "n/a",
        "À venir",
        "",
        "8",
        "100",
        "4",
        "99.95",
        "n'importe quoi",
    ])
}

pub(crate) fn arb_rows() -> impl Strategy<Value = Vec<DemarcheValues>> {
    let slugs = [
        "online",
        "satisfaction",
        "handicap",
        "dlnuf",
        "usage",
        "uptime",
    ];
    prop::collection::vec(
        (1i64..5, prop::collection::vec(arb_cell(), slugs.len())),
        0..40,
    )
    .prop_map(move |v| {
        v.into_iter()
            .enumerate()
            .map(|(n, (org, cells))| {
                let cells: Vec<(&str, &str)> = slugs.iter().copied().zip(cells).collect();
                row(n as i64, org, &cells)
            })
            .collect()
    })
}

proptest! {
    /// No row is ever dropped: denominators plus exclusions add up to the
    /// rows, overall and per ministry; shares stay in [0, 1] and
    /// strict ≤ weighted.
    #[test]
    fn counts_add_up(rows in arb_rows()) {
        for m in [&V2019, &V2023] {
            let o = online_share(m, &rows);
            prop_assert_eq!(o.denominator + o.not_measured + o.invalid, rows.len());
            if let (Some(s), Some(w)) = (o.strict_share, o.weighted_share) {
                prop_assert!((0.0..=1.0).contains(&s) && (0.0..=1.0).contains(&w));
                prop_assert!(s <= w + 1e-12);
            }
            for g in goal_shares(m, &rows) {
                prop_assert_eq!(
                    g.denominator + g.excluded_not_applicable + g.excluded_not_measured
                        + g.excluded_invalid,
                    rows.len()
                );
                prop_assert!(g.reached <= g.denominator);
            }
            let per = by_ministry(m, &rows);
            let (mut den, mut rest) = (0, 0);
            for (o, gs) in per.values() {
                den += o.denominator;
                rest += o.not_measured + o.invalid;
                for g in gs {
                    prop_assert_eq!(
                        g.denominator + g.excluded_not_applicable + g.excluded_not_measured
                            + g.excluded_invalid,
                        o.denominator + o.not_measured + o.invalid
                    );
                }
            }
            prop_assert_eq!(den, o.denominator);
            prop_assert_eq!(den + rest, rows.len());
        }
    }

    /// Figures kept per ministry combine into the figures of all the rows,
    /// and of any set of ministries into those of their rows.
    #[test]
    fn per_ministry_figures_combine(rows in arb_rows(), keep_odd in any::<bool>()) {
        for m in [&V2019, &V2023] {
            let per = by_ministry(m, &rows);
            let online = combine_online(per.values().map(|(o, _)| o));
            let whole = online_share(m, &rows);
            prop_assert_eq!(
                (online.denominator, online.strict_count, online.strict_share, online.not_measured, online.invalid),
                (whole.denominator, whole.strict_count, whole.strict_share, whole.not_measured, whole.invalid)
            );
            prop_assert!((online.weighted_points - whole.weighted_points).abs() < 1e-9);
            let goals = combine_goals(m, per.values().map(|(_, g)| &g[..]));
            prop_assert_eq!(goals, goal_shares(m, &rows));
            // A subset of ministries: a reader's scope.
            let chosen = |org: &OrgId| (org.0 % 2 == 1) == keep_odd;
            let subset: Vec<DemarcheValues> =
                rows.iter().filter(|r| chosen(&r.ministry)).cloned().collect();
            let part = per.iter().filter(|(org, _)| chosen(org));
            prop_assert_eq!(
                combine_goals(m, part.map(|(_, (_, g))| &g[..])),
                goal_shares(m, &subset)
            );
        }
    }

    /// Swapping the editions swaps the up and down lists.
    #[test]
    fn movers_are_symmetric(a in arb_rows(), b in arb_rows()) {
        let (up, down) = movers(&V2023, &a, &V2023, &b);
        let (up2, down2) = movers(&V2023, &b, &V2023, &a);
        prop_assert_eq!(up.len(), down2.len());
        prop_assert_eq!(down.len(), up2.len());
        prop_assert!(up.iter().all(|m| m.direction == 1));
        prop_assert!(down.iter().all(|m| m.direction == -1));
    }
}
