//! Indicator methods of the Observatoire as *data*: each method lists its
//! indicators, each indicator its levels (colour, goal flag, numeric bounds or
//! accepted categorical values). Assessing a raw cell is one generic function,
//! [`assess`], with no per-indicator branch.
//!
//! Methods: [`V2019`] (v1, June 2019 to mid-2023, DM §1.4) and [`V2023`] (v2
//! "Vos démarches essentielles", July 2023 onwards, DM §1.5). The v3 subset of
//! 2026 is not visible in the reference (DM §1.5 last paragraph), so it is not
//! modelled.
//!
//! Encoding conventions (shared by every indicator):
//! - `levels` are ordered **best first**; the index of a level is its rank
//!   (used by [`super::shares::movers`]).
//! - A numeric value belongs to the first level whose `[min, max)` contains it
//!   (`None` = unbounded). This is DM §1.5's "highest threshold ≤ value" for
//!   higher-is-better indicators, and the mirror for lower-is-better ones
//!   (DLNUF, performance), whose bounds are upper bounds of the better levels.
//! - Percentages are in points (`85.0` = 85 %), as published.
//! - A text cell matches a level whose `values` contains it, ignoring case and
//!   accents. Numeric indicators may also accept text (RGAA "Non" = no valid
//!   accessibility statement, DM §1.5).

mod catalogue;

pub use catalogue::{V2019, V2023};

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::date;

/// Display colour of a level (DM §1.4 "Colour", DM §1.5 "Thresholds and colours").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    Green,
    Yellow,
    Orange,
    Red,
    Blue,
    Gray,
}

impl Colour {
    pub fn label_fr(self) -> &'static str {
        match self {
            Colour::Green => "Vert",
            Colour::Yellow => "Jaune",
            Colour::Orange => "Orange",
            Colour::Red => "Rouge",
            Colour::Blue => "Bleu",
            Colour::Gray => "Gris",
        }
    }
}

/// How an indicator's raw values read.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Scale {
    /// A fixed list of values (Oui / Partiel / Non …).
    Categorical,
    /// A measured number.
    Numeric {
        unit: &'static str,
        /// Inclusive range of valid values; anything outside is invalid.
        range: (f64, f64),
        /// A numeric sentinel meaning "not applicable" (v1 DLNUF `-1`, DM §1.4).
        not_applicable: Option<f64>,
    },
}

/// One level of an indicator (a colour band or a categorical value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Level {
    /// Stable ASCII code (`oui`, `partiel`, `optimal` …).
    pub code: &'static str,
    pub label_fr: &'static str,
    pub colour: Colour,
    /// The level is flagged `goal_reached` (DM §1.5).
    pub goal: bool,
    /// Numeric levels: inclusive lower bound (`None` = unbounded below).
    pub min: Option<f64>,
    /// Numeric levels: exclusive upper bound (`None` = unbounded above).
    pub max: Option<f64>,
    /// Accepted raw text values (lower-case, accents kept); compared ignoring
    /// case and accents. Empty for purely numeric levels.
    pub values: &'static [&'static str],
}

/// One indicator (a column of an edition).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Indicator {
    pub slug: &'static str,
    pub label_fr: &'static str,
    /// One of the 5 "prioritaires" of July 2023 (DM §1.5); none in v1.
    pub priority: bool,
    pub scale: Scale,
    /// Levels, best first (rank = index).
    pub levels: &'static [Level],
    /// Higher is better unless false (DLNUF, performance: lower is better).
    pub higher_is_better: bool,
}

impl Indicator {
    /// The level with this code.
    pub fn level(&self, code: &str) -> Option<&'static Level> {
        self.levels.iter().find(|l| l.code == code)
    }

    /// Rank of the level with this code (0 = best).
    pub fn rank(&self, code: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.code == code)
    }

    /// Whether any level of the indicator is flagged as the goal. `usage` and
    /// `help_used` have none (gray, no threshold, DM §1.5).
    pub fn has_goal(&self) -> bool {
        self.levels.iter().any(|l| l.goal)
    }
}

/// A method: the set of indicators in force from a date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Method {
    pub code: &'static str,
    pub label_fr: &'static str,
    pub valid_from: Date,
    pub indicators: &'static [Indicator],
}

