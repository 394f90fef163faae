//! A deterministic synthetic corpus for the latency benchmark: documents
//! shaped like the evaluation set's (a title of 3–10 words, a body of 2–5
//! sentences of 10–25 words), each written around one document of the set —
//! its words, the set's words at their frequency (stop words included), and
//! generated words with a Zipf-like long tail — over 20 ministries and the
//! set's functional zones.

use cosinum_search::eval::EvalSet;
use cosinum_search::{Doc, Kind, SearchIndex};

/// SplitMix64: small, fast and identical on every platform, so a seed gives
/// the same corpus everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

pub const MINISTRIES: [&str; 20] = [
    "MI", "MINARM", "MEF", "MJ", "MTE", "MENJ", "MSS", "MC", "MAA", "MEAE", "MESR", "MTES", "SPM",
    "MOM", "MSJS", "MCT", "MTFP", "MMER", "MLOG", "MTRA",
];

const SYLLABLES: [&str; 40] = [
    "ba", "be", "bi", "ca", "co", "cu", "da", "de", "di", "fa", "fo", "ga", "la", "le", "li", "lo",
    "ma", "me", "mi", "mo", "na", "ne", "no", "pa", "pe", "po", "ra", "re", "ri", "ro", "sa", "se",
    "si", "ta", "te", "ti", "to", "va", "vi", "tra",
];
const SUFFIXES: [&str; 10] = [
    "", "tion", "ment", "age", "ique", "eur", "ité", "ance", "iste", "erie",
];

/// Generated words, most frequent first, and the cumulative weights of a
/// Zipf law (exponent 1) over them.
struct LongTail {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl LongTail {
    fn new(rng: &mut Rng, n: usize) -> LongTail {
        let mut words = Vec::with_capacity(n);
        let mut cumulative = Vec::with_capacity(n);
        let mut total = 0.0;
        for rank in 1..=n {
            let mut w = String::new();
            for _ in 0..rng.between(2, 4) {
                w.push_str(SYLLABLES[rng.below(SYLLABLES.len())]);
            }
            w.push_str(SUFFIXES[rng.below(SUFFIXES.len())]);
            words.push(w);
            total += 1.0 / rank as f64;
            cumulative.push(total);
        }
        LongTail { words, cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let i = self.cumulative.partition_point(|c| *c < x);
        &self.words[i.min(self.words.len() - 1)]
    }
}

/// The words of a text as written, punctuation around them dropped.
pub fn words(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect()
}

fn capitalised(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `n` documents (ids 1..=n) derived from `set` with `seed`.
pub fn generate(set: &EvalSet, n: usize, seed: u64) -> Vec<Doc> {
    let mut rng = Rng::new(seed);
    let tail = LongTail::new(&mut rng, 30_000);
    let all: Vec<&str> = set
        .docs
        .iter()
        .flat_map(|d| words(&d.title).into_iter().chain(words(&d.body)))
        .collect();
    let zones: Vec<&str> = set.docs.iter().map(|d| d.zone.as_str()).collect();
    (1..=n as i64)
        .map(|id| {
            let seed_doc = rng.pick(&set.docs);
            let (title_words, body_words) = (words(&seed_doc.title), words(&seed_doc.body));
            let title_len = rng.between(3, 10);
            let title: Vec<String> = (0..title_len)
                .map(|_| {
                    if rng.chance(0.6) {
                        rng.pick(&title_words).to_string()
                    } else if rng.chance(0.6) {
                        rng.pick(&body_words).to_string()
                    } else {
                        tail.sample(&mut rng).to_owned()
                    }
                })
                .collect();
            let mut body = Vec::new();
            for _ in 0..rng.between(2, 5) {
                let sentence: Vec<String> = (0..rng.between(10, 25))
                    .map(|_| {
                        if rng.chance(0.4) {
                            rng.pick(&body_words).to_string()
                        } else if rng.chance(0.6) {
                            rng.pick(&all).to_string()
                        } else {
                            tail.sample(&mut rng).to_owned()
                        }
                    })
                    .collect();
                body.push(format!("{}.", capitalised(&sentence.join(" "))));
            }
            Doc {
                kind: *rng.pick(&Kind::ALL),
                id,
                ministry: rng.pick(&MINISTRIES).to_string(),
                title: capitalised(&title.join(" ")),
                body: body.join(" "),
                zone: if rng.chance(0.5) {
                    seed_doc.zone.clone()
                } else {
                    rng.pick(&zones).to_string()
                },
                url: String::new(),
                amount: Some(rng.between(50, 50_000) as i64 * 1_000),
            }
        })
        .collect()
}

/// `n` free-text queries of 1 to 3 words taken from the set's titles, stop
/// words left out (what users type in the search box).
pub fn queries(set: &EvalSet, n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed ^ 0x5EA2_C4E5);
    (0..n)
        .map(|_| {
            loop {
                let d = rng.pick(&set.docs);
                let candidates: Vec<&str> = words(&d.title)
                    .into_iter()
                    .filter(|w| w.chars().count() > 2 && !SearchIndex::terms(w).is_empty())
                    .collect();
                if candidates.is_empty() {
                    continue;
                }
                let k = rng.between(1, 3.min(candidates.len()));
                let q: Vec<&str> = (0..k).map(|_| *rng.pick(&candidates)).collect();
                break q.join(" ");
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_deterministic_and_shaped_like_the_set() {
        let set = EvalSet::builtin();
        let a = generate(&set, 200, 7);
        assert_eq!(a, generate(&set, 200, 7));
        assert_ne!(a, generate(&set, 200, 8));
        let ministries: std::collections::HashSet<&str> =
            a.iter().map(|d| d.ministry.as_str()).collect();
        assert!(ministries.len() >= 15, "{ministries:?}");
        let mean_words =
            a.iter().map(|d| words(&d.body).len()).sum::<usize>() as f64 / a.len() as f64;
        assert!((30.0..100.0).contains(&mean_words), "{mean_words}");
        let q = queries(&set, 50, 7);
        assert_eq!(q, queries(&set, 50, 7));
        assert!(q.iter().all(|q| (1..=3).contains(&q.split(' ').count())));
    }
}
