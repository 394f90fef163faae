//! `search-latency`: build time, then p50/p99/max latency of "similar to
//! this" and of free-text search, cosinum against FTS5, over a synthetic
//! corpus. One query at a time on one thread, after a short warm-up; the
//! time of a query includes preparing it (analysing the source, quoting the
//! words for FTS5). SQLite is reached through sqlx, whose connection runs on
//! its own thread: each FTS5 query pays one hand-over between threads (tens
//! of microseconds), the finder none.

use std::time::{Duration, Instant};

use cosinum_search::eval::EvalSet;
use cosinum_search::{Filter, SearchIndex, SimilarityWeights};

use crate::corpus::{self, Rng};
use crate::fts::Fts;

const WARM_UP: usize = 20;

/// Order statistics of a series of latencies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean: Duration,
}

/// Nearest-rank percentiles (the p-th percentile is the smallest value with
/// at least p % of the series at or below it).
pub fn summary(mut xs: Vec<Duration>) -> Summary {
    xs.sort();
    let at = |p: usize| {
        let rank = (p * xs.len()).div_ceil(100).max(1);
        xs.get(rank - 1).copied().unwrap_or_default()
    };
    let total: Duration = xs.iter().sum();
    Summary {
        p50: at(50),
        p99: at(99),
        max: xs.last().copied().unwrap_or_default(),
        mean: total / xs.len().max(1) as u32,
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// The machine, from /proc (Linux): CPU model, logical CPUs, memory, kernel.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kib = |file: &str, key: &str| -> Option<f64> {
        std::fs::read_to_string(file)
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix(key))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let ram = kib("/proc/meminfo", "MemTotal:").map_or("unknown".into(), |k| {
        format!("{:.1} GiB", k / 1024.0 / 1024.0)
    });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{model}, {cpus} logical CPUs, {ram} RAM, Linux {}",
        kernel.trim()
    )
}

/// CPU ticks spent, by the whole machine (busy, without idle, I/O wait and
/// steal) and by this process: what others spend during the measurements
/// skews them, on a machine shared with builds.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let all: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy = all.first()? + all.get(1)? + all.get(2)? + all.get(5)? + all.get(6)?;
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
    // After the command name come the state (3rd field of the line), …,
    // utime and stime (14th and 15th).
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some((busy, ticks(11)? + ticks(12)?))
}

/// How many CPUs other processes kept busy, on average, between two readings
/// of `cpu_ticks` `elapsed` apart (Linux counts 100 ticks a second).
fn others_busy(before: Option<(u64, u64)>, after: Option<(u64, u64)>, elapsed: Duration) -> String {
    match (before, after) {
        (Some((b0, o0)), Some((b1, o1))) => {
            let others = (b1 - b0).saturating_sub(o1 - o0) as f64 / 100.0;
            format!("{:.2}", others / elapsed.as_secs_f64().max(1e-9))
        }
        _ => "unknown".into(),
    }
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or("unknown".into(), |k| format!("{:.0} MiB", k / 1024.0))
}

