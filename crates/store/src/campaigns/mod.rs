//! Collection campaigns (issue #13): a campaign, the items it expects from
//! each organisation, the ministries' attestations; opening and closing.
//! Entering, attesting and reviewing items is in [`items`]; events,
//! notifications and e-mail digests in [`notices`]. Every write is audited
//! in its transaction.

pub mod items;
pub mod notices;
mod previous;

use std::collections::BTreeSet;

use cosinum_domain::OrgId;
use cosinum_domain::audit::{AuditAction, FieldChange};
use cosinum_domain::campaigns::fields::Values;
use cosinum_domain::campaigns::quality::Flag;
use cosinum_domain::campaigns::{CampaignFields, CampaignKind, CampaignStatus, ItemStatus};
use serde::Serialize;
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::audit::{self, AuditCtx};
use crate::db::{Db, Tx};
use crate::error::{StoreError, StoreResult};
use crate::organisations::check_version;

pub const CAMPAIGN_TYPE: &str = "campaign";
pub const ITEM_TYPE: &str = "campaign_item";
pub const ATTESTATION_TYPE: &str = "campaign_attestation";

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub title: String,
    pub kind: CampaignKind,
    pub reference_date: Date,
    pub opens_on: Date,
    pub deadline: Date,
    pub reminder_days: Vec<u32>,
    pub status: CampaignStatus,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by: Option<String>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl Campaign {
    pub fn is_open(&self) -> bool {
        self.status == CampaignStatus::Open
    }
}

/// One expected item: an object of an organisation, its values and status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: i64,
    pub campaign_id: i64,
    pub organisation_id: OrgId,
    /// The project or démarche the item is about.
    pub object_id: i64,
    pub label: String,
    pub status: ItemStatus,
    /// Last period's values, pre-filled in the form and the template.
    pub previous_values: Values,
    /// What the ministry entered, once it did.
    pub values: Option<Values>,
    pub flags: Vec<Flag>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub received_at: Option<OffsetDateTime>,
    pub received_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub submitted_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<OffsetDateTime>,
    pub reviewed_by: Option<String>,
    pub review_comment: String,
    pub version: i64,
}

impl Item {
    /// The values to show: those entered, else last period's.
    pub fn current_values(&self) -> &Values {
        self.values.as_ref().unwrap_or(&self.previous_values)
    }
}

/// A ministry's attestation of its return.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attestation {
    pub id: i64,
    pub campaign_id: i64,
    pub organisation_id: OrgId,
    pub person_name: String,
    pub person_role: String,
    pub statement: String,
    pub items: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub attested_at: OffsetDateTime,
}

type CampaignRow = (
    i64,
    String,
    String,
    Date,
    Date,
    Date,
    String,
    String,
    String,
    Option<OffsetDateTime>,
    Option<String>,
    i64,
    OffsetDateTime,
);

macro_rules! campaign_cols {
    () => {
        "SELECT id, title, kind, reference_date, opens_on, deadline, reminder_days, status, created_by, \
         closed_at, closed_by, version, created_at FROM campaigns"
    };
}

fn campaign_of(r: CampaignRow) -> StoreResult<Campaign> {
    let bad = |what: &str| StoreError::Other(anyhow::anyhow!("campaign {}: bad {what}", r.0));
    Ok(Campaign {
        kind: CampaignKind::parse(&r.2).ok_or_else(|| bad("kind"))?,
        status: CampaignStatus::parse(&r.7).ok_or_else(|| bad("status"))?,
        reminder_days: r
            .6
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| bad("reminders")))
            .collect::<StoreResult<_>>()?,
        id: r.0,
        title: r.1,
        reference_date: r.3,
        opens_on: r.4,
        deadline: r.5,
        created_by: r.8,
        closed_at: r.9,
        closed_by: r.10,
        version: r.11,
        created_at: r.12,
    })
}

/// Every campaign, newest reference date first.
pub async fn list(db: &Db) -> StoreResult<Vec<Campaign>> {
    let rows: Vec<CampaignRow> = on_pool!(db, p => sqlx::query_as(concat!(campaign_cols!(), " ORDER BY reference_date DESC, id DESC"))
        .fetch_all(p).await)?;
    rows.into_iter().map(campaign_of).collect()
}

