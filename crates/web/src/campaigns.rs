//! Collection campaigns for the pages and the API (issue #13): who may do
//! what, the views (completeness per organisation, late returns, flagged
//! items), and the actions, each in one transaction.

use std::collections::{BTreeMap, BTreeSet};

use cosinum_domain::audit::FieldChange;
use cosinum_domain::authz::{Access, Actor, Owner, Resource, Role, allows};
use cosinum_domain::campaigns::fields::{self, Values};
use cosinum_domain::campaigns::progress::{Completeness, is_late, tally};
use cosinum_domain::campaigns::{CampaignFields, CampaignKind, Decision, ItemStatus};
use cosinum_domain::organisation::Organisation;
use cosinum_domain::{OrgId, ValidationError};
use cosinum_store::AuditCtx;
use cosinum_store::campaigns::items::{self, Attester};
use cosinum_store::campaigns::{self, Attestation, Campaign, Item};
use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::AppError;

/// The DINUM runs campaigns: opens, reviews, closes.
pub fn steers(actor: &Actor) -> bool {
    allows(
        Some(actor),
        Access::Write,
        &Resource::owned_by(Owner::Interministerial),
    )
}

/// Whether `actor` sees `org`'s items.
pub fn reads(actor: &Actor, org: OrgId) -> bool {
    allows(
        Some(actor),
        Access::Read,
        &Resource::owned_by(Owner::Organisation(org)),
    )
}

/// Whether `actor` may enter values for `org`'s items.
pub fn enters(actor: &Actor, org: OrgId) -> bool {
    allows(
        Some(actor),
        Access::Write,
        &Resource::owned_by(Owner::Organisation(org)),
    )
}

/// Attesting is a ministry's act: a ministry editor of the organisation or
/// of one above it (not the DINUM, not a platform administrator).
pub fn attests(actor: &Actor, org: OrgId) -> bool {
    actor.role == Role::MinistryEditor && !actor.read_only && actor.in_scope(org)
}

/// All values-check errors as one: the first field, every message.
pub fn joined(errors: Vec<ValidationError>) -> AppError {
    let field = errors.first().map_or_else(String::new, |e| e.field.clone());
    let message = errors
        .into_iter()
        .map(|e| e.message)
        .collect::<Vec<_>>()
        .join(" ; ");
    AppError::Invalid(ValidationError::new(field, message))
}

/// One organisation's progress in a campaign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgProgress {
    pub organisation_id: i64,
    pub code: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub counts: Completeness,
    /// Share of items transmitted, 0–100.
    pub percent: f64,
    /// Deadline passed with items missing.
    pub late: bool,
    /// Items with quality flags.
    pub flagged: usize,
    #[schema(value_type = Vec<Object>)]
    pub attestations: Vec<Attestation>,
}

/// A campaign as the caller sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignView {
    #[schema(value_type = Object)]
    pub campaign: Campaign,
    /// Counts over the organisations the caller sees.
    #[schema(value_type = Object)]
    pub totals: Completeness,
    pub organisations: Vec<OrgProgress>,
    /// Counts per item status, as the charts show them.
    #[schema(value_type = Object)]
    pub by_status: BTreeMap<String, usize>,
    /// The fields each item collects: `[key, label]`.
    #[schema(value_type = Vec<Vec<String>>)]
    pub fields: Vec<(String, String)>,
}

