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

/// With `web.search_index_dir`, the index lives on disk: it follows every
/// write (a changed title is found by its new words only), the server holds
/// it (a `cosinum reindex` on it is refused), and `cosinum reindex` builds
/// the same documents from scratch.
async fn index_on_disk_follows_writes_and_reindex_rebuilds(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index_dir = dir.path().join("index");
    let config = cosinum_web::WebConfig {
        search_index_dir: Some(index_dir.clone()),
        ..Default::default()
    };
    let app = TestApp::start_with(backend, config).await;
    let steering = app.token(STEERING, false).await;
    let total = |v: &Value| v["total"].as_u64().expect("total");
    let everything: Value = app.get_json("/api/v1/search?q=", &steering).await;
    assert!(total(&everything) > 20, "{everything}");
    assert!(index_dir.join("meta.json").exists(), "kept on disk");

    let editor = app.token(EDITOR_MININT, false).await;
    let minint = app.org("MININT").await.id.0;
    let (_, plan) = app
        .send(
            Method::POST,
            "/api/v1/reuse/plans",
            &editor,
            json!({"organisation_id": minint, "year": 2035}),
        )
        .await;
    let pid = plan["plan"]["id"].as_i64().expect("plan");
    let (status, line) = app
        .send(
            Method::POST,
            &format!("/api/v1/reuse/plans/{pid}/lines"),
            &editor,
            json!({"title": "Registre ornithologique", "description": "Recensement des passereaux."}),
        )
        .await;
    assert_eq!(status, 201, "{line}");
    let found: Value = app.get_json("/api/v1/search?q=passereaux", &steering).await;
    assert_eq!(total(&found), 1, "{found}");
    let (status, changed) = app
        .send(
            Method::PUT,
            &format!("/api/v1/reuse/plans/lines/{}", line["id"]),
            &editor,
            json!({"title": "Registre des cétacés", "description": "Recensement des baleines.",
                   "version": line["version"]}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let old: Value = app.get_json("/api/v1/search?q=passereaux", &steering).await;
    let new: Value = app.get_json("/api/v1/search?q=baleine", &steering).await;
    assert_eq!((total(&old), total(&new)), (0, 1), "{old} {new}");
    let now: Value = app.get_json("/api/v1/search?q=", &steering).await;
    assert_eq!(total(&now), total(&everything) + 1);

    // The running server holds its directory.
    let url = &app.test_db.url;
    let busy = crate::cli::cosinum(
        url,
        &["reindex", "--dir", index_dir.to_str().expect("utf-8")],
    );
    assert!(!busy.status.success());
    let err = String::from_utf8_lossy(&busy.stderr);
    assert!(err.contains("in use by another cosinum process"), "{err}");
    // A rebuild from scratch elsewhere holds the same documents.
    let other = dir.path().join("rebuilt");
    let out = crate::cli::stdout(&crate::cli::cosinum(
        url,
        &["reindex", "--dir", other.to_str().expect("utf-8")],
    ));
    assert!(out.contains(&format!("{} documents", total(&now))), "{out}");
    let rebuilt = cosinum_search::SearchIndex::open(&other).expect("open rebuilt");
    assert_eq!(rebuilt.len() as u64, total(&now));
    let hits = rebuilt
        .search("baleines", &cosinum_search::Filter::default(), 5)
        .expect("search");
    assert_eq!(
        hits.hits.first().map(|h| h.doc.title.as_str()),
        Some("Registre des cétacés")
    );
    app.finish().await;
}

dual_backend_test!(index_on_disk => index_on_disk_follows_writes_and_reindex_rebuilds);
