//! Quality checks run on a submitted item before the DINUM accepts it. They
//! flag what deserves a second look — they never refuse a value, since a
//! suspicious figure may be right; the DINUM decides.
//!
//! - A project's cost estimate falls without a new baseline: budgets rarely
//!   shrink; a fall usually means scope was cut without re-baselining
//!   (major-projects reference, MP §3.3: drift is measured against the
//!   baseline in force, so a silent cut hides drift).
//! - A value outside its plausible range: for démarches, an indicator value
//!   outside its scale (the observatory method, DM §1.4); for projects, a
//!   cost estimate more than doubled or halved in one period.
//! - Values unchanged for four periods: the return was probably copied
//!   forward rather than updated.

use serde::{Deserialize, Serialize};

use super::fields::{Values, parse_decimal};
use crate::demarches::method::{Assessment, Method, assess, parse_raw, same_value};

/// Periods a value may stay identical before it is flagged (this one and
/// the three before it).
pub const UNCHANGED_PERIODS: usize = 4;

/// One suspicious value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// `cost_fall`, `implausible` or `unchanged`.
    pub code: String,
    /// The field concerned, or empty for the whole item.
    pub field: String,
    pub message: String,
}

/// Whether the same value was given in `current` and every one of the
/// `UNCHANGED_PERIODS - 1` previous periods (`history`, newest first). Blank
/// values never count as unchanged: nothing was measured.
pub fn unchanged_for_periods(current: &str, history: &[&str]) -> bool {
    let needed = UNCHANGED_PERIODS - 1;
    !current.trim().is_empty()
        && history.len() >= needed
        && history[..needed]
            .iter()
            .all(|h| same_value(Some(current), Some(h)))
}

/// Whether a cost estimate fell since the previous review although no new
/// baseline was approved in between.
pub fn cost_fell_without_rebaseline(
    previous_meur: Option<f64>,
    current_meur: f64,
    rebaselined: bool,
) -> bool {
    !rebaselined && previous_meur.is_some_and(|p| current_meur < p - 1e-9)
}

/// Whether a cost estimate moved beyond the plausible band for one period
/// (more than doubled, or less than half).
pub fn cost_outside_plausible(previous_meur: Option<f64>, current_meur: f64) -> bool {
    previous_meur.is_some_and(|p| p > 0.0 && (current_meur > 2.0 * p || current_meur < 0.5 * p))
}

fn history_of<'a>(history: &'a [Values], key: &str) -> Vec<&'a str> {
    history
        .iter()
        .map(|v| v.get(key).map_or("", String::as_str))
        .collect()
}

/// Flags of a project review: `history` holds the previous reviews' values
/// (newest first); `rebaselined` says a baseline was approved since the
/// latest of them.
pub fn review_flags(current: &Values, history: &[Values], rebaselined: bool) -> Vec<Flag> {
    let mut flags = Vec::new();
    let cost = current.get("cost_meur").and_then(|c| parse_decimal(c));
    let previous = history
        .first()
        .and_then(|h| h.get("cost_meur"))
        .and_then(|c| parse_decimal(c));
    if let Some(c) = cost {
        if cost_fell_without_rebaseline(previous, c, rebaselined) {
            flags.push(Flag {
                code: "cost_fall".into(),
                field: "cost_meur".into(),
                message: format!(
                    "Le coût estimé baisse ({} → {} M€) sans nouvelle référence (rebaselining) approuvée",
                    previous.unwrap_or_default(),
                    c
                ),
            });
        }
        if cost_outside_plausible(previous, c) {
            flags.push(Flag {
                code: "implausible".into(),
                field: "cost_meur".into(),
                message: "Le coût estimé a plus que doublé ou diminué de moitié en une période"
                    .into(),
            });
        }
    }
    for (key, label) in [
        ("cost_meur", "Coût estimé"),
        ("forecast_end", "Fin prévue"),
        ("ministry_rating", "Météo ministère"),
    ] {
        let now = current.get(key).map_or("", String::as_str);
        if unchanged_for_periods(now, &history_of(history, key)) {
            flags.push(unchanged_flag(key, label));
        }
    }
    flags
}

fn unchanged_flag(key: &str, label: &str) -> Flag {
    Flag {
        code: "unchanged".into(),
        field: key.to_owned(),
        message: format!(
            "{label} : valeur identique depuis {UNCHANGED_PERIODS} périodes, a-t-elle été mise à jour ?"
        ),
    }
}

/// Flags of an HR return (`history` newest first): a turnover rate —
/// ((entries + exits) / 2) / average headcount, the DGAFP/Dares convention
/// (`../shared/reference/cloud-talents-relance.md`, « Taux de rotation ») —
/// above 100 %, outside the plausible range; headcounts that do not add up
/// (start plus entries minus exits is not the end headcount); more vacant
/// positions than positions opened; an end headcount unchanged for four periods.
pub fn hr_flags(current: &Values, history: &[Values]) -> Vec<Flag> {
    let n = |k: &str| current.get(k).and_then(|v| v.trim().parse::<f64>().ok());
    let mut flags = Vec::new();
    if let (Some(start), Some(end), Some(entries), Some(exits)) = (
        n("headcount_start"),
        n("headcount_end"),
        n("entries"),
        n("exits"),
    ) {
        let average = (start + end) / 2.0;
        let turnover = (entries + exits) / 2.0 / average;
        if average > 0.0 && turnover > 1.0 {
            flags.push(Flag {
                code: "implausible".into(),
                field: "exits".into(),
                message: format!(
                    "Taux de rotation de {:.0} % : hors de la plage plausible (plus de mouvements que d'agents)",
                    100.0 * turnover
                ),
            });
        }
        if (start + entries - exits - end).abs() > 0.5 {
            flags.push(Flag {
                code: "inconsistent".into(),
                field: "headcount_end".into(),
                message: format!(
                    "Les effectifs ne s'additionnent pas : {start} + {entries} entrées − {exits} sorties ≠ {end}"
                ),
            });
        }
    }
    if let (Some(vacant), Some(opened)) = (n("vacant_end"), n("positions_opened"))
        && vacant > opened
        && history.is_empty()
    {
        flags.push(Flag {
            code: "implausible".into(),
            field: "vacant_end".into(),
            message: "Plus de postes vacants que de postes ouverts".into(),
        });
    }
    let now = current.get("headcount_end").map_or("", String::as_str);
    if unchanged_for_periods(now, &history_of(history, "headcount_end")) {
        flags.push(unchanged_flag("headcount_end", "Effectif fin"));
    }
    flags
}

