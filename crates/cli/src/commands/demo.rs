//! `cosinum demo [--scale N] [--seed S]`: fills an empty database with the
//! demo dataset, N times over for measuring at scale (issue #11).

use std::time::Instant;

use anyhow::Context;
use cosinum_store::{Db, demo, redact_url, scale};
use cosinum_web::AppState;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;

/// The largest scale accepted: N=1000 is the size the benchmarks use; far
/// beyond it a database runs into hundreds of gigabytes.
const MAX_SCALE: u64 = 10_000;

/// Writes the realistic demo, every module included: what `serve --demo`
/// shows on a fresh database.
pub async fn seed_demo(state: &AppState) -> anyhow::Result<()> {
    demo::seed(&state.db)
        .await
        .context("creating the demo data")?;
    demo::seed_campaigns(&state.db)
        .await
        .context("creating the demo collection campaigns")?;
    // The committee's sheets are computed from the other modules' demo data.
    cosinum_web::committee::demo::seed(state)
        .await
        .context("creating the committee's demo data")?;
    cosinum_web::publication::demo::seed(state)
        .await
        .context("creating the demo open-data releases")?;
    Ok(())
}

pub async fn run(config: &Config, scale: u64, seed: u64) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=MAX_SCALE).contains(&scale),
        "--scale doit être compris entre 1 et {MAX_SCALE} (reçu : {scale})"
    );
    let url = config.database_url(true);
    let db = super::open(config, true).await?;
    anyhow::ensure!(
        demo::is_empty(&db).await?,
        "la base {} contient déjà des données : le générateur n'écrit que dans une base vide",
        redact_url(&url)
    );
    let started = Instant::now();
    let state = AppState::new(db.clone(), config.web.clone());
    seed_demo(&state).await?;
    println!(
        "démonstration écrite (exemplaire n° 1) dans {}",
        redact_url(&url)
    );
    if scale > 1 {
        let report = replicate(&db, scale - 1, seed).await?;
        println!("{} lignes ajoutées :", report.total());
        for (table, n) in &report.rows {
            println!("  {table:<24} {n:>12}");
        }
    }
    println!(
        "échelle {scale}, graine {seed} : terminé en {:.1} s",
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}

/// Adds `copies` copies of the demo, read from a template database seeded
/// in a temporary directory, with a progress bar.
async fn replicate(db: &Db, copies: u64, seed: u64) -> anyhow::Result<scale::ScaleReport> {
    let dir = tempfile::tempdir().context("temporary directory for the template")?;
    let template_url = format!("sqlite://{}", dir.path().join("template.db").display());
    let template = Db::connect(&template_url).await?;
    template.migrate().await?;
    demo::seed(&template)
        .await
        .context("creating the template demo")?;
    let bar = ProgressBar::new(copies).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} exemplaires ({elapsed}, reste ~{eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = scale::replicate(db, &template, copies, seed, &mut |n| bar.set_position(n))
        .await
        .context("generating the copies")?;
    bar.finish();
    template.close().await;
    Ok(report)
}
