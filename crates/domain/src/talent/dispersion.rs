//! Dispersion of a rate across ministries (min, quartiles, median, max),
//! each ministry's position, and the alerts of the COSINUM's concern: a
//! turnover too high destabilises teams; too low, with high outsourcing, it
//! prevents renewing skills (CTR §B.1, §B.6).

use serde::{Deserialize, Serialize};

/// Five-number summary.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
    pub count: usize,
}

/// Quantile by linear interpolation between closest ranks (the common
/// "type 7" definition) of sorted values.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo as f64)
}

/// The summary of `values` (non-finite ones ignored); `None` when empty.
pub fn summary(values: &[f64]) -> Option<Summary> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(Summary {
        min: v[0],
        q1: quantile(&v, 0.25),
        median: quantile(&v, 0.5),
        q3: quantile(&v, 0.75),
        max: v[v.len() - 1],
        count: v.len(),
    })
}

/// Where a value stands: the share of the values strictly below it, 0..1.
pub fn percentile_rank(values: &[f64], x: f64) -> Option<f64> {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    (!v.is_empty()).then(|| v.iter().filter(|y| **y < x).count() as f64 / v.len() as f64)
}

/// Configurable bands for the alerts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bands {
    /// Turnover above this is "too high".
    pub turnover_high: f64,
    /// Turnover below this is "too low"…
    pub turnover_low: f64,
    /// …when the external share is above this.
    pub external_high: f64,
}

impl Default for Bands {
    /// Defaults around the public service's typical rotation of 8–9 % a year
    /// (CTR §B.3) and the weight of consulting (CTR §B.6): above 20 % is
    /// high, below 5 % low, outsourcing above 40 % high.
    fn default() -> Self {
        Bands {
            turnover_high: 0.20,
            turnover_low: 0.05,
            external_high: 0.40,
        }
    }
}

/// An alert on a ministry's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Alert {
    TurnoverTooHigh,
    TurnoverTooLowWithOutsourcing,
}

/// The alerts raised by a turnover and an external share.
pub fn alerts(turnover: Option<f64>, external_share: Option<f64>, bands: &Bands) -> Vec<Alert> {
    let mut out = Vec::new();
    if let Some(t) = turnover {
        if t > bands.turnover_high {
            out.push(Alert::TurnoverTooHigh);
        }
        if t < bands.turnover_low && external_share.is_some_and(|e| e > bands.external_high) {
            out.push(Alert::TurnoverTooLowWithOutsourcing);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn five_numbers_and_ranks() {
        let s = summary(&[0.3, 0.1, 0.2, 0.4, f64::NAN]).unwrap();
        assert_eq!((s.min, s.median, s.max, s.count), (0.1, 0.25, 0.4, 4));
        assert!((s.q1 - 0.175).abs() < 1e-12 && (s.q3 - 0.325).abs() < 1e-12);
        assert_eq!(summary(&[]), None);
        assert_eq!(percentile_rank(&[0.1, 0.2, 0.3, 0.4], 0.3), Some(0.5));
    }

    #[test]
    fn alerts_follow_the_bands() {
        let b = Bands::default();
        assert_eq!(alerts(Some(0.25), Some(0.1), &b), [Alert::TurnoverTooHigh]);
        assert_eq!(
            alerts(Some(0.03), Some(0.5), &b),
            [Alert::TurnoverTooLowWithOutsourcing]
        );
        assert!(
            alerts(Some(0.03), Some(0.2), &b).is_empty(),
            "low turnover alone is no alert"
        );
        assert!(alerts(None, Some(0.9), &b).is_empty());
    }

    proptest! {
        #[test]
        fn summary_is_ordered(values in prop::collection::vec(-1.0f64..1.0, 1..50)) {
            let s = summary(&values).unwrap();
            prop_assert!(s.min <= s.q1 && s.q1 <= s.median && s.median <= s.q3 && s.q3 <= s.max);
        }
    }
}
