//! User accounts repository, and the resolution of a user into a policy [`Actor`].

use cosinum_domain::audit::{AuditAction, FieldChange, diff};
use cosinum_domain::authz::{Actor, Role};
use cosinum_domain::user::{User, UserFields};
use cosinum_domain::{OrgId, UserId};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::{self, check_version, stale_if_none};

pub const OBJECT_TYPE: &str = "user";

macro_rules! cols {
    () => {
        "id, email, display_name, role, organisation_id, disabled_at, version"
    };
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    organisation_id: Option<i64>,
    disabled_at: Option<OffsetDateTime>,
    version: i64,
}

impl UserRow {
    fn into_domain(self) -> StoreResult<User> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| anyhow::anyhow!("user {}: unknown role {:?}", self.id, self.role))?;
        Ok(User {
            id: UserId(self.id),
            email: self.email,
            display_name: self.display_name,
            role,
            organisation_id: self.organisation_id.map(OrgId),
            disabled: self.disabled_at.is_some(),
            version: self.version,
        })
    }
}

fn audit_view(u: &User) -> Value {
    json!({
        "email": u.email,
        "display_name": u.display_name,
        "role": u.role.as_str(),
        "organisation_id": u.organisation_id,
        "disabled": u.disabled,
    })
}

pub async fn list(db: &Db) -> StoreResult<Vec<User>> {
    let rows: Vec<UserRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM users ORDER BY email"))
        .fetch_all(p)
        .await)?;
    rows.into_iter().map(UserRow::into_domain).collect()
}

pub async fn get(db: &Db, id: UserId) -> StoreResult<User> {
    let row: Option<UserRow> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM users WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(p)
        .await)?;
    row.ok_or(StoreError::NotFound)?.into_domain()
}

async fn get_in_tx(tx: &mut Tx, id: UserId) -> StoreResult<User> {
    let row: Option<UserRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "SELECT ", cols!(), " FROM users WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
    row.ok_or(StoreError::NotFound)?.into_domain()
}

/// A user by e-mail (case-insensitive), with the stored password hash if any.
pub async fn find_credentials(db: &Db, email: &str) -> StoreResult<Option<(User, Option<String>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: Option<String>,
    }
    let row: Option<Row> = on_pool!(db, p => sqlx::query_as(concat!(
        "SELECT ", cols!(), ", password_hash FROM users WHERE email = $1"))
        .bind(email.trim().to_lowercase())
        .fetch_optional(p)
        .await)?;
    row.map(|r| Ok((r.user.into_domain()?, r.password_hash)))
        .transpose()
}

pub async fn get_by_email(db: &Db, email: &str) -> StoreResult<User> {
    find_credentials(db, email)
        .await?
        .map(|(u, _)| u)
        .ok_or(StoreError::NotFound)
}

async fn check_organisation(tx: &mut Tx, fields: &UserFields) -> StoreResult<()> {
    if let Some(org) = fields.organisation_id {
        let (n,): (i64,) = on_tx!(tx, c => sqlx::query_as(
            "SELECT COUNT(*) FROM organisations WHERE id = $1 AND archived_at IS NULL")
            .bind(org.0)
            .fetch_one(c)
            .await)?;
        if n == 0 {
            return Err(cosinum_domain::ValidationError::new(
                "organisation_id",
                "organisation inconnue ou archivée",
            )
            .into());
        }
    }
    Ok(())
}

/// Creates an account; `password_hash` is an Argon2id PHC string (or none for
/// accounts that will only sign in through an identity provider).
pub async fn create(
    tx: &mut Tx,
    ctx: &AuditCtx,
    fields: &UserFields,
    password_hash: Option<&str>,
) -> StoreResult<User> {
    check_organisation(tx, fields).await?;
    let now = OffsetDateTime::now_utc();
    let row: UserRow = on_tx!(tx, c => sqlx::query_as(concat!(
        "INSERT INTO users (email, display_name, password_hash, role, organisation_id, version, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING ", cols!()))
        .bind(&fields.email)
        .bind(&fields.display_name)
        .bind(password_hash)
        .bind(fields.role.as_str())
        .bind(fields.organisation_id.map(|o| o.0))
        .bind(now)
        .fetch_one(c)
        .await)
    .map_err(StoreError::unique("email"))?;
    let user = row.into_domain()?;
    let changes = diff(&Value::Null, &audit_view(&user));
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        user.id.0,
        user.version,
        AuditAction::Create,
        &changes,
    )
    .await?;
    Ok(user)
}

