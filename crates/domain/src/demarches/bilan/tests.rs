//! Tests of the year-end bilan, including the 2022 ambiguity (DM §1.8, §1.9).

use super::*;
use crate::OrgId;
use crate::demarches::method::{V2019, V2023, parse_raw};
use time::macros::date;

fn rows(cells: &[(&str, usize)], slug: &str) -> Vec<DemarcheValues> {
    let mut out = Vec::new();
    for (cell, n) in cells {
        for _ in 0..*n {
            let id = out.len() as i64;
            out.push(DemarcheValues {
                demarche_id: id,
                ministry: OrgId(1),
                values: [(slug.to_string(), parse_raw(cell))].into_iter().collect(),
            });
        }
    }
    out
}

fn line<'a>(b: &'a [BilanLine], label_start: &str) -> &'a BilanLine {
    b.iter()
        .find(|l| l.label_fr.starts_with(label_start))
        .unwrap()
}

/// The 2022 ambiguity: an edition of 249 démarches, 209 Oui, 16 Partiel,
/// 4 Bêta, 20 Non. The three counts, side by side, each with its definition:
/// - strict: 209 / 249 = 83.9 % ("84 % of 249", the Oct 2022 edition);
/// - "Oui ou partiel": 225 / 249 = 90.4 % ("près de 90 %, soit 225", the
///   Nov 2022 press release: 225 = Oui + Partiel, a looser third count);
/// - weighted: (209 + 16 × 0.5 + 4 × 0.1) / 249 = 217.4 / 249 = 87.3 %.
#[test]
fn bilan_2022_shows_every_count_side_by_side() {
    let edition = rows(
        &[("Oui", 209), ("Partiel", 16), ("Bêta", 4), ("Non", 20)],
        "online",
    );
    let b = bilan(&V2019, &edition);
    let strict = line(&b, "Démarches entièrement en ligne");
    assert_eq!((strict.numerator, strict.denominator), (209.0, 249));
    assert_eq!((strict.share.unwrap() * 100.0).round(), 84.0);
    let loose = line(&b, "Démarches en ligne ou partiellement");
    assert_eq!((loose.numerator, loose.denominator), (225.0, 249));
    assert_eq!((loose.share.unwrap() * 100.0).round(), 90.0);
    let weighted = line(&b, "Taux de dématérialisation pondéré");
    assert!((weighted.numerator - 217.4).abs() < 1e-9);
    assert_eq!(weighted.denominator, 249);
    assert!((weighted.share.unwrap() - 217.4 / 249.0).abs() < 1e-12);
    assert_eq!((weighted.share.unwrap() * 100.0).round(), 87.0);
    // Each definition names what it counts and its base.
    assert!(
        strict
            .definition_fr
            .contains("« Oui » ou « En cours de déploiement local »")
    );
    assert!(!strict.definition_fr.contains("Partiel"));
    assert!(loose.definition_fr.contains("« Partiel »"));
    assert!(weighted.definition_fr.contains("« Bêta » compte 0,1"));
    for l in &b[..3] {
        assert!(
            l.definition_fr.contains("Base : 249 démarches"),
            "{}",
            l.definition_fr
        );
        assert!(l.definition_fr.contains("exclues : 0 non mesurée(s)"));
    }
}

#[test]
fn bilan_states_exclusions() {
    let mut edition = rows(
        &[("Oui", 3), ("À venir", 1), ("n/a", 1), ("???", 1)],
        "online",
    );
    edition.extend(rows(&[("100", 2), ("60", 1)], "handicap"));
    let b = bilan(&V2023, &edition);
    let strict = line(&b, "Démarches entièrement en ligne");
    assert_eq!((strict.numerator, strict.denominator), (3.0, 3));
    assert!(strict.definition_fr.contains("sur 9 démarches"));
    assert!(strict.definition_fr.contains("exclues : 5 non mesurée(s)"));
    assert!(strict.definition_fr.contains("1 à valeur invalide"));
    assert!(strict.definition_fr.contains("« Démarche proactive »"));
    assert!(!line(&b, "Taux").definition_fr.contains("Bêta"));
    // v2: one line per priority indicator with a goal (not online, not usage).
    let labels: Vec<&str> = b[3..].iter().map(|l| l.label_fr.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Satisfaction usagers : démarches à l'objectif",
            "Prise en compte du handicap : démarches à l'objectif",
            "Dites-le-nous une fois : démarches à l'objectif",
        ]
    );
    let h = line(&b, "Prise en compte du handicap");
    assert_eq!((h.numerator, h.denominator), (2.0, 3));
    assert!(h.definition_fr.contains("niveau « Oui »"));
    assert!(h.definition_fr.contains("6 non encore mesurée(s)"));
    let s = line(&b, "Satisfaction");
    assert_eq!((s.denominator, s.share), (0, None));
}

