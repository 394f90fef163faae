//! `cosinum-bench`: how well and how fast the reuse finder works (issue #8,
//! "Quality and speed"), side by side with plain SQLite FTS5 on the same
//! documents. Run both through `scripts/bench-search`, which writes
//! `docs/benchmarks/search.md`.

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
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::SearchEval { set } => quality::run(set).await,
        Command::SearchLatency {
            docs,
            queries,
            seed,
        } => latency::run(docs, queries, seed).await,
    }
}
