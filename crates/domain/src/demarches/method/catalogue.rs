//! The two methods' indicators and levels, transcribed from DM §1.4 (v1) and
//! DM §1.5 (v2). Levels are listed best first.
//!
//! Slugs: a slug shared by both methods means "comparable across methods"
//! (used by [`crate::demarches::shares::movers`]). Only `online` and
//! `satisfaction` are shared. Where the definition changed, v1 gets its own
//! slug: accessibility (v1 "statement + > 75 %" vs v2 "100 % RGAA", not
//! comparable, DM §1.9), help (audited vs measured from user answers, DM §0),
//! DLNUF (weighted effort score vs item count, DM §1.4/§1.5) and FranceConnect
//! (Oui/Non vs FC/FC+).

use time::macros::date;

use super::{Colour, Indicator, Level, Method, Scale};

const NONE: &[&str] = &[];

const fn cat(
    code: &'static str,
    label_fr: &'static str,
    colour: Colour,
    goal: bool,
    values: &'static [&'static str],
) -> Level {
    Level {
        code,
        label_fr,
        colour,
        goal,
        min: None,
        max: None,
        values,
    }
}

const fn num(
    code: &'static str,
    label_fr: &'static str,
    colour: Colour,
    goal: bool,
    min: Option<f64>,
    max: Option<f64>,
) -> Level {
    Level {
        code,
        label_fr,
        colour,
        goal,
        min,
        max,
        values: NONE,
    }
}

const fn numeric(unit: &'static str, lo: f64, hi: f64) -> Scale {
    Scale::Numeric {
        unit,
        range: (lo, hi),
        not_applicable: None,
    }
}

const fn indicator(
    slug: &'static str,
    label_fr: &'static str,
    priority: bool,
    scale: Scale,
    levels: &'static [Level],
) -> Indicator {
    Indicator {
        slug,
        label_fr,
        priority,
        scale,
        levels,
        higher_is_better: true,
    }
}

const fn lower_is_better(mut i: Indicator) -> Indicator {
    i.higher_is_better = false;
    i
}

use Colour::{Blue, Gray, Green, Orange, Red, Yellow};

// ---------------------------------------------------------------- v1 (DM §1.4)
// v1 has no `goal_reached` flag: we take green as the goal (the v1 site
// coloured green what met the criterion).

const OUI: &[&str] = &["oui"];
const PARTIEL: &[&str] = &["partiel"];
const NON: &[&str] = &["non"];

/// "Réalisable en ligne" v1: Oui and local deployment green, Partiel orange,
/// Bêta blue, Non red; stored codes `enLigneEntierement`, `deploiementPartiel`,
/// `experimentation`, `nonDemat` accepted too.
const V1_ONLINE: &[Level] = &[
    cat("oui", "Oui", Green, true, &["oui", "enligneentierement"]),
    cat(
        "local",
        "En cours de déploiement local",
        Green,
        true,
        &["en cours de déploiement local", "déploiement local"],
    ),
    cat(
        "partiel",
        "Partiel",
        Orange,
        false,
        &["partiel", "deploiementpartiel", "déploiement partiel"],
    ),
    cat(
        "beta",
        "Bêta",
        Blue,
        false,
        &["bêta", "experimentation", "expérimentation"],
    ),
    cat("non", "Non", Red, false, &["non", "nondemat"]),
];

/// "Usagers satisfaits" /10: ≥ 8 green, ≥ 6 orange, < 6 red. Codes are those
/// of v2 satisfaction so the two compare (shared slug): the goal (≥ 8) is the
/// same; a v1 score in [5, 6) is red in v1 and yellow in v2, so such a
/// démarche shows as "up" across the method change with an unchanged score.
const V1_SATISFACTION: &[Level] = &[
    num("tres_bien", "Bon", Green, true, Some(8.0), None),
    num("insuffisant", "Moyen", Orange, false, Some(6.0), Some(8.0)),
    num("critique", "Mauvais", Red, false, None, Some(6.0)),
];

/// Oui / Partiel / Non, green / orange / red.
const V1_OUI_PARTIEL_NON: &[Level] = &[
    cat("oui", "Oui", Green, true, OUI),
    cat("partiel", "Partiel", Orange, false, PARTIEL),
    cat("non", "Non", Red, false, NON),
];

/// "Intégration FranceConnect": Oui green, Non red.
const V1_FRANCECONNECT: &[Level] = &[
    cat("oui", "Oui", Green, true, OUI),
    cat("non", "Non", Red, false, NON),
];

