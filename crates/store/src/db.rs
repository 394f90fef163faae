//! The database seam: a pool of either backend, chosen once from the URL scheme.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Runs `$body` with `$c` bound to the backend's pool (for reads outside a transaction).
macro_rules! on_pool {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($c) => $body,
            $crate::db::Db::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Which database engine a [`Db`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The page cache of each SQLite connection of a server, KiB
/// ([`Db::connect_serving`]).
pub const SERVING_PAGE_CACHE_KIB: u32 = 512;

/// A connection pool on SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on either backend. Dropping it without [`Tx::commit`] rolls back.
#[derive(Debug)]
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn commit(self) -> crate::StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Db {
    /// Connects to `url` (`sqlite://path`, `sqlite::memory:` or `postgres://…`).
    /// A SQLite file is created if missing. On PostgreSQL, a schema can be
    /// chosen in the URL: `?options=-c%20search_path%3Dmyschema`.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        Self::connect_caching(url, None).await
    }

    /// [`Db::connect`] for a long-running server: on SQLite each of the
    /// pool's connections keeps a page cache of [`SERVING_PAGE_CACHE_KIB`]
    /// rather than SQLite's 2 MiB. The server's eight connections held
    /// ~19 MiB of cached pages at N=1000 (heap profile, issue #11) that the
    /// system's file cache holds anyway; commands that write much (imports,
    /// the demo) keep the default.
    pub async fn connect_serving(url: &str) -> anyhow::Result<Db> {
        Self::connect_caching(url, Some(SERVING_PAGE_CACHE_KIB)).await
    }

    async fn connect_caching(url: &str, page_cache_kib: Option<u32>) -> anyhow::Result<Db> {
        let shown = redact_url(url);
        if url.starts_with("sqlite:") {
            let mut options = SqliteConnectOptions::from_str(url)
                .with_context(|| format!("invalid SQLite URL {shown}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            if let Some(kib) = page_cache_kib {
                // A negative size is in KiB rather than pages.
                options = options.pragma("cache_size", format!("-{kib}"));
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await
                .with_context(|| format!("cannot open SQLite database {shown}"))?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)
                .with_context(|| format!("invalid PostgreSQL URL {shown}"))?;
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .with_context(|| format!("cannot connect to PostgreSQL at {shown}"))?;
            Ok(Db::Postgres(pool))
        } else {
            bail!("unsupported database URL {shown}: use sqlite://PATH or postgres://USER@HOST/DB")
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the embedded migrations of this backend (idempotent).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Db::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
        .context("applying database migrations")
    }

    /// Versions of the embedded migrations, for the equivalence test.
    pub fn migration_versions(backend: Backend) -> Vec<(i64, String)> {
        let m = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    }

    pub async fn begin(&self) -> crate::StoreResult<Tx> {
        Ok(match self {
            // IMMEDIATE takes the write lock up front: two SQLite writers then queue
            // on busy_timeout instead of failing mid-transaction with SQLITE_BUSY.
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Checks the database answers (health endpoint).
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }
}

/// A database URL with any password replaced by `***`, safe to log.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, None), |(a, p)| (a, Some(p)));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let path = path.map(|p| {
        // Query parameters may carry a password too.
        match p.split_once('?') {
            Some((base, query)) if query.to_lowercase().contains("password") => {
                format!("{base}?***")
            }
            _ => p.to_owned(),
        }
    });
    match path {
        Some(p) => format!("{scheme}://{authority}/{p}"),
        None => format!("{scheme}://{authority}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{Db, SERVING_PAGE_CACHE_KIB, redact_url};

    async fn page_cache(db: &Db) -> i64 {
        let Db::Sqlite(pool) = db else {
            unreachable!("a SQLite URL gives a SQLite pool")
        };
        sqlx::query_scalar("PRAGMA cache_size")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_server_keeps_a_smaller_page_cache_than_commands() {
        let commands = Db::connect("sqlite::memory:").await.unwrap();
        let server = Db::connect_serving("sqlite::memory:").await.unwrap();
        // SQLite's default: 2,000 KiB.
        assert_eq!(page_cache(&commands).await, -2000);
        assert_eq!(
            page_cache(&server).await,
            -i64::from(SERVING_PAGE_CACHE_KIB)
        );
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/cosinum"),
            "postgres://app:***@db:5432/cosinum"
        );
        assert_eq!(
            redact_url("postgres://app@db/cosinum?password=x"),
            "postgres://app@db/cosinum?***"
        );
        assert_eq!(redact_url("sqlite://./cosinum.db"), "sqlite://./cosinum.db");
        assert_eq!(redact_url("postgres://db"), "postgres://db");
    }
}