pub async fn run(n: usize, queries: usize, seed: u64) -> anyhow::Result<()> {
    anyhow::ensure!(
        n > 0 && queries > 0,
        "--docs and --queries must be positive"
    );
    let set = EvalSet::builtin();
    let docs = corpus::generate(&set, n, seed);
    let words: usize = docs
        .iter()
        .map(|d| corpus::words(&d.title).len() + corpus::words(&d.body).len())
        .sum();

    let t = Instant::now();
    let index = SearchIndex::build(docs.clone())?;
    let finder_build = t.elapsed();
    let t = Instant::now();
    let mut fts = Fts::build(&docs).await?;
    let fts_build = t.elapsed();

    let mut rng = Rng::new(seed ^ 0x51_A11A);
    let sources: Vec<usize> = (0..WARM_UP + queries).map(|_| rng.below(n)).collect();
    let texts = corpus::queries(&set, WARM_UP + queries, seed);

    eprintln!("built both indexes of {n} documents; measuring…");
    let (ticks, started) = (cpu_ticks(), Instant::now());
    let weights = SimilarityWeights::default();
    let mut lat = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    let (mut finder_found, mut fts_found) = (0usize, 0usize);
    for (i, &s) in sources.iter().enumerate() {
        let d = &docs[s];
        let t = Instant::now();
        let c = index.similar(d.kind, d.id, None, 5, weights)?;
        let e = t.elapsed();
        finder_found += c.map_or(0, |c| c.len());
        if i >= WARM_UP {
            lat[0].push(e);
        }
    }
    for (i, &s) in sources.iter().enumerate() {
        let t = Instant::now();
        let c = fts.similar(&docs[s], 5).await?;
        let e = t.elapsed();
        fts_found += c.len();
        if i >= WARM_UP {
            lat[1].push(e);
        }
    }
    let (mut finder_matches, mut fts_matches) = (0usize, 0i64);
    for (i, q) in texts.iter().enumerate() {
        let t = Instant::now();
        let r = index.search(q, &Filter::default(), 10)?;
        let e = t.elapsed();
        finder_matches += r.total;
        if i >= WARM_UP {
            lat[2].push(e);
        }
    }
    for (i, q) in texts.iter().enumerate() {
        let t = Instant::now();
        let r = fts.search(q, 10).await?;
        let e = t.elapsed();
        fts_matches += r.total;
        if i >= WARM_UP {
            lat[3].push(e);
        }
    }
    let others = others_busy(ticks, cpu_ticks(), started.elapsed());
    let [a, b, c, d] = lat.map(summary);
    let runs = (WARM_UP + queries) as f64;

    println!("Machine: {}.\n", machine());
    println!(
        "Corpus: {n} synthetic documents (seed {seed}, {:.0} words each on average, 20 ministries), \
         {queries} measured queries of each sort after {WARM_UP} warm-up ones, one at a time on \
         one thread. Peak resident memory with both indexes: {}. CPUs kept busy by other processes \
         during the measurements, on average: {others}.\n",
        words as f64 / n as f64,
        peak_rss()
    );
    println!("| operation | engine | p50 | p99 | max | mean |\n|---|---|---:|---:|---:|---:|");
    println!(
        "| build the index ({n} docs) | cosinum (tantivy, 1 indexing thread) | {:.1} s | | | |",
        finder_build.as_secs_f64()
    );
    println!(
        "| build the index ({n} docs) | SQLite FTS5 (in memory) | {:.1} s | | | |",
        fts_build.as_secs_f64()
    );
    for (what, engine, s) in [
        ("similar to this, top 5", "cosinum `similar`", a),
        ("similar to this, top 5", "SQLite FTS5", b),
        ("free text, top 10 + facet counts", "cosinum `search`", c),
        ("free text, top 10 + facet counts", "SQLite FTS5", d),
    ] {
        println!(
            "| {what} | {engine} | {} | {} | {} | {} |",
            ms(s.p50),
            ms(s.p99),
            ms(s.max),
            ms(s.mean)
        );
    }
    println!(
        "\n\"Similar to this\": cosinum searches the source's 25 most distinctive terms \
         (French analysis) and adds the zone bonus; FTS5 ORs every word of the source's title \
         and body, other ministries only. Candidates returned per query: cosinum {:.1}, \
         FTS5 {:.1}. Free text: 1–3 words from the evaluation set's titles, any of them \
         matching; mean matches per query: cosinum {:.0} (stemmed), FTS5 {:.0} (exact words).",
        finder_found as f64 / runs,
        fts_found as f64 / runs,
        finder_matches as f64 / runs,
        fts_matches as f64 / runs,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let xs: Vec<Duration> = (1..=200).map(Duration::from_millis).collect();
        let s = summary(xs);
        assert_eq!(
            (s.p50, s.p99, s.max),
            (
                Duration::from_millis(100),
                Duration::from_millis(198),
                Duration::from_millis(200)
            )
        );
        assert_eq!(s.mean, Duration::from_micros(100_500));
        let one = summary(vec![Duration::from_millis(3)]);
        assert_eq!(
            (one.p50, one.p99),
            (Duration::from_millis(3), Duration::from_millis(3))
        );
    }

    #[test]
    fn describes_the_machine() {
        assert!(machine().contains("logical CPUs"));
    }
}
