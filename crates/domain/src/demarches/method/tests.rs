//! Tests of the methods' data and of `assess` at every indicator's boundaries
//! (DM §1.4, §1.5), with hand-read expected levels.

use super::*;
use proptest::prelude::*;

/// Level code and goal flag of a cell on an indicator; panics on a
/// non-level assessment so the failing cell shows.
fn lv(m: &Method, slug: &str, cell: &str) -> (&'static str, bool) {
    let i = m.indicator(slug).unwrap();
    match assess(i, &parse_raw(cell)) {
        Assessment::Level { code, goal, .. } => (code, goal),
        other => panic!("{slug} {cell:?}: {other:?}"),
    }
}

fn colour(m: &Method, slug: &str, cell: &str) -> Colour {
    match assess(m.indicator(slug).unwrap(), &parse_raw(cell)) {
        Assessment::Level { colour, .. } => colour,
        other => panic!("{slug} {cell:?}: {other:?}"),
    }
}

fn is_invalid(m: &Method, slug: &str, cell: &str) -> bool {
    matches!(
        assess(m.indicator(slug).unwrap(), &parse_raw(cell)),
        Assessment::Invalid(_)
    )
}

#[test]
fn parse_raw_reads_french_input() {
    for na in ["n/a", "N/A", "NA", "Non applicable", " non applicable "] {
        assert_eq!(parse_raw(na), RawValue::NotApplicable, "{na}");
    }
    for nym in [
        "",
        "  ",
        "-",
        "–",
        "À venir",
        "a venir",
        "A VENIR",
        "En attente",
        "Nombre d'avis insuffisant",
        "Nombre d’avis insuffisant",
        "En cours",
        "nr",
    ] {
        assert_eq!(parse_raw(nym), RawValue::NotYetMeasured, "{nym:?}");
    }
    assert_eq!(parse_raw("7,5"), RawValue::Number(7.5));
    assert_eq!(parse_raw("7.5"), RawValue::Number(7.5));
    assert_eq!(parse_raw("85 %"), RawValue::Number(85.0));
    assert_eq!(parse_raw("85\u{202f}%"), RawValue::Number(85.0));
    assert_eq!(parse_raw("99,95%"), RawValue::Number(99.95));
    assert_eq!(parse_raw("1 200"), RawValue::Number(1200.0));
    assert_eq!(parse_raw("-1"), RawValue::Number(-1.0));
    assert_eq!(parse_raw("  Oui "), RawValue::Text("Oui".into()));
    assert_eq!(parse_raw("inf"), RawValue::Text("inf".into()));
    assert_eq!(parse_raw("NaN"), RawValue::Text("NaN".into()));
    assert_eq!(
        parse_raw("En cours de déploiement local"),
        RawValue::Text("En cours de déploiement local".into())
    );
}

#[test]
fn methods_are_found_by_code_and_date() {
    assert_eq!(methods().len(), 2);
    assert_eq!(method("v2019"), Some(&V2019));
    assert_eq!(method("v2023"), Some(&V2023));
    assert_eq!(method("v3"), None);
    assert_eq!(method_in_force(date!(2023 - 06 - 30)).code, "v2019");
    assert_eq!(method_in_force(date!(2023 - 07 - 01)).code, "v2023");
    assert_eq!(method_in_force(date!(2010 - 01 - 01)).code, "v2019");
    assert_eq!(V2019.indicators.len(), 8);
    assert_eq!(V2023.indicators.len(), 12);
    let priority: Vec<_> = V2023
        .indicators
        .iter()
        .filter(|i| i.priority)
        .map(|i| i.slug)
        .collect();
    assert_eq!(
        priority,
        ["online", "satisfaction", "handicap", "dlnuf", "usage"]
    );
    assert!(V2019.indicators.iter().all(|i| !i.priority));
}

/// The data is consistent: unique slugs and codes, levels best first (bounds
/// monotone in the indicator's direction), categorical values folded uniquely.
#[test]
fn catalogue_is_consistent() {
    for m in methods() {
        for (n, i) in m.indicators.iter().enumerate() {
            assert!(m.indicators[..n].iter().all(|j| j.slug != i.slug));
            for (k, l) in i.levels.iter().enumerate() {
                assert!(i.levels[..k].iter().all(|o| o.code != l.code));
                for v in l.values {
                    assert_eq!(v.to_lowercase(), *v, "{} {}", i.slug, v);
                    let others = i.levels.iter().filter(|o| o.code != l.code);
                    assert!(others.flat_map(|o| o.values).all(|w| fold(w) != fold(v)));
                }
            }
            if let Scale::Numeric { .. } = i.scale {
                let lows: Vec<f64> = i
                    .levels
                    .iter()
                    .map(|l| l.min.unwrap_or(f64::NEG_INFINITY))
                    .collect();
                let ordered = lows.windows(2).all(|w| {
                    if i.higher_is_better {
                        w[0] > w[1]
                    } else {
                        w[0] < w[1]
                    }
                });
                assert!(ordered, "{} {}", m.code, i.slug);
            }
        }
    }
    assert!(!V2023.indicator("dlnuf").unwrap().higher_is_better);
    assert!(!V2023.indicator("performance").unwrap().higher_is_better);
    assert!(!V2019.indicator("dlnuf_v1").unwrap().higher_is_better);
}

