//! Exports of the portfolio: CSV the French way, Excel, JSON, and the
//! Panorama open-data layout, which our own importer reads back.

use serde_json::Value;

use crate::harness::*;

async fn portfolio_exports(app: &TestApp) {
    let client = app.client();
    let steering = app.token(STEERING, false).await;
    let get = |query: &str, token: &str| {
        let c = client.clone();
        let url = app.url(&format!("/api/v1/projects/export?{query}"));
        let t = token.to_owned();
        async move { c.get(url).bearer_auth(t).send().await.expect("export") }
    };
    let report: Value = app
        .get_json("/api/v1/projects/portfolio?as_of=2026-06-30", &steering)
        .await;
    let n = report["projects"].as_u64().expect("n") as usize;

    // CSV: BOM, `;`, the date and method on every row, one row per project.
    let res = get("format=csv&as_of=2026-06-30", &steering).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("grands-projets-2026-06-30.csv")
    );
    let bytes = res.bytes().await.expect("bytes");
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 BOM for Excel"
    );
    let (header, rows) = cosinum_io::csv_out::read_csv_records(&bytes).expect("csv");
    assert_eq!(header[0], "Date des données");
    assert_eq!(header[1], "Méthode");
    assert_eq!(rows.len(), n);
    assert!(
        rows.iter()
            .all(|(_, r)| r[0] == "30/06/2026" && r[1] == "dinum-2017")
    );
    assert!(
        String::from_utf8_lossy(&bytes)
            .lines()
            .next()
            .is_some_and(|l| l.contains(';'))
    );

    // Excel: the same rows, the date and method in the notes sheet.
    let res = get(
        "format=xlsx&as_of=2026-06-30&method=baseline-courante-2026",
        &steering,
    )
    .await;
    assert_eq!(res.status(), 200);
    let xlsx = res.bytes().await.expect("bytes");
    let sheet = cosinum_io::xlsx_out::read_xlsx_rows(&xlsx).expect("xlsx");
    assert_eq!(sheet.len(), n + 1);
    assert!(sheet[1..].iter().all(|r| r[1] == "baseline-courante-2026"));

    // JSON.
    let json: Value = get("format=json&as_of=2026-06-30", &steering)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(json["as_of"], "2026-06-30");
    assert_eq!(json["method"], "dinum-2017");
    assert_eq!(json["projects"].as_array().map(Vec::len), Some(n));

    // The Panorama layout reads back through the Panorama importer, with the same figures.
    let res = get("format=csv&layout=panorama&as_of=2026-06-30", &steering).await;
    let bytes = res.bytes().await.expect("bytes");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("panorama.csv");
    std::fs::write(&path, &bytes).expect("write");
    let file = cosinum_io::read_panorama(&path)
        .unwrap_or_else(|e| panic!("our own export must import: {e}"));
    assert_eq!(file.rows.len(), n);
    assert_eq!(
        file.publication_date.map(|d| d.to_string()).as_deref(),
        Some("2026-06-30")
    );
    let total: f64 = file
        .rows
        .iter()
        .filter(|r| r.phase != Some(cosinum_domain::projects::Phase::Cadrage))
        .filter_map(|r| r.cost)
        .map(|c| c.meur())
        .sum();
    let expected = report["total_cost_meur"].as_f64().expect("total");
    assert!((total - expected).abs() < 1e-6, "{total} vs {expected}");
    assert!(
        file.rows.iter().any(|r| r.figures_withheld),
        "withheld figures keep the DINUM's sentence"
    );

    // Bad parameters are refused; a ministry reader exports its own projects only.
    assert_eq!(get("format=pdf", &steering).await.status(), 400);
    assert_eq!(get("layout=autre", &steering).await.status(), 400);
    let reader = app.token(READER_MININT, false).await;
    let mine: Value = get("format=json&as_of=2026-06-30", &reader)
        .await
        .json()
        .await
        .expect("json");
    let projects = mine["projects"].as_array().expect("projects");
    assert!(!projects.is_empty() && projects.iter().all(|p| p["ministry_code"] == "MININT"));
}
dual_test!(portfolio_exports);