pub async fn get(db: &Db, id: i64) -> StoreResult<Campaign> {
    let row: Option<CampaignRow> = on_pool!(db, p => sqlx::query_as(concat!(campaign_cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    campaign_of(row.ok_or(StoreError::NotFound)?)
}

pub(crate) async fn get_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Campaign> {
    let row: Option<CampaignRow> = on_tx!(tx, c => sqlx::query_as(concat!(campaign_cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    campaign_of(row.ok_or(StoreError::NotFound)?)
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    campaign_id: i64,
    organisation_id: i64,
    object_id: i64,
    label: String,
    status: String,
    previous_values: String,
    entered_values: Option<String>,
    flags: String,
    received_at: Option<OffsetDateTime>,
    received_by: Option<String>,
    submitted_at: Option<OffsetDateTime>,
    submitted_by: Option<String>,
    reviewed_at: Option<OffsetDateTime>,
    reviewed_by: Option<String>,
    review_comment: String,
    version: i64,
}

macro_rules! item_cols {
    () => {
        "SELECT id, campaign_id, organisation_id, object_id, label, status, previous_values, entered_values, flags, \
         received_at, received_by, submitted_at, submitted_by, reviewed_at, reviewed_by, review_comment, version \
         FROM campaign_items"
    };
}

fn json_of<T: serde::de::DeserializeOwned>(id: i64, s: &str) -> StoreResult<T> {
    serde_json::from_str(s)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("campaign item {id}: unreadable JSON: {e}")))
}

fn item_of(r: ItemRow) -> StoreResult<Item> {
    let id = r.id;
    Ok(Item {
        id,
        campaign_id: r.campaign_id,
        organisation_id: OrgId(r.organisation_id),
        object_id: r.object_id,
        label: r.label,
        status: ItemStatus::parse(&r.status)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("campaign item {id}: bad status")))?,
        previous_values: json_of(id, &r.previous_values)?,
        values: r
            .entered_values
            .as_deref()
            .map(|v| json_of(id, v))
            .transpose()?,
        flags: json_of(id, &r.flags)?,
        received_at: r.received_at,
        received_by: r.received_by,
        submitted_at: r.submitted_at,
        submitted_by: r.submitted_by,
        reviewed_at: r.reviewed_at,
        reviewed_by: r.reviewed_by,
        review_comment: r.review_comment,
        version: r.version,
    })
}

/// The items of a campaign, by organisation then label.
pub async fn items(db: &Db, campaign_id: i64) -> StoreResult<Vec<Item>> {
    let rows: Vec<ItemRow> = on_pool!(db, p => sqlx::query_as(concat!(item_cols!(), " WHERE campaign_id = $1 ORDER BY organisation_id, label, id"))
        .bind(campaign_id).fetch_all(p).await)?;
    rows.into_iter().map(item_of).collect()
}

pub async fn item(db: &Db, id: i64) -> StoreResult<Item> {
    let row: Option<ItemRow> = on_pool!(db, p => sqlx::query_as(concat!(item_cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?;
    item_of(row.ok_or(StoreError::NotFound)?)
}

pub(crate) async fn item_in_tx(tx: &mut Tx, id: i64) -> StoreResult<Item> {
    let row: Option<ItemRow> = on_tx!(tx, c => sqlx::query_as(concat!(item_cols!(), " WHERE id = $1"))
        .bind(id).fetch_optional(c).await)?;
    item_of(row.ok_or(StoreError::NotFound)?)
}

pub(crate) async fn org_items_in_tx(
    tx: &mut Tx,
    campaign_id: i64,
    org: OrgId,
) -> StoreResult<Vec<Item>> {
    let rows: Vec<ItemRow> = on_tx!(tx, c => sqlx::query_as(concat!(item_cols!(), " WHERE campaign_id = $1 AND organisation_id = $2 ORDER BY label, id"))
        .bind(campaign_id).bind(org.0).fetch_all(c).await)?;
    rows.into_iter().map(item_of).collect()
}

type AttestationRow = (i64, i64, i64, String, String, String, i64, OffsetDateTime);

/// One attestation.
pub async fn attestation(db: &Db, id: i64) -> StoreResult<Attestation> {
    let row: Option<AttestationRow> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, campaign_id, organisation_id, person_name, person_role, statement, items, attested_at \
         FROM campaign_attestations WHERE id = $1")
        .bind(id).fetch_optional(p).await)?;
    let r = row.ok_or(StoreError::NotFound)?;
    Ok(Attestation {
        id: r.0,
        campaign_id: r.1,
        organisation_id: OrgId(r.2),
        person_name: r.3,
        person_role: r.4,
        statement: r.5,
        items: r.6,
        attested_at: r.7,
    })
}

/// The attestations of a campaign, oldest first.
pub async fn attestations(db: &Db, campaign_id: i64) -> StoreResult<Vec<Attestation>> {
    let rows: Vec<AttestationRow> = on_pool!(db, p => sqlx::query_as(
        "SELECT id, campaign_id, organisation_id, person_name, person_role, statement, items, attested_at \
         FROM campaign_attestations WHERE campaign_id = $1 ORDER BY attested_at, id")
        .bind(campaign_id).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|r| Attestation {
            id: r.0,
            campaign_id: r.1,
            organisation_id: OrgId(r.2),
            person_name: r.3,
            person_role: r.4,
            statement: r.5,
            items: r.6,
            attested_at: r.7,
        })
        .collect())
}

/// Opens a campaign: records it and creates one item per expected object of
/// the organisations in `orgs` (every organisation when `None`), pre-filled
/// with last period's values. Refused when nothing would be expected.
pub async fn open(
    tx: &mut Tx,
    ctx: &AuditCtx,
    fields: &CampaignFields,
    orgs: Option<&BTreeSet<OrgId>>,
) -> StoreResult<Campaign> {
    let f = fields.validated()?;
    let now = OffsetDateTime::now_utc();
    let reminders = f
        .reminder_days
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let (id,): (i64,) = on_tx!(tx, c => sqlx::query_as(
        "INSERT INTO campaigns (title, kind, reference_date, opens_on, deadline, reminder_days, status, created_by, \
         version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, 1, $8, $8) RETURNING id")
        .bind(&f.title).bind(f.kind.as_str()).bind(f.reference_date).bind(f.opens_on).bind(f.deadline)
        .bind(&reminders).bind(&ctx.actor_label).bind(now).fetch_one(c).await)?;
    let expected = previous::expected(tx, f.kind, f.reference_date).await?;
    let mut count = 0usize;
    let mut per_org: BTreeSet<OrgId> = BTreeSet::new();
    for e in expected
        .iter()
        .filter(|e| orgs.is_none_or(|o| o.contains(&e.organisation_id)))
    {
        let previous = serde_json::to_string(&e.previous).map_err(anyhow::Error::from)?;
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO campaign_items (campaign_id, organisation_id, object_id, label, status, previous_values, \
             flags, review_comment, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'not_started', $5, '[]', '', 1, $6, $6)")
            .bind(id).bind(e.organisation_id.0).bind(e.object_id).bind(&e.label).bind(&previous).bind(now)
            .execute(c).await.map(|_| ()))?;
        count += 1;
        per_org.insert(e.organisation_id);
    }
    if count == 0 {
        return Err(cosinum_domain::ValidationError::new(
            "organisations",
            "aucun élément attendu : pas d'objet en cours pour ces organisations à cette date",
        )
        .into());
    }
    let after = json!({
        "title": f.title, "kind": f.kind.as_str(), "reference_date": f.reference_date.to_string(),
        "opens_on": f.opens_on.to_string(), "deadline": f.deadline.to_string(), "reminder_days": reminders,
        "expected_items": count, "organisations": per_org.len(),
    });
    let changes = cosinum_domain::audit::diff(&Value::Null, &after);
    audit::record(tx, ctx, CAMPAIGN_TYPE, id, 1, AuditAction::Create, &changes).await?;
    get_in_tx(tx, id).await
}

/// Closes an open campaign read at `expected_version`: nothing can be
/// entered or reviewed any more; what was accepted is already in the
/// modules. The audit records the final completeness.
pub async fn close(
    tx: &mut Tx,
    ctx: &AuditCtx,
    id: i64,
    expected_version: i64,
) -> StoreResult<Campaign> {
    let c0 = get_in_tx(tx, id).await?;
    check_version(expected_version, c0.version)?;
    if !c0.is_open() {
        return Err(
            cosinum_domain::ValidationError::new("status", "la campagne est déjà close").into(),
        );
    }
    let now = OffsetDateTime::now_utc();
    on_tx!(tx, c => sqlx::query(
        "UPDATE campaigns SET status = 'closed', closed_at = $1, closed_by = $2, version = version + 1, updated_at = $1 \
         WHERE id = $3 AND version = $4")
        .bind(now).bind(&ctx.actor_label).bind(id).bind(expected_version).execute(c).await.map(|_| ()))?;
    let statuses: Vec<(String, i64)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT status, COUNT(*) FROM campaign_items WHERE campaign_id = $1 GROUP BY status ORDER BY status")
        .bind(id).fetch_all(c).await)?;
    let summary: Vec<String> = statuses
        .iter()
        .map(|(s, n)| {
            let label = ItemStatus::parse(s).map_or_else(|| s.clone(), |x| x.label_fr().to_owned());
            format!("{label} : {n}")
        })
        .collect();
    let changes = [
        FieldChange {
            field: "status".into(),
            before: json!("open"),
            after: json!("closed"),
        },
        FieldChange {
            field: "éléments à la clôture".into(),
            before: Value::Null,
            after: json!(summary.join(", ")),
        },
    ];
    audit::record(
        tx,
        ctx,
        CAMPAIGN_TYPE,
        id,
        c0.version + 1,
        AuditAction::Update,
        &changes,
    )
    .await?;
    get_in_tx(tx, id).await
}
