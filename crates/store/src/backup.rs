//! Consistent copies of a running database.

use std::path::Path;

use anyhow::{Context, bail};

use crate::db::Db;

/// Writes a consistent copy of a SQLite database to `dest` while the server
/// keeps running (`VACUUM INTO` reads one snapshot). PostgreSQL is backed up
/// with its own tools (`pg_dump`), as the README explains.
pub async fn backup(db: &Db, dest: &Path) -> anyhow::Result<u64> {
    let Db::Sqlite(pool) = db else {
        bail!(
            "backup of PostgreSQL is done with pg_dump: pg_dump --format=custom --file=cosinum.dump \"$COSINUM_DATABASE_URL\""
        );
    };
    if dest.exists() {
        bail!("{} already exists: choose a new file name", dest.display());
    }
    let dest_str = dest
        .to_str()
        .with_context(|| format!("backup path is not UTF-8: {}", dest.display()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(dest_str)
        .execute(pool)
        .await
        .with_context(|| format!("writing backup to {}", dest.display()))?;
    let size = std::fs::metadata(dest)?.len();
    Ok(size)
}
