//! [`BilanCounts`] as a cache keeps them: the counts alone, as variable-length
//! integers, without the shares (recomputed when unpacked) or the
//! indicators' slugs (the method gives them, in its order).
//!
//! Why (issue #11): the observatory keeps the counts of every ministry for
//! every edition, and of every administration for the edition shown. At a
//! thousand States' worth of démarches that is ~270,000 sets of counts;
//! unpacked each took ~720 bytes (per indicator a slug, a share and five
//! machine words), ~110 MiB in all; as 32-bit words ~330 bytes with the map
//! around them, ~84 MiB. Most counts are those of one ministry's few dozen
//! démarches: below 128, one byte each, so a set takes ~60 bytes.

use super::BilanCounts;
use crate::demarches::method::Method;
use crate::demarches::shares::{GoalShare, OnlineShare, combine_goals, combine_online};

/// Counts before the indicators': rows, online or partial, then the online
/// share's denominator, strict count, not measured, invalid.
const HEAD: usize = 6;
/// Counts per indicator: reached, denominator, excluded as not applicable,
/// as not measured, as invalid (the fields of [`GoalShare`]).
const PER_INDICATOR: usize = 5;

/// The counts of a set of démarches under one method (see the module's
/// documentation). Sets packed under the same method add up like
/// [`BilanCounts::combine`]; [`PackedCounts::unpack`] gives the
/// [`BilanCounts`] they were packed from, shares included.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackedCounts {
    weighted_points: f64,
    /// The [`HEAD`] counts, then [`PER_INDICATOR`] per indicator of the
    /// method in its order, each in LEB128 (7 bits a byte, low bits first).
    /// Missing trailing counts are zero.
    counts: Box<[u8]>,
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

/// `values` in LEB128, one after the other.
fn encode(values: &[u32]) -> Box<[u8]> {
    let mut out = Vec::with_capacity(values.len());
    for &v in values {
        let mut v = v;
        while v >= 0x80 {
            out.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    out.into_boxed_slice()
}

/// The values [`encode`] wrote, in order.
fn decode(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let mut value = 0u32;
        let mut shift = 0;
        loop {
            let byte = *bytes.get(at)?;
            at += 1;
            // A u32 takes five bytes at most; `encode` never writes more.
            value |= u32::from(byte & 0x7f).checked_shl(shift).unwrap_or(0);
            if byte & 0x80 == 0 {
                return Some(value);
            }
            shift += 7;
        }
    })
}

/// Counts being added up, unpacked (see [`PackedCounts::sum`]).
#[derive(Default)]
struct Tally {
    weighted_points: f64,
    values: Vec<u32>,
}

impl Tally {
    fn add(&mut self, p: &PackedCounts) {
        self.weighted_points += p.weighted_points;
        for (i, v) in decode(&p.counts).enumerate() {
            if i == self.values.len() {
                self.values.push(v);
            } else {
                self.values[i] = self.values[i].saturating_add(v);
            }
        }
    }

    fn value(&self, i: usize) -> usize {
        wide(self.values.get(i).copied().unwrap_or(0))
    }

    fn online_share(&self) -> OnlineShare {
        // Combined from itself alone: the shares are computed as for any sum.
        combine_online([&OnlineShare {
            denominator: self.value(2),
            strict_count: self.value(3),
            strict_share: None,
            weighted_points: self.weighted_points,
            weighted_share: None,
            not_measured: self.value(4),
            invalid: self.value(5),
        }])
    }

    fn unpack(&self, method: &Method) -> BilanCounts {
        let goals: Vec<GoalShare> = method
            .indicators
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let at = |j: usize| self.value(HEAD + k * PER_INDICATOR + j);
                GoalShare {
                    slug: i.slug,
                    reached: at(0),
                    denominator: at(1),
                    share: None,
                    excluded_not_applicable: at(2),
                    excluded_not_measured: at(3),
                    excluded_invalid: at(4),
                }
            })
            .collect();
        BilanCounts {
            rows: self.value(0),
            online: self.online_share(),
            online_or_partial: self.value(1),
            goals: combine_goals(method, [&goals[..]]),
        }
    }

    fn pack(&self) -> PackedCounts {
        PackedCounts {
            weighted_points: self.weighted_points,
            counts: encode(&self.values),
        }
    }
}

