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

async fn cloud_editing(app: &TestApp) {
    use serde_json::json;
    let editor = app.token(EDITOR_MININT, false).await;
    let minint = app.org("MININT").await.id.0;
    let mef = app.org("MEF").await.id.0;
    let body = json!({"organisation_id": minint, "name": "Fichier des titres sécurisés", "status": "in_production",
        "full_cost": 4_000_000, "new_or_major": true, "needs": [3, 4, 4, 4], "diffusion_restreinte": false});
    let mut other = body.clone();
    other["organisation_id"] = json!(mef);
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            "/api/v1/cloud/applications",
            &editor,
            other
        )
        .await
        .0,
        403
    );
    let mut bad = body.clone();
    bad["needs"] = json!([0, 4, 4, 4]);
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            "/api/v1/cloud/applications",
            &editor,
            bad
        )
        .await
        .0,
        422
    );
    let (status, created) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/cloud/applications",
            &editor,
            body,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let offers: Vec<Value> = app.get_json("/api/v1/cloud/offers", &editor).await;
    let offer = |name: &str| {
        offers
            .iter()
            .find(|o| o["name"].as_str().is_some_and(|n| n.contains(name)))
            .expect("offer")["id"]
            .clone()
    };
    let verdict = |d: Value| d["evaluation"]["verdict"].as_str().unwrap_or("").to_owned();
    let path = format!("/api/v1/cloud/applications/{id}");
    // Not hosted yet: out of scope.
    assert_eq!(
        verdict(app.get_json(&path, &editor).await),
        "not_applicable"
    );
    // Sensitive data on a plain public cloud: non-compliant (R9).
    let host = |offer_id: Value, since: &str| json!({"environment": "production", "offer_id": offer_id, "since": since});
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            &format!("{path}/hostings"),
            &editor,
            host(offer("public"), "2024-01-01")
        )
        .await
        .0,
        201
    );
    let assess = json!({"date": "2024-02-01", "assessed_by": "RSSI", "legal_secret": true, "essential_mission": false,
        "breach_public_order": true, "breach_public_security": false, "breach_health_life": false, "breach_intellectual_property": false});
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            &format!("{path}/assessments"),
            &editor,
            assess
        )
        .await
        .0,
        201
    );
    let d: Value = app
        .get_json(&format!("{path}?as_of=2024-06-30"), &editor)
        .await;
    assert_eq!(verdict(d.clone()), "non_compliant");
    assert!(
        d["evaluation"]["findings"]
            .to_string()
            .contains("SecNumCloud")
    );
    // A derogation without the Prime Minister's validation does not cover R9 in 2024.
    let derog = |pm: bool| {
        json!({"rule": "R9", "justification": "Migration engagée", "granted_by": "Ministre", "pm_validated": pm,
        "start": "2024-03-01", "end": "2024-12-31"})
    };
    app.send(
        reqwest::Method::POST,
        &format!("{path}/derogations"),
        &editor,
        derog(false),
    )
    .await;
    assert_eq!(
        verdict(
            app.get_json(&format!("{path}?as_of=2024-06-30"), &editor)
                .await
        ),
        "non_compliant"
    );
    app.send(
        reqwest::Method::POST,
        &format!("{path}/derogations"),
        &editor,
        derog(true),
    )
    .await;
    assert_eq!(
        verdict(
            app.get_json(&format!("{path}?as_of=2024-06-30"), &editor)
                .await
        ),
        "under_derogation"
    );
    // Migrated to Pi: compliant from that date; the past verdict stays.
    app.send(
        reqwest::Method::POST,
        &format!("{path}/hostings"),
        &editor,
        host(offer("Pi"), "2025-01-15"),
    )
    .await;
    assert_eq!(
        verdict(
            app.get_json(&format!("{path}?as_of=2025-02-01"), &editor)
                .await
        ),
        "compliant"
    );
    assert_eq!(
        verdict(
            app.get_json(&format!("{path}?as_of=2024-06-30"), &editor)
                .await
        ),
        "under_derogation"
    );
    let history: Value = app
        .get_json(&format!("/api/v1/history/cloud_application/{id}"), &editor)
        .await;
    assert!(
        history.to_string().contains("dérogation R9"),
        "every record is in the history"
    );
    let reader = app.token(READER_MININT, false).await;
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            &format!("{path}/hostings"),
            &reader,
            host(offer("Pi"), "2025-02-01")
        )
        .await
        .0,
        403
    );

    // The pages: dashboard, the application's verdict, the questionnaire.
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let html = app.page(&browser, "/hebergement?ministere=MININT").await;
    assert!(html.contains("Taux de conformité") && html.contains("Fichier des titres sécurisés"));
    let page = app
        .page(
            &browser,
            &format!("/hebergement/applications/{id}?date=2024-06-30"),
        )
        .await;
    assert!(page.contains("Sous dérogation") && page.contains("Évaluer la sensibilité"));
    let res = browser
        .post(app.url(&format!("/hebergement/applications/{id}/evaluation")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("date", "2025-03-01"),
            ("assessed_by", "RSSI ministériel"),
            ("essential_mission", "1"),
        ])
        .send()
        .await
        .expect("assess");
    assert_eq!(res.status(), 303);
    let d: Value = app
        .get_json(&format!("{path}?as_of=2025-03-02"), &editor)
        .await;
    assert_eq!(
        d["evaluation"]["sensitive"], false,
        "an essential mission without any breach impact is not sensitive"
    );
}
dual_test!(cloud_editing);
