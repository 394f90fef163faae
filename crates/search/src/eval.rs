//! Measuring the reuse finder against a labelled evaluation set (issue #8,
//! "Quality and speed").
//!
//! The set (`eval/reuse-eval.toml`, [`EvalSet::builtin`]) holds documents
//! written like the ministries' own descriptions and, across ministries,
//! labelled pairs: **positive** (the same problem, solved or planned in two
//! ministries) and **negative** (hard negatives: shared words or functional
//! zone, but a different problem). Every other pair is unlabelled.
//!
//! A *ranker* is any function giving, for a document of the set, the
//! documents of other ministries it proposes, best first (the finder, an
//! FTS5 baseline…). [`evaluate`] asks it once per document of the set; any
//! candidate of the source's own ministry, or the source itself, is ignored.
//! With k = [`K`] = 5:
//!
//! - **recall@5**: over the positive pairs taken in both directions (a → b
//!   and b → a), the share where the second document is among the first 5
//!   candidates of the first;
//! - **MRR** (mean reciprocal rank): over the documents that have at least
//!   one positive, the mean of 1 / the rank of the first positive among the
//!   candidates returned (0 when none is returned) — the rankers of the
//!   bench and of the tests return 10 candidates, so this is MRR@10;
//! - **precision@5**: over every document, among the first 5 candidates that
//!   are labelled with the source (positive or hard negative), the share
//!   labelled positive; how many of the first 5 candidates are unlabelled is
//!   reported beside it, since an unlabelled candidate is neither right nor
//!   wrong;
//! - the **misses**: each directed positive pair not in the top 5, with the
//!   rank where it came, if it came at all.
//!
//! The committee's duplicates report (`SearchIndex::duplicate_pairs`) lists
//! pairs rather than rankings; [`judge_pairs`] measures such a list: its
//! **precision** (positive pairs among the reported pairs the set labels)
//! and its **recall** (positive pairs of the set that it reports).

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::{Doc, Kind};

/// The cut-off of recall and precision.
pub const K: usize = 5;

/// A document of the set: its kind and id.
pub type DocKey = (Kind, i64);

/// What the set says about two documents of different ministries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// The same problem.
    Same,
    /// A hard negative: close in words or zone, another problem.
    Different,
}

/// Documents and judgements.
#[derive(Debug, Clone)]
pub struct EvalSet {
    pub docs: Vec<Doc>,
    pub positives: Vec<(DocKey, DocKey)>,
    pub negatives: Vec<(DocKey, DocKey)>,
    judgements: HashMap<(DocKey, DocKey), Judgement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    doc: Vec<FileDoc>,
    pairs: FilePairs,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    id: i64,
    kind: String,
    ministry: String,
    zone: String,
    amount: Option<i64>,
    title: String,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FilePairs {
    positive: Vec<[i64; 2]>,
    negative: Vec<[i64; 2]>,
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl EvalSet {
    /// The set kept in the repository (`crates/search/eval/reuse-eval.toml`).
    pub fn builtin() -> EvalSet {
        EvalSet::parse(include_str!("../eval/reuse-eval.toml"))
            .expect("the evaluation set in the repository is valid (tested)")
    }

    /// Reads a set in the repository's TOML layout (see the file's header).
    /// Ids are unique across the set and pairs name them; a pair must join
    /// two different ministries and carry one label only.
    pub fn parse(text: &str) -> Result<EvalSet, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut docs = Vec::with_capacity(file.doc.len());
        let mut by_id: HashMap<i64, usize> = HashMap::new();
        for d in file.doc {
            let kind = Kind::parse(&d.kind)
                .ok_or_else(|| format!("document {}: unknown kind {:?}", d.id, d.kind))?;
            if by_id.insert(d.id, docs.len()).is_some() {
                return Err(format!("document {}: id used twice", d.id));
            }
            docs.push(Doc {
                kind,
                id: d.id,
                ministry: d.ministry,
                title: collapse(&d.title),
                body: collapse(&d.body),
                zone: d.zone,
                url: String::new(),
                amount: d.amount,
            });
        }
        let mut set = EvalSet {
            docs,
            positives: Vec::new(),
            negatives: Vec::new(),
            judgements: HashMap::new(),
        };
        for (pairs, judgement) in [
            (file.pairs.positive, Judgement::Same),
            (file.pairs.negative, Judgement::Different),
        ] {
            for [a, b] in pairs {
                let doc = |id: i64| {
                    by_id
                        .get(&id)
                        .map(|&i| &set.docs[i])
                        .ok_or_else(|| format!("pair [{a}, {b}]: no document {id}"))
                };
                let (da, db) = (doc(a)?, doc(b)?);
                if da.ministry == db.ministry {
                    return Err(format!(
                        "pair [{a}, {b}]: both in {}; the finder only proposes other ministries",
                        da.ministry
                    ));
                }
                let (ka, kb) = ((da.kind, a), (db.kind, b));
                if set.judgements.insert((ka, kb), judgement).is_some() {
                    return Err(format!("pair [{a}, {b}] is labelled twice"));
                }
                set.judgements.insert((kb, ka), judgement);
                match judgement {
                    Judgement::Same => set.positives.push((ka, kb)),
                    Judgement::Different => set.negatives.push((ka, kb)),
                }
            }
        }
        Ok(set)
    }

    /// What the set says about `a` and `b` (either order).
    pub fn judgement(&self, a: DocKey, b: DocKey) -> Option<Judgement> {
        self.judgements.get(&(a, b)).copied()
    }

    pub fn doc(&self, key: DocKey) -> Option<&Doc> {
        self.docs.iter().find(|d| (d.kind, d.id) == key)
    }

    /// How many ministries the documents come from.
    pub fn ministries(&self) -> usize {
        self.docs
            .iter()
            .map(|d| d.ministry.as_str())
            .collect::<HashSet<_>>()
            .len()
    }
}

/// A positive pair, in one direction, that the ranker did not put in its top 5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub source: DocKey,
    pub target: DocKey,
    /// Where the target came among the candidates returned (1-based), if at all.
    pub rank: Option<usize>,
}

