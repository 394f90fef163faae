//! Failed sign-in attempts per address, for the lockout policy of
//! `cosinum_domain::login_guard`. Read and written in one transaction so
//! concurrent failures on one address are counted one after the other.

use cosinum_domain::login_guard::{Failures, Policy};
use time::OffsetDateTime;

use crate::db::{Db, Tx};
use crate::error::StoreResult;

type Row = (i64, OffsetDateTime, Option<OffsetDateTime>);

fn from_row(r: Row) -> Failures {
    Failures {
        count: u32::try_from(r.0).unwrap_or(u32::MAX),
        since: r.1,
        locked_until: r.2,
    }
}

/// The failures remembered for `email`.
pub async fn get(db: &Db, email: &str) -> StoreResult<Option<Failures>> {
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(
        "SELECT failures, window_start, locked_until FROM login_failures WHERE email = $1")
        .bind(email).fetch_optional(p).await)?;
    Ok(row.map(from_row))
}

async fn get_in(tx: &mut Tx, email: &str) -> StoreResult<Option<Failures>> {
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(
        "SELECT failures, window_start, locked_until FROM login_failures WHERE email = $1")
        .bind(email).fetch_optional(c).await)?;
    Ok(row.map(from_row))
}

/// Counts a failed attempt on `email` at `now` under `policy`; returns the
/// new state (locked or not).
pub async fn record_failure(
    db: &Db,
    policy: &Policy,
    email: &str,
    now: OffsetDateTime,
) -> StoreResult<Failures> {
    let mut tx = db.begin().await?;
    let before = get_in(&mut tx, email).await?;
    let after = policy.after_failure(before.as_ref(), now);
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO login_failures (email, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO UPDATE SET failures = $2, window_start = $3, locked_until = $4")
        .bind(email).bind(i64::from(after.count)).bind(after.since).bind(after.locked_until)
        .execute(c).await.map(|_| ()))?;
    tx.commit().await?;
    Ok(after)
}

/// Forgets the failures of `email` (after a successful sign-in).
pub async fn clear(db: &Db, email: &str) -> StoreResult<()> {
    on_pool!(db, p => sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email).execute(p).await.map(|_| ()))?;
    Ok(())
}
