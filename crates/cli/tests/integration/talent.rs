//! Digital talent: the period's rates checked against sums from the
//! database, the demo's contrasts raised as alerts, and the scope of what a
//! ministry reads.

use serde_json::Value;

use crate::harness::*;

async fn talent_summary(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let s: Value = app.get_json("/api/v1/talents/summary", &steering).await;
    let period = s["period"].as_str().expect("period").to_owned();
    assert_eq!(
        period,
        (time::OffsetDateTime::now_utc().year() - 1).to_string(),
        "the latest period by default"
    );
    // Overall turnover = ((entries + exits) / 2) / average headcount, from SQL sums.
    let sql = |what: &'static str| app.scalar(what);
    let entries = sql("SELECT CAST(SUM(entries) AS BIGINT) FROM hr_returns WHERE period = (SELECT MAX(period) FROM hr_returns)").await as f64;
    let exits = sql("SELECT CAST(SUM(exits) AS BIGINT) FROM hr_returns WHERE period = (SELECT MAX(period) FROM hr_returns)").await as f64;
    let start = sql("SELECT CAST(SUM(headcount_start) AS BIGINT) FROM hr_returns WHERE period = (SELECT MAX(period) FROM hr_returns)").await as f64;
    let end = sql("SELECT CAST(SUM(headcount_end) AS BIGINT) FROM hr_returns WHERE period = (SELECT MAX(period) FROM hr_returns)").await as f64;
    let expected = (entries + exits) / 2.0 / ((start + end) / 2.0);
    let got = s["overall"]["turnover"].as_f64().expect("turnover");
    assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    // The demo's contrasts.
    let alerts = |m: &str| {
        s["by_ministry"]
            .as_array()
            .expect("m")
            .iter()
            .find(|x| x["ministry"] == m)
            .map(|x| x["alerts"].to_string())
            .unwrap_or_default()
    };
    assert!(
        alerts("MININT").contains("turnover_too_high"),
        "{}",
        alerts("MININT")
    );
    assert!(
        alerts("MEF").contains("turnover_too_low_with_outsourcing"),
        "{}",
        alerts("MEF")
    );
    let d = &s["turnover_dispersion"];
    assert!(d["min"].as_f64() <= d["median"].as_f64() && d["median"].as_f64() <= d["max"].as_f64());
    assert_eq!(s["by_region"].as_object().map(|r| r.len()), Some(3));
    // A ministry reads its own returns only; an unknown period is a 404.
    let reader = app.token(READER_MININT, false).await;
    let mine: Value = app.get_json("/api/v1/talents/summary", &reader).await;
    let codes: Vec<&str> = mine["by_ministry"]
        .as_array()
        .expect("m")
        .iter()
        .filter_map(|m| m["ministry"].as_str())
        .collect();
    assert_eq!(codes, ["MININT"]);
    let res = app
        .client()
        .get(app.url("/api/v1/talents/summary?period=1990"))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
}
dual_test!(talent_summary);
