//! "Already done elsewhere": the documents of other ministries closest to a
//! given one. The text of the source (title counted twice) gives its most
//! distinctive terms (term frequency × inverse document frequency); the
//! index ranks every document on them (BM25); structured signals are then
//! added — same functional zone — and each candidate says why it came up.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::TopDocs;

use crate::{Doc, Kind, SearchIndex, SearchResult, analyzer};

/// How the final score mixes text similarity and the structured signals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SimilarityWeights {
    /// Weight of the normalised text score (0–1).
    pub text: f32,
    /// Bonus when both are in the same functional zone.
    pub same_zone: f32,
    /// How many distinctive terms of the source are searched for.
    pub terms: usize,
}

impl Default for SimilarityWeights {
    fn default() -> Self {
        SimilarityWeights {
            text: 0.8,
            same_zone: 0.2,
            terms: 25,
        }
    }
}

/// A document of another ministry similar to the source, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    #[serde(flatten)]
    pub doc: Doc,
    /// 0–1: the weighted text score (relative to the best candidate) plus the signals.
    pub score: f32,
    /// The raw BM25 score of the text.
    pub text_score: f32,
    /// Words both texts share, most distinctive first (as the source writes them).
    pub shared_terms: Vec<String>,
    pub same_zone: bool,
}

impl SearchIndex {
    /// The candidates of other ministries for document (`kind`, `id`);
    /// `None` when it is not indexed.
    pub fn similar(
        &self,
        kind: Kind,
        id: i64,
        visible: Option<&[String]>,
        limit: usize,
        w: SimilarityWeights,
    ) -> SearchResult<Option<Vec<Candidate>>> {
        let Some(source) = self.get(kind, id) else {
            return Ok(None);
        };
        self.similar_to(&source, visible, limit, w).map(Some)
    }

    /// The candidates of ministries other than `source.ministry` for a
    /// description that may not be stored yet (a plan line being drafted).
    pub fn similar_to(
        &self,
        source: &Doc,
        visible: Option<&[String]>,
        limit: usize,
        w: SimilarityWeights,
    ) -> SearchResult<Vec<Candidate>> {
        let searcher = self.reader.searcher();
        let docs = self.read_docs();
        let total = searcher.num_docs().max(1) as f32;
        // Term frequencies of the source, title counted twice.
        let mut tf: HashMap<String, (f32, String)> = HashMap::new();
        for (text, weight) in [(&source.title, 2.0), (&source.body, 1.0)] {
            for (term, word) in analyzer::terms(text) {
                let e = tf.entry(term).or_insert((0.0, word));
                e.0 += weight;
            }
        }
        let mut weighted: Vec<(String, f32, String)> = tf
            .into_iter()
            .map(|(term, (f, word))| {
                let df = [self.fields.title, self.fields.body]
                    .iter()
                    .map(|field| {
                        searcher
                            .doc_freq(&tantivy::Term::from_field_text(*field, &term))
                            .unwrap_or(0)
                    })
                    .max()
                    .unwrap_or(0) as f32;
                let idf = (1.0 + (total - df + 0.5) / (df + 0.5)).ln();
                (term, f * idf, word)
            })
            .filter(|(_, s, _)| *s > 0.0)
            .collect();
        weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        weighted.truncate(w.terms);
        if weighted.is_empty() {
            return Ok(Vec::new());
        }
        let query = self.any_of(
            &weighted
                .iter()
                .map(|(t, s, _)| (t.clone(), *s))
                .collect::<Vec<_>>(),
        );
        let top = searcher.search(
            &query,
            &TopDocs::with_limit((limit * 8).max(40)).order_by_score(),
        )?;
        let mut found: Vec<(f32, crate::kept::KeptRef<'_>, tantivy::DocAddress)> = Vec::new();
        let mut idents = crate::Idents::new(&searcher);
        for (score, addr) in top {
            let Some(d) = Self::doc_of(&docs, &mut idents, addr)? else {
                continue;
            };
            let other_ministry = d.ministry != source.ministry;
            let allowed = crate::visible(visible, d.ministry);
            if other_ministry && allowed && !(d.kind == source.kind && d.id == source.id) {
                found.push((score, d, addr));
            }
        }
        let best = found
            .iter()
            .map(|f| f.0)
            .fold(0.0_f32, f32::max)
            .max(f32::EPSILON);
        let mut out: Vec<Candidate> = Vec::with_capacity(found.len());
        for (text_score, d, addr) in found {
            let same_zone = !source.zone.is_empty() && source.zone == d.zone;
            let Some(doc) = self.stored(&searcher, addr)? else {
                continue;
            };
            out.push(Candidate {
                score: w.text * text_score / best + if same_zone { w.same_zone } else { 0.0 },
                text_score,
                shared_terms: Vec::new(),
                same_zone,
                doc,
            });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.id.cmp(&b.doc.id)));
        out.truncate(limit);
        // The explanation, for the candidates kept only (analysing every
        // text found would cost more than the search).
        for c in &mut out {
            let theirs: std::collections::HashSet<String> =
                analyzer::terms(&format!("{} {}", c.doc.title, c.doc.body))
                    .into_iter()
                    .map(|(t, _)| t)
                    .collect();
            c.shared_terms = weighted
                .iter()
                .filter(|(t, _, _)| theirs.contains(t))
                .map(|(_, _, word)| word.to_lowercase())
                .take(8)
                .collect();
        }
        Ok(out)
    }
}