/// The figures of one ranker on one set (definitions in the module doc).
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// Directed positive pairs (twice the positive pairs).
    pub directed_positives: usize,
    /// Directed positive pairs found in the top 5.
    pub found: usize,
    pub recall_at_k: f64,
    /// Documents with at least one positive.
    pub queries: usize,
    pub mrr: f64,
    /// Top-5 candidates, over every document.
    pub top_k: usize,
    /// … labelled positive with their source.
    pub top_k_positive: usize,
    /// … labelled hard negative with their source.
    pub top_k_negative: usize,
    /// … unlabelled.
    pub top_k_unlabelled: usize,
    /// `top_k_positive / (top_k_positive + top_k_negative)`.
    pub precision_at_k: f64,
    pub misses: Vec<Miss>,
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

/// Runs `rank` on every document of `set` and measures it.
pub fn evaluate(set: &EvalSet, mut rank: impl FnMut(&Doc) -> Vec<DocKey>) -> Metrics {
    let ministry: HashMap<DocKey, &str> = set
        .docs
        .iter()
        .map(|d| ((d.kind, d.id), d.ministry.as_str()))
        .collect();
    let mut positives_of: HashMap<DocKey, Vec<DocKey>> = HashMap::new();
    for &(a, b) in &set.positives {
        positives_of.entry(a).or_default().push(b);
        positives_of.entry(b).or_default().push(a);
    }
    let mut m = Metrics {
        directed_positives: 0,
        found: 0,
        recall_at_k: 0.0,
        queries: 0,
        mrr: 0.0,
        top_k: 0,
        top_k_positive: 0,
        top_k_negative: 0,
        top_k_unlabelled: 0,
        precision_at_k: 0.0,
        misses: Vec::new(),
    };
    let mut reciprocal_ranks = 0.0;
    for source in &set.docs {
        let key = (source.kind, source.id);
        let mut seen = HashSet::new();
        let ranked: Vec<DocKey> = rank(source)
            .into_iter()
            .filter(|c| {
                *c != key
                    && ministry.get(c).is_none_or(|m| *m != source.ministry)
                    && seen.insert(*c)
            })
            .collect();
        for c in ranked.iter().take(K) {
            m.top_k += 1;
            match set.judgement(key, *c) {
                Some(Judgement::Same) => m.top_k_positive += 1,
                Some(Judgement::Different) => m.top_k_negative += 1,
                None => m.top_k_unlabelled += 1,
            }
        }
        let Some(targets) = positives_of.get(&key) else {
            continue;
        };
        m.queries += 1;
        if let Some(first) = ranked
            .iter()
            .position(|c| set.judgement(key, *c) == Some(Judgement::Same))
        {
            reciprocal_ranks += 1.0 / (first + 1) as f64;
        }
        for &target in targets {
            m.directed_positives += 1;
            let at = ranked.iter().position(|c| *c == target);
            if at.is_some_and(|i| i < K) {
                m.found += 1;
            } else {
                m.misses.push(Miss {
                    source: key,
                    target,
                    rank: at.map(|i| i + 1),
                });
            }
        }
    }
    m.recall_at_k = ratio(m.found, m.directed_positives);
    m.mrr = if m.queries == 0 {
        0.0
    } else {
        reciprocal_ranks / m.queries as f64
    };
    m.precision_at_k = ratio(m.top_k_positive, m.top_k_positive + m.top_k_negative);
    m
}

/// How a list of pairs (the duplicates report) agrees with the set.
#[derive(Debug, Clone, PartialEq)]
pub struct PairMetrics {
    /// Distinct pairs reported (either order counts once).
    pub reported: usize,
    pub positive: usize,
    pub negative: usize,
    pub unlabelled: usize,
    /// `positive / (positive + negative)`.
    pub precision: f64,
    /// `positive` / the set's positive pairs.
    pub recall: f64,
}

/// Judges `pairs` against the set.
pub fn judge_pairs(set: &EvalSet, pairs: &[(DocKey, DocKey)]) -> PairMetrics {
    let mut seen = HashSet::new();
    let (mut positive, mut negative, mut unlabelled) = (0, 0, 0);
    for &(a, b) in pairs {
        if !seen.insert(if a <= b { (a, b) } else { (b, a) }) {
            continue;
        }
        match set.judgement(a, b) {
            Some(Judgement::Same) => positive += 1,
            Some(Judgement::Different) => negative += 1,
            None => unlabelled += 1,
        }
    }
    PairMetrics {
        reported: seen.len(),
        positive,
        negative,
        unlabelled,
        precision: ratio(positive, positive + negative),
        recall: ratio(positive, set.positives.len()),
    }
}

#[cfg(test)]
mod tests;
