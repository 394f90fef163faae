//! `cosinum import panorama FILE… [--as-of DATE]`: the DINUM's Panorama
//! open-data files as published, each file an edition dated by its
//! "Date de publication". All files in one transaction: all or nothing.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use cosinum_io::{PanoramaRow, read_panorama};
use cosinum_store::Db;
use cosinum_store::projects::import::{EditionLine, apply_edition};
use indicatif::{ProgressBar, ProgressStyle};

use super::users::cli_ctx;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Panorama des grands projets numériques (CSV or XLSX, 15-column layout).
    Panorama {
        /// The files, in any order (they are applied oldest edition first).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The edition date, for a file without "Date de publication" (single file only).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Funding applications with their decisions, or credit movements (an
    /// accounting extract), CSV or XLSX; checked whole, applied all or nothing.
    Financements {
        file: PathBuf,
        /// Check and show what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// An application inventory (cloud hosting), CSV or XLSX, in the
    /// layout of its export; checked whole, applied all or nothing.
    Inventaire {
        file: PathBuf,
        /// Check and show what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// HR returns of the digital teams (CSV or XLSX, the layout of their
    /// export): one line per ministry, region and period; all or nothing.
    Rh {
        file: PathBuf,
        /// Check and show what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Versions of the salary reference grid for contract digital staff
    /// (CSV or XLSX, the layout of its export); all or nothing.
    Grille {
        file: PathBuf,
        /// Check and show what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Ministries' investment plans (CSV or XLSX, the layout of a plan's
    /// export): the whole plan of each ministry and year in the file, applied
    /// to its draft revision (opened if needed); all or nothing.
    Plan {
        file: PathBuf,
        /// Check and show what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// An edition of the online-services observatory (CSV or XLSX, the
    /// open-data layout), checked whole and applied all or nothing.
    Observatoire {
        file: PathBuf,
        /// The edition's date (AAAA-MM-JJ); a new date opens the edition.
        #[arg(long)]
        edition: String,
        /// Check and show what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// The file's rows as edition lines, moved rather than copied: a large
/// file is held in memory once.
fn lines(rows: Vec<PanoramaRow>, as_of: time::Date) -> Vec<EditionLine> {
    rows.into_iter()
        .map(|r| EditionLine {
            estimate: r.estimate(as_of),
            line: r.line,
            ministry_code: r.ministry_code,
            ministry_name: r.ministry_name,
            name: r.name,
            interministerial: r.interministerial,
            description: r.description,
            links: r.url.into_iter().collect(),
            functional_zone: r.functional_zone,
            funding: r.funding,
        })
        .collect()
}

pub async fn run(db: &Db, cmd: ImportCommand) -> anyhow::Result<()> {
    let (files, as_of) = match cmd {
        ImportCommand::Panorama { files, as_of } => (files, as_of),
        ImportCommand::Observatoire {
            file,
            edition,
            dry_run,
        } => return super::demarches::import_file(db, &file, &edition, dry_run).await,
        ImportCommand::Inventaire { file, dry_run } => {
            return super::funding::import_inventory(db, &file, dry_run).await;
        }
        ImportCommand::Rh { file, dry_run } => {
            return super::talent::import_returns(db, &file, dry_run).await;
        }
        ImportCommand::Grille { file, dry_run } => {
            return super::talent::import_grids(db, &file, dry_run).await;
        }
        ImportCommand::Plan { file, dry_run } => {
            return super::plans::import_plans(db, &file, dry_run).await;
        }
        ImportCommand::Financements { file, dry_run } => {
            return super::funding::import_file(db, &file, dry_run).await;
        }
    };
    let forced = match as_of.as_deref() {
        Some(s) => Some(
            time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                .with_context(|| format!("--as-of {s} : date attendue au format AAAA-MM-JJ"))?,
        ),
        None => None,
    };
    if forced.is_some() && files.len() > 1 {
        bail!("--as-of ne s'applique qu'à un seul fichier");
    }
    // Read and check every file first: one bad file and nothing is imported.
    let mut editions = Vec::new();
    let mut problems = Vec::new();
    for path in &files {
        // A file of a million lines takes seconds to read and check.
        let spinner = ProgressBar::new_spinner()
            .with_message(format!("lecture et contrôle de {}…", path.display()));
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        let read = read_panorama(path);
        spinner.finish_and_clear();
        match read {
            Ok(file) => match forced.or(file.publication_date) {
                Some(date) => editions.push((date, file)),
                None => problems.push(format!(
                    "{} : aucune « Date de publication » ; précisez --as-of",
                    path.display()
                )),
            },
            Err(errors) => problems.push(errors.to_string()),
        }
    }
    if !problems.is_empty() {
        bail!(
            "import refusé, rien n'a été modifié :\n{}",
            problems.join("\n")
        );
    }
    editions.sort_by_key(|(date, _)| *date);
    let ctx = cli_ctx();
    let mut tx = db.begin().await?;
    let mut report = Vec::new();
    let total: usize = editions.iter().map(|(_, f)| f.rows.len()).sum();
    let bar = ProgressBar::new(total as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} lignes ({elapsed}, reste ~{eta}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut done = 0u64;
    for (date, file) in editions {
        let name = std::path::Path::new(&file.path)
            .file_name()
            .map_or_else(|| file.path.clone(), |n| n.to_string_lossy().into_owned());
        bar.set_message(format!("{date} {name}"));
        let lines = lines(file.rows, date);
        let outcome = apply_edition(&mut tx, &ctx, date, &name, &lines, &mut |n| {
            bar.set_position(done + n as u64);
        })
        .await
        .map_err(|e| anyhow::anyhow!("{name} : {e}"))?;
        done += lines.len() as u64;
        report.push((date, name, outcome));
    }
    bar.set_message("validation de la transaction…");
    tx.commit().await?;
    bar.finish_and_clear();
    for (date, name, o) in report {
        println!(
            "{date} {name} : {} lignes ; {} projets créés, {} entrés, {} sortis ; revues {} créées, {} modifiées, {} inchangées ; {} références reconstituées{}{}",
            o.lines,
            o.projects_created,
            o.entered,
            o.exited,
            o.reviews_created,
            o.reviews_updated,
            o.reviews_unchanged,
            o.baselines_reconstructed,
            if o.organisations_created.is_empty() {
                String::new()
            } else {
                format!(
                    " ; organisations créées : {}",
                    o.organisations_created.join(", ")
                )
            },
            if o.changed() {
                ""
            } else {
                " — rien n'a changé"
            },
        );
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Merge two records of one project (renamed between editions): FROM's
    /// reviews, editions and baselines move to INTO, FROM's name becomes an
    /// alias of INTO, and FROM is archived.
    Merge {
        #[arg(long)]
        into: i64,
        #[arg(long)]
        from: i64,
    },
}

pub async fn run_project(db: &Db, cmd: ProjectCommand) -> anyhow::Result<()> {
    let ProjectCommand::Merge { into, from } = cmd;
    let mut tx = db.begin().await?;
    cosinum_store::projects::merge::merge(&mut tx, &cli_ctx(), into, from)
        .await
        .map_err(|e| anyhow::anyhow!("fusion refusée : {e}"))?;
    tx.commit().await?;
    let p = cosinum_store::projects::get(db, into).await?;
    println!(
        "projet {} « {} » : ancien(s) nom(s) {}",
        p.id,
        p.name,
        p.aliases.replace('\n', ", ")
    );
    Ok(())
}
