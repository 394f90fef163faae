//! `cosinum-bench`: how well and how fast the reuse finder works (issue #8,
//! "Quality and speed"), side by side with plain SQLite FTS5 on the same
//! documents. Run both through `scripts/bench-search`, which writes
//! `docs/benchmarks/search.md`.

mod aggregates;
mod corpus;
mod fts;
mod latency;
mod quality;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cosinum-bench",
    about = "Benchmarks of the reuse finder against SQLite FTS5"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Recall@5, MRR and precision@5 on the labelled evaluation set, and the
    /// positive pairs each ranker misses (markdown on standard output).
    SearchEval {
        /// An evaluation set in the layout of crates/search/eval/reuse-eval.toml
        /// (default: that file, built in).
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// Build time and p50/p99/max latency of "similar to this" and of
    /// free-text search over a deterministic synthetic corpus.
    SearchLatency {
        /// Documents in the synthetic corpus.
        #[arg(long, default_value_t = 100_000)]
        docs: usize,
        /// Measured queries of each sort.
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
        /// Seed of the corpus and of the queries.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Load a database's portfolio and compute its editions as of the
    /// given dates, `repeat` times (one JSON line of timings per run).
    Aggregates {
        /// The database, e.g. sqlite:///tmp/n1000.db.
        #[arg(long)]
        database_url: String,
        /// Dates, comma-separated (YYYY-MM-DD).
        #[arg(long)]
        dates: String,
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
    /// A mixed read/write load on a running cosinum, then the reconciliation
    /// of the audit log with what the clients were told (Markdown report;
    /// exit status 1 on any server error or reconciliation problem).
    Load {
        /// The server, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        url: String,
        /// A token of a steering (DINUM) account (`cosinum token create`).
        #[arg(long, env = "COSINUM_TOKEN")]
        token: String,
        /// Seconds of load.
        #[arg(long, default_value_t = 30)]
        duration: u64,
        /// Clients at once.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Load {
            url,
            token,
            duration,
            concurrency,
        } => {
            let cfg = cosinum_bench::load::LoadConfig {
                base: url.trim_end_matches('/').to_owned(),
                token,
                duration: std::time::Duration::from_secs(duration),
                concurrency,
            };
            let report = cosinum_bench::load::run(&cfg).await?;
            println!("{}", report.markdown());
            if !report.ok() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Aggregates {
            database_url,
            dates,
            repeat,
        } => aggregates::run(&database_url, &aggregates::parse_dates(&dates)?, repeat).await,
        Command::SearchEval { set } => quality::run(set).await,
        Command::SearchLatency {
            docs,
            queries,
            seed,
        } => latency::run(docs, queries, seed).await,
    }
}
