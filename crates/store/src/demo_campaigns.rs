//! Demo collection campaigns (issue #13): the review of major projects as of
//! the last half-year end, closed — every ministry attested, one item was
//! returned and corrected before acceptance — and the collection of the
//! démarches' indicators as of the last quarter end, running past its
//! deadline: some ministries transmitted (partly accepted, one item
//! returned), one is half-way, the others have not started and are late.

use std::collections::BTreeMap;

use cosinum_domain::OrgId;
use cosinum_domain::campaigns::fields::{Values, method_for, review_to_values};
use cosinum_domain::campaigns::{CampaignFields, CampaignKind, Decision, ItemStatus};
use cosinum_domain::money::Euros;
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::project::Rating;
use time::{Date, Duration, Month};

use crate::audit::AuditCtx;
use crate::campaigns::items::{self, Attester};
use crate::campaigns::{self, Item, notices};
use crate::db::Tx;

/// Who attests for each ministry in the demo (name, function).
fn attester(code: &str) -> Attester {
    let (name, role) = match code {
        "MININT" => (
            "Claire Moreau",
            "Directrice du numérique, ministère de l'Intérieur",
        ),
        "MEF" => (
            "Julien Robert",
            "Directeur du numérique, ministères économiques et financiers",
        ),
        _ => ("Référent numérique", "Secrétariat général"),
    };
    Attester {
        user_id: None,
        name: format!("{name} ({code})"),
        role: role.into(),
    }
}

fn last_half_year_end(today: Date) -> Date {
    let june = Date::from_calendar_date(today.year(), Month::June, 30).unwrap_or(today);
    let december = Date::from_calendar_date(today.year() - 1, Month::December, 31).unwrap_or(today);
    if today - june > Duration::days(60) {
        june
    } else {
        december
    }
}

fn last_quarter_end(today: Date) -> Date {
    let mut d = today - Duration::days(30);
    while !(matches!(
        (d.month(), d.day()),
        (Month::March, 31) | (Month::June, 30) | (Month::September, 30) | (Month::December, 31)
    )) {
        d -= Duration::days(1);
    }
    d
}

/// A review's figures: cost, forecast end, phase, rating, narrative.
type ReviewRow = (Option<i64>, Option<Date>, String, Option<String>, String);

/// The values the module holds for an item's object at `date` (what the
/// ministry "sent"), or last period's when it holds none.
async fn module_values(
    tx: &mut Tx,
    kind: CampaignKind,
    item: &Item,
    date: Date,
) -> anyhow::Result<Values> {
    match kind {
        CampaignKind::ProjectReview => {
            let row: Option<ReviewRow> = on_tx!(tx, c => sqlx::query_as(
                "SELECT cost_eur, forecast_end_on, phase, ministry_rating, narrative FROM project_reviews \
                 WHERE project_id = $1 AND review_date = $2 ORDER BY id LIMIT 1")
                .bind(item.object_id).bind(date).fetch_optional(c).await)?;
            let (cost, end, phase, rating, narrative) = row.unwrap_or_else(|| {
                let p = item
                    .previous_values
                    .get("phase")
                    .cloned()
                    .unwrap_or_default();
                (None, None, p, None, String::new())
            });
            Ok(review_to_values(
                Phase::parse(&phase).unwrap_or(Phase::ConceptionRealisation),
                cost.map(Euros).or(Some(Euros(10_000_000))),
                end.or(Some(date + Duration::days(365))),
                rating
                    .as_deref()
                    .and_then(Rating::parse)
                    .or(Some(Rating(2))),
                &narrative,
            ))
        }
        // The demo has no HR campaign: last period's figures, reconducted.
        CampaignKind::HrReturn => Ok(item.previous_values.clone()),
        CampaignKind::DemarcheIndicators => {
            let rows: Vec<(String, String)> = on_tx!(tx, c => sqlx::query_as(
                "SELECT v.slug, v.raw FROM demarche_values v JOIN demarche_editions e ON e.id = v.edition_id \
                 WHERE v.demarche_id = $1 AND e.edition_date = $2")
                .bind(item.object_id).bind(date).fetch_all(c).await)?;
            let mut v: Values = method_for(date)
                .indicators
                .iter()
                .map(|i| (i.slug.to_owned(), String::new()))
                .collect();
            for (slug, raw) in rows {
                if let Some(slot) = v.get_mut(&slug) {
                    *slot = raw;
                }
            }
            Ok(v)
        }
    }
}

async fn enter(
    tx: &mut Tx,
    ctx: &AuditCtx,
    kind: CampaignKind,
    item: &Item,
    date: Date,
) -> anyhow::Result<Item> {
    let values = module_values(tx, kind, item, date).await?;
    // The demo's reviews carry their narratives; a generous threshold keeps
    // the demo independent of the drift rule's setting.
    Ok(items::save_values(tx, ctx, item.id, item.version, &values, 10.0).await?)
}

async fn org_codes(tx: &mut Tx) -> anyhow::Result<BTreeMap<OrgId, String>> {
    let rows: Vec<(i64, String)> =
        on_tx!(tx, c => sqlx::query_as("SELECT id, code FROM organisations").fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, code)| (OrgId(id), code))
        .collect())
}

