//! Sign-in through an OpenID Connect provider: the flows in progress (state
//! and nonce, used once), the link between the provider's accounts and
//! cosinum's users, and the access requests of agents nobody knows yet.

use cosinum_domain::agent::AgentClaims;
use cosinum_domain::audit::{AuditAction, diff};
use cosinum_domain::user::{User, UserInput};
use cosinum_domain::{OrgId, UserId};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{check_version, stale_if_none};
use crate::secrets::digest;
use crate::{sessions, users};

pub const REQUEST_OBJECT_TYPE: &str = "access_request";

/// A sign-in started at the provider, as kept server-side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    /// Where to go once signed in (a local path).
    pub next_path: String,
}

/// Remembers a flow under the digest of the browser's pre-session cookie `id`.
pub async fn start_flow(db: &Db, id: &str, flow: &Flow, ttl: Duration) -> StoreResult<()> {
    let now = OffsetDateTime::now_utc();
    // Abandoned flows go with each new one, so the table stays small.
    on_pool!(db, p => sqlx::query("DELETE FROM oidc_flows WHERE expires_at <= $1")
        .bind(now).execute(p).await.map(|_| ()))?;
    on_pool!(db, p => sqlx::query(
        "INSERT INTO oidc_flows (id_hash, state, nonce, next_path, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(digest(id)).bind(&flow.state).bind(&flow.nonce).bind(&flow.next_path)
        .bind(now).bind(now + ttl)
        .execute(p).await.map(|_| ()))?;
    Ok(())
}

/// Takes (and deletes) the live flow behind cookie `id`: a flow is used once,
/// so a replayed callback finds nothing.
pub async fn take_flow(db: &Db, id: &str) -> StoreResult<Option<Flow>> {
    let mut tx = db.begin().await?;
    let row: Option<(String, String, String, OffsetDateTime)> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT state, nonce, next_path, expires_at FROM oidc_flows WHERE id_hash = $1")
        .bind(digest(id)).fetch_optional(c).await)?;
    let deleted = on_tx!(&mut tx, c => sqlx::query("DELETE FROM oidc_flows WHERE id_hash = $1")
        .bind(digest(id)).execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    // Two callbacks racing on one flow: only the one that deleted it proceeds.
    Ok(row
        .filter(|r| deleted == 1 && r.3 > OffsetDateTime::now_utc())
        .map(|(state, nonce, next_path, _)| Flow {
            state,
            nonce,
            next_path,
        }))
}

/// The enabled user linked to the provider's account, if any.
pub async fn linked_user(db: &Db, issuer: &str, subject: &str) -> StoreResult<Option<User>> {
    let id: Option<(i64,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2")
        .bind(issuer).bind(subject).fetch_optional(p).await)?;
    match id {
        Some((id,)) => Ok(Some(users::get(db, UserId(id)).await?).filter(|u| !u.disabled)),
        None => Ok(None),
    }
}

async fn link_in(tx: &mut Tx, issuer: &str, subject: &str, user: UserId) -> StoreResult<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO user_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(issuer).bind(subject).bind(user.0).bind(OffsetDateTime::now_utc())
        .execute(c).await.map(|_| ()))
    .map_err(StoreError::unique("subject"))?;
    Ok(())
}

