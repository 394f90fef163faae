//! Money with explicit units. Amounts are stored as whole euros (exact, and
//! the same integer on every database); M€ is only a display and input unit.

use serde::{Deserialize, Serialize};

/// An amount in euros (TTC unless the field says otherwise).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Euros(pub i64);

impl Euros {
    /// From millions of euros (M€), rounded to the euro.
    pub fn from_meur(meur: f64) -> Option<Euros> {
        let e = (meur * 1_000_000.0).round();
        (e.is_finite() && e.abs() < 9.0e15).then_some(Euros(e as i64))
    }

    /// In millions of euros (M€).
    pub fn meur(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }
}

impl std::ops::Add for Euros {
    type Output = Euros;
    fn add(self, rhs: Euros) -> Euros {
        Euros(self.0 + rhs.0)
    }
}

impl std::iter::Sum for Euros {
    fn sum<I: Iterator<Item = Euros>>(iter: I) -> Euros {
        Euros(iter.map(|e| e.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn meur_conversions() {
        assert_eq!(Euros::from_meur(9.0), Some(Euros(9_000_000)));
        assert_eq!(Euros::from_meur(3.75), Some(Euros(3_750_000)));
        assert_eq!(Euros::from_meur(f64::NAN), None);
        assert_eq!(Euros(496_400_000).meur(), 496.4);
    }

    proptest! {
        /// Any amount typed in M€ with up to 6 decimals survives the round trip.
        #[test]
        fn meur_round_trip(euros in -1_000_000_000_000i64..1_000_000_000_000) {
            prop_assert_eq!(Euros::from_meur(Euros(euros).meur()), Some(Euros(euros)));
        }
    }
}
