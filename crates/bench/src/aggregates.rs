//! Portfolio editions as of many dates (issue #11, "Aggregates"): the time
//! cosinum takes to read a database's projects, reviews, baselines and
//! editions and compute every edition's figures with its breakdowns, as the
//! API does, to set beside a hand-written SQL query on the same file.

use std::time::Instant;

use cosinum_domain::projects::edition::DINUM_2017;
use cosinum_store::Db;
use cosinum_web::portfolio::ReportInputs;
use time::Date;

/// Times `repeat` runs of: load the inputs, then one report per date.
/// Prints one JSON line per run: milliseconds to load, to compute, in all,
/// and the projects counted at each date (to check against the SQL).
pub async fn run(database_url: &str, dates: &[Date], repeat: usize) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    for _ in 0..repeat {
        let started = Instant::now();
        let inputs = ReportInputs::load(&db).await?;
        let loaded = started.elapsed();
        let mut projects = Vec::with_capacity(dates.len());
        for d in dates {
            let r = inputs.report(*d, &DINUM_2017, |_| true);
            projects.push(r.figures.projects);
        }
        let all = started.elapsed();
        println!(
            "{}",
            serde_json::json!({
                "load_ms": loaded.as_secs_f64() * 1e3,
                "compute_ms": (all - loaded).as_secs_f64() * 1e3,
                "total_ms": all.as_secs_f64() * 1e3,
                "projects": projects,
            })
        );
    }
    db.close().await;
    Ok(())
}

/// Dates as `YYYY-MM-DD`, comma-separated.
pub fn parse_dates(list: &str) -> anyhow::Result<Vec<Date>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    list.split(',')
        .map(|d| Date::parse(d.trim(), format).map_err(|e| anyhow::anyhow!("date {d:?}: {e}")))
        .collect()
}
