//! `cosinum import financements FILE [--dry-run]`: funding applications with
//! their decisions, or credit movements; `cosinum import inventaire FILE
//! [--dry-run]`: an application inventory. The command line acts for the
//! DINUM: every ministry, decisions and credits included.

use std::path::Path;

use anyhow::anyhow;
use cosinum_io::funding::read_funding;
use cosinum_store::Db;
use cosinum_web::funding_import::{Rights, apply, plan};

use super::users::cli_ctx;

pub async fn import_file(db: &Db, path: &Path, dry_run: bool) -> anyhow::Result<()> {
    let (name, bytes) = super::read_file(path)?;
    let (file, ignored) = read_funding(&name, &bytes)
        .map_err(|e| anyhow!("import refusé, rien n'a été modifié :\n{e}"))?;
    let all = |_| true;
    let p = plan(
        db,
        &file,
        &Rights {
            write: &all,
            run_funds: true,
        },
    )
    .await?;
    super::refuse_problems(&name, &p.problems)?;
    if !ignored.is_empty() {
        println!("colonnes non lues : {}", ignored.join(", "));
    }
    let count = |k: &str| p.changes.iter().filter(|c| c.kind == k).count();
    println!(
        "{name} : {} lignes ; {} nouveaux dossiers, {} modifiés, {} nouveaux mouvements, {} inchangés",
        p.changes.len(),
        count("new_application"),
        count("updated"),
        count("new_movement"),
        count("unchanged")
    );
    if dry_run {
        println!("vérification seule (--dry-run) : rien n'a été écrit");
        return Ok(());
    }
    let done = apply(db, &cli_ctx(), &p).await?;
    println!(
        "écrit : {} dossiers créés, {} modifiés, {} décisions, {} mouvements{}",
        done.created,
        done.updated,
        done.decisions,
        done.movements,
        if done.created + done.updated + done.decisions + done.movements == 0 {
            " — rien n'a changé"
        } else {
            ""
        }
    );
    Ok(())
}

pub async fn import_inventory(db: &Db, path: &Path, dry_run: bool) -> anyhow::Result<()> {
    let (name, bytes) = super::read_file(path)?;
    let (rows, ignored) = cosinum_io::inventory::read_inventory(&name, &bytes)
        .map_err(|e| anyhow!("import refusé, rien n'a été modifié :\n{e}"))?;
    let all = |_| true;
    let p = cosinum_web::cloud_import::plan(db, &rows, &all).await?;
    super::refuse_problems(&name, &p.problems)?;
    if !ignored.is_empty() {
        println!("colonnes non lues : {}", ignored.join(", "));
    }
    let count = |k: &str| p.changes.iter().filter(|c| c.kind == k).count();
    println!(
        "{name} : {} lignes ; {} nouvelles applications, {} modifiées, {} inchangées",
        p.changes.len(),
        count("new_application"),
        count("updated"),
        count("unchanged")
    );
    if dry_run {
        println!("vérification seule (--dry-run) : rien n'a été écrit");
        return Ok(());
    }
    let done = cosinum_web::cloud_import::apply(db, &cli_ctx(), &p).await?;
    println!(
        "écrit : {} applications créées, {} modifiées, {} hébergements{}",
        done.created,
        done.updated,
        done.hostings,
        if done.created + done.updated + done.hostings == 0 {
            " — rien n'a changé"
        } else {
            ""
        }
    );
    Ok(())
}
