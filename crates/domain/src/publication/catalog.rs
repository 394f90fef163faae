//! The fields each dataset may publish, in file order.
//!
//! The panorama starts with the DINUM's 15 published columns, exact headers
//! and order (MP §1.3), so a default release reproduces its layout; the
//! fields cosinum adds (drifts, baselines…) follow and are internal until a
//! rule opens them. The observatory follows cosinum's observatory export
//! (`cosinum-io`'s header): the démarche, then each indicator of the
//! edition's method with the level it reads as (DM §1.4–1.5).

use super::{FieldKind, FieldSpec, Visibility};
use crate::demarches::method::Method;

/// The sentence the DINUM publishes in « Phase du projet en cours » when a
/// project's figures are withheld (MP §1.3).
pub const WITHHELD_SENTENCE: &str = "Les éléments chiffrés des projets en cours d'appel d'offres ou dont la trajectoire est en cours de révision ne sont volontairement pas publiés par la DINUM afin de ne pas interférer avec les procédures en cours";

/// Suffix of an indicator's level column (as in cosinum's observatory export).
pub const LEVEL_SUFFIX: &str = " — niveau";

struct Spec {
    key: &'static str,
    name: &'static str,
    kind: FieldKind,
    unit: Option<&'static str>,
    default: Visibility,
    description: &'static str,
}

const fn spec(
    key: &'static str,
    name: &'static str,
    kind: FieldKind,
    default: Visibility,
    description: &'static str,
) -> Spec {
    Spec {
        key,
        name,
        kind,
        unit: None,
        default,
        description,
    }
}

const fn with_unit(mut s: Spec, unit: &'static str) -> Spec {
    s.unit = Some(unit);
    s
}

use FieldKind as K;
use Visibility::{Internal as I, Public as P, Withheld as W};

const PANORAMA: [Spec; 21] = [
    spec(
        "ministere_porteur",
        "Ministère porteur",
        K::String,
        P,
        "Sigle du ministère qui porte le projet.",
    ),
    spec(
        "ministere_nom",
        "Ministère nom complet",
        K::String,
        P,
        "Nom complet du ministère porteur.",
    ),
    spec("nom", "Nom du projet", K::String, P, "Nom du projet."),
    spec(
        "interministeriel",
        "Projet interministériel",
        K::Boolean,
        P,
        "Le projet bénéficie à plusieurs ministères (Oui / Non).",
    ),
    spec(
        "description",
        "Description et objectifs du projet",
        K::String,
        P,
        "Description et objectifs du projet.",
    ),
    spec(
        "lien",
        "En savoir plus sur le projet",
        K::String,
        P,
        "Adresse d'une page présentant le projet.",
    ),
    spec(
        "debut",
        "Début",
        K::Date,
        P,
        "Date de début du projet (AAAA-MM-JJ).",
    ),
    with_unit(
        spec(
            "duree",
            "Durée prévisionnelle en année",
            K::Number,
            W,
            "Durée prévue du projet, du début à la fin prévisionnelle, en années.",
        ),
        "années",
    ),
    spec(
        "phase",
        "Phase du projet en cours",
        K::String,
        W,
        "Cadrage, Conception / Réalisation, Expérimentation, Déploiement ou Terminé ; la phase qui consomme le plus de ressources quand plusieurs se déroulent en parallèle.",
    ),
    with_unit(
        spec(
            "cout_estime",
            "Coût estimé",
            K::Number,
            W,
            "Coût complet estimé en millions d'euros TTC : coûts de construction et 24 premiers mois de fonctionnement ; « En cadrage » pour un projet en cadrage.",
        ),
        "M€",
    ),
    spec(
        "tranche",
        "Coût estimé par tranche",
        K::String,
        W,
        "Tranche du coût estimé.",
    ),
    spec(
        "zone_fonctionnelle",
        "Zone fonctionnelle",
        K::String,
        P,
        "Zone fonctionnelle principale du plan d'occupation des sols du SI de l'État.",
    ),
    spec(
        "financement",
        "Financement [programme(s)]",
        K::String,
        P,
        "Programme(s) LOLF qui financent le projet.",
    ),
    spec(
        "lien_pap",
        "Lien vers les Projets Annuels de Performances",
        K::String,
        P,
        "Adresse du projet annuel de performances qui présente le projet.",
    ),
    spec(
        "date_publication",
        "Date de publication",
        K::Date,
        P,
        "Date des données publiées (AAAA-MM-JJ).",
    ),
    spec(
        "identifiant",
        "Identifiant cosinum",
        K::Integer,
        I,
        "Identifiant stable du projet dans cosinum.",
    ),
    spec(
        "fin_prevue",
        "Fin prévisionnelle",
        K::Date,
        I,
        "Date de fin prévue à la dernière revue.",
    ),
    with_unit(
        spec(
            "cout_reference_initial",
            "Coût de référence initial (M€)",
            K::Number,
            I,
            "Coût de la référence initiale (prévision au lancement ou à l'avis conforme), en M€.",
        ),
        "M€",
    ),
    spec(
        "derive_budgetaire",
        "Écart budgétaire (référence initiale)",
        K::Number,
        I,
        "(coût estimé − coût initial) / coût initial ; 0,25 = +25 %.",
    ),
    spec(
        "derive_calendaire",
        "Écart calendaire (référence initiale)",
        K::Number,
        I,
        "(durée actualisée − durée initiale) / durée initiale ; 0,25 = +25 %.",
    ),
    spec(
        "rebasages",
        "Nombre de rebasages",
        K::Integer,
        I,
        "Nombre de nouvelles références approuvées depuis la référence initiale.",
    ),
];