/// Flags of a démarche's indicators: values outside the indicator's scale,
/// and numbers unchanged for four editions (`history` newest first).
pub fn demarche_flags(method: &Method, current: &Values, history: &[Values]) -> Vec<Flag> {
    let mut flags = Vec::new();
    for ind in method.indicators {
        let Some(raw) = current.get(ind.slug).filter(|r| !r.trim().is_empty()) else {
            continue;
        };
        if let Assessment::Invalid(why) = assess(ind, &parse_raw(raw)) {
            flags.push(Flag {
                code: "implausible".into(),
                field: ind.slug.to_owned(),
                message: format!(
                    "{} : « {raw} » hors de la plage plausible ({why})",
                    ind.label_fr
                ),
            });
        }
        let numeric = matches!(
            parse_raw(raw),
            crate::demarches::method::RawValue::Number(_)
        );
        if numeric && unchanged_for_periods(raw, &history_of(history, ind.slug)) {
            flags.push(unchanged_flag(ind.slug, ind.label_fr));
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demarches::method::method_in_force;
    use proptest::prelude::*;
    use time::macros::date;

    fn v(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_cost_cut_without_rebaseline_is_flagged_once_rebaselined_not() {
        let now = v(&[
            ("cost_meur", "10"),
            ("forecast_end", "2027-01-01"),
            ("ministry_rating", "2"),
        ]);
        let before = [v(&[("cost_meur", "12,5")])];
        let codes = |f: Vec<Flag>| f.into_iter().map(|f| f.code).collect::<Vec<String>>();
        assert_eq!(codes(review_flags(&now, &before, false)), vec!["cost_fall"]);
        assert!(review_flags(&now, &before, true).is_empty());
        let tripled = [v(&[("cost_meur", "3")])];
        assert_eq!(
            codes(review_flags(&now, &tripled, false)),
            vec!["implausible"]
        );
    }

    #[test]
    fn four_identical_periods_are_flagged_three_are_not() {
        let now = v(&[("cost_meur", "10"), ("forecast_end", "2027-01-01")]);
        let same = v(&[("cost_meur", "10,0"), ("forecast_end", "2027-01-01")]);
        let three = [same.clone(), same.clone()];
        assert!(review_flags(&now, &three, false).is_empty());
        let four = [same.clone(), same.clone(), same];
        let flags = review_flags(&now, &four, false);
        assert_eq!(flags.len(), 2);
        assert!(flags.iter().all(|f| f.code == "unchanged"));
        assert!(!unchanged_for_periods("", &["", "", ""]));
    }

    #[test]
    fn a_demarche_value_outside_its_scale_is_flagged() {
        let m = method_in_force(date!(2026 - 07 - 01));
        let numeric = m
            .indicators
            .iter()
            .find(|i| matches!(i.scale, crate::demarches::method::Scale::Numeric { .. }))
            .unwrap();
        let now = v(&[(numeric.slug, "250000")]);
        let flags = demarche_flags(m, &now, &[]);
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].code, "implausible");
        assert_eq!(flags[0].field, numeric.slug);
    }

    #[test]
    fn hr_figures_that_do_not_add_up_or_spin_are_flagged() {
        let ok = v(&[
            ("headcount_start", "100"),
            ("headcount_end", "104"),
            ("entries", "14"),
            ("exits", "10"),
            ("positions_opened", "18"),
            ("vacant_end", "4"),
        ]);
        assert!(hr_flags(&ok, &[]).is_empty());
        let odd = v(&[
            ("headcount_start", "10"),
            ("headcount_end", "12"),
            ("entries", "30"),
            ("exits", "28"),
            ("positions_opened", "2"),
            ("vacant_end", "5"),
        ]);
        let codes: Vec<String> = hr_flags(&odd, &[]).into_iter().map(|f| f.code).collect();
        assert_eq!(codes, vec!["implausible", "implausible"]);
        let gap = v(&[
            ("headcount_start", "100"),
            ("headcount_end", "90"),
            ("entries", "5"),
            ("exits", "5"),
        ]);
        assert_eq!(hr_flags(&gap, &[])[0].code, "inconsistent");
    }

    proptest! {
        /// A cost that does not fall is never flagged as a cut, whatever the baseline.
        #[test]
        fn rising_costs_are_never_cuts(p in 0.0f64..1e4, rise in 0.0f64..1e4, rebaselined: bool) {
            prop_assert!(!cost_fell_without_rebaseline(Some(p), p + rise, rebaselined));
        }

        /// A value that changed in the last four periods is never "unchanged".
        #[test]
        fn any_change_breaks_the_unchanged_run(x in 0u32..1000, at in 0usize..3) {
            let same = x.to_string();
            let other = (x + 1).to_string();
            let mut history = vec![same.as_str(); 3];
            history[at] = other.as_str();
            prop_assert!(!unchanged_for_periods(&same, &history));
            prop_assert!(unchanged_for_periods(&same, &[same.as_str(); 3]));
        }
    }
}
