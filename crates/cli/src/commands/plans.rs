//! `cosinum import plan FILE`: ministries' investment plans (CSV or XLSX,
//! the layout of a plan's export). The file is the whole plan of each
//! ministry and year it contains: checked whole, every change listed,
//! applied all or nothing to the ministry's draft revision.

use std::path::Path;

use anyhow::anyhow;
use cosinum_store::Db;

use super::users::cli_ctx;

fn refused(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("import refusé, rien n'a été modifié :\n{e}")
}

pub async fn import_plans(db: &Db, path: &Path, dry_run: bool) -> anyhow::Result<()> {
    let (name, bytes) = super::read_file(path)?;
    let (rows, ignored) = cosinum_io::plans::read_plan_lines(&name, &bytes).map_err(refused)?;
    let all = |_| true;
    let p = cosinum_web::plan_import::plan_plan_lines(db, &rows, &all).await?;
    super::refuse_problems(&name, &p.problems)?;
    if !ignored.is_empty() {
        println!("colonnes non lues : {}", ignored.join(", "));
    }
    let count = |k: &str| p.changes.iter().filter(|c| c.kind == k).count();
    println!(
        "{name} : {} lignes ; {} nouvelles, {} modifiées, {} retirées, {} inchangées",
        rows.len(),
        count("new_line"),
        count("updated"),
        count("removed"),
        count("unchanged")
    );
    for c in p.changes.iter().filter(|c| c.kind != "unchanged") {
        let at = if c.line > 0 {
            format!("ligne {}", c.line)
        } else {
            "hors fichier".into()
        };
        println!("  {at} — {} : {}", c.label, c.detail);
    }
    if dry_run {
        println!("vérification seule (--dry-run) : rien n'a été écrit");
        return Ok(());
    }
    let done = cosinum_web::plan_import::apply_plan_lines(db, &cli_ctx(), &p).await?;
    println!(
        "écrit : {} révisions ouvertes, {} lignes ajoutées, {} modifiées, {} retirées{}",
        done.revisions_opened,
        done.added,
        done.updated,
        done.removed,
        if done.nothing() {
            " — rien n'a changé"
        } else {
            ""
        }
    );
    Ok(())
}
