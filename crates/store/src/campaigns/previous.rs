//! What a campaign expects and what it compares with: the objects that get
//! an item, each pre-filled with last period's values from its module, and
//! the earlier periods the quality checks look at.

use cosinum_domain::OrgId;
use cosinum_domain::campaigns::CampaignKind;
use std::collections::BTreeMap;

use cosinum_domain::campaigns::fields::{Values, hr_to_values, method_for, review_to_values};
use cosinum_domain::money::Euros;
use cosinum_domain::projects::Phase;
use cosinum_domain::projects::project::Rating;
use cosinum_domain::talent::hr_return::Period;
use time::Date;

use crate::db::Tx;
use crate::error::StoreResult;
use crate::talent::StoredReturn;

/// An object a campaign expects a return for.
pub(crate) struct Expected {
    pub organisation_id: OrgId,
    pub object_id: i64,
    pub label: String,
    pub previous: Values,
}

type ReviewValuesRow = (
    i64,
    Date,
    Option<i64>,
    Option<Date>,
    String,
    Option<String>,
    String,
);

fn review_row_values(r: &ReviewValuesRow) -> Values {
    review_to_values(
        Phase::parse(&r.4).unwrap_or(Phase::ConceptionRealisation),
        r.2.map(Euros),
        r.3,
        r.5.as_deref().and_then(Rating::parse),
        &r.6,
    )
}

/// The objects `kind` expects on `reference_date`, with last period's values
/// (the latest strictly before that date): ongoing major projects (in the portfolio, not finished
/// nor abandoned) or active démarches.
pub(crate) async fn expected(
    tx: &mut Tx,
    kind: CampaignKind,
    reference_date: Date,
) -> StoreResult<Vec<Expected>> {
    match kind {
        CampaignKind::ProjectReview => {
            let projects: Vec<(i64, i64, String, String)> = on_tx!(tx, c => sqlx::query_as(
                "SELECT id, organisation_id, name, phase FROM projects WHERE archived_at IS NULL \
                 AND phase NOT IN ('termine', 'abandonne') AND entered_on <= $1 \
                 AND (exited_on IS NULL OR exited_on > $1) ORDER BY organisation_id, name")
                .bind(reference_date).fetch_all(c).await)?;
            let reviews: Vec<ReviewValuesRow> = on_tx!(tx, c => sqlx::query_as(
                "SELECT project_id, review_date, cost_eur, forecast_end_on, phase, ministry_rating, narrative \
                 FROM project_reviews WHERE review_date < $1 AND archived_at IS NULL \
                 ORDER BY project_id, review_date DESC, id DESC")
                .bind(reference_date).fetch_all(c).await)?;
            Ok(projects
                .into_iter()
                .map(|(id, org, name, phase)| {
                    let previous = reviews.iter().find(|r| r.0 == id).map_or_else(
                        || {
                            review_to_values(
                                Phase::parse(&phase).unwrap_or(Phase::Cadrage),
                                None,
                                None,
                                None,
                                "",
                            )
                        },
                        review_row_values,
                    );
                    Expected {
                        organisation_id: OrgId(org),
                        object_id: id,
                        label: name,
                        previous,
                    }
                })
                .collect())
        }
        CampaignKind::HrReturn => {
            // Each organisation and region's latest return before the date.
            let codes: Vec<(i64, String)> = on_tx!(tx, c => sqlx::query_as("SELECT id, code FROM organisations")
                .fetch_all(c).await)?;
            let mut latest: BTreeMap<(OrgId, String), StoredReturn> = BTreeMap::new();
            for s in crate::talent::stored_returns_in_tx(tx).await? {
                let Some(p) = Period::parse(&s.r.period).filter(|p| p.end() < reference_date)
                else {
                    continue;
                };
                let key = (s.r.organisation_id, s.r.region.clone());
                let newer = latest
                    .get(&key)
                    .and_then(|l| Period::parse(&l.r.period))
                    .is_none_or(|l| p > l);
                if newer {
                    latest.insert(key, s);
                }
            }
            Ok(latest
                .into_values()
                .map(|s| Expected {
                    organisation_id: s.r.organisation_id,
                    object_id: s.id,
                    label: format!(
                        "{} — {}",
                        codes
                            .iter()
                            .find(|c| c.0 == s.r.organisation_id.0)
                            .map_or("", |c| c.1.as_str()),
                        s.r.region
                    ),
                    previous: hr_to_values(&s.r),
                })
                .collect())
        }
        CampaignKind::DemarcheIndicators => {
            let demarches: Vec<(i64, i64, String)> = on_tx!(tx, c => sqlx::query_as(
                "SELECT id, organisation_id, name FROM demarches WHERE archived_at IS NULL ORDER BY organisation_id, name")
                .fetch_all(c).await)?;
            let slugs: Vec<&str> = method_for(reference_date)
                .indicators
                .iter()
                .map(|i| i.slug)
                .collect();
            let values: Vec<(i64, Date, String, String)> = on_tx!(tx, c => sqlx::query_as(
                "SELECT v.demarche_id, e.edition_date, v.slug, v.raw FROM demarche_values v \
                 JOIN demarche_editions e ON e.id = v.edition_id WHERE e.edition_date < $1 \
                 ORDER BY v.demarche_id, e.edition_date DESC")
                .bind(reference_date).fetch_all(c).await)?;
            Ok(demarches
                .into_iter()
                .map(|(id, org, name)| {
                    let mine: Vec<&(i64, Date, String, String)> =
                        values.iter().filter(|v| v.0 == id).collect();
                    let latest = mine.first().map(|v| v.1);
                    let mut previous: Values = slugs
                        .iter()
                        .map(|s| ((*s).to_owned(), String::new()))
                        .collect();
                    for v in mine.iter().filter(|v| Some(v.1) == latest) {
                        if let Some(slot) = previous.get_mut(&v.2) {
                            slot.clone_from(&v.3);
                        }
                    }
                    Expected {
                        organisation_id: OrgId(org),
                        object_id: id,
                        label: name,
                        previous,
                    }
                })
                .collect())
        }
    }
}

