//! Server-side sessions: the browser holds a random id, the database its digest.

use cosinum_domain::UserId;
use time::{Duration, OffsetDateTime};

use crate::db::{Db, Tx};
use crate::error::StoreResult;
use crate::secrets::{digest, random_token};

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: UserId,
    /// The token every form of this session must echo back.
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

/// Opens a new session for `user_id`; returns the cookie value (shown once).
/// A fresh id at every sign-in is what prevents session fixation.
pub async fn create(db: &Db, user_id: UserId, ttl: Duration) -> StoreResult<(String, Session)> {
    let id = random_token(32);
    let now = OffsetDateTime::now_utc();
    let session = Session {
        user_id,
        csrf_token: random_token(32),
        expires_at: now + ttl,
    };
    on_pool!(db, p => sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)")
        .bind(digest(&id))
        .bind(user_id.0)
        .bind(&session.csrf_token)
        .bind(now)
        .bind(session.expires_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok((id, session))
}

/// The session behind a cookie value, if it exists and has not expired.
pub async fn find(db: &Db, id: &str) -> StoreResult<Option<Session>> {
    let row: Option<(i64, String, OffsetDateTime)> = on_pool!(db, p => sqlx::query_as(
        "SELECT user_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
        .bind(digest(id))
        .bind(OffsetDateTime::now_utc())
        .fetch_optional(p)
        .await)?;
    Ok(row.map(|(user_id, csrf_token, expires_at)| Session {
        user_id: UserId(user_id),
        csrf_token,
        expires_at,
    }))
}

/// Ends one session (sign-out).
pub async fn delete(db: &Db, id: &str) -> StoreResult<()> {
    on_pool!(db, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(digest(id))
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every session of a user (disabled account, new password, new role).
pub async fn delete_for_user(tx: &mut Tx, user_id: UserId) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id.0)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired(db: &Db) -> StoreResult<u64> {
    let done = on_pool!(db, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(OffsetDateTime::now_utc())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done)
}
