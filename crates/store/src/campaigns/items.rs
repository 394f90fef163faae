//! The life of an item: the ministry enters values (draft), attests its
//! whole return (submitted), the DINUM accepts — the values then go into
//! the module, in the same transaction — or returns it with a comment.

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, FieldChange, diff};
use cosinum_domain::campaigns::fields::{Values, hr_return, method_for, review_values};
use cosinum_domain::campaigns::quality::{Flag, demarche_flags, hr_flags, review_flags};
use cosinum_domain::campaigns::{CampaignKind, Decision, ItemStatus, missing_for_attestation};
use cosinum_domain::money::Euros;
use cosinum_domain::projects::Baseline;
use cosinum_domain::projects::drift::baseline_in_force;
use cosinum_domain::projects::project::ReviewFields;
use cosinum_domain::{UserId, ValidationError};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use super::{
    ATTESTATION_TYPE, Attestation, Campaign, ITEM_TYPE, Item, get_in_tx, item_in_tx, notices,
    org_items_in_tx, previous,
};
use crate::audit::{self, AuditCtx};
use crate::db::Tx;
use crate::demarches::{self, ValueWrite};
use crate::error::StoreResult;
use crate::organisations::check_version;
use crate::projects::reviews;

/// Periodic reviews entered through campaigns carry the source of those
/// entered on the project's page.
const REVIEW_SOURCE: &str = reviews::SOURCE_REVIEW;

async fn open_campaign(tx: &mut Tx, id: i64) -> StoreResult<Campaign> {
    let c = get_in_tx(tx, id).await?;
    if !c.is_open() {
        return Err(ValidationError::new(
            "campaign",
            "la campagne est close : plus aucune saisie ni décision",
        )
        .into());
    }
    Ok(c)
}

async fn baselines_of(tx: &mut Tx, project_id: i64) -> StoreResult<Vec<Baseline>> {
    let rows: Vec<(Date, i64, Date, Date)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT approved_on, cost_eur, start_on, planned_end_on FROM project_baselines WHERE project_id = $1 ORDER BY approved_on, id")
        .bind(project_id).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(approved_on, cost, start, planned_end)| Baseline {
            approved_on,
            cost: Euros(cost),
            start,
            planned_end,
        })
        .collect())
}

/// The module review an accepted project item becomes: the item's figures
/// at the reference date, the rest (start, milestones, risks, the DINUM's
/// weather, "figures withheld") kept from the review it updates or the
/// latest one before it.
async fn review_fields(
    tx: &mut Tx,
    c: &Campaign,
    item: &Item,
    values: &Values,
) -> StoreResult<(ReviewFields, Option<(i64, i64)>)> {
    let r = review_values(values)?;
    let existing = reviews::find(tx, item.object_id, c.reference_date, REVIEW_SOURCE).await?;
    let latest: Option<(Option<Date>, bool)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT start_on, figures_withheld FROM project_reviews WHERE project_id = $1 AND review_date <= $2 \
         AND archived_at IS NULL ORDER BY review_date DESC, id DESC LIMIT 1")
        .bind(item.object_id).bind(c.reference_date).fetch_optional(conn).await)?;
    let ledger = baselines_of(tx, item.object_id).await?;
    let start = existing
        .as_ref()
        .and_then(|e| e.start)
        .or(latest.and_then(|l| l.0))
        .or_else(|| baseline_in_force(&ledger, c.reference_date).map(|b| b.start));
    let f = ReviewFields {
        review_date: c.reference_date,
        cost: Some(r.cost),
        start,
        forecast_end: Some(r.forecast_end),
        phase: r.phase,
        figures_withheld: existing
            .as_ref()
            .map(|e| e.figures_withheld)
            .or(latest.map(|l| l.1))
            .unwrap_or(false),
        ministry_rating: Some(r.rating),
        dinum_rating: existing.as_ref().and_then(|e| e.dinum_rating),
        narrative: r.narrative,
        milestones: existing
            .as_ref()
            .map(|e| e.milestones.clone())
            .unwrap_or_default(),
        risks: existing
            .as_ref()
            .map(|e| e.risks.clone())
            .unwrap_or_default(),
    };
    Ok((f, existing.map(|e| (e.id, e.version))))
}

