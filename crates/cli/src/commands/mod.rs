//! One function per command.

pub mod campaign;
pub mod demarches;
pub mod demo;
pub mod funding;
pub mod import;
pub mod pack;
pub mod plans;
pub mod portfolio;
pub mod reindex;
pub mod release;
pub mod serve;
pub mod talent;
pub mod tokens;
pub mod users;

use anyhow::Context;
use cosinum_store::{Db, backup, redact_url};

use crate::Command;
use crate::config::Config;

/// A file to import: its name (for messages) and its bytes.
pub(crate) fn read_file(path: &std::path::Path) -> anyhow::Result<(String, Vec<u8>)> {
    let bytes = std::fs::read(path).with_context(|| format!("lecture de {}", path.display()))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((name, bytes))
}

/// Refuses an import whose check found problems, each named by file, row
/// and column.
pub(crate) fn refuse_problems(
    name: &str,
    problems: &[cosinum_web::funding_import::LineProblem],
) -> anyhow::Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = problems
        .iter()
        .map(|x| {
            format!(
                "{name}, ligne {}, colonne « {} » : {}",
                x.row, x.column, x.message
            )
        })
        .collect();
    anyhow::bail!(
        "import refusé, rien n'a été modifié :\n{}",
        lines.join("\n")
    )
}

pub async fn dispatch(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo, .. } => serve::run(config, demo).await,
        Command::Demo { scale, seed } => demo::run(&config, scale, seed).await,
        Command::Migrate => {
            let db = open(&config, false).await?;
            println!(
                "migrations appliquées : {}",
                redact_url(&config.database_url(false))
            );
            db.close().await;
            Ok(())
        }
        Command::User(cmd) => users::run(&open(&config, false).await?, cmd).await,
        Command::Token(cmd) => tokens::run(&open(&config, false).await?, cmd).await,
        Command::Backup { path } => {
            let db = open(&config, false).await?;
            let bytes = backup::backup(&db, &path).await?;
            println!("sauvegarde écrite : {} ({bytes} octets)", path.display());
            Ok(())
        }
        Command::Portfolio {
            as_of,
            method,
            json,
        } => {
            portfolio::run(
                &open(&config, false).await?,
                as_of.as_deref(),
                method.as_deref(),
                json,
            )
            .await
        }
        Command::Demarches { edition, json } => {
            demarches::summary(&open(&config, false).await?, edition.as_deref(), json).await
        }
        Command::Import(cmd) => import::run(&open(&config, false).await?, cmd).await,
        Command::Project(cmd) => import::run_project(&open(&config, false).await?, cmd).await,
        Command::Reindex { dir } => {
            let dir = dir
                .or_else(|| config.web.search_index_dir.clone())
                .context(
                    "no index directory: give --dir or set web.search_index_dir \
                     (without it the server indexes in memory at each start)",
                )?;
            reindex::run(&open(&config, false).await?, &dir).await
        }
        Command::Pack { session, out } => {
            let state = cosinum_web::AppState::new(open(&config, false).await?, config.web.clone());
            pack::run(&state, session, &out).await
        }
        Command::Release(cmd) => {
            let state = cosinum_web::AppState::new(open(&config, false).await?, config.web.clone());
            release::run(&state, cmd).await
        }
        Command::Campaign(cmd) => {
            let state = cosinum_web::AppState::new(open(&config, false).await?, config.web.clone());
            campaign::run(&state, cmd).await
        }
        Command::DefaultConfig => Ok(()),
    }
}

/// Connects to the configured database and applies the migrations.
pub async fn open(config: &Config, demo: bool) -> anyhow::Result<Db> {
    let url = config.database_url(demo);
    open_url(&url, Db::connect(&url).await?).await
}

/// [`open`] for the server (see [`Db::connect_serving`]).
pub async fn open_serving(config: &Config, demo: bool) -> anyhow::Result<Db> {
    let url = config.database_url(demo);
    open_url(&url, Db::connect_serving(&url).await?).await
}

async fn open_url(url: &str, db: Db) -> anyhow::Result<Db> {
    db.migrate()
        .await
        .with_context(|| format!("database {}", redact_url(url)))?;
    Ok(db)
}
