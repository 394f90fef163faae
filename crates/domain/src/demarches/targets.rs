//! Progress toward the government's targets for online démarches (DM §1.7):
//! current value, trend over the last editions, projected date of reaching
//! the target at the current pace, on track or late.

use serde::{Deserialize, Serialize};
use time::macros::date;

use super::method::methods;
use super::shares::ONLINE;
use crate::OrgId;
use crate::validation::{ValidationError, required_text};
use time::{Date, Duration};

/// Days per year used to convert between dates and rates per year.
const DAYS_PER_YEAR: f64 = 365.25;

/// Number of most recent points the trend is fitted on (one year of
/// quarterly editions, DM §1.3).
pub const TREND_POINTS: usize = 4;

/// A target: a share of démarches to reach by a deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub label_fr: String,
    /// Indicator slug whose goal share is measured, or `"online"` for the
    /// **strict** online share (fully online démarches; see
    /// [`super::shares::online_share`]).
    pub slug: String,
    /// Share to reach, 0..1.
    pub threshold: f64,
    pub deadline: Date,
    /// `None`: every tracked démarche; else one ministry's démarches.
    pub scope: Option<OrgId>,
}

fn target(label_fr: &str, slug: &str, threshold: f64, deadline: Date) -> Target {
    Target {
        label_fr: label_fr.to_string(),
        slug: slug.to_string(),
        threshold,
        deadline,
        scope: None,
    }
}

impl Target {
    /// Checks a target typed by the DINUM: a label; `online` or an indicator
    /// of a method that has a goal level (a share at goal must mean
    /// something); a threshold in (0, 1].
    pub fn validated(mut self) -> Result<Target, ValidationError> {
        self.label_fr = required_text("label", &self.label_fr, 200)?;
        let known = self.slug == ONLINE
            || methods()
                .iter()
                .any(|m| m.indicator(&self.slug).is_some_and(|i| i.has_goal()));
        if !known {
            return Err(ValidationError::new(
                "slug",
                format!(
                    "indicateur inconnu ou sans niveau d'objectif : {}",
                    self.slug
                ),
            ));
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(ValidationError::new(
                "threshold",
                "la cible est une part entre 0 et 100 %",
            ));
        }
        Ok(self)
    }
}

/// The targets of DM §1.7, as shares of démarches at goal.
///
/// 1. "100 % of the 250 most-used démarches online by 2022", Action Publique
///    2022 "d'ici mai 2022" → strict online share 1.0 by 2022-05-31.
/// 2. "Dec 2026: Réalisable en ligne (all démarches online)" → strict online
///    share 1.0 by 2026-12-31.
/// 3. "Summer 2024: user satisfaction > 8/10" is per démarche → share of
///    démarches at the satisfaction goal (≥ 8/10, the v2 goal level) 1.0 by
///    2024-09-22 (end of summer). The goal level is "≥ 8", DM's wording "> 8".
/// 4. "Dec 2025: 100 % RGAA conformity" → handicap goal share 1.0 by
///    2025-12-31.
/// 5. "Dec 2025: language clarity > 8/10" → simplicity goal share 1.0 by
///    2025-12-31.
/// 6. "Dec 2023: every service on FC or FC+ by risk level" → auth goal share
///    1.0 by 2023-12-31 (not-applicable démarches excluded).
/// 7. "Dec 2026: stop asking for data the administration already holds" →
///    DLNUF goal share (0–1 item) 1.0 by 2026-12-31.
///
/// Not expressible as a goal share, so left out: "Dec 2024: a non-digital
/// alternative shown systematically" (no indicator), the 2022 "85 %
/// d'utilisateurs satisfaits" internal bar (per-démarche, internal).
pub fn default_targets() -> Vec<Target> {
    vec![
        target(
            "100 % des démarches phares en ligne (engagement 2022)",
            "online",
            1.0,
            date!(2022 - 05 - 31),
        ),
        target(
            "Toutes les démarches réalisables en ligne (fin 2026)",
            "online",
            1.0,
            date!(2026 - 12 - 31),
        ),
        target(
            "Satisfaction usagers d'au moins 8/10 pour chaque démarche (été 2024)",
            "satisfaction",
            1.0,
            date!(2024 - 09 - 22),
        ),
        target(
            "100 % de conformité RGAA (fin 2025)",
            "handicap",
            1.0,
            date!(2025 - 12 - 31),
        ),
        target(
            "Clarté du langage d'au moins 8/10 pour chaque démarche (fin 2025)",
            "simplicity",
            1.0,
            date!(2025 - 12 - 31),
        ),
        target(
            "Toutes les démarches sur FranceConnect ou FranceConnect+ (fin 2023)",
            "auth",
            1.0,
            date!(2023 - 12 - 31),
        ),
        target(
            "Ne plus redemander les données déjà détenues (fin 2026)",
            "dlnuf",
            1.0,
            date!(2026 - 12 - 31),
        ),
    ]
}