impl Method {
    /// The indicator with this slug.
    pub fn indicator(&self, slug: &str) -> Option<&'static Indicator> {
        self.indicators.iter().find(|i| i.slug == slug)
    }
}

static METHODS: [Method; 2] = [V2019, V2023];

/// All methods, oldest first.
pub fn methods() -> &'static [Method] {
    &METHODS
}

/// The method with this code (`"v2019"`, `"v2023"`).
pub fn method(code: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.code == code)
}

/// The method in force on `day`: V2023 from 1 July 2023 (DM §1.1, VDE launched
/// 11–13 July 2023; we take the first day of the quarter, the first VDE
/// edition being the July 2023 one), V2019 before (including days before its
/// June 2019 launch: there is no earlier method).
pub fn method_in_force(day: Date) -> &'static Method {
    if day >= date!(2023 - 07 - 01) {
        &METHODS[1]
    } else {
        &METHODS[0]
    }
}

/// A raw cell of an edition, read tolerantly ([`parse_raw`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RawValue {
    Number(f64),
    Text(String),
    /// "n/a", "Non applicable" (DM §1.4 display conventions).
    NotApplicable,
    /// Empty, "–", "À venir", "En attente", "Nombre d'avis insuffisant" …
    NotYetMeasured,
}

/// Lower-case, accents removed, typographic apostrophes straightened and
/// inner whitespace collapsed: the key used to compare French labels.
pub(crate) fn fold(s: &str) -> String {
    folded(s).collect()
}

/// The characters of [`fold`]`(s)`, without building the string: comparing a
/// value with each spelling of each level must not allocate (dashboards
/// assess millions of values).
fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.split_whitespace().enumerate().flat_map(|(i, word)| {
        (i > 0).then_some(' ').into_iter().chain(
            word.chars()
                .flat_map(char::to_lowercase)
                .flat_map(fold_char),
        )
    })
}

/// One lower-case character folded: accents removed, ligatures split,
/// typographic apostrophes straightened.
fn fold_char(c: char) -> impl Iterator<Item = char> {
    let (first, second) = match c {
        'à' | 'â' | 'ä' | 'á' => ('a', None),
        'é' | 'è' | 'ê' | 'ë' => ('e', None),
        'î' | 'ï' | 'í' => ('i', None),
        'ô' | 'ö' | 'ó' => ('o', None),
        'ù' | 'û' | 'ü' | 'ú' => ('u', None),
        'ÿ' => ('y', None),
        'ç' => ('c', None),
        'œ' => ('o', Some('e')),
        'æ' => ('a', Some('e')),
        '’' | '‘' | 'ʼ' => ('\'', None),
        c => (c, None),
    };
    std::iter::once(first).chain(second)
}

/// Folded spellings of "not applicable" (DM §1.4: "n/a" = not applicable).
const NOT_APPLICABLE: &[&str] = &["n/a", "na", "non applicable", "sans objet"];

/// Folded spellings of "not (yet) measured": DM §1.4 ("–" = not evaluated,
/// "En attente" = information not available, "En cours" = JDMA button
/// installed but ≤ 100 avis, `nr` = non renseigné) and DM §1.5 ("À venir",
/// "Nombre d'avis insuffisant").
const NOT_YET_MEASURED: &[&str] = &[
    "",
    "-",
    "–",
    "—",
    "a venir",
    "en attente",
    "en cours",
    "nombre d'avis insuffisant",
    "nr",
    "non renseigne",
];

/// Reads a French number: "7,5", "7.5", "85 %", "99,95%", "1 200" (any
/// whitespace, NBSP included, is ignored; a trailing `%` is dropped, the value
/// stays in points). `None` unless the result is finite.
fn parse_number(cell: &str) -> Option<f64> {
    let compact: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = compact.strip_suffix('%').unwrap_or(&compact);
    if !digits.chars().any(|c| c.is_ascii_digit())
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+'))
    {
        return None;
    }
    let x: f64 = digits.replace(',', ".").parse().ok()?;
    x.is_finite().then_some(x)
}