#[test]
fn colour_labels_are_french() {
    assert_eq!(Colour::Green.label_fr(), "Vert");
    assert_eq!(Colour::Gray.label_fr(), "Gris");
    assert_eq!(
        serde_json::to_string(&Colour::Yellow).unwrap(),
        "\"yellow\""
    );
}

#[test]
fn v1_online_categories() {
    let m = &V2019;
    assert_eq!(lv(m, "online", "Oui"), ("oui", true));
    assert_eq!(lv(m, "online", "OUI"), ("oui", true));
    assert_eq!(lv(m, "online", "enLigneEntierement"), ("oui", true));
    assert_eq!(
        lv(m, "online", "En cours de deploiement local"),
        ("local", true)
    );
    assert_eq!(lv(m, "online", "Partiel"), ("partiel", false));
    assert_eq!(lv(m, "online", "Bêta"), ("beta", false));
    assert_eq!(lv(m, "online", "beta"), ("beta", false));
    assert_eq!(lv(m, "online", "Non"), ("non", false));
    assert_eq!(colour(m, "online", "Bêta"), Colour::Blue);
    assert_eq!(colour(m, "online", "Partiel"), Colour::Orange);
    assert!(is_invalid(m, "online", "Peut-être"));
    assert!(is_invalid(m, "online", "1"));
}

#[test]
fn v1_numeric_boundaries() {
    let m = &V2019;
    assert_eq!(lv(m, "satisfaction", "8"), ("tres_bien", true));
    assert_eq!(lv(m, "satisfaction", "7,99"), ("insuffisant", false));
    assert_eq!(lv(m, "satisfaction", "6"), ("insuffisant", false));
    assert_eq!(colour(m, "satisfaction", "6"), Colour::Orange);
    assert_eq!(lv(m, "satisfaction", "5.99"), ("critique", false));
    assert_eq!(lv(m, "satisfaction", "0"), ("critique", false));
    assert!(is_invalid(m, "satisfaction", "10.5"));
    // Disponibilité et rapidité: ≥ 8 green, 5–7 orange, ≤ 4 red.
    assert_eq!(lv(m, "availability_speed", "8"), ("bon", true));
    assert_eq!(lv(m, "availability_speed", "7"), ("moyen", false));
    assert_eq!(lv(m, "availability_speed", "5"), ("moyen", false));
    assert_eq!(lv(m, "availability_speed", "4"), ("mauvais", false));
    assert_eq!(lv(m, "availability_speed", "-10"), ("mauvais", false));
    assert!(is_invalid(m, "availability_speed", "-11"));
    // DLNUF effort score: 0–1 green, 2–4 orange, ≥ 5 red; -1 = n/a.
    assert_eq!(lv(m, "dlnuf_v1", "0"), ("bon", true));
    assert_eq!(lv(m, "dlnuf_v1", "1"), ("bon", true));
    assert_eq!(lv(m, "dlnuf_v1", "2"), ("moyen", false));
    assert_eq!(lv(m, "dlnuf_v1", "4"), ("moyen", false));
    assert_eq!(lv(m, "dlnuf_v1", "5"), ("mauvais", false));
    assert_eq!(lv(m, "dlnuf_v1", "23"), ("mauvais", false));
    let dl = V2019.indicator("dlnuf_v1").unwrap();
    assert_eq!(assess(dl, &parse_raw("-1")), Assessment::NotApplicable);
    assert_eq!(assess(dl, &parse_raw("")), Assessment::NotYetMeasured);
    assert!(is_invalid(m, "dlnuf_v1", "-2"));
}

#[test]
fn v1_oui_partiel_non_columns() {
    let m = &V2019;
    for slug in ["handicap_v1", "help_reachable_v1", "mobile"] {
        assert_eq!(lv(m, slug, "Oui"), ("oui", true));
        assert_eq!(lv(m, slug, "partiel"), ("partiel", false));
        assert_eq!(lv(m, slug, "Non"), ("non", false));
        assert_eq!(colour(m, slug, "Partiel"), Colour::Orange);
        assert!(is_invalid(m, slug, "75"));
    }
    assert_eq!(lv(m, "franceconnect", "Oui"), ("oui", true));
    assert_eq!(lv(m, "franceconnect", "Non"), ("non", false));
    assert!(is_invalid(m, "franceconnect", "Partiel"));
    let fc = V2019.indicator("franceconnect").unwrap();
    assert_eq!(assess(fc, &parse_raw("n/a")), Assessment::NotApplicable);
}

