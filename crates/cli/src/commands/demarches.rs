//! Online services from the command line: `cosinum import observatoire FILE
//! --edition DATE [--dry-run]` and `cosinum demarches [--edition DATE]
//! [--json]` (an edition's consolidated figures). The command line acts for
//! the DINUM: every ministry, and it may open an edition.

use std::path::Path;

use anyhow::{Context, anyhow, bail};
use cosinum_domain::demarches::bilan::bilan;
use cosinum_domain::demarches::method;
use cosinum_domain::demarches::shares::{goal_shares, online_share};
use cosinum_io::observatoire::read_observatoire;
use cosinum_store::Db;
use cosinum_store::demarches::{self, import};

use super::users::cli_ctx;

fn parse_date(flag: &str, s: &str) -> anyhow::Result<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("{flag} {s} : date attendue au format AAAA-MM-JJ"))
}

/// Imports one edition file: every problem is listed and nothing is written
/// unless the whole file is valid.
pub async fn import_file(db: &Db, path: &Path, edition: &str, dry_run: bool) -> anyhow::Result<()> {
    let edition = parse_date("--edition", edition)?;
    let bytes = std::fs::read(path).with_context(|| format!("lecture de {}", path.display()))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let m = import::method_for(db, edition).await?;
    let file = read_observatoire(&name, &bytes, m)
        .map_err(|e| anyhow!("import refusé, rien n'a été modifié :\n{e}"))?;
    let all = |_| true;
    let rights = import::Rights {
        write: &all,
        open_edition: true,
    };
    let plan = import::plan(db, &file.rows, edition, m, &rights).await?;
    if !plan.problems.is_empty() {
        let lines: Vec<String> = plan
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{name}, ligne {}, colonne « {} » : {}",
                    p.row, p.column, p.message
                )
            })
            .collect();
        bail!(
            "import refusé, rien n'a été modifié :\n{}",
            lines.join("\n")
        );
    }
    if !file.ignored_columns.is_empty() {
        println!("colonnes non lues : {}", file.ignored_columns.join(", "));
    }
    let (new, updated, unchanged) = plan.counts();
    println!(
        "{name} : édition du {edition}{} ({}) ; {} lignes : {new} nouvelles démarches, {updated} mises à jour, {unchanged} inchangées",
        if plan.new_edition { ", nouvelle" } else { "" },
        m.code,
        file.rows.len(),
    );
    if dry_run {
        println!("vérification seule (--dry-run) : rien n'a été écrit");
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let done = import::apply(&mut tx, &cli_ctx(), &plan, &format!("import {name}")).await?;
    tx.commit().await?;
    println!(
        "écrit : {} démarches créées, {} mises à jour, {} valeurs{}",
        done.created,
        done.updated,
        done.values_written,
        if done.created + done.updated + done.values_written == 0 {
            " — rien n'a changé"
        } else {
            ""
        }
    );
    Ok(())
}

/// Prints an edition's figures (all ministries).
pub async fn summary(db: &Db, edition: Option<&str>, json: bool) -> anyhow::Result<()> {
    let all = demarches::editions(db).await?;
    let e = match edition {
        Some(s) => {
            let d = parse_date("--edition", s)?;
            all.iter()
                .find(|e| e.edition_date == d)
                .ok_or_else(|| anyhow!("aucune édition le {d}"))?
        }
        None => all.last().ok_or_else(|| anyhow!("aucune édition"))?,
    };
    let m = method(&e.method).ok_or_else(|| anyhow!("méthode inconnue {}", e.method))?;
    let rows = demarches::edition_values(db, e.edition_date)
        .await?
        .map(|(_, r)| r)
        .unwrap_or_default();
    let lines = bilan(m, &rows);
    if json {
        let out = serde_json::json!({
            "edition": e.edition_date.to_string(),
            "method": m.code,
            "demarches": rows.len(),
            "online": online_share(m, &rows),
            "goals": goal_shares(m, &rows),
            "bilan": lines,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "Édition du {} — {} — {} démarches",
        e.edition_date,
        m.label_fr,
        rows.len()
    );
    for l in lines {
        println!(
            "  {:<55} {:>7} / {:<4} {}",
            l.label_fr,
            format!("{:.1}", l.numerator).replace('.', ","),
            l.denominator,
            l.share.map_or("—".into(), |s| format!(
                "{} %",
                format!("{:.1}", s * 100.0).replace('.', ",")
            ))
        );
    }
    Ok(())
}