/// Reads one cell of an edition, tolerant of French input:
/// "n/a", "N/A", "NA", "Non applicable" → `NotApplicable`; "", "-", "–",
/// "À venir", "a venir", "En attente", "En cours", "nr", "Nombre d'avis
/// insuffisant" → `NotYetMeasured`; "7,5", "7.5", "85 %", "99,95%" →
/// `Number`; anything else → `Text` (trimmed).
pub fn parse_raw(cell: &str) -> RawValue {
    let text = cell.trim();
    let key = fold(text);
    if NOT_APPLICABLE.contains(&key.as_str()) {
        RawValue::NotApplicable
    } else if NOT_YET_MEASURED.contains(&key.as_str()) {
        RawValue::NotYetMeasured
    } else if let Some(x) = parse_number(text) {
        RawValue::Number(x)
    } else {
        RawValue::Text(text.to_string())
    }
}

/// Whether two raw cells say the same thing: the same text, or the same
/// number however written ("8,0", "8", "8.0"). A blank cell and an absent
/// one are the same; other wordings are kept apart, since they show.
pub fn same_value(a: Option<&str>, b: Option<&str>) -> bool {
    let (a, b) = (a.unwrap_or("").trim(), b.unwrap_or("").trim());
    a == b
        || matches!((parse_raw(a), parse_raw(b)), (RawValue::Number(x), RawValue::Number(y)) if x == y)
}

/// The outcome of reading one value against one indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    Level {
        code: &'static str,
        colour: Colour,
        goal: bool,
    },
    NotApplicable,
    NotYetMeasured,
    /// The value fits no level; the message (French) says why.
    Invalid(String),
}

impl Assessment {
    fn of(level: &Level) -> Assessment {
        Assessment::Level {
            code: level.code,
            colour: level.colour,
            goal: level.goal,
        }
    }

    /// The level code, if the value was assessed to a level.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Assessment::Level { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the value reached the goal level.
    pub fn goal_reached(&self) -> bool {
        matches!(self, Assessment::Level { goal: true, .. })
    }
}

fn contains(level: &Level, x: f64) -> bool {
    let has_bound = level.min.is_some() || level.max.is_some();
    has_bound && level.min.is_none_or(|m| x >= m) && level.max.is_none_or(|m| x < m)
}

/// Assesses a raw value against an indicator (DM §1.4, §1.5).
///
/// - Numbers: only for numeric indicators; the scale's not-applicable
///   sentinel gives `NotApplicable`; outside the scale's range is `Invalid`;
///   otherwise the first level whose `[min, max)` contains the value.
/// - Text: the first level listing it in `values` (case and accents ignored).
/// - `NotApplicable` / `NotYetMeasured` pass through.
pub fn assess(indicator: &Indicator, value: &RawValue) -> Assessment {
    match value {
        RawValue::NotApplicable => Assessment::NotApplicable,
        RawValue::NotYetMeasured => Assessment::NotYetMeasured,
        RawValue::Text(t) => {
            // Most stored values are spelled as the catalogue spells them: an
            // exact match skips folding. It finds the level folding would
            // find, since no two levels' spellings fold alike (see tests).
            let exact = indicator
                .levels
                .iter()
                .find(|l| l.values.contains(&t.as_str()));
            exact
                .or_else(|| {
                    let key = fold(t);
                    indicator
                        .levels
                        .iter()
                        .find(|l| l.values.iter().any(|v| folded(v).eq(key.chars())))
                })
                .map(Assessment::of)
                .unwrap_or_else(|| {
                    Assessment::Invalid(format!(
                        "« {t} » n'est pas une valeur reconnue pour « {} »",
                        indicator.label_fr
                    ))
                })
        }
        RawValue::Number(x) => {
            let Scale::Numeric {
                unit,
                range: (lo, hi),
                not_applicable,
            } = indicator.scale
            else {
                return Assessment::Invalid(format!(
                    "« {} » attend une valeur parmi une liste, pas le nombre {x}",
                    indicator.label_fr
                ));
            };
            if not_applicable == Some(*x) {
                return Assessment::NotApplicable;
            }
            if !x.is_finite() || *x < lo || *x > hi {
                return Assessment::Invalid(format!(
                    "{x} est hors de l'intervalle [{lo} ; {hi}] {unit} de « {} »",
                    indicator.label_fr
                ));
            }
            indicator
                .levels
                .iter()
                .find(|l| contains(l, *x))
                .map(Assessment::of)
                .unwrap_or_else(|| {
                    Assessment::Invalid(format!(
                        "{x} {unit} ne correspond à aucun niveau de « {} »",
                        indicator.label_fr
                    ))
                })
        }
    }
}

#[cfg(test)]
mod tests;
