//! `cosinum release export|verify`: open-data releases from the command
//! line — write a published release's files into a directory (to upload to
//! data.gouv.fr), or rebuild every release from its stored inputs and
//! compare each file byte for byte.

use std::path::Path;

use anyhow::Context;
use clap::Subcommand;
use cosinum_domain::publication::{Dataset, ReleaseStatus};
use cosinum_store::publication as store;
use cosinum_web::AppState;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Write the files of a published release into a directory.
    Export {
        /// `panorama` or `observatoire`.
        #[arg(long)]
        dataset: String,
        /// The release number (default: the latest published).
        #[arg(long)]
        version: Option<i64>,
        /// The directory to write into (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Rebuild every release from its stored inputs and compare the bytes.
    Verify,
}

pub async fn run(state: &AppState, cmd: ReleaseCommand) -> anyhow::Result<()> {
    match cmd {
        ReleaseCommand::Export {
            dataset,
            version,
            out,
        } => export(state, &dataset, version, &out).await,
        ReleaseCommand::Verify => verify(state).await,
    }
}

async fn export(
    state: &AppState,
    dataset: &str,
    version: Option<i64>,
    out: &Path,
) -> anyhow::Result<()> {
    let d = Dataset::parse(dataset).with_context(|| {
        format!("jeu de données inconnu : {dataset} (panorama ou observatoire)")
    })?;
    let release = store::releases(&state.db, Some(d))
        .await?
        .into_iter()
        .filter(|r| r.status == ReleaseStatus::Published)
        .find(|r| version.is_none_or(|v| v == r.number))
        .with_context(|| match version {
            Some(v) => format!("{dataset} : pas de version {v} publiée"),
            None => format!("{dataset} : aucune version publiée"),
        })?;
    std::fs::create_dir_all(out).with_context(|| format!("création de {}", out.display()))?;
    for f in &release.files {
        let (_, bytes) = store::file(&state.db, release.id, &f.name).await?;
        let path = out.join(&f.name);
        std::fs::write(&path, &bytes).with_context(|| format!("écriture de {}", path.display()))?;
    }
    println!(
        "{} version {} (données au {}) : {} fichiers écrits dans {}",
        d.title_fr(),
        release.number,
        release.as_of,
        release.files.len(),
        out.display()
    );
    Ok(())
}

async fn verify(state: &AppState) -> anyhow::Result<()> {
    let releases = store::releases(&state.db, None).await?;
    let bar = ProgressBar::new(releases.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").context("progress template")?,
    );
    let mut altered = Vec::new();
    for r in &releases {
        bar.set_message(format!("{} v{}", r.dataset.as_str(), r.number));
        let same = cosinum_web::publication::verify(state, r.id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if !same {
            altered.push(format!(
                "{} v{} (n° {})",
                r.dataset.as_str(),
                r.number,
                r.id
            ));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if altered.is_empty() {
        println!(
            "{} version(s) reconstruite(s) à l'octet près depuis leurs entrées",
            releases.len()
        );
        Ok(())
    } else {
        anyhow::bail!("versions non reproductibles : {}", altered.join(", "))
    }
}
