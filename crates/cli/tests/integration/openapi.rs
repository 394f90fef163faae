//! The OpenAPI document is generated from the code and reviewed as a snapshot.

use serde_json::Value;

use crate::harness::*;

async fn openapi_document_is_served_and_stable(app: &TestApp) {
    let res = app
        .client()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("openapi");
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.expect("json");
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    // Every operation but health and open data declares the bearer scheme;
    // open data (`/api/v1/public/…`) declares none: it needs no token.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            if path.starts_with("/api/v1/public/") {
                assert!(op["security"].is_null(), "{method} {path} asks for a token");
            }
            if path != "/api/v1/health" {
                if !path.starts_with("/api/v1/public/") {
                    assert!(op["security"].is_array(), "{method} {path} has no security");
                }
                assert!(
                    op["responses"]
                        .as_object()
                        .expect("responses")
                        .keys()
                        .any(|k| k.starts_with('4')),
                    "{method} {path} documents no error"
                );
            }
        }
    }
    insta::assert_json_snapshot!("openapi", doc);
}
dual_test!(openapi_document_is_served_and_stable);