/// Runs the module's own checks on checked values (for a project review,
/// that a drift beyond `drift_threshold` is explained) and the quality
/// checks; returns the flags.
async fn checks(
    tx: &mut Tx,
    c: &Campaign,
    item: &Item,
    values: &Values,
    drift_threshold: f64,
) -> StoreResult<Vec<Flag>> {
    let (history, rebaselined) =
        previous::history(tx, c.kind, item.object_id, c.reference_date, 3).await?;
    Ok(match c.kind {
        CampaignKind::ProjectReview => {
            let (f, _) = review_fields(tx, c, item, values).await?;
            let ledger = baselines_of(tx, item.object_id).await?;
            f.check(
                baseline_in_force(&ledger, c.reference_date),
                drift_threshold,
            )?;
            review_flags(values, &history, rebaselined)
        }
        CampaignKind::DemarcheIndicators => {
            demarche_flags(method_for(c.reference_date), values, &history)
        }
        CampaignKind::HrReturn => {
            // The module's own rules, now rather than at acceptance; contract
            // staff at the start are last period's, so the start headcount answers.
            hr_return(values, &previous_return(tx, item).await?, c.reference_date)?
                .validated()
                .map_err(|e| match e.field.as_str() {
                    "contract_start" => ValidationError::new("headcount_start", format!(
                        "Effectif début : inférieur aux contractuels de fin de période précédente ({})", e.message)),
                    _ => e,
                })?;
            hr_flags(values, &history)
        }
    })
}

/// Records the values a ministry entered for an item read at
/// `expected_version` (already checked with `fields::check`): the item
/// becomes a draft, its quality flags are computed.
pub async fn save_values(
    tx: &mut Tx,
    ctx: &AuditCtx,
    item_id: i64,
    expected_version: i64,
    values: &Values,
    drift_threshold: f64,
) -> StoreResult<Item> {
    let item = item_in_tx(tx, item_id).await?;
    check_version(expected_version, item.version)?;
    let c = open_campaign(tx, item.campaign_id).await?;
    if !item.status.editable() {
        return Err(ValidationError::new(
            "status",
            format!(
                "l'élément est « {} » : il ne peut plus être modifié",
                item.status.label_fr()
            ),
        )
        .into());
    }
    let flags = checks(tx, &c, &item, values, drift_threshold).await?;
    let now = OffsetDateTime::now_utc();
    // Entering values, a returned item included, makes a draft to attest (again).
    let status = ItemStatus::Draft;
    let encoded = serde_json::to_string(values).map_err(anyhow::Error::from)?;
    let flags_json = serde_json::to_string(&flags).map_err(anyhow::Error::from)?;
    on_tx!(tx, conn => sqlx::query(
        "UPDATE campaign_items SET entered_values = $1, flags = $2, status = $3, received_at = $4, received_by = $5, \
         version = version + 1, updated_at = $4 WHERE id = $6 AND version = $7")
        .bind(&encoded).bind(&flags_json).bind(status.as_str()).bind(now).bind(&ctx.actor_label)
        .bind(item_id).bind(expected_version).execute(conn).await.map(|_| ()))?;
    let before = json!({"status": item.status.as_str(), "values": item.values});
    let after = json!({"status": status.as_str(), "values": values});
    audit::record(
        tx,
        ctx,
        ITEM_TYPE,
        item_id,
        item.version + 1,
        AuditAction::Update,
        &diff(&before, &after),
    )
    .await?;
    item_in_tx(tx, item_id).await
}

/// Who attests a ministry's return.
#[derive(Debug, Clone)]
pub struct Attester {
    pub user_id: Option<UserId>,
    pub name: String,
    pub role: String,
}

/// The statement every attestation carries.
pub const STATEMENT: &str = "Je certifie que les chiffres transmis sont exacts et reflètent la situation à la date de référence.";

