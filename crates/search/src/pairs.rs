//! The duplicates report: pairs of efforts of *different* ministries that
//! describe the same problem, for the committee (issue #8).
//!
//! The finder's candidate score is relative (the best candidate of any
//! document scores high, however weak), so pairs are judged on an absolute
//! measure instead: the cosine similarity of the two texts' TF-IDF vectors
//! (title counted twice, as in the finder; IDF from the index), 0 for
//! nothing in common, 1 for the same words in the same proportions. A pair
//! is reported when it reaches the threshold; it is ranked by similarity,
//! then by the amount at stake: the smaller of the two amounts, which is
//! what a reuse would at least spare spending twice.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::{Doc, SearchIndex, SearchResult, SimilarityWeights, analyzer};

/// Two similar efforts of different ministries.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    pub a: Doc,
    pub b: Doc,
    /// Cosine similarity of the TF-IDF vectors, 0–1.
    pub similarity: f32,
    pub same_zone: bool,
    /// Words both share, most distinctive first.
    pub shared_terms: Vec<String>,
    /// The smaller of the two amounts when both are known, else the known one.
    pub amount_at_stake: Option<i64>,
}

/// How pairs are looked for.
#[derive(Debug, Clone, Copy)]
pub struct PairOptions {
    /// Lowest similarity reported (0–1).
    pub threshold: f32,
    /// Candidates of each document examined.
    pub per_document: usize,
}

impl Default for PairOptions {
    fn default() -> Self {
        PairOptions {
            threshold: 0.1,
            per_document: 5,
        }
    }
}

/// TF-IDF weights of a text's terms, with the word each term came from.
type Vector = HashMap<String, (f32, String)>;

impl SearchIndex {
    fn tfidf(&self, searcher: &tantivy::Searcher, d: &Doc) -> Vector {
        let total = searcher.num_docs().max(1) as f32;
        let mut v: Vector = HashMap::new();
        for (text, weight) in [(&d.title, 2.0), (&d.body, 1.0)] {
            for (term, word) in analyzer::terms(text) {
                v.entry(term).or_insert((0.0, word)).0 += weight;
            }
        }
        for (term, (w, _)) in v.iter_mut() {
            let df = [self.fields.title, self.fields.body]
                .iter()
                .map(|f| {
                    searcher
                        .doc_freq(&tantivy::Term::from_field_text(*f, term))
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0) as f32;
            *w *= (1.0 + (total - df + 0.5) / (df + 0.5)).ln();
        }
        v
    }

    /// Every pair of similar efforts of different ministries among the
    /// documents `visible` (all when `None`), best first.
    pub fn duplicate_pairs(
        &self,
        visible: Option<&[String]>,
        options: PairOptions,
    ) -> SearchResult<Vec<Pair>> {
        let searcher = self.reader.searcher();
        let docs: Vec<Doc> = {
            let mut v: Vec<Doc> = self
                .all_stored()?
                .into_iter()
                .filter(|d| crate::visible(visible, &d.ministry))
                .collect();
            v.sort_by_key(|d| (d.kind, d.id));
            v
        };
        let mut vectors: HashMap<(crate::Kind, i64), Vector> = HashMap::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let mut out = Vec::new();
        for d in &docs {
            let candidates = self.similar_to(
                d,
                visible,
                options.per_document,
                SimilarityWeights::default(),
            )?;
            for c in candidates {
                let (ka, kb) = (d.key(), c.doc.key());
                let key = if ka < kb { (ka, kb) } else { (kb, ka) };
                if !seen.insert(key) {
                    continue;
                }
                for x in [d, &c.doc] {
                    vectors
                        .entry((x.kind, x.id))
                        .or_insert_with(|| self.tfidf(&searcher, x));
                }
                let (va, vb) = (&vectors[&(d.kind, d.id)], &vectors[&(c.doc.kind, c.doc.id)]);
                let similarity = cosine(va, vb);
                if similarity < options.threshold {
                    continue;
                }
                let mut shared: Vec<(&String, f32)> = va
                    .iter()
                    .filter_map(|(t, (w, word))| vb.get(t).map(|(w2, _)| (word, w * w2)))
                    .collect();
                shared.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(y.0)));
                let amount_at_stake = match (d.amount, c.doc.amount) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
                // The earlier of the two (by kind, id) first, for stable output.
                let (a, b) = if (d.kind, d.id) <= (c.doc.kind, c.doc.id) {
                    (d.clone(), c.doc.clone())
                } else {
                    (c.doc.clone(), d.clone())
                };
                out.push(Pair {
                    same_zone: !a.zone.is_empty() && a.zone == b.zone,
                    a,
                    b,
                    similarity,
                    shared_terms: shared
                        .into_iter()
                        .take(8)
                        .map(|(w, _)| w.to_lowercase())
                        .collect(),
                    amount_at_stake,
                });
            }
        }
        out.sort_by(|x, y| {
            y.similarity
                .total_cmp(&x.similarity)
                .then(y.amount_at_stake.cmp(&x.amount_at_stake))
                .then(
                    (x.a.kind, x.a.id, x.b.kind, x.b.id).cmp(&(y.a.kind, y.a.id, y.b.kind, y.b.id)),
                )
        });
        Ok(out)
    }
}

