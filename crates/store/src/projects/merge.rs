//! Merging two records of the same project (typically a project renamed
//! between two Panorama editions): one history, one ledger, one line.

use cosinum_domain::audit::{AuditAction, FieldChange};
use serde_json::json;
use time::OffsetDateTime;

use super::{editions, get_in_tx};
use crate::audit::{self, AuditCtx};
use crate::db::Tx;
use crate::error::StoreResult;
use cosinum_domain::ValidationError;

/// Moves everything of project `from` into project `into` and archives
/// `from`, whose name becomes an alias of `into` (later imports match it).
/// Refused when both were listed in the same edition or reviewed on the same
/// day from the same source: then they are two projects, not one.
pub async fn merge(tx: &mut Tx, ctx: &AuditCtx, into: i64, from: i64) -> StoreResult<()> {
    if into == from {
        return Err(ValidationError::new(
            "from",
            "un projet ne peut pas être fusionné avec lui-même",
        )
        .into());
    }
    let target = get_in_tx(tx, into).await?;
    let source = get_in_tx(tx, from).await?;
    if source.archived {
        return Err(ValidationError::new("from", "ce projet est déjà archivé").into());
    }
    let (clash,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "SELECT COUNT(*) FROM edition_projects a JOIN edition_projects b ON a.edition_id = b.edition_id \
         WHERE a.project_id = $1 AND b.project_id = $2")
        .bind(into)
        .bind(from)
        .fetch_one(c)
        .await)?;
    let (same_day,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "SELECT COUNT(*) FROM project_reviews a JOIN project_reviews b \
         ON a.review_date = b.review_date AND a.source = b.source \
         WHERE a.project_id = $1 AND b.project_id = $2")
        .bind(into)
        .bind(from)
        .fetch_one(c)
        .await)?;
    if clash + same_day > 0 {
        return Err(ValidationError::new(
            "from",
            "les deux projets figurent dans une même édition ou une même revue : ce sont deux projets distincts",
        )
        .into());
    }
    on_tx!(tx, c => sqlx::query("UPDATE project_reviews SET project_id = $1 WHERE project_id = $2")
        .bind(into).bind(from).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("UPDATE edition_projects SET project_id = $1 WHERE project_id = $2")
        .bind(into).bind(from).execute(c).await.map(|r| r.rows_affected()))?;
    on_tx!(tx, c => sqlx::query("UPDATE project_baselines SET project_id = $1 WHERE project_id = $2")
        .bind(into).bind(from).execute(c).await.map(|r| r.rows_affected()))?;
    // Baselines reconstructed by an import stand in for a missing original:
    // once merged, only the earliest of them means anything.
    let dropped = on_tx!(tx, c => sqlx::query(
        "DELETE FROM project_baselines WHERE project_id = $1 AND approved_by LIKE 'import %' \
         AND approved_on > (SELECT MIN(approved_on) FROM project_baselines WHERE project_id = $1)")
        .bind(into).execute(c).await.map(|r| r.rows_affected()))?;
    let mut aliases: Vec<String> = target.aliases.lines().map(str::to_owned).collect();
    aliases.push(source.name.clone());
    aliases.extend(source.aliases.lines().map(str::to_owned));
    aliases.retain(|a| !a.trim().is_empty());
    aliases.dedup();
    let now = OffsetDateTime::now_utc();
    let (version,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "UPDATE projects SET aliases = $1, version = version + 1, updated_at = $2 WHERE id = $3 RETURNING version")
        .bind(aliases.join("\n")).bind(now).bind(into).fetch_one(c).await)?;
    let (from_version,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "UPDATE projects SET archived_at = $1, version = version + 1, updated_at = $1 WHERE id = $2 RETURNING version")
        .bind(now).bind(from).fetch_one(c).await)?;
    let merged = FieldChange {
        field: "fusion".into(),
        before: json!(null),
        after: json!({"projet_fusionne": from, "nom": source.name, "references_reconstituees_retirees": dropped}),
    };
    audit::record(
        tx,
        ctx,
        super::OBJECT_TYPE,
        into,
        version,
        AuditAction::Update,
        &[merged],
    )
    .await?;
    let archived = FieldChange {
        field: "fusionné dans".into(),
        before: json!(null),
        after: json!(into),
    };
    audit::record(
        tx,
        ctx,
        super::OBJECT_TYPE,
        from,
        from_version,
        AuditAction::Archive,
        &[archived],
    )
    .await?;
    // The merged project's entry and exit follow from its editions.
    if let Some((entered, exited)) = editions::membership_spans(tx).await?.get(&into).copied() {
        let p = get_in_tx(tx, into).await?;
        if (p.entered_on, p.exited_on) != (entered, exited) {
            let mut fields = super::fields_of(&p);
            fields.entered_on = entered;
            fields.exited_on = exited;
            super::update(tx, ctx, into, p.version, &fields).await?;
        }
    }
    Ok(())
}
