//! The targets of online services: seeded with the government's targets,
//! set by the DINUM only, national or for one ministry (seen by that
//! ministry, measured on its démarches), changed at the version read,
//! withdrawn but kept in the history.

use serde_json::{Value, json};

use crate::harness::*;

async fn demarches_targets(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let mef_editor = app.token(EDITOR_MEF, false).await;
    let seeded: Vec<Value> = app.get_json("/api/v1/demarches/targets", &steering).await;
    let defaults = cosinum_domain::demarches::targets::default_targets();
    let mut expected: Vec<(String, String)> = defaults
        .iter()
        .map(|t| (t.label_fr.clone(), t.deadline.to_string()))
        .collect();
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    let got: Vec<(String, String)> = seeded
        .iter()
        .map(|t| {
            (
                t["label"].as_str().unwrap_or("").to_owned(),
                t["deadline"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(got, expected, "the migration seeds DM §1.7's targets");
    assert!(
        seeded
            .iter()
            .all(|t| t["history"].as_array().is_some_and(|h| !h.is_empty()))
    );

    let minint = app.org("MININT").await;
    let target = json!({"label": "MININT : 90 % en ligne", "slug": "online", "threshold": 0.9,
        "deadline": "2027-06-30", "organisation_id": minint.id.0});
    let (status, _) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/demarches/targets",
            &editor,
            target.clone(),
        )
        .await;
    assert_eq!(status, 403, "only the DINUM sets targets");
    let mut bad = target.clone();
    bad["slug"] = json!("usage");
    let (status, err) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/demarches/targets",
            &steering,
            bad,
        )
        .await;
    assert_eq!(status, 422, "{err}");
    let (status, created) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/demarches/targets",
            &steering,
            target.clone(),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["scope"], "MININT");
    let id = created["id"].as_i64().expect("id");

    // Measured on MININT's démarches only: the strict online share of its last edition.
    let summary: Value = app.get_json("/api/v1/demarches/summary", &editor).await;
    let minint_online = summary["by_ministry"][0]["online"]["strict_share"]
        .as_f64()
        .expect("share");
    let last = created["history"]
        .as_array()
        .and_then(|h| h.last())
        .expect("history");
    assert!((last[1].as_f64().expect("share") - minint_online).abs() < 1e-9);
    let national = seeded
        .iter()
        .find(|t| t["slug"] == "online")
        .expect("national");
    let national_last = national["history"]
        .as_array()
        .and_then(|h| h.last())
        .expect("h")[1]
        .as_f64();
    assert_ne!(
        national_last,
        Some(minint_online),
        "a national target counts every ministry"
    );

    let mine: Vec<Value> = app.get_json("/api/v1/demarches/targets", &editor).await;
    assert!(mine.iter().any(|t| t["id"] == id), "MININT sees its target");
    let theirs: Vec<Value> = app.get_json("/api/v1/demarches/targets", &mef_editor).await;
    assert!(theirs.iter().all(|t| t["id"] != id), "MEF does not");
    assert_eq!(theirs.len(), seeded.len());

    let path = format!("/api/v1/demarches/targets/{id}");
    let mut update = target.clone();
    update["threshold"] = json!(0.95);
    update["version"] = json!(1);
    let (status, updated) = app
        .send(reqwest::Method::PUT, &path, &steering, update.clone())
        .await;
    assert_eq!((status, updated["threshold"].as_f64()), (200, Some(0.95)));
    assert_eq!(
        app.send(reqwest::Method::PUT, &path, &steering, update)
            .await
            .0,
        409
    );
    assert_eq!(
        app.send(
            reqwest::Method::DELETE,
            &format!("{path}?version=1"),
            &steering,
            Value::Null
        )
        .await
        .0,
        409
    );
    assert_eq!(
        app.send(
            reqwest::Method::DELETE,
            &format!("{path}?version=2"),
            &steering,
            Value::Null
        )
        .await
        .0,
        204
    );
    let after: Vec<Value> = app.get_json("/api/v1/demarches/targets", &steering).await;
    assert!(after.iter().all(|t| t["id"] != id));
    let history: Value = app
        .get_json(&format!("/api/v1/history/demarche_target/{id}"), &steering)
        .await;
    assert!(history.to_string().contains("archive"), "{history}");

    // The page: the DINUM adds one by the form; a ministry only reads.
    let (dinum, csrf) = app.login(STEERING).await;
    let res = dinum
        .post(app.url("/demarches/objectifs"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("label", "Aide joignable pour 80 %"),
            ("slug", "help_reachable"),
            ("threshold", "80"),
            ("deadline", "2027-12-31"),
            ("organisation_id", ""),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let page = app.page(&dinum, "/demarches/objectifs").await;
    assert!(page.contains("Aide joignable pour 80 %") && page.contains("Ajouter un objectif"));
    let (reader, _) = app.login(READER_MININT).await;
    let page = app.page(&reader, "/demarches/objectifs").await;
    assert!(page.contains("Aide joignable pour 80 %") && !page.contains("Ajouter un objectif"));
}
dual_test!(demarches_targets);
