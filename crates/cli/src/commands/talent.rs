//! `cosinum import rh FILE` (HR returns of the digital teams) and
//! `cosinum import grille FILE` (versions of the salary reference grid):
//! checked whole, every change listed, applied all or nothing.

use std::path::Path;

use anyhow::anyhow;
use cosinum_store::Db;

use super::users::cli_ctx;

fn refused(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("import refusé, rien n'a été modifié :\n{e}")
}

pub async fn import_returns(db: &Db, path: &Path, dry_run: bool) -> anyhow::Result<()> {
    let (name, bytes) = super::read_file(path)?;
    let (rows, ignored) = cosinum_io::talent::read_hr_returns(&name, &bytes).map_err(refused)?;
    let all = |_| true;
    let p = cosinum_web::talent_import::plan_returns(db, &rows, &all).await?;
    super::refuse_problems(&name, &p.problems)?;
    if !ignored.is_empty() {
        println!("colonnes non lues : {}", ignored.join(", "));
    }
    let count = |k: &str| p.changes.iter().filter(|c| c.kind == k).count();
    println!(
        "{name} : {} lignes ; {} nouveaux retours, {} modifiés, {} inchangés",
        p.changes.len(),
        count("new_return"),
        count("updated"),
        count("unchanged")
    );
    for c in p.changes.iter().filter(|c| c.kind != "unchanged") {
        println!("  ligne {} — {} : {}", c.line, c.label, c.detail);
    }
    if dry_run {
        println!("vérification seule (--dry-run) : rien n'a été écrit");
        return Ok(());
    }
    let done = cosinum_web::talent_import::apply_returns(db, &cli_ctx(), &p).await?;
    println!(
        "écrit : {} retours créés, {} modifiés{}",
        done.created,
        done.updated,
        if done.created + done.updated == 0 {
            " — rien n'a changé"
        } else {
            ""
        }
    );
    Ok(())
}

pub async fn import_grids(db: &Db, path: &Path, dry_run: bool) -> anyhow::Result<()> {
    let (name, bytes) = super::read_file(path)?;
    let (grids, ignored) = cosinum_io::talent::read_grids(&name, &bytes).map_err(refused)?;
    if !ignored.is_empty() {
        println!("colonnes non lues : {}", ignored.join(", "));
    }
    let p = cosinum_web::talent_import::plan_grids(db, grids).await?;
    for c in &p.changes {
        println!("{} : {}", c.label, c.detail);
    }
    if dry_run {
        println!("vérification seule (--dry-run) : rien n'a été écrit");
        return Ok(());
    }
    let done = cosinum_web::talent_import::apply_grids(db, &cli_ctx(), &p).await?;
    println!(
        "écrit : {} grilles créées, {} remplacées{}",
        done.created,
        done.updated,
        if done.created + done.updated == 0 {
            " — rien n'a changé"
        } else {
            ""
        }
    );
    Ok(())
}