/// Attests `org`'s whole return: every item must be entered; the drafts
/// become submitted; the DINUM is notified.
pub async fn attest(
    tx: &mut Tx,
    ctx: &AuditCtx,
    campaign_id: i64,
    org: OrgId,
    who: &Attester,
) -> StoreResult<Attestation> {
    let c = open_campaign(tx, campaign_id).await?;
    let items = org_items_in_tx(tx, campaign_id, org).await?;
    if items.is_empty() {
        return Err(ValidationError::new(
            "organisation",
            "cette organisation n'a aucun élément dans la campagne",
        )
        .into());
    }
    let missing = missing_for_attestation(items.iter().map(|i| (i.label.as_str(), i.status)));
    if !missing.is_empty() {
        return Err(ValidationError::new(
            "items",
            format!(
                "{} élément(s) encore à saisir ou à corriger avant l'attestation : {}",
                missing.len(),
                missing.join(", ")
            ),
        )
        .into());
    }
    let drafts: Vec<&Item> = items
        .iter()
        .filter(|i| i.status == ItemStatus::Draft)
        .collect();
    if drafts.is_empty() {
        return Err(ValidationError::new(
            "items",
            "rien de nouveau à attester : tout est déjà transmis",
        )
        .into());
    }
    let now = OffsetDateTime::now_utc();
    for i in &drafts {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE campaign_items SET status = 'submitted', submitted_at = $1, submitted_by = $2, version = version + 1, \
             updated_at = $1 WHERE id = $3")
            .bind(now).bind(&who.name).bind(i.id).execute(conn).await.map(|_| ()))?;
        let change = FieldChange {
            field: "status".into(),
            before: json!(i.status.as_str()),
            after: json!("submitted"),
        };
        audit::record(
            tx,
            ctx,
            ITEM_TYPE,
            i.id,
            i.version + 1,
            AuditAction::Update,
            &[change],
        )
        .await?;
    }
    let (id,): (i64,) = on_tx!(tx, conn => sqlx::query_as(
        "INSERT INTO campaign_attestations (campaign_id, organisation_id, user_id, person_name, person_role, statement, \
         items, attested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
        .bind(campaign_id).bind(org.0).bind(who.user_id.map(|u| u.0)).bind(&who.name).bind(&who.role)
        .bind(STATEMENT).bind(drafts.len() as i64).bind(now).fetch_one(conn).await)?;
    let after = json!({"campaign_id": campaign_id, "organisation_id": org.0, "person": who.name,
        "role": who.role, "statement": STATEMENT, "items": drafts.len()});
    audit::record(
        tx,
        ctx,
        ATTESTATION_TYPE,
        id,
        1,
        AuditAction::Create,
        &diff(&Value::Null, &after),
    )
    .await?;
    notices::record_event(
        tx,
        &c,
        org,
        notices::Audience::Steering,
        &format!("attested-{id}"),
        &format!(
            "{} a attesté {} élément(s) : à examiner",
            who.name,
            drafts.len()
        ),
        &format!("/campagnes/{}", c.id),
    )
    .await?;
    Ok(Attestation {
        id,
        campaign_id,
        organisation_id: org,
        person_name: who.name.clone(),
        person_role: who.role.clone(),
        statement: STATEMENT.into(),
        items: drafts.len() as i64,
        attested_at: now,
    })
}

