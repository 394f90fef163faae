//! The `cosinum` command line: `serve`, `migrate`, `user`, `token`, `backup`,
//! `default-config`. [`main`] parses the arguments, loads the configuration and
//! dispatches; each command is a small function in [`commands`].

pub mod commands;
pub mod config;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, FlagOverrides, LogFormat};

#[derive(Debug, Parser)]
#[command(
    name = "cosinum",
    version,
    about = "Pilotage du numérique de l'État (COSINUM)"
)]
pub struct Cli {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "COSINUM_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// TOML configuration file (see `cosinum default-config`).
    #[arg(long, global = true, env = "COSINUM_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web platform (HTML pages and JSON API).
    Serve {
        /// Fill an empty database with the demo dataset and print the demo accounts.
        #[arg(long)]
        demo: bool,
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Fill an empty database with the demo dataset, `--scale` times over
    /// (deterministic for a given seed and day; for benchmarks).
    Demo {
        /// How many times the demo ("one State"): 1 to 10000.
        #[arg(long, default_value_t = 1)]
        scale: u64,
        /// Seed of the variation between copies.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Apply the database migrations (serve also does it at start).
    Migrate,
    /// Print a commented example configuration file.
    DefaultConfig,
    /// Manage user accounts.
    #[command(subcommand)]
    User(commands::users::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(commands::tokens::TokenCommand),
    /// The major-projects portfolio as of a date (the same figures as the API).
    Portfolio {
        /// Date of the edition (default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// Method version: dinum-2017 (default) or baseline-courante-2026.
        #[arg(long)]
        method: Option<String>,
        /// Print the JSON of `GET /api/v1/projects/portfolio`.
        #[arg(long)]
        json: bool,
    },
    /// An edition of the online-services observatory: the consolidated
    /// figures, each with its definition and denominator.
    Demarches {
        /// Date of the edition (default: the latest).
        #[arg(long)]
        edition: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Maintain major projects.
    #[command(subcommand)]
    Project(commands::import::ProjectCommand),
    /// Import published data files.
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
    /// Rebuild the search index (`web.search_index_dir`) from scratch.
    Reindex {
        /// The index directory (default: `web.search_index_dir` of the configuration).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Write a committee session's pack (agenda, attendance, every briefing
    /// sheet) as one A4 PDF.
    Pack {
        /// The session's number (see `GET /api/v1/committee/sessions`).
        #[arg(long)]
        session: i64,
        /// The PDF file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Open-data releases: export a published release's files, verify that
    /// every release rebuilds byte for byte.
    #[command(subcommand)]
    Release(commands::release::ReleaseCommand),
    /// Collection campaigns: open one, see where they stand, close one, send
    /// the notices due.
    #[command(subcommand)]
    Campaign(commands::campaign::CampaignCommand),
    /// Write a consistent copy of the SQLite database while the server runs.
    Backup {
        /// Destination file (must not exist).
        path: PathBuf,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    without_huge_pages();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("erreur : {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command line to completion.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::DefaultConfig = cli.command {
        print!("{}", config::EXAMPLE);
        return Ok(());
    }
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let config = Config::load(
        cli.config.as_deref(),
        FlagOverrides {
            database_url: cli.database_url.clone(),
            listen,
        },
    )?;
    init_logging(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(commands::dispatch(cli.command, config))
}

/// Turns transparent huge pages off for the whole process (Linux; elsewhere,
/// or where the kernel refuses, nothing changes). A 2 MiB page counts whole
/// in the resident set however little of it is in use: with mimalloc, which
/// asked for huge pages on its arenas, the server held 185 MiB at N=1000
/// once its start-up's work was done instead of 228 (issue #11,
/// BENCHMARKS.md, eleventh pass). jemalloc asks for none, but a kernel set
/// to give them to every mapping (`always`) still would.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Ignore the error if a subscriber is already set (tests run several commands).
    let _ = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The kernel reports the process's flag in its status.
    #[test]
    fn huge_pages_are_off_once_turned_off() {
        super::without_huge_pages();
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let flag = status
            .lines()
            .find_map(|l| l.strip_prefix("THP_enabled:"))
            .map(str::trim);
        assert_eq!(flag, Some("0"), "{status}");
    }
}