/// Fields of the panorama whose values the withholding condition masks:
/// every figure, and the phase (which then carries the DINUM's sentence).
const PANORAMA_WITHHOLDABLE: [&str; 8] = [
    "duree",
    "phase",
    "cout_estime",
    "tranche",
    "fin_prevue",
    "cout_reference_initial",
    "derive_budgetaire",
    "derive_calendaire",
];

fn field(s: &Spec, withholdable: bool, mask: &str) -> FieldSpec {
    FieldSpec {
        key: s.key.to_owned(),
        name: s.name.to_owned(),
        kind: s.kind,
        description: s.description.to_owned(),
        unit: s.unit.map(str::to_owned),
        rule_key: s.key.to_owned(),
        default: s.default,
        withholdable,
        mask: mask.to_owned(),
        stamp: matches!(s.key, "date_publication" | "edition"),
    }
}

/// The panorama's fields.
pub fn panorama() -> Vec<FieldSpec> {
    PANORAMA
        .iter()
        .map(|s| {
            let withholdable = PANORAMA_WITHHOLDABLE.contains(&s.key);
            let mask = if s.key == "phase" {
                WITHHELD_SENTENCE
            } else {
                ""
            };
            let mut f = field(s, withholdable, mask);
            if withholdable && f.default == Visibility::Public {
                f.default = Visibility::Withheld;
            }
            f
        })
        .collect()
}

const OBSERVATOIRE: [Spec; 10] = [
    spec(
        "edition",
        "Édition",
        K::Date,
        P,
        "Date de l'édition trimestrielle (AAAA-MM-JJ).",
    ),
    spec(
        "identifiant",
        "Identifiant",
        K::Integer,
        P,
        "Identifiant stable de la démarche.",
    ),
    spec(
        "ministere",
        "Ministère",
        K::String,
        P,
        "Sigle du ministère responsable.",
    ),
    spec(
        "administration",
        "Administration",
        K::String,
        P,
        "Administration qui gère la démarche.",
    ),
    spec("demarche", "Démarche", K::String, P, "Nom de la démarche."),
    spec(
        "publics",
        "Publics",
        K::String,
        P,
        "Publics concernés, séparés par des points-virgules.",
    ),
    spec("url", "URL", K::Url, P, "Adresse de la démarche en ligne."),
    spec(
        "volumetrie_totale",
        "Volumétrie totale",
        K::Integer,
        P,
        "Nombre de démarches réalisées par an, tous canaux confondus.",
    ),
    spec(
        "volumetrie_en_ligne",
        "Volumétrie en ligne",
        K::Integer,
        P,
        "Dont réalisées en ligne.",
    ),
    spec(
        "mise_en_ligne",
        "Date de mise en ligne",
        K::Date,
        P,
        "Date de mise en ligne de la démarche.",
    ),
];

/// The observatory's fields for an edition under `method`: the démarche,
/// then each indicator's value and level (one rule for both).
pub fn observatoire(method: &Method) -> Vec<FieldSpec> {
    let mut out: Vec<FieldSpec> = OBSERVATOIRE.iter().map(|s| field(s, false, "")).collect();
    for i in method.indicators {
        let (kind, unit) = match i.scale {
            crate::demarches::method::Scale::Numeric { unit, .. } => (K::String, Some(unit)),
            crate::demarches::method::Scale::Categorical => (K::String, None),
        };
        out.push(FieldSpec {
            key: i.slug.to_owned(),
            name: i.label_fr.to_owned(),
            // Values mix numbers and statuses (« À venir », « n/a »): text.
            kind,
            description: format!(
                "Valeur de l'indicateur « {} » selon la méthode {}{}.",
                i.label_fr,
                method.code,
                unit.map_or_else(String::new, |u| format!(" (unité : {u})"))
            ),
            unit: unit.map(str::to_owned),
            rule_key: i.slug.to_owned(),
            default: Visibility::Public,
            withholdable: false,
            mask: String::new(),
            stamp: false,
        });
        out.push(FieldSpec {
            key: format!("{}.niveau", i.slug),
            name: format!("{}{LEVEL_SUFFIX}", i.label_fr),
            kind: K::String,
            description: format!(
                "Niveau atteint sur « {} » (seuils de la méthode {}).",
                i.label_fr, method.code
            ),
            unit: None,
            rule_key: i.slug.to_owned(),
            default: Visibility::Public,
            withholdable: false,
            mask: String::new(),
            stamp: false,
        });
    }
    out
}

/// The size band the DINUM publishes for a cost in M€ (MP §1.3, 2016 labels).
pub fn cost_band(cost_meur: f64) -> &'static str {
    match cost_meur {
        c if c < 5.0 => "< 5 M€",
        c if c < 9.0 => "entre 5 et 9 M€",
        c if c < 20.0 => "entre 9 et 20 M€",
        c if c <= 100.0 => "entre 20 et 100 M€",
        _ => "> 100 M€",
    }
}