#[test]
fn v2_online_and_auth_categories() {
    let m = &V2023;
    assert_eq!(lv(m, "online", "Oui"), ("oui", true));
    assert_eq!(
        lv(m, "online", "En cours de déploiement local"),
        ("local", true)
    );
    assert_eq!(lv(m, "online", "Démarche proactive"), ("proactive", true));
    assert_eq!(lv(m, "online", "Partiel"), ("partiel", false));
    assert_eq!(lv(m, "online", "Non"), ("non", false));
    assert_eq!(colour(m, "online", "Partiel"), Colour::Yellow);
    assert!(is_invalid(m, "online", "Bêta"));
    assert_eq!(lv(m, "auth", "FranceConnect"), ("franceconnect", true));
    assert_eq!(
        lv(m, "auth", "FranceConnect+"),
        ("franceconnect_plus", true)
    );
    assert_eq!(lv(m, "auth", "Non"), ("non", false));
    assert_eq!(colour(m, "auth", "franceconnect"), Colour::Blue);
    let auth = m.indicator("auth").unwrap();
    assert_eq!(
        assess(auth, &parse_raw("Non applicable")),
        Assessment::NotApplicable
    );
}

#[test]
fn v2_scores_out_of_ten() {
    let m = &V2023;
    for slug in ["satisfaction", "simplicity", "help_efficient"] {
        assert_eq!(lv(m, slug, "8.0"), ("tres_bien", true), "{slug}");
        assert_eq!(lv(m, slug, "10"), ("tres_bien", true), "{slug}");
        assert_eq!(lv(m, slug, "7.99"), ("insuffisant", false), "{slug}");
        assert_eq!(lv(m, slug, "5"), ("insuffisant", false), "{slug}");
        assert_eq!(lv(m, slug, "4,99"), ("critique", false), "{slug}");
        assert_eq!(lv(m, slug, "0"), ("critique", false), "{slug}");
        assert!(is_invalid(m, slug, "11"));
        assert!(is_invalid(m, slug, "-0.5"));
    }
    assert_eq!(colour(m, "satisfaction", "6"), Colour::Yellow);
    let sat = m.indicator("satisfaction").unwrap();
    assert_eq!(
        assess(sat, &parse_raw("Nombre d'avis insuffisant")),
        Assessment::NotYetMeasured
    );
}

#[test]
fn v2_percent_indicators() {
    let m = &V2023;
    // RGAA: only 100 % is Oui (goal).
    assert_eq!(lv(m, "handicap", "100"), ("oui", true));
    assert_eq!(lv(m, "handicap", "100 %"), ("oui", true));
    assert_eq!(lv(m, "handicap", "99"), ("partiel", false));
    assert_eq!(lv(m, "handicap", "99,99"), ("partiel", false));
    assert_eq!(lv(m, "handicap", "50"), ("partiel", false));
    assert_eq!(lv(m, "handicap", "49.9"), ("non", false));
    assert_eq!(lv(m, "handicap", "Non"), ("non", false));
    assert!(is_invalid(m, "handicap", "101"));
    // Help reachable: ≥ 85 goal, 70–85 yellow, < 70 red.
    assert_eq!(lv(m, "help_reachable", "85 %"), ("bon", true));
    assert_eq!(lv(m, "help_reachable", "84.9"), ("moyen", false));
    assert_eq!(lv(m, "help_reachable", "70"), ("moyen", false));
    assert_eq!(lv(m, "help_reachable", "69.9"), ("faible", false));
    // Uptime: ≥ 99.9 goal, 98.5–99.9 yellow, < 98.5 red.
    assert_eq!(lv(m, "uptime", "99.9"), ("optimal", true));
    assert_eq!(lv(m, "uptime", "99,95%"), ("optimal", true));
    assert_eq!(lv(m, "uptime", "99.89"), ("partiel", false));
    assert_eq!(lv(m, "uptime", "98.5"), ("partiel", false));
    assert_eq!(lv(m, "uptime", "98.49"), ("faible", false));
    // Gray, no threshold, never a goal.
    for slug in ["usage", "help_used"] {
        assert_eq!(lv(m, slug, "0"), ("mesure", false));
        assert_eq!(lv(m, slug, "100"), ("mesure", false));
        assert_eq!(colour(m, slug, "42"), Colour::Gray);
        assert!(!m.indicator(slug).unwrap().has_goal());
        assert!(is_invalid(m, slug, "100.1"));
    }
}

