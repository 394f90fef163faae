//! `search-eval`: the finder and plain FTS5 on the labelled evaluation set
//! (definitions of the measures: `cosinum_search::eval`).

use std::collections::HashMap;
use std::path::PathBuf;

use cosinum_search::eval::{self, DocKey, EvalSet, K, Metrics};
use cosinum_search::{PairOptions, SearchIndex, SimilarityWeights};

use crate::fts::Fts;

/// Candidates asked of each ranker (MRR is computed over them).
const DEPTH: usize = 10;

pub async fn run(path: Option<PathBuf>) -> anyhow::Result<()> {
    let (set, name) = match &path {
        Some(p) => (
            EvalSet::parse(&std::fs::read_to_string(p)?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
            p.display().to_string(),
        ),
        None => (
            EvalSet::builtin(),
            "crates/search/eval/reuse-eval.toml".to_owned(),
        ),
    };
    let index = SearchIndex::build(set.docs.clone())?;
    let finder = eval::evaluate(&set, |d| {
        index
            .similar_to(d, None, DEPTH, SimilarityWeights::default())
            .map(|cs| cs.into_iter().map(|c| (c.doc.kind, c.doc.id)).collect())
            .unwrap_or_default()
    });
    let mut fts = Fts::build(&set.docs).await?;
    let mut fts_ranked: HashMap<DocKey, Vec<DocKey>> = HashMap::new();
    for d in &set.docs {
        fts_ranked.insert((d.kind, d.id), fts.similar(d, DEPTH).await?);
    }
    let baseline = eval::evaluate(&set, |d| {
        fts_ranked.get(&(d.kind, d.id)).cloned().unwrap_or_default()
    });
    print!("{}", report(&set, &name, &finder, &baseline));
    // Every pair the report would examine, then cut at several thresholds.
    let all = index.duplicate_pairs(
        None,
        PairOptions {
            threshold: 0.0,
            ..PairOptions::default()
        },
    )?;
    let scored: Vec<(f32, DocKey, DocKey)> = all
        .iter()
        .map(|p| (p.similarity, (p.a.kind, p.a.id), (p.b.kind, p.b.id)))
        .collect();
    print!("{}", duplicates_report(&set, &scored));
    Ok(())
}

/// The committee's duplicates report on the set: what it lists at several
/// thresholds of similarity, the default one marked.
pub fn duplicates_report(set: &EvalSet, scored: &[(f32, DocKey, DocKey)]) -> String {
    let default = PairOptions::default();
    let mut s = format!(
        "\nThe duplicates report (`SearchIndex::duplicate_pairs`: the finder's first {} \
         candidates of each document, kept when the cosine similarity of the two texts reaches \
         the threshold) on the same set:\n\n\
         | threshold | pairs reported | positive | hard negative | unlabelled | precision | recall |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
        default.per_document
    );
    let mut thresholds = vec![0.1, 0.15, 0.2, 0.25, 0.3, default.threshold];
    thresholds.sort_by(f32::total_cmp);
    thresholds.dedup();
    for t in thresholds {
        let kept: Vec<(DocKey, DocKey)> = scored
            .iter()
            .filter(|(sim, _, _)| *sim >= t)
            .map(|(_, a, b)| (*a, *b))
            .collect();
        let m = eval::judge_pairs(set, &kept);
        let mark = if t == default.threshold {
            " (default)"
        } else {
            ""
        };
        s.push_str(&format!(
            "| {t:.2}{mark} | {} | {} | {} | {} | {} | {} |\n",
            m.reported,
            m.positive,
            m.negative,
            m.unlabelled,
            share(m.precision),
            share(m.recall)
        ));
    }
    s
}

fn share(x: f64) -> String {
    format!("{x:.3}")
}

/// The markdown report: the measures side by side, then every positive pair
/// that either ranker leaves out of its top 5.
pub fn report(set: &EvalSet, name: &str, finder: &Metrics, fts: &Metrics) -> String {
    let mut s = format!(
        "Evaluation set `{name}`: {} documents from {} ministries, {} positive pairs \
         (same problem), {} hard negative pairs. Each ranker proposes {DEPTH} candidates \
         from other ministries for every document; the finder with its default weights.\n\n",
        set.docs.len(),
        set.ministries(),
        set.positives.len(),
        set.negatives.len(),
    );
    s.push_str("| measure | cosinum finder | SQLite FTS5 |\n|---|---:|---:|\n");
    let row = |s: &mut String, what: String, f: String, b: String| {
        s.push_str(&format!("| {what} | {f} | {b} |\n"));
    };
    row(
        &mut s,
        format!(
            "recall@{K} ({} positive pairs × 2 directions)",
            set.positives.len()
        ),
        format!("**{}** ({})", share(finder.recall_at_k), finder.found),
        format!("**{}** ({})", share(fts.recall_at_k), fts.found),
    );
    row(
        &mut s,
        format!("MRR@{DEPTH} ({} documents with a positive)", finder.queries),
        share(finder.mrr),
        share(fts.mrr),
    );
    for (what, f) in [
        (
            format!("precision@{K} (positive / labelled top-{K} candidates)"),
            (|m: &Metrics| {
                format!(
                    "{} ({}/{})",
                    share(m.precision_at_k),
                    m.top_k_positive,
                    m.top_k_positive + m.top_k_negative
                )
            }) as fn(&Metrics) -> String,
        ),
        (format!("hard negatives in the top {K}"), |m: &Metrics| {
            m.top_k_negative.to_string()
        }),
        (format!("unlabelled top-{K} candidates"), |m: &Metrics| {
            format!("{} / {}", m.top_k_unlabelled, m.top_k)
        }),
    ] {
        row(&mut s, what, f(finder), f(fts));
    }
    let rank_in = |m: &Metrics, source: DocKey, target: DocKey| -> Option<String> {
        m.misses
            .iter()
            .find(|x| x.source == source && x.target == target)
            .map(|x| x.rank.map_or("—".to_owned(), |r| r.to_string()))
    };
    let mut missed: Vec<(DocKey, DocKey)> = finder
        .misses
        .iter()
        .chain(&fts.misses)
        .map(|x| (x.source, x.target))
        .collect();
    missed.sort_by_key(|(a, b)| (a.1, b.1));
    missed.dedup();
    s.push_str(&format!(
        "\nPositive pairs left out of the top {K} (rank among the {DEPTH} candidates, \
         — when absent; ✓ when in the top {K}): cosinum misses {}, FTS5 misses {}, \
         both miss {}.\n\n",
        finder.misses.len(),
        fts.misses.len(),
        missed
            .iter()
            .filter(|(a, b)| rank_in(finder, *a, *b).is_some() && rank_in(fts, *a, *b).is_some())
            .count()
    ));
    s.push_str("| source | expected | cosinum | FTS5 |\n|---|---|---:|---:|\n");
    let label = |k: DocKey| {
        set.doc(k).map_or(format!("{k:?}"), |d| {
            format!("{} {} « {} »", d.id, d.ministry, d.title)
        })
    };
    for (a, b) in missed {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            label(a),
            label(b),
            rank_in(finder, a, b).unwrap_or("✓".into()),
            rank_in(fts, a, b).unwrap_or("✓".into()),
        ));
    }
    s
}
