//! `cosinum portfolio --as-of DATE [--method CODE] [--json]`.

use anyhow::{Context, anyhow};
use cosinum_domain::projects::edition::{self, DINUM_2017};
use cosinum_store::Db;

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |r| format!("{:+.1} %", r * 100.0))
}

pub async fn run(
    db: &Db,
    as_of: Option<&str>,
    method: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let as_of = match as_of {
        Some(s) => time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .with_context(|| format!("--as-of {s} : date attendue au format AAAA-MM-JJ"))?,
        None => time::OffsetDateTime::now_utc().date(),
    };
    let method = match method {
        Some(code) => edition::method(code).ok_or_else(|| {
            let known: Vec<&str> = edition::methods().iter().map(|m| m.code).collect();
            anyhow!("méthode inconnue {code} (connues : {})", known.join(", "))
        })?,
        None => &DINUM_2017,
    };
    // The command line sees every ministry, like the DINUM.
    let report = cosinum_web::portfolio::ReportInputs::load(db)
        .await
        .map_err(|e| anyhow!("{e}"))?
        .report(as_of, method, |_| true);
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let f = &report.figures;
    println!("Panorama au {} — {}", report.as_of, report.method_label);
    println!(
        "  projets               {} (dont {} interministériels)",
        f.projects, f.interministerial
    );
    println!(
        "  coût complet estimé   {:.1} M€ ({} projets chiffrés)",
        f.total_cost_meur, f.costed_projects
    );
    println!(
        "  durée moyenne         {}",
        f.mean_duration_years
            .map_or("—".into(), |d| format!("{d:.2} ans"))
    );
    println!(
        "  dérive calendaire     {} (pondérée {})",
        pct(f.mean_calendar_drift),
        pct(f.weighted_calendar_drift)
    );
    println!(
        "  dérive budgétaire     {} (pondérée {})",
        pct(f.mean_budget_drift),
        pct(f.weighted_budget_drift)
    );
    for g in &report.by_ministry {
        println!(
            "  {:<10} {:>3} projets  {:>10.1} M€  dérive budgétaire {}",
            g.key,
            g.figures.projects,
            g.figures.total_cost_meur,
            pct(g.figures.mean_budget_drift)
        );
    }
    Ok(())
}