/// Where a target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressStatus {
    Reached,
    OnTrack,
    Late,
    Unknown,
}

impl ProgressStatus {
    pub fn label_fr(self) -> &'static str {
        match self {
            ProgressStatus::Reached => "Atteint",
            ProgressStatus::OnTrack => "En bonne voie",
            ProgressStatus::Late => "En retard",
            ProgressStatus::Unknown => "Indéterminé",
        }
    }
}

/// Progress toward a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// The latest value known at `today`.
    pub current: Option<f64>,
    /// Least-squares slope, in share per year.
    pub slope_per_year: Option<f64>,
    /// When the target is reached at the current pace (`None` when already
    /// reached, when the pace is not positive, or with fewer than 2 points).
    pub projected_date: Option<Date>,
    pub status: ProgressStatus,
}

/// Least-squares slope of `(date, value)` points, per year. `None` with
/// fewer than 2 distinct dates.
fn slope_per_year(points: &[(Date, f64)]) -> Option<f64> {
    let (d0, _) = *points.first()?;
    let xs: Vec<f64> = points
        .iter()
        .map(|(d, _)| (*d - d0).whole_days() as f64 / DAYS_PER_YEAR)
        .collect();
    let n = points.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = points.iter().map(|(_, v)| v).sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = xs
        .iter()
        .zip(points)
        .map(|(x, (_, y))| (x - mx) * (y - my))
        .sum();
    (points.len() >= 2 && sxx > 0.0)
        .then(|| sxy / sxx)
        .filter(|s| s.is_finite())
}

