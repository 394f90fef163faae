//! Notices about campaigns: events (each recorded once, keyed), the in-app
//! notifications they give every person concerned, and the e-mail digests
//! gathering a person's unsent notifications into one message.

use cosinum_domain::OrgId;
use cosinum_domain::campaigns::progress::{DigestLine, Notice, due_notices, tally};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use super::Campaign;
use crate::db::{Db, Tx};
use crate::error::StoreResult;

/// Who an event is for: the organisation's people (and those of the
/// organisations above it), or the DINUM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Ministry,
    Steering,
}

impl Audience {
    fn as_str(self) -> &'static str {
        match self {
            Audience::Ministry => "ministry",
            Audience::Steering => "steering",
        }
    }
}

const MINISTRY_RECIPIENTS: &str = "WITH RECURSIVE up (id, parent_id) AS ( \
    SELECT id, parent_id FROM organisations WHERE id = $1 \
    UNION ALL SELECT o.id, o.parent_id FROM organisations o JOIN up ON o.id = up.parent_id) \
    SELECT u.id FROM users u WHERE u.disabled_at IS NULL \
    AND u.role IN ('ministry_editor', 'ministry_reader') AND u.organisation_id IN (SELECT id FROM up) ORDER BY u.id";

const STEERING_RECIPIENTS: &str =
    "SELECT id FROM users WHERE disabled_at IS NULL AND role = 'steering' ORDER BY id";

/// Records an event once (a second call with the same key does nothing) and
/// notifies its audience. Returns the event id when it is new.
pub async fn record_event(
    tx: &mut Tx,
    c: &Campaign,
    org: OrgId,
    audience: Audience,
    key: &str,
    text: &str,
    link: &str,
) -> StoreResult<Option<i64>> {
    let now = OffsetDateTime::now_utc();
    let id: Option<(i64,)> = on_tx!(tx, conn => sqlx::query_as(
        "INSERT INTO campaign_events (campaign_id, organisation_id, audience, event_key, text, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (campaign_id, organisation_id, event_key) DO NOTHING RETURNING id")
        .bind(c.id).bind(org.0).bind(audience.as_str()).bind(key).bind(text).bind(link).bind(now)
        .fetch_optional(conn).await)?;
    let Some((event,)) = id else {
        return Ok(None);
    };
    let users: Vec<(i64,)> = match audience {
        Audience::Ministry => {
            on_tx!(tx, conn => sqlx::query_as(MINISTRY_RECIPIENTS).bind(org.0).fetch_all(conn).await)?
        }
        Audience::Steering => {
            on_tx!(tx, conn => sqlx::query_as(STEERING_RECIPIENTS).fetch_all(conn).await)?
        }
    };
    for (user,) in users {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO notifications (user_id, event_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, event_id) DO NOTHING")
            .bind(user).bind(event).bind(now).execute(conn).await.map(|_| ()))?;
    }
    Ok(Some(event))
}

fn notice_text(n: &Notice, expected: usize, missing: usize, deadline: Date) -> String {
    let deadline = format!(
        "{:02}/{:02}/{}",
        deadline.day(),
        u8::from(deadline.month()),
        deadline.year()
    );
    match n {
        Notice::Opened => {
            format!("Campagne ouverte : {expected} élément(s) attendu(s) d'ici le {deadline}")
        }
        Notice::Reminder { days_left } => format!(
            "Relance : échéance le {deadline} (J-{days_left}), {missing} élément(s) encore à transmettre"
        ),
        Notice::Late => format!(
            "En retard : l'échéance du {deadline} est passée et {missing} élément(s) manquent"
        ),
    }
}

/// Records the notices due on `today` for every open campaign and every
/// organisation with items (opening, the latest reminder, lateness), each
/// once. Returns how many events are new.
pub async fn record_due(tx: &mut Tx, today: Date) -> StoreResult<usize> {
    let campaigns: Vec<Campaign> = {
        let ids: Vec<(i64,)> = on_tx!(tx, conn => sqlx::query_as("SELECT id FROM campaigns WHERE status = 'open' ORDER BY id")
            .fetch_all(conn).await)?;
        let mut out = Vec::new();
        for (id,) in ids {
            out.push(super::get_in_tx(tx, id).await?);
        }
        out
    };
    let mut new = 0;
    for c in &campaigns {
        let rows: Vec<(i64, String)> = on_tx!(tx, conn => sqlx::query_as(
            "SELECT organisation_id, status FROM campaign_items WHERE campaign_id = $1")
            .bind(c.id).fetch_all(conn).await)?;
        let counts = tally(rows.iter().filter_map(|(o, s)| {
            cosinum_domain::campaigns::ItemStatus::parse(s).map(|s| (OrgId(*o), s))
        }));
        for (org, done) in &counts {
            for n in due_notices(
                c.opens_on,
                c.deadline,
                &c.reminder_days,
                today,
                done.complete(),
            ) {
                let text = notice_text(
                    &n,
                    done.expected,
                    done.expected - done.transmitted(),
                    c.deadline,
                );
                let link = format!("/campagnes/{}", c.id);
                if record_event(tx, c, *org, Audience::Ministry, &n.key(), &text, &link)
                    .await?
                    .is_some()
                {
                    new += 1;
                }
            }
        }
    }
    Ok(new)
}