/// The day campaigns are measured against.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// A campaign the caller sees, or 404.
pub async fn campaign_for(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(Campaign, Vec<Item>), AppError> {
    let c = campaigns::get(&state.db, id).await?;
    let items: Vec<Item> = campaigns::items(&state.db, id)
        .await?
        .into_iter()
        .filter(|i| reads(actor, i.organisation_id))
        .collect();
    if items.is_empty() && !steers(actor) && !actor.sees_everything() {
        return Err(AppError::NotFound);
    }
    Ok((c, items))
}

/// Builds the view of campaign `id` for `actor`.
pub async fn view(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(CampaignView, Vec<Item>), AppError> {
    let (c, items) = campaign_for(state, actor, id).await?;
    let orgs: BTreeMap<OrgId, Organisation> = cosinum_store::organisations::list(&state.db, true)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let attestations = campaigns::attestations(&state.db, id).await?;
    let per_org = tally(items.iter().map(|i| (i.organisation_id, i.status)));
    let today = today();
    let organisations = per_org
        .iter()
        .map(|(org, counts)| OrgProgress {
            organisation_id: org.0,
            code: orgs.get(org).map_or_else(String::new, |o| o.code.clone()),
            name: orgs.get(org).map_or_else(String::new, |o| o.name.clone()),
            counts: *counts,
            percent: counts.percent(),
            late: c.is_open() && is_late(c.deadline, today, counts),
            flagged: items
                .iter()
                .filter(|i| {
                    i.organisation_id == *org
                        && !i.flags.is_empty()
                        && i.status != ItemStatus::Accepted
                })
                .count(),
            attestations: attestations
                .iter()
                .filter(|a| a.organisation_id == *org)
                .cloned()
                .collect(),
        })
        .collect();
    let mut totals = Completeness::default();
    let mut by_status: BTreeMap<String, usize> = ItemStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for i in &items {
        totals.add(i.status);
        *by_status.entry(i.status.as_str().to_owned()).or_default() += 1;
    }
    let fields = fields::fields(c.kind, c.reference_date)
        .into_iter()
        .map(|f| (f.key.to_owned(), f.label.to_owned()))
        .collect();
    Ok((
        CampaignView {
            campaign: c,
            totals,
            organisations,
            by_status,
            fields,
        },
        items,
    ))
}

/// A new campaign as asked.
pub struct OpenRequest {
    pub fields: CampaignFields,
    /// Organisations asked (each with those below it); empty = all.
    pub organisations: Vec<OrgId>,
}

/// Opens a campaign (the DINUM), then records the opening notices due.
pub async fn open(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    req: &OpenRequest,
) -> Result<Campaign, AppError> {
    if !steers(actor) {
        return Err(AppError::Forbidden);
    }
    let scope: Option<BTreeSet<OrgId>> = if req.organisations.is_empty() {
        None
    } else {
        let mut all = BTreeSet::new();
        for o in &req.organisations {
            all.extend(cosinum_store::organisations::subtree(&state.db, *o).await?);
        }
        Some(all)
    };
    let mut tx = state.db.begin().await?;
    let c = campaigns::open(&mut tx, ctx, &req.fields, scope.as_ref()).await?;
    campaigns::notices::record_due(&mut tx, today()).await?;
    tx.commit().await?;
    Ok(c)
}

/// An item the caller may read, with its campaign.
pub async fn item_for(
    state: &AppState,
    actor: &Actor,
    campaign_id: i64,
    item_id: i64,
) -> Result<(Campaign, Item), AppError> {
    let item = campaigns::item(&state.db, item_id).await?;
    if item.campaign_id != campaign_id || !reads(actor, item.organisation_id) {
        return Err(AppError::NotFound);
    }
    Ok((campaigns::get(&state.db, campaign_id).await?, item))
}

/// Checks raw values against the campaign's fields.
pub fn check_values(c: &Campaign, values: &Values) -> Result<Values, AppError> {
    fields::check(c.kind, c.reference_date, values).map_err(joined)
}

/// Records the values of an item (a ministry).
pub async fn save_values(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    campaign_id: i64,
    item_id: i64,
    version: i64,
    values: &Values,
) -> Result<Item, AppError> {
    let (c, item) = item_for(state, actor, campaign_id, item_id).await?;
    if !enters(actor, item.organisation_id) {
        return Err(AppError::Forbidden);
    }
    let checked = check_values(&c, values)?;
    let mut tx = state.db.begin().await?;
    let out = items::save_values(
        &mut tx,
        ctx,
        item_id,
        version,
        &checked,
        state.config.narrative_drift_threshold,
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Attests an organisation's return (a ministry editor).
pub async fn attest(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    campaign_id: i64,
    org: OrgId,
    role_label: &str,
    confirmed: bool,
) -> Result<Attestation, AppError> {
    campaign_for(state, actor, campaign_id).await?;
    if !attests(actor, org) {
        return Err(AppError::Forbidden);
    }
    if !confirmed {
        return Err(AppError::Invalid(ValidationError::new(
            "confirm",
            "cochez la case « Je certifie ces chiffres » pour attester",
        )));
    }
    let role = role_label.trim();
    if role.is_empty() || role.chars().count() > 200 {
        return Err(AppError::Invalid(ValidationError::new(
            "role",
            "indiquez votre fonction (200 caractères au plus)",
        )));
    }
    let who = Attester {
        user_id: Some(actor.user_id),
        name: ctx.actor_label.clone(),
        role: role.to_owned(),
    };
    let mut tx = state.db.begin().await?;
    let a = items::attest(&mut tx, ctx, campaign_id, org, &who).await?;
    tx.commit().await?;
    Ok(a)
}

/// The DINUM's decision on an item read at `version`.
pub struct Verdict<'a> {
    pub version: i64,
    pub decision: Decision,
    /// Required to return an item.
    pub comment: &'a str,
}

/// The DINUM's decision on item `ids.1` of campaign `ids.0`.
pub async fn review(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    ids: (i64, i64),
    v: Verdict<'_>,
) -> Result<Item, AppError> {
    let (campaign_id, item_id) = ids;
    item_for(state, actor, campaign_id, item_id).await?;
    if !steers(actor) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let out = items::review(&mut tx, ctx, item_id, v.version, v.decision, v.comment).await?;
    tx.commit().await?;
    Ok(out)
}

/// Accepts at once every transmitted item without quality flags (of one
/// organisation, or of all), in one transaction: the flagged ones wait for
/// a look. Returns how many were accepted.
pub async fn accept_unflagged(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    campaign_id: i64,
    org: Option<OrgId>,
) -> Result<usize, AppError> {
    let (_, all) = campaign_for(state, actor, campaign_id).await?;
    if !steers(actor) || actor.read_only {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let mut accepted = 0;
    for i in all.iter().filter(|i| {
        i.status == ItemStatus::Submitted
            && i.flags.is_empty()
            && org.is_none_or(|o| i.organisation_id == o)
    }) {
        items::review(&mut tx, ctx, i.id, i.version, Decision::Accept, "").await?;
        accepted += 1;
    }
    tx.commit().await?;
    Ok(accepted)
}

/// Closes a campaign (the DINUM).
pub async fn close(
    state: &AppState,
    actor: &Actor,
    ctx: &AuditCtx,
    id: i64,
    version: i64,
) -> Result<Campaign, AppError> {
    if !steers(actor) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let c = campaigns::close(&mut tx, ctx, id, version).await?;
    tx.commit().await?;
    Ok(c)
}

/// The changes between an item's shown values and new ones, for previews.
pub fn value_changes(c: &Campaign, before: &Values, after: &Values) -> Vec<FieldChange> {
    fields::fields(c.kind, c.reference_date)
        .into_iter()
        .filter_map(|f| {
            let (b, a) = (
                before.get(f.key).map_or("", String::as_str),
                after.get(f.key).map_or("", String::as_str),
            );
            (b != a).then(|| FieldChange {
                field: f.label.to_owned(),
                before: serde_json::json!(b),
                after: serde_json::json!(a),
            })
        })
        .collect()
}

/// The kinds offered when opening a campaign.
pub fn kinds() -> Vec<(&'static str, &'static str)> {
    CampaignKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label_fr()))
        .collect()
}