/// Progress of a target from its history of `(edition date, share)` points.
///
/// - Points dated after `today` and non-finite values are ignored; the rest
///   are sorted by date (input in any order).
/// - `current`: the latest value. `Reached` as soon as `current ≥ threshold`.
/// - `slope_per_year`: least-squares slope over the last up to
///   [`TREND_POINTS`] (4) points, i.e. about a year of quarterly editions, so
///   the pace reflects recent editions rather than 2019's.
/// - `projected_date`: last date + `(threshold − current) / slope` years
///   (rounded up to a whole day), only when the slope is positive.
/// - Status: `Reached`; else `Late` if `today` is past the deadline; else
///   `Unknown` with fewer than 2 points (or no spread in dates); else
///   `OnTrack` if the projected date is on or before the deadline, `Late`
///   otherwise (including a flat or falling trend).
pub fn progress(target: &Target, history: &[(Date, f64)], today: Date) -> Progress {
    let mut points: Vec<(Date, f64)> = history
        .iter()
        .copied()
        .filter(|(d, v)| *d <= today && v.is_finite())
        .collect();
    points.sort_by_key(|(d, _)| *d);
    let recent = &points[points.len().saturating_sub(TREND_POINTS)..];
    let Some(&(last_date, current)) = recent.last() else {
        return Progress {
            current: None,
            slope_per_year: None,
            projected_date: None,
            status: ProgressStatus::Unknown,
        };
    };
    let slope = slope_per_year(recent);
    let reached = current >= target.threshold;
    let projected_date = match slope {
        Some(s) if s > 0.0 && !reached => {
            let days = ((target.threshold - current) / s * DAYS_PER_YEAR).ceil();
            // Beyond ~27,000 years the date is not representable anyway.
            (days < 1e7)
                .then(|| last_date.checked_add(Duration::days(days as i64)))
                .flatten()
        }
        _ => None,
    };
    let status = if reached {
        ProgressStatus::Reached
    } else if today > target.deadline {
        ProgressStatus::Late
    } else if slope.is_none() {
        ProgressStatus::Unknown
    } else if projected_date.is_some_and(|p| p <= target.deadline) {
        ProgressStatus::OnTrack
    } else {
        ProgressStatus::Late
    };
    Progress {
        current: Some(current),
        slope_per_year: slope,
        projected_date,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn online_2026() -> Target {
        target("t", "online", 1.0, date!(2026 - 12 - 31))
    }

    #[test]
    fn validation_refuses_unknown_indicators_and_shares_out_of_range() {
        assert!(online_2026().validated().is_ok());
        let bad = |f: fn(&mut Target)| {
            let mut t = online_2026();
            f(&mut t);
            t.validated().unwrap_err().field
        };
        assert_eq!(
            bad(|t| t.slug = "usage".into()),
            "slug",
            "usage has no goal level"
        );
        assert_eq!(bad(|t| t.slug = "nope".into()), "slug");
        assert_eq!(bad(|t| t.threshold = 0.0), "threshold");
        assert_eq!(bad(|t| t.threshold = 1.2), "threshold");
        assert_eq!(bad(|t| t.label_fr = " ".into()), "label");
        let v1 = Target {
            slug: "mobile".into(),
            ..online_2026()
        };
        assert!(v1.validated().is_ok(), "a v1 indicator is a valid target");
    }

    #[test]
    fn default_targets_follow_dm_1_7() {
        let t = default_targets();
        assert_eq!(t.len(), 7);
        assert!(t.iter().all(|t| t.threshold == 1.0));
        assert_eq!(t[0].deadline, date!(2022 - 05 - 31));
        assert_eq!(t[2].slug, "satisfaction");
        assert_eq!(t[2].deadline, date!(2024 - 09 - 22));
        assert_eq!(
            (t[3].slug.as_str(), t[3].deadline),
            ("handicap", date!(2025 - 12 - 31))
        );
        // Every slug is an indicator of the v2 method.
        for t in &t {
            assert!(
                crate::demarches::V2023.indicator(&t.slug).is_some(),
                "{}",
                t.slug
            );
        }
    }

    #[test]
    fn linear_progress_projects_on_the_line() {
        // +0.1 per year from 0.6 on 2024-01-01, 2 years apart: 0.6, 0.8.
        let h = [(date!(2024 - 01 - 01), 0.6), (date!(2026 - 01 - 01), 0.8)];
        let p = progress(&online_2026(), &h, date!(2026 - 01 - 02));
        // 731 days = 2.0014 years → slope 0.2 / 2.0014 ≈ 0.09993.
        let s = p.slope_per_year.unwrap();
        assert!((s - 0.2 / (731.0 / 365.25)).abs() < 1e-12);
        // (1.0 − 0.8) / s years = 731 days → 2028-01-02.
        assert_eq!(p.projected_date, Some(date!(2028 - 01 - 02)));
        assert_eq!(p.current, Some(0.8));
        assert_eq!(p.status, ProgressStatus::Late);
        let fast = [(date!(2025 - 01 - 01), 0.5), (date!(2026 - 01 - 01), 0.9)];
        let p = progress(&online_2026(), &fast, date!(2026 - 01 - 01));
        // 0.4 per year → 0.1 left = 0.25 year ≈ 92 days.
        assert_eq!(p.status, ProgressStatus::OnTrack);
        assert_eq!(p.projected_date, Some(date!(2026 - 04 - 03)));
    }

    #[test]
    fn only_the_last_four_points_count() {
        // An early fall, then a steady rise of 0.1 a quarter.
        let h = [
            (date!(2020 - 01 - 01), 0.9),
            (date!(2024 - 01 - 01), 0.5),
            (date!(2024 - 04 - 01), 0.6),
            (date!(2024 - 07 - 01), 0.7),
            (date!(2024 - 10 - 01), 0.8),
        ];
        let p = progress(&online_2026(), &h, date!(2025 - 01 - 01));
        assert!(p.slope_per_year.unwrap() > 0.39);
        assert_eq!(p.status, ProgressStatus::OnTrack);
    }

    #[test]
    fn edge_cases() {
        let t = online_2026();
        let none = progress(&t, &[], date!(2025 - 01 - 01));
        assert_eq!((none.current, none.status), (None, ProgressStatus::Unknown));
        let one = progress(&t, &[(date!(2025 - 01 - 01), 0.5)], date!(2025 - 01 - 01));
        assert_eq!(
            (one.current, one.status),
            (Some(0.5), ProgressStatus::Unknown)
        );
        // A single point past the deadline, not reached: late.
        let past = progress(&t, &[(date!(2025 - 01 - 01), 0.5)], date!(2027 - 01 - 01));
        assert_eq!(past.status, ProgressStatus::Late);
        // Falling: no projection, late.
        let h = [(date!(2024 - 01 - 01), 0.8), (date!(2025 - 01 - 01), 0.7)];
        let p = progress(&t, &h, date!(2025 - 01 - 01));
        assert_eq!((p.projected_date, p.status), (None, ProgressStatus::Late));
        // Future points are ignored; same-day points give no slope.
        let h = [
            (date!(2025 - 01 - 01), 0.7),
            (date!(2025 - 01 - 01), 0.8),
            (date!(2030 - 01 - 01), 1.0),
        ];
        let p = progress(&t, &h, date!(2025 - 06 - 01));
        assert_eq!(
            (p.slope_per_year, p.status),
            (None, ProgressStatus::Unknown)
        );
        assert_eq!(
            serde_json::to_value(ProgressStatus::OnTrack).unwrap(),
            "on_track"
        );
    }

    fn arb_day() -> impl Strategy<Value = Date> {
        (0i64..4000).prop_map(|n| date!(2015 - 01 - 01) + Duration::days(n))
    }

    proptest! {
        /// A history whose latest value is at or above the threshold is reached.
        #[test]
        fn above_threshold_is_reached(start in arb_day(), thr in 0.0f64..1.0,
                                      vals in prop::collection::vec(0.0f64..1.0, 0..6),
                                      last in 0.0f64..0.5) {
            let mut h: Vec<(Date, f64)> = vals.iter().enumerate()
                .map(|(i, v)| (start + Duration::days(91 * i as i64), *v)).collect();
            h.push((start + Duration::days(91 * vals.len() as i64), thr + last));
            let t = target("t", "online", thr, date!(2020 - 01 - 01));
            let p = progress(&t, &h, date!(2030 - 01 - 01));
            prop_assert_eq!(p.status, ProgressStatus::Reached);
            prop_assert_eq!(p.projected_date, None);
        }

        /// A strictly increasing linear history projects the date where the
        /// line meets the threshold (within the one-day rounding).
        #[test]
        fn linear_history_projects_on_the_line(start in arb_day(), a in 0.0f64..0.5,
                                               b in 0.01f64..0.5, n in 2usize..7,
                                               gap in 30i64..200) {
            let h: Vec<(Date, f64)> = (0..n).map(|i| {
                let d = gap * i as i64;
                (start + Duration::days(d), a + b * d as f64 / DAYS_PER_YEAR)
            }).collect();
            let thr = h[n - 1].1 + 0.1;
            let t = target("t", "online", thr, date!(2100 - 01 - 01));
            let p = progress(&t, &h, date!(2099 - 01 - 01));
            prop_assert!((p.slope_per_year.unwrap() - b).abs() < 1e-9);
            let on_line = (thr - a) / b * DAYS_PER_YEAR;
            let got = (p.projected_date.unwrap() - start).whole_days() as f64;
            prop_assert!((got - on_line).abs() <= 1.0 + 1e-6, "{} {}", got, on_line);
            prop_assert_eq!(p.status, ProgressStatus::OnTrack);
        }
    }
}