/// A person's notifications not yet mailed.
#[derive(Debug, Clone)]
pub struct PendingDigest {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub notifications: Vec<(i64, DigestLine)>,
}

/// Every person with notifications not yet mailed, oldest first.
pub async fn pending_digests(db: &Db) -> StoreResult<Vec<PendingDigest>> {
    let rows: Vec<(i64, i64, String, String, String, String, String)> = on_pool!(db, p => sqlx::query_as(
        "SELECT n.id, u.id, u.email, u.display_name, c.title, e.text, e.link FROM notifications n \
         JOIN users u ON u.id = n.user_id JOIN campaign_events e ON e.id = n.event_id \
         JOIN campaigns c ON c.id = e.campaign_id \
         WHERE n.mailed_at IS NULL AND u.disabled_at IS NULL ORDER BY u.id, c.id, n.id")
        .fetch_all(p).await)?;
    let mut out: Vec<PendingDigest> = Vec::new();
    for (nid, uid, email, name, campaign, text, link) in rows {
        if out.last().is_none_or(|d| d.user_id != uid) {
            out.push(PendingDigest {
                user_id: uid,
                email,
                name,
                notifications: Vec::new(),
            });
        }
        if let Some(d) = out.last_mut() {
            d.notifications.push((
                nid,
                DigestLine {
                    campaign,
                    text,
                    link,
                },
            ));
        }
    }
    Ok(out)
}

/// Records a digest and its outcome ("envoyé", "SMTP non configuré", or the
/// error). Its notifications count as mailed unless `retry` (a failed
/// sending is tried again on the next run).
pub async fn record_digest(
    db: &Db,
    d: &PendingDigest,
    subject: &str,
    body: &str,
    outcome: &str,
    retry: bool,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let now = OffsetDateTime::now_utc();
    on_tx!(&mut tx, conn => sqlx::query(
        "INSERT INTO mail_digests (user_id, recipient, subject, body, notifications, outcome, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(d.user_id).bind(&d.email).bind(subject).bind(body).bind(d.notifications.len() as i64)
        .bind(outcome).bind(now).execute(conn).await.map(|_| ()))?;
    if !retry {
        for (id, _) in &d.notifications {
            on_tx!(&mut tx, conn => sqlx::query("UPDATE notifications SET mailed_at = $1 WHERE id = $2")
                .bind(now).bind(id).execute(conn).await.map(|_| ()))?;
        }
    }
    tx.commit().await
}

/// A digest as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct SentDigest {
    pub recipient: String,
    pub subject: String,
    pub notifications: i64,
    pub outcome: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The latest digests, newest first.
pub async fn digests(db: &Db, limit: i64) -> StoreResult<Vec<SentDigest>> {
    let rows: Vec<(String, String, i64, String, OffsetDateTime)> = on_pool!(db, p => sqlx::query_as(
        "SELECT recipient, subject, notifications, outcome, created_at FROM mail_digests ORDER BY id DESC LIMIT $1")
        .bind(limit).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(recipient, subject, notifications, outcome, at)| SentDigest {
                recipient,
                subject,
                notifications,
                outcome,
                at,
            },
        )
        .collect())
}

/// An in-app notification.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    pub campaign_id: i64,
    pub campaign: String,
    pub text: String,
    pub link: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub read: bool,
}

type NotificationRow = (
    i64,
    i64,
    String,
    String,
    String,
    OffsetDateTime,
    Option<OffsetDateTime>,
);

/// A person's notifications, newest first.
pub async fn for_user(db: &Db, user_id: i64, limit: i64) -> StoreResult<Vec<Notification>> {
    let rows: Vec<NotificationRow> = on_pool!(db, p => sqlx::query_as(
        "SELECT n.id, c.id, c.title, e.text, e.link, n.created_at, n.read_at FROM notifications n \
         JOIN campaign_events e ON e.id = n.event_id JOIN campaigns c ON c.id = e.campaign_id \
         WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2")
        .bind(user_id).bind(limit).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, campaign_id, campaign, text, link, created_at, read_at)| Notification {
                id,
                campaign_id,
                campaign,
                text,
                link,
                created_at,
                read: read_at.is_some(),
            },
        )
        .collect())
}

/// How many of a person's notifications are unread.
pub async fn unread(db: &Db, user_id: i64) -> StoreResult<i64> {
    let (n,): (i64,) = on_pool!(db, p => sqlx::query_as(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id).fetch_one(p).await)?;
    Ok(n)
}

/// Marks one of a person's notifications read, or all when `id` is `None`;
/// returns how many changed. Someone else's notification is left alone.
pub async fn mark_read(db: &Db, user_id: i64, id: Option<i64>) -> StoreResult<u64> {
    let now = OffsetDateTime::now_utc();
    Ok(on_pool!(db, p => sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)")
        .bind(now).bind(user_id).bind(id).execute(p).await.map(|r| r.rows_affected()))?)
}