impl PackedCounts {
    /// The counts of `c`, computed under `method`.
    pub fn pack(method: &Method, c: &BilanCounts) -> PackedCounts {
        let o = &c.online;
        let mut values = Vec::with_capacity(HEAD + PER_INDICATOR * method.indicators.len());
        values.extend(
            [
                c.rows,
                c.online_or_partial,
                o.denominator,
                o.strict_count,
                o.not_measured,
                o.invalid,
            ]
            .map(narrow),
        );
        for i in method.indicators {
            let g = c.goals.iter().find(|g| g.slug == i.slug);
            values.extend(g.map_or([0; PER_INDICATOR], |g| {
                [
                    g.reached,
                    g.denominator,
                    g.excluded_not_applicable,
                    g.excluded_not_measured,
                    g.excluded_invalid,
                ]
                .map(narrow)
            }));
        }
        PackedCounts {
            weighted_points: o.weighted_points,
            counts: encode(&values),
        }
    }

    /// Adds the counts of a disjoint set packed under the same method.
    pub fn add(&mut self, other: &PackedCounts) {
        let mut t = Tally::default();
        t.add(self);
        t.add(other);
        *self = t.pack();
    }

    /// The counts of the union of `parts` (disjoint sets packed under
    /// `method`), unpacked: [`BilanCounts::combine`] of the parts.
    pub fn sum<'a>(
        method: &Method,
        parts: impl IntoIterator<Item = &'a PackedCounts>,
    ) -> BilanCounts {
        let mut total = Tally::default();
        for p in parts {
            total.add(p);
        }
        total.unpack(method)
    }

    /// The online share these counts give.
    pub fn online_share(&self) -> OnlineShare {
        let mut t = Tally::default();
        t.add(self);
        t.online_share()
    }

    /// The [`BilanCounts`] these counts were packed from, `method` being the
    /// one they were packed under.
    pub fn unpack(&self, method: &Method) -> BilanCounts {
        let mut t = Tally::default();
        t.add(self);
        t.unpack(method)
    }
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    proptest::proptest! {
        /// Whatever the counts, they read back as written, each in at most
        /// five bytes and one byte below 128.
        #[test]
        fn counts_read_back_as_written(values in proptest::collection::vec(proptest::num::u32::ANY, 0..80)) {
            let bytes = encode(&values);
            proptest::prop_assert_eq!(decode(&bytes).collect::<Vec<_>>(), values.clone());
            let small = values.iter().filter(|v| **v < 128).count();
            proptest::prop_assert!(bytes.len() <= small + 5 * (values.len() - small));
        }
    }

    #[test]
    fn edges_of_the_encoding() {
        for v in [0, 1, 127, 128, 16_383, 16_384, u32::MAX - 1, u32::MAX] {
            assert_eq!(decode(&encode(&[v, 7])).collect::<Vec<_>>(), vec![v, 7]);
        }
        assert_eq!(encode(&[0, 127, 128]).len(), 4);
        assert_eq!(encode(&[u32::MAX]).len(), 5);
    }

    /// Past `u32::MAX` a count stays there rather than wrap, in one set and
    /// in a sum.
    #[test]
    fn counts_saturate() {
        use super::{BilanCounts, PackedCounts};
        use crate::demarches::method::V2023;
        let mut huge = BilanCounts::of(
            &V2023,
            &Vec::<crate::demarches::shares::DemarcheValues>::new(),
        );
        huge.rows = usize::MAX;
        let packed = PackedCounts::pack(&V2023, &huge);
        assert_eq!(packed.unpack(&V2023).rows, u32::MAX as usize);
        let mut twice = packed.clone();
        twice.add(&packed);
        assert_eq!(twice.unpack(&V2023).rows, u32::MAX as usize);
        assert_eq!(
            PackedCounts::sum(&V2023, [&packed, &packed]).rows,
            u32::MAX as usize
        );
    }
}
