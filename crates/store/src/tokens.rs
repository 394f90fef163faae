//! API tokens for machine clients: shown once, stored as a digest, revocable,
//! acting with the rights of their user (or fewer, when read-only).

use cosinum_domain::UserId;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::token_scope::Scopes;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::secrets::{digest, random_token};

pub const OBJECT_TYPE: &str = "api_token";
/// Every token starts with this, so that a leaked one is easy to recognise in a scan.
pub const TOKEN_PREFIX: &str = "csn_";

macro_rules! cols {
    () => {
        "id, user_id, name, prefix, read_only, scopes, created_at, expires_at, last_used_at, revoked_at"
    };
}

/// A token's metadata (never the secret itself).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the token, to recognise it in a list.
    pub prefix: String,
    pub read_only: bool,
    /// The modules it may reach, comma-separated; `None`: every module.
    pub scopes: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiToken {
    /// Its scopes; a stored list that no longer parses reaches nothing
    /// rather than everything.
    pub fn scopes(&self) -> Scopes {
        match self.scopes.as_deref() {
            None => Scopes(None),
            Some(list) => Scopes::parse(list).unwrap_or(Scopes(Some(Default::default()))),
        }
    }

    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

fn audit_view(t: &ApiToken) -> Value {
    json!({
        "user_id": t.user_id,
        "name": t.name,
        "prefix": t.prefix,
        "read_only": t.read_only,
        "scopes": t.scopes,
        "expires_at": t.expires_at.map(|e| e.to_string()),
        "revoked": t.revoked_at.is_some(),
    })
}

/// Creates a token for `user_id`; returns the secret (to show once) and its metadata.
pub async fn create(
    tx: &mut Tx,
    ctx: &AuditCtx,
    user_id: UserId,
    name: &str,
    read_only: bool,
    scopes: &Scopes,
    expires_at: Option<OffsetDateTime>,
) -> StoreResult<(String, ApiToken)> {
    let name = cosinum_domain::validation::required_text("name", name, 100)?;
    let secret = format!("{TOKEN_PREFIX}{}", random_token(32));
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let token: ApiToken = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, read_only, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ", cols!()))
        .bind(user_id.0)
        .bind(&name)
        .bind(digest(&secret))
        .bind(&prefix)
        .bind(read_only)
        .bind(scopes.stored())
        .bind(OffsetDateTime::now_utc())
        .bind(expires_at)
        .fetch_one(c)
        .await)?;
    let changes = diff(&Value::Null, &audit_view(&token));
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        token.id,
        1,
        AuditAction::Create,
        &changes,
    )
    .await?;
    Ok((secret, token))
}

/// The active token matching `secret`, noting its use.
pub async fn authenticate(db: &Db, secret: &str) -> StoreResult<Option<ApiToken>> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let now = OffsetDateTime::now_utc();
    let token: Option<ApiToken> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM api_tokens WHERE token_hash = $1"))
        .bind(digest(secret))
        .fetch_optional(p)
        .await)?;
    let Some(token) = token.filter(|t| t.is_active(now)) else {
        return Ok(None);
    };
    // Only write when the recorded use is stale, to keep reads read-only under load.
    if token
        .last_used_at
        .is_none_or(|t| now - t > time::Duration::minutes(5))
    {
        on_pool!(db, p => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(token.id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(Some(token))
}

pub async fn list_for_user(db: &Db, user_id: UserId) -> StoreResult<Vec<ApiToken>> {
    let tokens = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"))
        .bind(user_id.0)
        .fetch_all(p)
        .await)?;
    Ok(tokens)
}

pub async fn get(db: &Db, id: i64) -> StoreResult<ApiToken> {
    let token: Option<ApiToken> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM api_tokens WHERE id = $1"))
        .bind(id)
        .fetch_optional(p)
        .await)?;
    token.ok_or(StoreError::NotFound)
}

/// Revokes a token (idempotent: revoking twice keeps the first date).
pub async fn revoke(tx: &mut Tx, ctx: &AuditCtx, id: i64) -> StoreResult<ApiToken> {
    let before: Option<ApiToken> = on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM api_tokens WHERE id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await)?;
    let before = before.ok_or(StoreError::NotFound)?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    let after: ApiToken = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 RETURNING ", cols!()))
        .bind(OffsetDateTime::now_utc())
        .bind(id)
        .fetch_one(c)
        .await)?;
    let changes = diff(&audit_view(&before), &audit_view(&after));
    audit::record(tx, ctx, OBJECT_TYPE, id, 2, AuditAction::Archive, &changes).await?;
    Ok(after)
}