/// Cosine similarity of two sparse vectors (0 when either is empty).
fn cosine(a: &Vector, b: &Vector) -> f32 {
    let dot: f32 = a
        .iter()
        .filter_map(|(t, (w, _))| b.get(t).map(|(w2, _)| w * w2))
        .sum();
    let norm = |v: &Vector| v.values().map(|(w, _)| w * w).sum::<f32>().sqrt();
    let n = norm(a) * norm(b);
    if n > 0.0 {
        (dot / n).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;

    fn d(id: i64, ministry: &str, title: &str, body: &str, amount: Option<i64>) -> Doc {
        Doc {
            kind: Kind::PlanLine,
            id,
            ministry: ministry.into(),
            title: title.into(),
            body: body.into(),
            zone: String::new(),
            url: String::new(),
            amount,
        }
    }

    fn v(words: &[(&str, f32)]) -> Vector {
        words
            .iter()
            .map(|(t, w)| ((*t).to_owned(), (*w, (*t).to_owned())))
            .collect()
    }

    #[test]
    fn cosine_is_one_for_proportional_vectors_and_zero_for_disjoint_ones() {
        let a = v(&[("x", 1.0), ("y", 2.0)]);
        let b = v(&[("x", 2.0), ("y", 4.0)]);
        assert!((cosine(&a, &b) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&a, &v(&[("z", 1.0)])), 0.0);
        assert_eq!(cosine(&a, &v(&[])), 0.0);
        let c = v(&[("x", 1.0)]);
        assert!((cosine(&a, &c) - 1.0 / 5f32.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn pairs_join_ministries_once_above_the_threshold_with_the_smaller_amount() {
        let index = SearchIndex::build(vec![
            d(
                1,
                "MI",
                "Prise de rendez-vous en préfecture",
                "Réservation de créneaux en ligne, rappel par SMS.",
                Some(3_000_000),
            ),
            d(
                2,
                "MJ",
                "Rendez-vous au greffe",
                "Réservation en ligne de créneaux, rappel SMS.",
                Some(1_200_000),
            ),
            d(
                3,
                "MI",
                "Rendez-vous des guichets",
                "Créneaux réservés en ligne et rappels par SMS.",
                None,
            ),
            d(
                4,
                "MEF",
                "Entrepôt de données fiscales",
                "Analyse du recouvrement de l'impôt.",
                Some(9_000_000),
            ),
            d(
                5,
                "MC",
                "Archives audiovisuelles",
                "Numérisation des fonds de films.",
                None,
            ),
            d(
                6,
                "MTE",
                "Billetterie des musées",
                "Vente de billets en ligne.",
                None,
            ),
        ])
        .expect("index");
        let pairs = index
            .duplicate_pairs(None, PairOptions::default())
            .expect("pairs");
        let ids: Vec<(i64, i64)> = pairs.iter().map(|p| (p.a.id, p.b.id)).collect();
        assert!(ids.contains(&(1, 2)) && ids.contains(&(2, 3)), "{ids:?}");
        assert!(
            pairs.iter().all(|p| p.a.ministry != p.b.ministry),
            "never within a ministry"
        );
        assert!(
            !ids.iter().any(|&(a, b)| a == 4 || b == 4),
            "unrelated: {ids:?}"
        );
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "each pair once");
        let p12 = pairs
            .iter()
            .find(|p| (p.a.id, p.b.id) == (1, 2))
            .expect("1-2");
        assert_eq!(p12.amount_at_stake, Some(1_200_000));
        assert!(
            p12.shared_terms.iter().any(|t| t.contains("rendez")),
            "{:?}",
            p12.shared_terms
        );
        assert!(pairs.windows(2).all(|w| w[0].similarity >= w[1].similarity));
        // A ministry that reads only MI and MEF sees no pair with MJ.
        let visible = vec!["MI".to_owned(), "MEF".to_owned()];
        let mine = index
            .duplicate_pairs(Some(&visible), PairOptions::default())
            .expect("pairs");
        assert!(
            mine.iter()
                .all(|p| visible.contains(&p.a.ministry) && visible.contains(&p.b.ministry))
        );
        // A threshold of 1 keeps only identical texts: none here.
        let strict = PairOptions {
            threshold: 1.0,
            ..Default::default()
        };
        assert!(
            index
                .duplicate_pairs(None, strict)
                .expect("pairs")
                .is_empty()
        );
    }
}
