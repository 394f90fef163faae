//! Search and the reuse finder: French search with facets over what the
//! caller reads, "already done elsewhere" candidates from other ministries
//! with their explanation, and an index that follows every write.

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::*;

async fn search_and_similar(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    // Accents and endings do not matter; facets count every match.
    let r: Value = app
        .get_json(
            "/api/v1/search?q=rendez-vous%20reserver%20creneaux",
            &steering,
        )
        .await;
    let ministries: Vec<&str> = r["by_ministry"]
        .as_object()
        .expect("facets")
        .keys()
        .map(String::as_str)
        .collect();
    for m in ["MININT", "MEF", "MJ", "MEAE"] {
        assert!(ministries.contains(&m), "{m} missing from {ministries:?}");
    }
    let filtered: Value = app
        .get_json(
            "/api/v1/search?q=rendez-vous&ministry=MJ&kind=plan_line",
            &steering,
        )
        .await;
    assert!(
        filtered["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .all(|h| h["ministry"] == "MJ" && h["kind"] == "plan_line")
    );
    // A ministry searches only what it reads.
    let reader = app.token(READER_MININT, false).await;
    let mine: Value = app.get_json("/api/v1/search?q=rendez-vous", &reader).await;
    assert!(mine["total"].as_u64() > Some(0));
    assert!(
        mine["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .all(|h| h["ministry"] == "MININT")
    );

    // The MININT appointments line: the other ministries' appointment lines come first.
    let all: Value = app
        .get_json(
            "/api/v1/search?q=prise%20rendez-vous%20pr%C3%A9fecture&ministry=MININT&kind=plan_line",
            &steering,
        )
        .await;
    let id = all["hits"][0]["id"].as_i64().expect("line");
    let s: Value = app
        .get_json(
            &format!("/api/v1/reuse/similar?kind=plan_line&id={id}&limit=5"),
            &steering,
        )
        .await;
    let candidates = s["candidates"].as_array().expect("candidates");
    assert!(
        candidates.iter().all(|c| c["ministry"] != "MININT"),
        "never the same ministry"
    );
    let top3: Vec<&str> = candidates
        .iter()
        .take(3)
        .filter_map(|c| c["title"].as_str())
        .collect();
    assert!(
        top3.iter()
            .all(|t| t.to_lowercase().contains("rendez-vous")),
        "{top3:?}"
    );
    assert!(
        candidates[0]["shared_terms"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    // An object that does not exist.
    let (status, _) = app
        .send(
            Method::GET,
            "/api/v1/reuse/similar?kind=plan_line&id=999999",
            &steering,
            Value::Null,
        )
        .await;
    assert_eq!(status, 404);

    // The index follows writes: a new line is found at once.
    let editor = app.token(EDITOR_MININT, false).await;
    let minint = app.org("MININT").await.id.0;
    let (_, plan) = app
        .send(
            Method::POST,
            "/api/v1/reuse/plans",
            &editor,
            json!({"organisation_id": minint, "year": 2034}),
        )
        .await;
    let pid = plan["plan"]["id"].as_i64().expect("plan");
    let (status, _) = app
        .send(Method::POST, &format!("/api/v1/reuse/plans/{pid}/lines"), &editor,
            json!({"title": "Hyperviseur de zoologie quantique", "description": "Un mot rare : xylophonique."}))
        .await;
    assert_eq!(status, 201);
    let found: Value = app
        .get_json("/api/v1/search?q=xylophonique", &steering)
        .await;
    assert_eq!(found["total"].as_u64(), Some(1), "{found}");

    // Pages: the search box with facets, and the reuse panel of a plan.
    let (browser, _) = app.login(STEERING).await;
    let html = app
        .page(&browser, "/recherche?q=signature%20%C3%A9lectronique")
        .await;
    assert!(
        html.contains("Affiner la recherche") && html.contains("Signature électronique"),
        "{html}"
    );
    let plan_url = all["hits"][0]["url"]
        .as_str()
        .expect("url")
        .split('#')
        .next()
        .expect("u")
        .to_owned();
    let page = app.page(&browser, &plan_url).await;
    assert!(page.contains("Déjà fait ailleurs"), "{page}");
}
dual_test!(search_and_similar);