/// Updates an account opened at `expected_version`.
pub async fn update(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: UserId,
    expected_version: i64,
    fields: &UserFields,
) -> StoreResult<User> {
    let before = get_in_tx(tx, id).await?;
    check_version(expected_version, before.version)?;
    check_organisation(tx, fields).await?;
    let row: Option<UserRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE users SET email = $1, display_name = $2, role = $3, organisation_id = $4, \
         version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7 RETURNING ", cols!()))
        .bind(&fields.email)
        .bind(&fields.display_name)
        .bind(fields.role.as_str())
        .bind(fields.organisation_id.map(|o| o.0))
        .bind(OffsetDateTime::now_utc())
        .bind(id.0)
        .bind(expected_version)
        .fetch_optional(c)
        .await)
    .map_err(StoreError::unique("email"))?;
    let after = stale_if_none(row, expected_version, before.version)?.into_domain()?;
    // A new role or organisation changes what the open sessions may do: end them.
    if (before.role, before.organisation_id) != (after.role, after.organisation_id) {
        crate::sessions::delete_for_user(tx, id).await?;
    }
    let changes = diff(&audit_view(&before), &audit_view(&after));
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id.0,
        after.version,
        AuditAction::Update,
        &changes,
    )
    .await?;
    Ok(after)
}

/// Disables (or re-enables) an account; disabling ends its sessions at once.
/// `expected_version` is `None` for administrative commands that act on the
/// current state whatever it is.
pub async fn set_disabled(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: UserId,
    expected_version: Option<i64>,
    disabled: bool,
) -> StoreResult<User> {
    let before = get_in_tx(tx, id).await?;
    let expected = expected_version.unwrap_or(before.version);
    check_version(expected, before.version)?;
    let now = OffsetDateTime::now_utc();
    let row: Option<UserRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE users SET disabled_at = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 RETURNING ", cols!()))
        .bind(disabled.then_some(now))
        .bind(now)
        .bind(id.0)
        .bind(expected)
        .fetch_optional(c)
        .await)?;
    let after = stale_if_none(row, expected, before.version)?.into_domain()?;
    if disabled {
        crate::sessions::delete_for_user(tx, id).await?;
    }
    let changes = diff(&audit_view(&before), &audit_view(&after));
    let action = if disabled {
        AuditAction::Archive
    } else {
        AuditAction::Restore
    };
    audit::record(tx, ctx, OBJECT_TYPE, id.0, after.version, action, &changes).await?;
    Ok(after)
}

/// Sets a new password hash and ends the account's sessions. The audit record
/// says the password changed, never what it is.
pub async fn set_password(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: UserId,
    password_hash: &str,
) -> StoreResult<User> {
    let row: Option<UserRow> = on_tx!(tx, c => sqlx::query_as(concat!(
        "UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 RETURNING ", cols!()))
        .bind(password_hash)
        .bind(OffsetDateTime::now_utc())
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
    let user = row.ok_or(StoreError::NotFound)?.into_domain()?;
    crate::sessions::delete_for_user(tx, id).await?;
    let change = FieldChange {
        field: "password".into(),
        before: json!("********"),
        after: json!("******** (modifié)"),
    };
    audit::record(
        tx,
        ctx,
        OBJECT_TYPE,
        id.0,
        user.version,
        AuditAction::Update,
        &[change],
    )
    .await?;
    Ok(user)
}

/// Notes a successful sign-in (operational data, not an audited change).
pub async fn touch_login(db: &Db, id: UserId) -> StoreResult<()> {
    on_pool!(db, p => sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(OffsetDateTime::now_utc())
        .bind(id.0)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The policy's view of an enabled user; `None` when the account is disabled or gone.
pub async fn actor(db: &Db, id: UserId, read_only: bool) -> StoreResult<Option<(User, Actor)>> {
    let user = match get(db, id).await {
        Ok(u) if !u.disabled => u,
        Ok(_) | Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let scope = match user.organisation_id {
        Some(org) => organisations::subtree(db, org).await?,
        None => Default::default(),
    };
    let actor = Actor {
        user_id: user.id,
        role: user.role,
        organisation: user.organisation_id,
        scope,
        read_only,
    };
    Ok(Some((user, actor)))
}