/// Seeds both campaigns; `today` dates them.
pub async fn seed(tx: &mut Tx, ctx: &AuditCtx, today: Date) -> anyhow::Result<()> {
    let codes = org_codes(tx).await?;
    let dinum = AuditCtx::system("Démonstration — DINUM");

    // 1. Closed: the review of major projects as of the last half-year end.
    let reference = last_half_year_end(today);
    let fields = CampaignFields {
        title: format!("Revue des grands projets au {}", french(reference)),
        kind: CampaignKind::ProjectReview,
        reference_date: reference,
        opens_on: reference + Duration::days(1),
        deadline: reference + Duration::days(45),
        reminder_days: vec![14, 7, 2],
    };
    let closed = campaigns::open(tx, &dinum, &fields, None).await?;
    let all = items_of(tx, closed.id).await?;
    for item in &all {
        enter(tx, ctx, closed.kind, item, reference).await?;
    }
    let orgs: Vec<OrgId> = dedup(all.iter().map(|i| i.organisation_id));
    for org in &orgs {
        items::attest(
            tx,
            ctx,
            closed.id,
            *org,
            &attester(codes.get(org).map_or("", String::as_str)),
        )
        .await?;
    }
    if let Some(item) = items_of(tx, closed.id).await?.first() {
        // Returned once, corrected, attested again, then accepted.
        let back = items::review(
            tx,
            &dinum,
            item.id,
            item.version,
            Decision::Return,
            "Le commentaire doit expliquer le décalage de la fin prévue.",
        )
        .await?;
        let mut values = back.values.clone().unwrap_or_default();
        values.insert(
            "narrative".into(),
            format!(
                "{} Décalage dû au report du déploiement national.",
                values.get("narrative").map_or("", String::as_str)
            )
            .trim()
            .to_owned(),
        );
        items::save_values(tx, ctx, back.id, back.version, &values, 10.0).await?;
        items::attest(
            tx,
            ctx,
            closed.id,
            back.organisation_id,
            &attester(codes.get(&back.organisation_id).map_or("", String::as_str)),
        )
        .await?;
    }
    for item in items_of(tx, closed.id).await? {
        items::review(tx, &dinum, item.id, item.version, Decision::Accept, "").await?;
    }
    let c = campaigns::get_in_tx(tx, closed.id).await?;
    campaigns::close(tx, &dinum, c.id, c.version).await?;

    // 2. Running, past its deadline: the démarches' indicators.
    let reference = last_quarter_end(today);
    let fields = CampaignFields {
        title: format!("Indicateurs des démarches au {}", french(reference)),
        kind: CampaignKind::DemarcheIndicators,
        reference_date: reference,
        opens_on: today - Duration::days(28),
        deadline: today - Duration::days(3),
        reminder_days: vec![14, 7, 2],
    };
    let running = campaigns::open(tx, &dinum, &fields, None).await?;
    let all = items_of(tx, running.id).await?;
    let orgs: Vec<OrgId> = dedup(all.iter().map(|i| i.organisation_id));
    // On time: MEF and every other ministry but the last three; MININT half-way; the last two not started.
    let half_way = orgs
        .iter()
        .copied()
        .find(|o| codes.get(o).is_some_and(|c| c == "MININT"));
    let not_started: Vec<OrgId> = orgs
        .iter()
        .rev()
        .copied()
        .filter(|o| Some(*o) != half_way && codes.get(o).is_none_or(|c| c != "MEF"))
        .take(2)
        .collect();
    let mut first_submitted = true;
    for org in &orgs {
        if not_started.contains(org) {
            continue;
        }
        let mine: Vec<&Item> = all.iter().filter(|i| i.organisation_id == *org).collect();
        let partial = Some(*org) == half_way;
        for (k, item) in mine.iter().enumerate() {
            if partial && k % 2 == 1 {
                continue;
            }
            enter(tx, ctx, running.kind, item, reference).await?;
        }
        if partial {
            continue;
        }
        items::attest(
            tx,
            ctx,
            running.id,
            *org,
            &attester(codes.get(org).map_or("", String::as_str)),
        )
        .await?;
        for (k, item) in items_of(tx, running.id)
            .await?
            .iter()
            .filter(|i| i.organisation_id == *org)
            .enumerate()
        {
            if item.status != ItemStatus::Submitted {
                continue;
            }
            if first_submitted {
                first_submitted = false;
                items::review(
                    tx,
                    &dinum,
                    item.id,
                    item.version,
                    Decision::Return,
                    "Le taux de satisfaction paraît inchangé depuis un an : merci de le vérifier.",
                )
                .await?;
            } else if k % 3 != 0 {
                items::review(tx, &dinum, item.id, item.version, Decision::Accept, "").await?;
            }
        }
    }
    // The opening and lateness notices of the running campaign, as the dispatcher records them.
    notices::record_due(tx, today).await?;
    Ok(())
}

async fn items_of(tx: &mut Tx, campaign_id: i64) -> anyhow::Result<Vec<Item>> {
    let ids: Vec<(i64,)> = on_tx!(tx, c => sqlx::query_as("SELECT id FROM campaign_items WHERE campaign_id = $1 ORDER BY organisation_id, label, id")
        .bind(campaign_id).fetch_all(c).await)?;
    let mut out = Vec::with_capacity(ids.len());
    for (id,) in ids {
        out.push(campaigns::item_in_tx(tx, id).await?);
    }
    Ok(out)
}

fn dedup(orgs: impl Iterator<Item = OrgId>) -> Vec<OrgId> {
    let mut v: Vec<OrgId> = orgs.collect();
    v.sort();
    v.dedup();
    v
}

fn french(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}
