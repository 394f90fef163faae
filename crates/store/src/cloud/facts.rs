//! Reading applications with the facts the "Cloud au centre" engine weighs
//! (assessments, hostings, derogations): all of them, one ministry's, or a
//! range of ids at a time. At scale the inventory holds hundreds of
//! thousands of applications, and their facts weigh about a kilobyte each
//! once parsed, so figures over the whole inventory are computed range by
//! range and never need it whole (issue #11).

use std::collections::BTreeMap;

use cosinum_domain::cloud::types::{
    AppFacts, Assessment, CloudApplication, Derogation, Environment, Hosting, Rule,
};
use time::Date;

use super::AppRow;
use crate::among::{Among, bind_among};
use crate::db::Db;
use crate::error::StoreResult;

/// The ids of applications a read takes, as a condition on `column` (an
/// application id) after `WHERE`, whose parameters `bind_among!` adds.
fn condition(among: Among, column: &str) -> String {
    among.condition_on(column, "cloud_applications")
}

/// The applications `among` names, each with its facts, by name then id
/// (the inventory's order). `Among::Ids(id, id)` reads one application.
pub async fn evaluable(db: &Db, among: Among) -> StoreResult<Vec<(CloudApplication, AppFacts)>> {
    let sql = format!(
        "SELECT {} FROM cloud_applications WHERE {} ORDER BY name, id",
        app_cols!(),
        condition(among, "id")
    );
    let rows: Vec<AppRow> = on_pool!(db, p => bind_among!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), among)
        .fetch_all(p).await)?;
    let apps: Vec<CloudApplication> = rows.into_iter().map(AppRow::into_domain).collect();
    let mut facts = facts_of(db, among, &apps).await?;
    Ok(apps
        .into_iter()
        .map(|a| {
            let f = facts.remove(&a.id).unwrap_or_else(|| bare(&a));
            (a, f)
        })
        .collect())
}

/// Every application with its facts, handed to `each` by ranges of `span`
/// ids as they are read (ranges without applications are skipped), in id
/// order.
pub async fn evaluable_in_chunks(
    db: &Db,
    span: i64,
    mut each: impl FnMut(Vec<(CloudApplication, AppFacts)>),
) -> StoreResult<()> {
    let (lo, hi): (Option<i64>, Option<i64>) = on_pool!(db, p => sqlx::query_as(
        "SELECT MIN(id), MAX(id) FROM cloud_applications").fetch_one(p).await)?;
    let (Some(mut lo), Some(hi)) = (lo, hi) else {
        return Ok(());
    };
    let span = span.max(1);
    while lo <= hi {
        let end = lo.saturating_add(span - 1).min(hi);
        let mut chunk = evaluable(db, Among::Ids(lo, end)).await?;
        if !chunk.is_empty() {
            chunk.sort_unstable_by_key(|(a, _)| a.id);
            each(chunk);
        }
        lo = end + 1;
    }
    Ok(())
}

/// Every application's facts for the engine, by application id.
pub async fn facts(db: &Db) -> StoreResult<BTreeMap<i64, AppFacts>> {
    let apps = super::applications(db).await?;
    facts_of(db, Among::All, &apps).await
}

/// An application's facts before its records are added.
fn bare(a: &CloudApplication) -> AppFacts {
    AppFacts {
        status: a.status,
        new_or_major: a.new_or_major,
        full_cost: a.full_cost,
        classification: a.classification,
        assessments: Vec::new(),
        hostings: Vec::new(),
        derogations: Vec::new(),
    }
}

type DerogationRow = (
    i64,
    String,
    String,
    bool,
    String,
    bool,
    Date,
    Option<Date>,
    Option<Date>,
);

/// The facts of `apps`, which are those `among` names: their assessments,
/// hostings and derogations, each in date order.
async fn facts_of(
    db: &Db,
    among: Among,
    apps: &[CloudApplication],
) -> StoreResult<BTreeMap<i64, AppFacts>> {
    let mut out: BTreeMap<i64, AppFacts> = apps.iter().map(|a| (a.id, bare(a))).collect();
    let which = condition(among, "application_id");
    let sql = format!(
        "SELECT application_id, assessed_on, assessed_by, answers FROM cloud_assessments \
         WHERE {which} ORDER BY assessed_on, id"
    );
    let rows: Vec<(i64, Date, String, String)> = on_pool!(db, p => bind_among!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), among)
        .fetch_all(p).await)?;
    for (app, date, by, answers) in rows {
        if let (Some(f), Ok(answers)) = (out.get_mut(&app), serde_json::from_str(&answers)) {
            f.assessments.push(Assessment {
                date,
                assessed_by: by,
                answers,
            });
        }
    }
    let sql = format!(
        "SELECT application_id, environment, offer_id, since FROM cloud_hostings \
         WHERE {which} ORDER BY since, id"
    );
    let rows: Vec<(i64, String, i64, Date)> = on_pool!(db, p => bind_among!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), among)
        .fetch_all(p).await)?;
    for (app, env, offer_id, since) in rows {
        if let (Some(f), Some(environment)) = (out.get_mut(&app), Environment::parse(&env)) {
            f.hostings.push(Hosting {
                environment,
                offer_id,
                since,
            });
        }
    }
    let sql = format!(
        "SELECT application_id, rule, justification, comparative_study, granted_by, pm_validated, \
         start_date, end_date, acceptable_offer_since FROM cloud_derogations \
         WHERE {which} ORDER BY start_date, id"
    );
    let rows: Vec<DerogationRow> = on_pool!(db, p => bind_among!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())), among)
        .fetch_all(p).await)?;
    for r in rows {
        let rule = if r.1 == "R6" { Rule::R6 } else { Rule::R9 };
        if let Some(f) = out.get_mut(&r.0) {
            f.derogations.push(Derogation {
                rule,
                justification: r.2,
                comparative_study: r.3,
                granted_by: r.4,
                pm_validated: r.5,
                start: r.6,
                end: r.7,
                acceptable_offer_since: r.8,
            });
        }
    }
    Ok(out)
}