/// Links the provider's account to an existing user (first sign-in of a
/// known agent), recorded in the user's history.
pub async fn link(
    db: &Db,
    ctx: &AuditCtx,
    issuer: &str,
    subject: &str,
    user: &User,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    link_in(&mut tx, issuer, subject, user.id).await?;
    let changes = diff(&json!({}), &json!({ "identity_provider": issuer }));
    audit::record(
        &mut tx,
        ctx,
        users::OBJECT_TYPE,
        user.id.0,
        user.version,
        AuditAction::Update,
        &changes,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Opens a session carrying the provider's `id_token` (for the logout hint).
pub async fn open_session(
    db: &Db,
    user: UserId,
    ttl: Duration,
    id_token: &str,
) -> StoreResult<String> {
    let (id, _) = sessions::create(db, user, ttl).await?;
    on_pool!(db, p => sqlx::query("UPDATE sessions SET id_token = $1 WHERE id_hash = $2")
        .bind(id_token).bind(digest(&id)).execute(p).await.map(|_| ()))?;
    Ok(id)
}

/// The provider's `id_token` of session `id`, if it came through the provider.
pub async fn session_id_token(db: &Db, id: &str) -> StoreResult<Option<String>> {
    let row: Option<(Option<String>,)> = on_pool!(db, p => sqlx::query_as(
        "SELECT id_token FROM sessions WHERE id_hash = $1")
        .bind(digest(id)).fetch_optional(p).await)?;
    Ok(row.and_then(|r| r.0))
}

/// An agent waiting for (or given) an administrator's decision.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AccessRequest {
    pub id: i64,
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub display_name: String,
    pub siret: Option<String>,
    /// The organisation the SIRET suggests, if the configuration maps it.
    pub organisation_id: Option<i64>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    /// The account created on approval.
    pub user_id: Option<i64>,
    pub version: i64,
}

macro_rules! request_cols {
    () => {
        "id, issuer, subject, email, display_name, siret, organisation_id, status, requested_at, \
         decided_at, user_id, version"
    };
}

fn request_view(r: &AccessRequest) -> Value {
    json!({
        "email": r.email,
        "display_name": r.display_name,
        "siret": r.siret,
        "organisation_id": r.organisation_id,
        "status": r.status,
        "user_id": r.user_id,
    })
}

/// Files (or refreshes) the access request of an unknown agent. A pending or
/// rejected request is updated with the latest claims; a rejected one is not
/// reopened (the administrator's no stands until they change their mind).
pub async fn request_access(
    db: &Db,
    issuer: &str,
    claims: &AgentClaims,
    organisation: Option<OrgId>,
) -> StoreResult<AccessRequest> {
    let mut tx = db.begin().await?;
    let existing = find_request_in(&mut tx, issuer, &claims.subject).await?;
    let ctx = AuditCtx::system(&format!("{} (fournisseur d'identité)", claims.email));
    let now = OffsetDateTime::now_utc();
    let request = match existing {
        Some(r) if r.status != "pending" => r,
        // Signing in again with the same claims leaves the request as the
        // administrator may be reading it.
        Some(r)
            if r.email == claims.email
                && r.display_name == claims.display_name()
                && r.siret == claims.siret
                && r.organisation_id == organisation.map(|o| o.0) =>
        {
            r
        }
        Some(r) => {
            let updated: AccessRequest = on_tx!(&mut tx, c => sqlx::query_as(concat!(
                "UPDATE access_requests SET email = $1, display_name = $2, siret = $3, \
                 organisation_id = $4, version = version + 1 WHERE id = $5 RETURNING ",
                request_cols!()))
                .bind(&claims.email).bind(claims.display_name()).bind(&claims.siret)
                .bind(organisation.map(|o| o.0)).bind(r.id)
                .fetch_one(c).await)?;
            let changes = diff(&request_view(&r), &request_view(&updated));
            if !changes.is_empty() {
                audit::record(
                    &mut tx,
                    &ctx,
                    REQUEST_OBJECT_TYPE,
                    updated.id,
                    updated.version,
                    AuditAction::Update,
                    &changes,
                )
                .await?;
            }
            updated
        }
        None => {
            let created: AccessRequest = on_tx!(&mut tx, c => sqlx::query_as(concat!(
                "INSERT INTO access_requests (issuer, subject, email, display_name, siret, \
                 organisation_id, status, requested_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) \
                 RETURNING ", request_cols!()))
                .bind(issuer).bind(&claims.subject).bind(&claims.email).bind(claims.display_name())
                .bind(&claims.siret).bind(organisation.map(|o| o.0)).bind(now)
                .fetch_one(c).await)?;
            let changes = diff(&Value::Null, &request_view(&created));
            audit::record(
                &mut tx,
                &ctx,
                REQUEST_OBJECT_TYPE,
                created.id,
                created.version,
                AuditAction::Create,
                &changes,
            )
            .await?;
            created
        }
    };
    tx.commit().await?;
    Ok(request)
}

async fn find_request_in(
    tx: &mut Tx,
    issuer: &str,
    subject: &str,
) -> StoreResult<Option<AccessRequest>> {
    Ok(on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT ", request_cols!(), " FROM access_requests WHERE issuer = $1 AND subject = $2"))
        .bind(issuer).bind(subject).fetch_optional(c).await)?)
}

