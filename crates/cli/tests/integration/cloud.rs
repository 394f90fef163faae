//! Cloud hosting: the compliance summary adds up, reads the doctrine of the
//! date, and is scoped to what the caller reads; an application's verdict
//! names its rule, its reason and its remedy.

use serde_json::Value;

use crate::harness::*;

async fn cloud_compliance(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let c: Value = app.get_json("/api/v1/cloud/compliance", &steering).await;
    assert_eq!(c["doctrine"], "v2023");
    let t = &c["total"];
    let n = |k: &str| t[k].as_i64().unwrap_or(-1);
    assert_eq!(
        n("applications"),
        app.scalar("SELECT COUNT(*) FROM cloud_applications").await
    );
    assert_eq!(
        n("applications"),
        n("compliant") + n("non_compliant") + n("under_derogation") + n("not_applicable")
    );
    assert!(
        n("non_compliant") > 0 && n("under_derogation") > 0 && n("compliant") > 0,
        "{t}"
    );
    let per: i64 = c["by_ministry"]
        .as_array()
        .expect("m")
        .iter()
        .map(|m| m["applications"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(per, n("applications"));

    // Before the doctrine, nothing is in scope.
    let before: Value = app
        .get_json("/api/v1/cloud/compliance?as_of=2020-01-01", &steering)
        .await;
    assert!(before["doctrine"].is_null());
    assert_eq!(
        before["total"]["not_applicable"],
        before["total"]["applications"]
    );

    // A non-compliant application says which rule, why, and what to do.
    let apps: Vec<Value> = app.get_json("/api/v1/cloud/applications", &steering).await;
    let bad = apps
        .iter()
        .find(|a| a["evaluation"]["verdict"] == "non_compliant")
        .expect("a non-compliant application");
    let detail: Value = app
        .get_json(
            &format!("/api/v1/cloud/applications/{}", bad["id"]),
            &steering,
        )
        .await;
    let breach = detail["evaluation"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["status"] == "breached")
        .expect("a breach");
    assert!(
        breach["rule"]
            .as_str()
            .is_some_and(|r| ["R6", "R9", "DR"].contains(&r))
    );
    assert!(breach["remedy"].as_str().is_some_and(|r| r.len() > 20));
    assert!(
        detail["facts"]["hostings"]
            .as_array()
            .is_some_and(|h| !h.is_empty())
    );

    // A ministry sees its own inventory only.
    let minint = app.org("MININT").await.id.0;
    let reader = app.token(READER_MININT, false).await;
    let mine: Value = app.get_json("/api/v1/cloud/compliance", &reader).await;
    let codes: Vec<&str> = mine["by_ministry"]
        .as_array()
        .expect("m")
        .iter()
        .filter_map(|m| m["ministry"].as_str())
        .collect();
    assert_eq!(codes, ["MININT"]);
    let res = app
        .client()
        .get(app.url(&format!(
                "/api/v1/cloud/applications/{}",
                apps.iter()
                    .find(|a| a["organisation_id"] != minint)
                    .expect("other")["id"]
            )))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
    let offers: Vec<Value> = app.get_json("/api/v1/cloud/offers", &reader).await;
    assert!(
        offers
            .iter()
            .any(|o| o["name"] == "Pi" && o["max_classification"] == "diffusion_restreinte")
    );
}
dual_test!(cloud_compliance);
