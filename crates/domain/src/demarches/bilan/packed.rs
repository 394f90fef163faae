//! [`BilanCounts`] as a cache keeps them: the counts alone, in 32 bits,
//! without the shares (recomputed when unpacked) or the indicators' slugs
//! (the method gives them, in its order).
//!
//! Why (issue #11): the observatory keeps the counts of every ministry for
//! every edition, and of every administration for the edition shown. At a
//! thousand States' worth of démarches that is ~160,000 sets of counts;
//! unpacked each took ~720 bytes (per indicator a slug, a share and five
//! machine words), ~110 MiB in all. Packed, a set takes ~230 bytes.

use super::BilanCounts;
use crate::demarches::method::Method;
use crate::demarches::shares::{GoalShare, OnlineShare, combine_goals, combine_online};

/// One indicator's counts: reached, denominator, excluded as not
/// applicable, as not measured, as invalid (the fields of [`GoalShare`]).
type GoalCounts = [u32; 5];

/// The counts of a set of démarches under one method (see the module's
/// documentation). Sets packed under the same method add up like
/// [`BilanCounts::combine`]; [`PackedCounts::unpack`] gives the
/// [`BilanCounts`] they were packed from, shares included.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackedCounts {
    rows: u32,
    online_or_partial: u32,
    /// Of the online share: denominator, strict count, not measured, invalid.
    online: [u32; 4],
    weighted_points: f64,
    /// One per indicator of the method, in its order.
    goals: Box<[GoalCounts]>,
}

/// A count in 32 bits: an edition has one row per démarche, and a State
/// has thousands of démarches, not billions; past `u32::MAX` it stays there
/// rather than wrap.
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn wide(n: u32) -> usize {
    n as usize
}

impl PackedCounts {
    /// The counts of `c`, computed under `method`.
    pub fn pack(method: &Method, c: &BilanCounts) -> PackedCounts {
        let o = &c.online;
        PackedCounts {
            rows: narrow(c.rows),
            online_or_partial: narrow(c.online_or_partial),
            online: [o.denominator, o.strict_count, o.not_measured, o.invalid].map(narrow),
            weighted_points: o.weighted_points,
            goals: method
                .indicators
                .iter()
                .map(|i| {
                    c.goals
                        .iter()
                        .find(|g| g.slug == i.slug)
                        .map_or([0; 5], |g| {
                            [
                                g.reached,
                                g.denominator,
                                g.excluded_not_applicable,
                                g.excluded_not_measured,
                                g.excluded_invalid,
                            ]
                            .map(narrow)
                        })
                })
                .collect(),
        }
    }

    /// Adds the counts of a disjoint set packed under the same method.
    pub fn add(&mut self, other: &PackedCounts) {
        self.rows = self.rows.saturating_add(other.rows);
        self.online_or_partial = self
            .online_or_partial
            .saturating_add(other.online_or_partial);
        for (a, b) in self.online.iter_mut().zip(other.online) {
            *a = a.saturating_add(b);
        }
        self.weighted_points += other.weighted_points;
        if self.goals.len() < other.goals.len() {
            let mut goals = self.goals.to_vec();
            goals.resize(other.goals.len(), [0; 5]);
            self.goals = goals.into_boxed_slice();
        }
        for (a, b) in self.goals.iter_mut().zip(other.goals.iter()) {
            for (x, y) in a.iter_mut().zip(b) {
                *x = x.saturating_add(*y);
            }
        }
    }

    /// The counts of the union of `parts` (disjoint sets packed under
    /// `method`), unpacked: [`BilanCounts::combine`] of the parts.
    pub fn sum<'a>(
        method: &Method,
        parts: impl IntoIterator<Item = &'a PackedCounts>,
    ) -> BilanCounts {
        let mut total = PackedCounts::default();
        for p in parts {
            total.add(p);
        }
        total.unpack(method)
    }

    /// The online share these counts give.
    pub fn online_share(&self) -> OnlineShare {
        let [denominator, strict_count, not_measured, invalid] = self.online.map(wide);
        // Combined from itself alone: the shares are computed as for any sum.
        combine_online([&OnlineShare {
            denominator,
            strict_count,
            strict_share: None,
            weighted_points: self.weighted_points,
            weighted_share: None,
            not_measured,
            invalid,
        }])
    }

    /// The [`BilanCounts`] these counts were packed from, `method` being the
    /// one they were packed under.
    pub fn unpack(&self, method: &Method) -> BilanCounts {
        let goals: Vec<GoalShare> = method
            .indicators
            .iter()
            .zip(self.goals.iter().chain(std::iter::repeat(&[0; 5])))
            .map(|(i, g)| GoalShare {
                slug: i.slug,
                reached: wide(g[0]),
                denominator: wide(g[1]),
                share: None,
                excluded_not_applicable: wide(g[2]),
                excluded_not_measured: wide(g[3]),
                excluded_invalid: wide(g[4]),
            })
            .collect();
        BilanCounts {
            rows: wide(self.rows),
            online: self.online_share(),
            online_or_partial: wide(self.online_or_partial),
            goals: combine_goals(method, [&goals[..]]),
        }
    }
}