/// Access requests, pending first, then the most recent.
pub async fn requests(db: &Db) -> StoreResult<Vec<AccessRequest>> {
    Ok(on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", request_cols!(), " FROM access_requests \
         ORDER BY CASE status WHEN 'pending' THEN 0 ELSE 1 END, requested_at DESC, id DESC"))
        .fetch_all(p).await)?)
}

pub async fn request(db: &Db, id: i64) -> StoreResult<AccessRequest> {
    let row: Option<AccessRequest> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", request_cols!(), " FROM access_requests WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    row.ok_or(StoreError::NotFound)
}

async fn decide_in(
    tx: &mut Tx,
    ctx: &AuditCtx,
    before: &AccessRequest,
    status: &str,
    user: Option<UserId>,
) -> StoreResult<AccessRequest> {
    let after: Option<AccessRequest> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE access_requests SET status = $1, decided_at = $2, user_id = $3, version = version + 1 \
         WHERE id = $4 AND version = $5 RETURNING ", request_cols!()))
        .bind(status).bind(OffsetDateTime::now_utc()).bind(user.map(|u| u.0))
        .bind(before.id).bind(before.version)
        .fetch_optional(c).await)?;
    let after = stale_if_none(after, before.version, before.version)?;
    let changes = diff(&request_view(before), &request_view(&after));
    audit::record(
        tx,
        ctx,
        REQUEST_OBJECT_TYPE,
        after.id,
        after.version,
        AuditAction::Update,
        &changes,
    )
    .await?;
    Ok(after)
}

fn still_pending(r: &AccessRequest) -> StoreResult<()> {
    if r.status == "pending" {
        Ok(())
    } else {
        Err(
            cosinum_domain::ValidationError::new("status", "cette demande a déjà été traitée")
                .into(),
        )
    }
}

/// Approves a pending request seen at `expected_version`: creates the account
/// (no password: it signs in through the provider) with `role` and
/// `organisation_id` (validated as any new account), links it, all in one transaction.
pub async fn approve(
    db: &Db,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
    role: &str,
    organisation_id: Option<i64>,
) -> StoreResult<(AccessRequest, User)> {
    let mut tx = db.begin().await?;
    let before = request(db, id).await?;
    check_version(expected_version, before.version)?;
    still_pending(&before)?;
    let fields = UserInput {
        email: before.email.clone(),
        display_name: before.display_name.clone(),
        role: role.to_owned(),
        organisation_id,
    }
    .validate()?;
    let user = users::create(&mut tx, ctx, &fields, None).await?;
    link_in(&mut tx, &before.issuer, &before.subject, user.id).await?;
    let after = decide_in(&mut tx, ctx, &before, "approved", Some(user.id)).await?;
    tx.commit().await?;
    Ok((after, user))
}

/// Rejects a pending request seen at `expected_version`.
pub async fn reject(
    db: &Db,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
) -> StoreResult<AccessRequest> {
    let mut tx = db.begin().await?;
    let before = request(db, id).await?;
    check_version(expected_version, before.version)?;
    still_pending(&before)?;
    let after = decide_in(&mut tx, ctx, &before, "rejected", None).await?;
    tx.commit().await?;
    Ok(after)
}
