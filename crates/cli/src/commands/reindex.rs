//! `cosinum reindex [--dir DIR]`: rebuilds the search index kept in a
//! directory from every searchable object of the database, from scratch.
//! A running server keeps its index up to date by itself and holds it;
//! this is for a suspected index or a change of analysis, server stopped.

use std::path::Path;

use anyhow::Context;
use cosinum_search::{Kind, SearchIndex};
use cosinum_store::Db;
use cosinum_store::audit;
use indicatif::{ProgressBar, ProgressStyle};

pub async fn run(db: &Db, dir: &Path) -> anyhow::Result<()> {
    let index = SearchIndex::open(dir)?;
    let position = audit::current_position(db).await?;
    let docs = cosinum_web::search::documents(db).await?;
    let counts: Vec<String> = Kind::ALL
        .iter()
        .map(|k| {
            let n = docs.iter().filter(|d| d.kind == *k).count();
            format!("{} : {n}", k.label_fr())
        })
        .collect();
    let bar = ProgressBar::new(docs.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} documents indexés ({eta})")
            .context("progress bar template")?,
    );
    let total = tokio::task::spawn_blocking({
        let bar = bar.clone();
        let stamp = position.stamp();
        move || index.rebuild(docs, &stamp, |n| bar.set_position(n as u64))
    })
    .await??;
    bar.finish_and_clear();
    println!(
        "index de recherche reconstruit dans {} : {total} documents",
        dir.display()
    );
    for c in counts {
        println!("  {c}");
    }
    Ok(())
}