/// The DINUM's decision on a submitted item read at `expected_version`.
/// Accepting writes the values into the module (a periodic review at the
/// reference date, or the démarche's indicators in the edition of that
/// date), audited there too; returning needs a comment and notifies the
/// ministry.
pub async fn review(
    tx: &mut Tx,
    ctx: &AuditCtx,
    item_id: i64,
    expected_version: i64,
    decision: Decision,
    comment: &str,
) -> StoreResult<Item> {
    let item = item_in_tx(tx, item_id).await?;
    check_version(expected_version, item.version)?;
    let c = open_campaign(tx, item.campaign_id).await?;
    if item.status != ItemStatus::Submitted {
        return Err(ValidationError::new(
            "status",
            format!(
                "seul un élément transmis peut être examiné (celui-ci est « {} »)",
                item.status.label_fr()
            ),
        )
        .into());
    }
    let comment = comment.trim();
    if decision == Decision::Return && comment.is_empty() {
        return Err(
            ValidationError::new("comment", "dites au ministère ce qu'il doit corriger").into(),
        );
    }
    if comment.chars().count() > 2000 {
        return Err(ValidationError::new("comment", "2 000 caractères au plus").into());
    }
    let values = item
        .values
        .clone()
        .ok_or_else(|| ValidationError::new("values", "aucune valeur saisie"))?;
    let status = match decision {
        Decision::Accept => {
            apply(tx, ctx, &c, &item, &values).await?;
            ItemStatus::Accepted
        }
        Decision::Return => ItemStatus::Returned,
    };
    let now = OffsetDateTime::now_utc();
    on_tx!(tx, conn => sqlx::query(
        "UPDATE campaign_items SET status = $1, reviewed_at = $2, reviewed_by = $3, review_comment = $4, \
         version = version + 1, updated_at = $2 WHERE id = $5 AND version = $6")
        .bind(status.as_str()).bind(now).bind(&ctx.actor_label).bind(comment).bind(item_id).bind(expected_version)
        .execute(conn).await.map(|_| ()))?;
    let mut changes = vec![FieldChange {
        field: "status".into(),
        before: json!(item.status.as_str()),
        after: json!(status.as_str()),
    }];
    if !comment.is_empty() {
        changes.push(FieldChange {
            field: "review_comment".into(),
            before: json!(item.review_comment),
            after: json!(comment),
        });
    }
    if decision == Decision::Accept {
        // What entered the module, against last period's values.
        changes.push(FieldChange {
            field: "valeurs acceptées".into(),
            before: json!(item.previous_values),
            after: json!(values),
        });
    }
    audit::record(
        tx,
        ctx,
        ITEM_TYPE,
        item_id,
        item.version + 1,
        AuditAction::Update,
        &changes,
    )
    .await?;
    if decision == Decision::Return {
        notices::record_event(
            tx,
            &c,
            item.organisation_id,
            notices::Audience::Ministry,
            &format!("returned-{item_id}-{}", item.version + 1),
            &format!(
                "« {} » vous est renvoyé pour correction : {comment}",
                item.label
            ),
            &format!("/campagnes/{}/elements/{item_id}", c.id),
        )
        .await?;
    }
    item_in_tx(tx, item_id).await
}

async fn apply(
    tx: &mut Tx,
    ctx: &AuditCtx,
    c: &Campaign,
    item: &Item,
    values: &Values,
) -> StoreResult<()> {
    match c.kind {
        CampaignKind::ProjectReview => {
            let (f, existing) = review_fields(tx, c, item, values).await?;
            match existing {
                Some((id, version)) => {
                    reviews::update(tx, ctx, id, version, &f).await?;
                }
                None => {
                    reviews::create(tx, ctx, item.object_id, REVIEW_SOURCE, &f).await?;
                }
            }
        }
        CampaignKind::HrReturn => {
            let r = hr_return(values, &previous_return(tx, item).await?, c.reference_date)?;
            crate::talent::record(tx, ctx, &r, crate::talent::Mode::Upsert).await?;
        }
        CampaignKind::DemarcheIndicators => {
            let method = method_for(c.reference_date);
            let edition = demarches::upsert_edition(
                tx,
                ctx,
                c.reference_date,
                method.code,
                &format!("campagne {}", c.id),
            )
            .await?;
            let writes: Vec<ValueWrite> = values
                .iter()
                .map(|(slug, raw)| ValueWrite {
                    demarche_id: item.object_id,
                    slug: slug.clone(),
                    raw: raw.clone(),
                    expected: None,
                })
                .collect();
            demarches::write_values(tx, ctx, edition, &writes).await?;
        }
    }
    Ok(())
}

/// The HR return an item was opened from (its key and what the form does not collect).
async fn previous_return(
    tx: &mut Tx,
    item: &Item,
) -> StoreResult<cosinum_domain::talent::hr_return::HrReturn> {
    Ok(crate::talent::get_in_tx(tx, item.object_id).await?.r)
}