#[test]
fn v2_lower_is_better_indicators() {
    let m = &V2023;
    assert_eq!(lv(m, "dlnuf", "0"), ("optimal", true));
    assert_eq!(lv(m, "dlnuf", "1"), ("optimal", true));
    assert_eq!(lv(m, "dlnuf", "2"), ("partiel", false));
    assert_eq!(lv(m, "dlnuf", "4"), ("partiel", false));
    assert_eq!(lv(m, "dlnuf", "5"), ("faible", false));
    assert!(is_invalid(m, "dlnuf", "-1"));
    assert_eq!(lv(m, "performance", "0"), ("optimal", true));
    assert_eq!(lv(m, "performance", "399"), ("optimal", true));
    assert_eq!(lv(m, "performance", "400"), ("partiel", false));
    assert_eq!(lv(m, "performance", "799.9"), ("partiel", false));
    assert_eq!(lv(m, "performance", "800"), ("faible", false));
    assert_eq!(colour(m, "performance", "400"), Colour::Yellow);
}

#[test]
fn assessment_serialises_in_snake_case() {
    let a = assess(V2023.indicator("uptime").unwrap(), &RawValue::Number(99.95));
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::json!({"level": {"code": "optimal", "colour": "green", "goal": true}})
    );
    assert_eq!(
        serde_json::to_value(Assessment::NotApplicable).unwrap(),
        serde_json::json!("not_applicable")
    );
}

proptest! {
    /// Every valid number of every numeric indicator falls in exactly one level.
    #[test]
    fn numeric_levels_partition_the_range(x in -20.0f64..2000.0) {
        for m in methods() {
            for i in m.indicators {
                let Scale::Numeric { range: (lo, hi), not_applicable, .. } = i.scale else {
                    continue;
                };
                if x < lo || x > hi || not_applicable == Some(x) {
                    continue;
                }
                let n = i.levels.iter().filter(|l| contains(l, x)).count();
                prop_assert_eq!(n, 1, "{} {} {}", m.code, i.slug, x);
                prop_assert!(assess(i, &RawValue::Number(x)).code().is_some());
            }
        }
    }

    /// For higher-is-better indicators a larger value never gets a worse rank
    /// (and the mirror for lower-is-better ones).
    #[test]
    fn rank_is_monotone(a in 0.0f64..1000.0, b in 0.0f64..1000.0) {
        for i in V2023.indicators.iter().chain(V2019.indicators) {
            let rank = |x: f64| assess(i, &RawValue::Number(x)).code().and_then(|c| i.rank(c));
            if let (Some(ra), Some(rb)) = (rank(a), rank(b)) {
                let better_or_same = if i.higher_is_better == (a >= b) { ra <= rb } else { ra >= rb };
                prop_assert!(better_or_same, "{} {} {}", i.slug, a, b);
            }
        }
    }

    /// Formatting a number the French way reads it back.
    #[test]
    fn french_numbers_round_trip(x in 0.0f64..100_000.0) {
        let s = format!("{x}").replace('.', ",");
        prop_assert_eq!(parse_raw(&s), RawValue::Number(x));
        prop_assert_eq!(parse_raw(&format!("{x} %")), RawValue::Number(x));
    }
}

#[test]
fn same_value_compares_numbers_by_value_and_text_exactly() {
    assert!(same_value(Some("8,0"), Some("8")));
    assert!(same_value(Some("8.5"), Some(" 8,5 ")));
    assert!(same_value(None, Some("")));
    assert!(same_value(Some("Oui"), Some("Oui")));
    assert!(!same_value(Some("8,5"), Some("8,6")));
    assert!(!same_value(None, Some("À venir")), "a wording shows: kept");
    assert!(!same_value(Some("oui"), Some("Oui")));
    assert!(!same_value(Some("8"), None));
}

/// Every spelling of every level is recognised as written, in capitals, with
/// its accents removed or with extra spaces: the exact-match shortcut and the
/// folded comparison agree.
#[test]
fn spellings_are_recognised_however_typed() {
    for m in methods() {
        for i in m.indicators {
            for l in i.levels {
                for v in l.values {
                    let plain: String = fold(v);
                    let spaced = format!("  {}  ", v.replace(' ', "   "));
                    for typed in [v.to_string(), v.to_uppercase(), plain, spaced] {
                        assert_eq!(
                            assess(i, &RawValue::Text(typed.clone())).code(),
                            Some(l.code),
                            "{} {typed:?}",
                            i.slug
                        );
                    }
                }
            }
        }
    }
}

proptest! {
    /// Folding is the same whether collected or compared lazily, for any text.
    #[test]
    fn lazy_fold_matches_collected(s in "[ a-zA-Zàéèêçœ’'\\t]{0,24}") {
        prop_assert_eq!(folded(&s).collect::<String>(), fold(&s));
        let words: Vec<String> = s.split_whitespace().map(fold).collect();
        prop_assert_eq!(fold(&s), words.join(" "));
    }
}