/// DLNUF effort score (lower is better): 0–1 green, 2–4 orange, ≥ 5 red.
const V1_DLNUF: &[Level] = &[
    num("bon", "Bon", Green, true, None, Some(2.0)),
    num("moyen", "Moyen", Orange, false, Some(2.0), Some(5.0)),
    num("mauvais", "Mauvais", Red, false, Some(5.0), None),
];

/// "Disponibilité et rapidité" /10 (−10…10): ≥ 8 green, 5–7 orange, ≤ 4 red.
/// The score is an integer; non-integers between 4 and 5 read as red.
const V1_AVAILABILITY_SPEED: &[Level] = &[
    num("bon", "Bon", Green, true, Some(8.0), None),
    num("moyen", "Moyen", Orange, false, Some(5.0), Some(8.0)),
    num("mauvais", "Mauvais", Red, false, None, Some(5.0)),
];

/// Observatoire v1 (June 2019 to mid-2023): the 8 columns of DM §1.4.
pub const V2019: Method = Method {
    code: "v2019",
    label_fr: "Observatoire de la qualité des démarches en ligne (2019)",
    valid_from: date!(2019 - 06 - 24),
    indicators: &[
        indicator(
            "online",
            "Réalisable en ligne",
            false,
            Scale::Categorical,
            V1_ONLINE,
        ),
        indicator(
            "satisfaction",
            "Usagers satisfaits",
            false,
            numeric("/10", 0.0, 10.0),
            V1_SATISFACTION,
        ),
        indicator(
            "handicap_v1",
            "Prise en compte handicaps",
            false,
            Scale::Categorical,
            V1_OUI_PARTIEL_NON,
        ),
        indicator(
            "help_reachable_v1",
            "Aide joignable",
            false,
            Scale::Categorical,
            V1_OUI_PARTIEL_NON,
        ),
        indicator(
            "mobile",
            "Compatible mobile",
            false,
            Scale::Categorical,
            V1_OUI_PARTIEL_NON,
        ),
        indicator(
            "franceconnect",
            "Intégration FranceConnect",
            false,
            Scale::Categorical,
            V1_FRANCECONNECT,
        ),
        lower_is_better(indicator(
            "dlnuf_v1",
            "Dites-le-nous une fois",
            false,
            // `-1` = n/a (DM §1.4).
            Scale::Numeric {
                unit: "points d'effort",
                range: (0.0, f64::INFINITY),
                not_applicable: Some(-1.0),
            },
            V1_DLNUF,
        )),
        indicator(
            "availability_speed",
            "Disponibilité et rapidité",
            false,
            numeric("/10", -10.0, 10.0),
            V1_AVAILABILITY_SPEED,
        ),
    ],
};

// ---------------------------------------------------------------- v2 (DM §1.5)

/// "Réalisable en ligne" v2. DM §1.5 gives no goal flag for "Oui"; we treat
/// Oui, En cours de déploiement local and Démarche proactive as the goal: they
/// are the "fully online" values of the weighted rate (DM §1.4) and of the
/// 2026 target "all démarches online" (DM §1.7); §1.6 only excludes "Non".
/// Order (best first): proactive (rights granted without a démarche) before
/// Oui, then local deployment. No "Bêta" level in v2.
const V2_ONLINE: &[Level] = &[
    cat(
        "proactive",
        "Démarche proactive",
        Blue,
        true,
        &["démarche proactive", "proactive"],
    ),
    cat("oui", "Oui", Green, true, OUI),
    cat(
        "local",
        "En cours de déploiement local",
        Green,
        true,
        &["en cours de déploiement local", "déploiement local"],
    ),
    cat("partiel", "Partiel", Yellow, false, PARTIEL),
    cat("non", "Non", Red, false, NON),
];

/// Mean /10 (satisfaction, language clarity, help efficiency): ≥ 8 green
/// (goal) "Très bien", 5–8 yellow "Insuffisant", < 5 red "Critique".
const V2_SCORE_10: &[Level] = &[
    num("tres_bien", "Très bien", Green, true, Some(8.0), None),
    num(
        "insuffisant",
        "Insuffisant",
        Yellow,
        false,
        Some(5.0),
        Some(8.0),
    ),
    num("critique", "Critique", Red, false, None, Some(5.0)),
];

/// RGAA rate: 100 % Oui (goal), 50–99 % Partiel, < 50 % or no valid
/// statement ("Non") Non.
const V2_HANDICAP: &[Level] = &[
    Level {
        values: OUI,
        ..num("oui", "Oui", Green, true, Some(100.0), None)
    },
    Level {
        values: PARTIEL,
        ..num("partiel", "Partiel", Yellow, false, Some(50.0), Some(100.0))
    },
    Level {
        values: NON,
        ..num("non", "Non", Red, false, None, Some(50.0))
    },
];