/// The values of the object's last `n` periods strictly before
/// `reference_date`, newest first, and — for projects — whether a baseline
/// was approved since the latest of them.
pub(crate) async fn history(
    tx: &mut Tx,
    kind: CampaignKind,
    object_id: i64,
    reference_date: Date,
    n: usize,
) -> StoreResult<(Vec<Values>, bool)> {
    match kind {
        CampaignKind::ProjectReview => {
            let rows: Vec<ReviewValuesRow> = on_tx!(tx, c => sqlx::query_as(
                "SELECT project_id, review_date, cost_eur, forecast_end_on, phase, ministry_rating, narrative \
                 FROM project_reviews WHERE project_id = $1 AND review_date < $2 AND archived_at IS NULL \
                 ORDER BY review_date DESC, id DESC")
                .bind(object_id).bind(reference_date).fetch_all(c).await)?;
            let mut dates: Vec<Date> = Vec::new();
            let mut out = Vec::new();
            for r in &rows {
                if dates.contains(&r.1) {
                    continue;
                }
                dates.push(r.1);
                out.push(review_row_values(r));
                if out.len() == n {
                    break;
                }
            }
            let rebaselined = match dates.first() {
                Some(since) => {
                    let (k,): (i64,) = on_tx!(tx, c => sqlx::query_as(
                        "SELECT COUNT(*) FROM project_baselines WHERE project_id = $1 AND approved_on > $2 AND approved_on <= $3")
                        .bind(object_id).bind(*since).bind(reference_date).fetch_one(c).await)?;
                    k > 0
                }
                None => false,
            };
            Ok((out, rebaselined))
        }
        CampaignKind::HrReturn => {
            let (org, region) = hr_key(tx, object_id).await?;
            let mut mine: Vec<(Period, Values)> = crate::talent::stored_returns_in_tx(tx)
                .await?
                .into_iter()
                .filter(|s| s.r.organisation_id == org && s.r.region == region)
                .filter_map(|s| {
                    Period::parse(&s.r.period)
                        .filter(|p| p.end() < reference_date)
                        .map(|p| (p, hr_to_values(&s.r)))
                })
                .collect();
            mine.sort_by_key(|m| std::cmp::Reverse(m.0));
            Ok((mine.into_iter().take(n).map(|(_, v)| v).collect(), false))
        }
        CampaignKind::DemarcheIndicators => {
            let rows: Vec<(Date, String, String)> = on_tx!(tx, c => sqlx::query_as(
                "SELECT e.edition_date, v.slug, v.raw FROM demarche_values v \
                 JOIN demarche_editions e ON e.id = v.edition_id \
                 WHERE v.demarche_id = $1 AND e.edition_date < $2 ORDER BY e.edition_date DESC")
                .bind(object_id).bind(reference_date).fetch_all(c).await)?;
            let mut out: Vec<(Date, Values)> = Vec::new();
            for (d, slug, raw) in rows {
                if let Some((last, v)) = out.last_mut()
                    && *last == d
                {
                    v.insert(slug, raw);
                    continue;
                }
                if out.len() == n {
                    break;
                }
                out.push((d, [(slug, raw)].into_iter().collect()));
            }
            Ok((out.into_iter().map(|(_, v)| v).collect(), false))
        }
    }
}

/// The organisation and region of the HR return an item was opened from.
pub(crate) async fn hr_key(tx: &mut Tx, return_id: i64) -> StoreResult<(OrgId, String)> {
    let row: Option<(i64, String)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT organisation_id, region FROM hr_returns WHERE id = $1")
        .bind(return_id).fetch_optional(c).await)?;
    let (org, region) = row.ok_or(crate::error::StoreError::NotFound)?;
    Ok((OrgId(org), region))
}