#[test]
fn bilan_v1_lists_every_goal_indicator() {
    let b = bilan(&V2019, &[]);
    // 3 online lines + 7 v1 indicators with a goal level.
    assert_eq!(b.len(), 10);
    assert!(b.iter().all(|l| l.share.is_none()));
}

#[test]
fn edition_for_year_end_takes_the_last_of_the_year() {
    let eds = [
        (date!(2022 - 10 - 14), "oct"),
        (date!(2023 - 01 - 15), "jan"),
        (date!(2022 - 07 - 01), "jul"),
    ];
    assert_eq!(edition_for_year_end(&eds, 2022).unwrap().1, "oct");
    assert_eq!(edition_for_year_end(&eds, 2023).unwrap().1, "jan");
    assert!(edition_for_year_end(&eds, 2021).is_none());
    assert_eq!(year_end(2024), Some(date!(2024 - 12 - 31)));
}

proptest::proptest! {
    /// The bilan of a set is the bilan of its parts' counts combined (or
    /// packed and summed), whichever way the set is split (by ministry, as
    /// the web layer keeps it): no line, count or exclusion differs.
    #[test]
    fn bilan_of_combined_counts_is_the_bilan_of_all_rows(
        rows in crate::demarches::shares::tests::arb_rows(),
        split in 0usize..41,
    ) {
        for m in [&V2019, &V2023] {
            let split = split.min(rows.len());
            let (a, b) = rows.split_at(split);
            let parts = [BilanCounts::of(m, a), BilanCounts::of(m, b)];
            let combined = BilanCounts::combine(m, &parts);
            // Packed as the observatory keeps them (issue #11), counts unpack
            // to themselves and add up to the combined counts, shares included.
            for p in &parts {
                proptest::prop_assert_eq!(&PackedCounts::pack(m, p).unpack(m), p);
                proptest::prop_assert_eq!(&PackedCounts::pack(m, p).online_share(), &p.online);
            }
            let packed = parts.iter().map(|p| PackedCounts::pack(m, p)).collect::<Vec<_>>();
            proptest::prop_assert_eq!(&PackedCounts::sum(m, &packed), &combined);
            // Grouped by ministry, each group is counted over its rows alone.
            let per = counts_by(m, &rows, |r| Some(r.ministry));
            proptest::prop_assert_eq!(per.values().map(|c| c.rows).sum::<usize>(), rows.len());
            for (org, c) in &per {
                let mine: Vec<DemarcheValues> =
                    rows.iter().filter(|r| r.ministry == *org).cloned().collect();
                proptest::prop_assert_eq!(c, &BilanCounts::of(m, &mine));
            }
            let whole = BilanCounts::of(m, &rows);
            proptest::prop_assert_eq!(
                (combined.rows, combined.online_or_partial, &combined.goals),
                (whole.rows, whole.online_or_partial, &whole.goals)
            );
            // Weighted points (tenths, halves) add up in another order:
            // equal to the last bits, so compared within 1e-9.
            let (got, want) = (bilan_of(m, &combined), bilan(m, &rows));
            proptest::prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                proptest::prop_assert_eq!(
                    (&g.label_fr, &g.definition_fr, g.denominator),
                    (&w.label_fr, &w.definition_fr, w.denominator)
                );
                proptest::prop_assert!((g.numerator - w.numerator).abs() < 1e-9);
                proptest::prop_assert_eq!(g.share.is_some(), w.share.is_some());
                proptest::prop_assert!((g.share.unwrap_or(0.0) - w.share.unwrap_or(0.0)).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn packed_counts_of_nothing_are_the_counts_of_nothing() {
    let none = BilanCounts::of(&V2023, &Vec::<DemarcheValues>::new());
    assert_eq!(PackedCounts::sum(&V2023, []), none);
    assert_eq!(PackedCounts::default().unpack(&V2023), none);
    assert_eq!(PackedCounts::pack(&V2023, &none).unpack(&V2023), none);
}

#[test]
fn bilan_of_no_part_counts_nothing() {
    let none = BilanCounts::combine(&V2023, []);
    assert_eq!(none, BilanCounts::of(&V2023, &Vec::<DemarcheValues>::new()));
    assert!(bilan_of(&V2023, &none).iter().all(|l| l.share.is_none()));
}