/// DLNUF item count (lower is better): 0–1 Optimal (goal), 2–4 Partiel, ≥ 5 Faible.
const V2_DLNUF: &[Level] = &[
    num("optimal", "Optimal", Green, true, None, Some(2.0)),
    num("partiel", "Partiel", Yellow, false, Some(2.0), Some(5.0)),
    num("faible", "Faible", Red, false, Some(5.0), None),
];

/// Gray, no threshold (usage rate, autonomy level).
const V2_MEASURE: &[Level] = &[num("mesure", "Mesuré", Gray, false, Some(0.0), None)];

/// FranceConnect+ and FranceConnect blue (goal), Non red.
const V2_AUTH: &[Level] = &[
    cat(
        "franceconnect_plus",
        "FranceConnect+",
        Blue,
        true,
        &["franceconnect+", "franceconnect +", "fc+"],
    ),
    cat(
        "franceconnect",
        "FranceConnect",
        Blue,
        true,
        &["franceconnect", "fc"],
    ),
    cat("non", "Non", Red, false, NON),
];

/// Help reachable %: ≥ 85 green (goal), 70–85 yellow, < 70 red (no labels in
/// DM; ours).
const V2_HELP_REACHABLE: &[Level] = &[
    num("bon", "Bon", Green, true, Some(85.0), None),
    num("moyen", "Moyen", Yellow, false, Some(70.0), Some(85.0)),
    num("faible", "Faible", Red, false, None, Some(70.0)),
];

/// Uptime %: ≥ 99.9 Optimal (goal), 98.5–99.9 Partiel, < 98.5 Faible.
const V2_UPTIME: &[Level] = &[
    num("optimal", "Optimal", Green, true, Some(99.9), None),
    num("partiel", "Partiel", Yellow, false, Some(98.5), Some(99.9)),
    num("faible", "Faible", Red, false, None, Some(98.5)),
];

/// Page load ms (lower is better): < 400 Optimal (goal), 400–< 800 yellow,
/// ≥ 800 red (DM names only "Optimal"; "Partiel"/"Faible" as for uptime).
const V2_PERFORMANCE: &[Level] = &[
    num("optimal", "Optimal", Green, true, None, Some(400.0)),
    num(
        "partiel",
        "Partiel",
        Yellow,
        false,
        Some(400.0),
        Some(800.0),
    ),
    num("faible", "Faible", Red, false, Some(800.0), None),
];

/// "Vos démarches essentielles" (July 2023 onwards): the 12 indicators of
/// DM §1.5, the 5 priority ones flagged.
pub const V2023: Method = Method {
    code: "v2023",
    label_fr: "Vos démarches essentielles (2023)",
    valid_from: date!(2023 - 07 - 01),
    indicators: &[
        indicator(
            "online",
            "Réalisable en ligne",
            true,
            Scale::Categorical,
            V2_ONLINE,
        ),
        indicator(
            "satisfaction",
            "Satisfaction usagers",
            true,
            numeric("/10", 0.0, 10.0),
            V2_SCORE_10,
        ),
        indicator(
            "handicap",
            "Prise en compte du handicap",
            true,
            numeric("%", 0.0, 100.0),
            V2_HANDICAP,
        ),
        lower_is_better(indicator(
            "dlnuf",
            "Dites-le-nous une fois",
            true,
            numeric("données", 0.0, f64::INFINITY),
            V2_DLNUF,
        )),
        indicator(
            "usage",
            "Taux d'utilisation de la version numérique",
            true,
            numeric("%", 0.0, 100.0),
            V2_MEASURE,
        ),
        indicator(
            "auth",
            "Authentification",
            false,
            Scale::Categorical,
            V2_AUTH,
        ),
        indicator(
            "simplicity",
            "Clarté du langage",
            false,
            numeric("/10", 0.0, 10.0),
            V2_SCORE_10,
        ),
        indicator(
            "help_reachable",
            "Aide joignable",
            false,
            numeric("%", 0.0, 100.0),
            V2_HELP_REACHABLE,
        ),
        indicator(
            "help_efficient",
            "Aide efficace",
            false,
            numeric("/10", 0.0, 10.0),
            V2_SCORE_10,
        ),
        indicator(
            "help_used",
            "Niveau d'autonomie",
            false,
            numeric("%", 0.0, 100.0),
            V2_MEASURE,
        ),
        indicator(
            "uptime",
            "Disponibilité du service",
            false,
            numeric("%", 0.0, 100.0),
            V2_UPTIME,
        ),
        lower_is_better(indicator(
            "performance",
            "Temps de chargement des pages",
            false,
            numeric("ms", 0.0, f64::INFINITY),
            V2_PERFORMANCE,
        )),
    ],
};
