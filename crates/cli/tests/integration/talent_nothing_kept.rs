//! The talent summary and dashboards when the inputs they are computed from
//! are not kept between requests, as at scale (`web.cache_keep_mib`).

use serde_json::Value;

use crate::harness::*;
use crate::talent::talent_summary;

/// With nothing kept between requests (`web.cache_keep_mib = 0`: the HR
/// returns and the portfolio's inputs read again by each page that needs
/// them, as at scale), the summary says the same and the dashboards answer.
async fn talent_with_nothing_kept(backend: Backend) {
    let config = cosinum_web::WebConfig {
        cache_keep_mib: 0,
        ..Default::default()
    };
    let app = TestApp::start_with(backend, config).await;
    talent_summary(&app).await;
    let steering = app.token(STEERING, false).await;
    let once: Value = app.get_json("/api/v1/talents/summary", &steering).await;
    let twice: Value = app.get_json("/api/v1/talents/summary", &steering).await;
    assert_eq!(once, twice);
    let (client, _) = app.login(STEERING).await;
    for path in [
        "/talents",
        "/projets",
        "/projets?methode=baseline-courante-2026",
    ] {
        assert_eq!(app.status(&client, path).await, 200, "{path}");
    }
    let projets = app.page(&client, "/projets").await;
    assert!(
        projets.contains("Projets suivis") && projets.contains("Évolution des dérives moyennes"),
        "{projets}"
    );
    app.finish().await;
}
dual_backend_test!(talent_nothing_kept => talent_with_nothing_kept);
