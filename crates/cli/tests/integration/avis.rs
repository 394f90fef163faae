//! The avis conforme workflow: who instructs, deadlines computed from the
//! décret's rules, recommendations followed up, projects without avis flagged.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::*;

async fn avis_workflow(app: &TestApp) {
    let client = app.client();
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let other = app.token(EDITOR_MEF, false).await;
    let minint = app.org("MININT").await;
    // A new MININT project of 12 M€: above the threshold, no avis yet.
    let res = client
        .post(app.url("/api/v1/projects"))
        .bearer_auth(&editor)
        .json(&json!({"organisation_id": minint.id.0, "name": "Main courante numérique", "phase": "conception_realisation"}))
        .send()
        .await
        .expect("create");
    let project: Value = res.json().await.expect("json");
    let id = project["id"].as_i64().expect("id");
    let res = client
        .post(app.url(&format!("/api/v1/projects/{id}/baselines")))
        .bearer_auth(&editor)
        .json(&json!({"approved_on": "2026-01-05", "cost_meur": 12.0, "start": "2026-01-05", "planned_end": "2029-01-05", "project_version": project["version"]}))
        .send()
        .await
        .expect("baseline");
    assert_eq!(res.status(), StatusCode::CREATED);
    let missing: Vec<Value> = app.get_json("/api/v1/avis/missing", &steering).await;
    let flagged = missing
        .iter()
        .find(|m| m["project_id"] == id)
        .expect("a 12 M€ project without avis is flagged");
    assert_eq!(flagged["required"], "conforme");

    // Only the DINUM records a referral.
    let referral = json!({"received_on": "2026-01-10", "summary": "Dossier complet"});
    let url = app.url(&format!("/api/v1/projects/{id}/avis"));
    assert_eq!(
        client
            .post(&url)
            .bearer_auth(&editor)
            .json(&referral)
            .send()
            .await
            .expect("post")
            .status(),
        403
    );
    let res = client
        .post(&url)
        .bearer_auth(&steering)
        .json(&referral)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::CREATED);
    let avis: Value = res.json().await.expect("json");
    let avis_id = avis["id"].as_i64().expect("id");
    // One month after reception: 10 February.
    assert_eq!(avis["decision_deadline"], "2026-02-10");
    let missing: Vec<Value> = app.get_json("/api/v1/avis/missing", &steering).await;
    assert!(missing.iter().all(|m| m["project_id"] != id));

    // An information request suspends the delay: 10 days of suspension → 20 February.
    let body = json!({"transmitted_on": "2026-01-12", "info_requests": [{"sent_on": "2026-01-20", "answered_on": "2026-01-30"}], "version": avis["version"]});
    let res = client
        .put(app.url(&format!("/api/v1/avis/{avis_id}")))
        .bearer_auth(&steering)
        .json(&body)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let avis: Value = res.json().await.expect("json");
    assert_eq!(avis["decision_deadline"], "2026-02-20");
    assert_eq!(
        avis["observations_deadline"], "2026-02-06",
        "25 days after transmission"
    );
    // No answer by then (tests run after February 2026): deemed favourable by law.
    assert_eq!(avis["status"]["status"], "deemed_favourable");
    assert_eq!(avis["status"]["since"], "2026-02-21");
    // Stale: refused.
    let res = client
        .put(app.url(&format!("/api/v1/avis/{avis_id}")))
        .bearer_auth(&steering)
        .json(&body)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // Inconsistent: a verdict needs its date.
    let res = client
        .put(app.url(&format!("/api/v1/avis/{avis_id}")))
        .bearer_auth(&steering)
        .json(&json!({"verdict": "favourable", "version": avis["version"]}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The avis, its five axes and a recommendation.
    let body = json!({"transmitted_on": "2026-01-12", "issued_on": "2026-02-18", "verdict": "favourable_with_recommendations",
        "info_requests": [{"sent_on": "2026-01-20", "answered_on": "2026-01-30"}],
        "assessments": [{"axis": "strategie", "rating": "satisfaisant"}, {"axis": "planning", "rating": "insuffisant", "comment": "Calendrier tendu"}],
        "summary": "Favorable sous réserve d'un découpage en lots", "version": avis["version"]});
    let res = client
        .put(app.url(&format!("/api/v1/avis/{avis_id}")))
        .bearer_auth(&steering)
        .json(&body)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let avis: Value = res.json().await.expect("json");
    assert_eq!(avis["status"]["status"], "issued");
    assert_eq!(avis["assessments"].as_array().map(Vec::len), Some(2));
    let rec_url = app.url(&format!("/api/v1/avis/{avis_id}/recommendations"));
    let rec =
        json!({"axis": "planning", "text": "Découper le projet en lots de moins de 18 mois."});
    assert_eq!(
        client
            .post(&rec_url)
            .bearer_auth(&editor)
            .json(&rec)
            .send()
            .await
            .expect("post")
            .status(),
        403
    );
    let res = client
        .post(&rec_url)
        .bearer_auth(&steering)
        .json(&rec)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::CREATED);
    let r: Value = res.json().await.expect("json");
    // The ministry follows its recommendation up; another ministry cannot.
    let follow =
        json!({"status": "closed", "follow_up": "Trois lots définis.", "version": r["version"]});
    let follow_url = app.url(&format!("/api/v1/recommendations/{}", r["id"]));
    assert_eq!(
        client
            .put(&follow_url)
            .bearer_auth(&other)
            .json(&follow)
            .send()
            .await
            .expect("put")
            .status(),
        403
    );
    let res = client
        .put(&follow_url)
        .bearer_auth(&editor)
        .json(&follow)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let closed: Value = res.json().await.expect("json");
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_on"].is_string());

    // MEF's editor cannot read MININT's avis; the history records the instruction.
    assert_eq!(
        client
            .get(app.url(&format!("/api/v1/avis/{avis_id}")))
            .bearer_auth(&other)
            .send()
            .await
            .expect("get")
            .status(),
        403
    );
    let history: Vec<Value> = app
        .get_json(&format!("/api/v1/history/avis/{avis_id}"), &editor)
        .await;
    assert_eq!(history.len(), 3, "referral, instruction, avis");

    // Pages: the DINUM's list and the avis page render for the right people.
    let (dinum, _) = app.login(STEERING).await;
    let html = app.page(&dinum, "/avis").await;
    assert!(html.contains("Main courante numérique"));
    let (mef, _) = app.login(EDITOR_MEF).await;
    assert_eq!(app.status(&mef, &format!("/avis/{avis_id}")).await, 404);
    let (ministry, _) = app.login(EDITOR_MININT).await;
    let html = app.page(&ministry, &format!("/avis/{avis_id}")).await;
    assert!(
        html.contains("Trois lots définis.")
            && !html.contains("Enregistrer l&#39;instruction")
            && !html.contains("Enregistrer l'instruction")
    );
}
dual_test!(avis_workflow);
