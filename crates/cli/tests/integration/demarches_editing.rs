//! Editing online services: a démarche's card and its values in an edition,
//! by API and by page (one démarche, or a whole ministry's grid), each
//! checked against the edition's method, authorised by ministry, audited,
//! and refused when someone changed the same value since it was read.

use serde_json::{Value, json};

use crate::harness::*;

fn value_of(detail: &Value, slug: &str) -> Value {
    detail["editions"]
        .as_array()
        .and_then(|e| e.last())
        .and_then(|e| e["values"].as_array())
        .and_then(|v| v.iter().find(|x| x["slug"] == slug))
        .cloned()
        .unwrap_or(Value::Null)
}

async fn demarches_api_editing(app: &TestApp) {
    let editor = app.token(EDITOR_MININT, false).await;
    let reader = app.token(READER_MININT, false).await;
    let minint = app.org("MININT").await;
    let mef = app.org("MEF").await;
    let card = json!({
        "organisation_id": minint.id.0, "administration": "ANTS", "name": "Permis de conduire — duplicata",
        "audiences": ["particuliers"], "url": "https://permisdeconduire.ants.gouv.fr",
        "annual_volume": 1_000_000, "online_volume": 900_000
    });
    let (status, created) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/demarches",
            &editor,
            card.clone(),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["online_rate"], 0.9);
    let id = created["id"].as_i64().expect("id");
    let mut other = card.clone();
    other["organisation_id"] = json!(mef.id.0);
    let (status, _) = app
        .send(reqwest::Method::POST, "/api/v1/demarches", &editor, other)
        .await;
    assert_eq!(status, 403, "another ministry's démarche");
    let (status, _) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/demarches",
            &reader,
            card.clone(),
        )
        .await;
    assert_eq!(status, 403, "a reader writes nothing");
    let mut bad = card.clone();
    bad["online_volume"] = json!(2_000_000);
    let (status, body) = app
        .send(reqwest::Method::POST, "/api/v1/demarches", &editor, bad)
        .await;
    assert_eq!((status, body["code"].as_str()), (422, Some("invalid")));

    // Update at the version read; a stale version is refused.
    let mut update = card.clone();
    update["version"] = json!(1);
    update["annual_volume"] = json!(1_200_000);
    let path = format!("/api/v1/demarches/{id}");
    let (status, updated) = app
        .send(reqwest::Method::PUT, &path, &editor, update.clone())
        .await;
    assert_eq!((status, updated["version"].as_i64()), (200, Some(2)));
    let (status, _) = app.send(reqwest::Method::PUT, &path, &editor, update).await;
    assert_eq!(status, 409);

    // Values of the latest edition, checked against its method.
    let editions: Vec<Value> = app.get_json("/api/v1/demarches/editions", &editor).await;
    let latest = editions.last().expect("edition")["edition_date"].clone();
    let values = format!("/api/v1/demarches/{id}/values");
    let body = json!({"edition": latest, "values": [
        {"slug": "online", "raw": "Oui", "expected": ""},
        {"slug": "satisfaction", "raw": "8,5", "expected": ""},
        {"slug": "dlnuf", "raw": "n/a"}
    ]});
    let (status, detail) = app.send(reqwest::Method::PUT, &values, &editor, body).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(value_of(&detail, "satisfaction")["level"], "tres_bien");
    assert_eq!(value_of(&detail, "dlnuf")["status"], "not_applicable");
    assert!(
        detail["position"]["lines"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
    for (raw, slug) in [
        ("Oui", "satisfaction"),
        ("12", "satisfaction"),
        ("8", "unknown"),
    ] {
        let body = json!({"edition": latest, "values": [{"slug": slug, "raw": raw}]});
        let (status, err) = app.send(reqwest::Method::PUT, &values, &editor, body).await;
        assert_eq!(status, 422, "{raw} for {slug}: {err}");
        assert!(
            err["message"].as_str().is_some_and(|m| m.contains(slug)),
            "{err}"
        );
    }
    // Someone read "8,5" and someone else changed it meanwhile: refused, nothing written.
    let body = json!({"edition": latest, "values": [{"slug": "satisfaction", "raw": "6", "expected": "8"}]});
    let (status, err) = app.send(reqwest::Method::PUT, &values, &editor, body).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("conflict")),
        "{err}"
    );
    let detail: Value = app.get_json(&path, &editor).await;
    assert_eq!(value_of(&detail, "satisfaction")["raw"], "8,5");
    let body = json!({"edition": latest, "values": [{"slug": "satisfaction", "raw": "9"}]});
    assert_eq!(
        app.send(reqwest::Method::PUT, &values, &reader, body)
            .await
            .0,
        403
    );
    let history: Value = app
        .get_json(&format!("/api/v1/history/demarche/{id}"), &editor)
        .await;
    let text = history.to_string();
    assert!(
        text.contains("8,5") && text.contains("satisfaction"),
        "values are audited: {text}"
    );

    // Only the DINUM opens an edition; its method is the one in force.
    let body = json!({"edition_date": "2027-03-31"});
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            "/api/v1/demarches/editions",
            &editor,
            body.clone()
        )
        .await
        .0,
        403
    );
    let steering = app.token(STEERING, false).await;
    let (status, e) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/demarches/editions",
            &steering,
            body.clone(),
        )
        .await;
    assert_eq!((status, e["method"].as_str()), (201, Some("v2023")));
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            "/api/v1/demarches/editions",
            &steering,
            body
        )
        .await
        .0,
        422
    );

    // Lists and movers.
    let mine: Vec<Value> = app.get_json("/api/v1/demarches", &reader).await;
    assert!(!mine.is_empty() && mine.iter().all(|d| d["ministry"] == "MININT"));
    let latest = latest.as_str().expect("date");
    let movers: Value = app
        .get_json(
            &format!("/api/v1/demarches/movers?edition={latest}"),
            &steering,
        )
        .await;
    assert!(movers["previous_edition"].is_string());
    let up = movers["up"].as_array().expect("up");
    assert!(!up.is_empty() && up.iter().all(|m| m["direction"] == "up"));
}
dual_test!(demarches_api_editing);

async fn demarches_pages_editing(app: &TestApp) {
    let (editor, csrf) = app.login(EDITOR_MININT).await;
    let editor_token = app.token(EDITOR_MININT, false).await;
    let mine: Vec<Value> = app
        .get_json("/api/v1/demarches?ministry=MININT", &editor_token)
        .await;
    let id = mine[0]["id"].as_i64().expect("id");
    let editions: Vec<Value> = app
        .get_json("/api/v1/demarches/editions", &editor_token)
        .await;
    let latest = editions.last().expect("edition")["edition_date"]
        .as_str()
        .expect("date")
        .to_owned();
    let detail: Value = app
        .get_json(&format!("/api/v1/demarches/{id}"), &editor_token)
        .await;
    let before = value_of(&detail, "satisfaction")["raw"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let target = if before == "9,3" { "9,4" } else { "9,3" };

    let page = app.page(&editor, &format!("/demarches/{id}")).await;
    assert!(
        page.contains("Position de MININT parmi les ministères"),
        "the ministry's position"
    );
    assert!(page.contains(&format!("/demarches/{id}/valeurs")));
    let form = app.page(&editor, &format!("/demarches/{id}/valeurs")).await;
    assert!(form.contains("name=\"v_satisfaction\"") && form.contains("name=\"e_satisfaction\""));

    // One démarche's values by the form.
    let post = |path: String, fields: Vec<(String, String)>| {
        let c = editor.clone();
        let url = app.url(&path);
        async move { c.post(url).form(&fields).send().await.expect("post") }
    };
    let fields = |v: &str, e: &str| {
        vec![
            ("csrf_token".to_owned(), csrf.clone()),
            ("edition".to_owned(), latest.clone()),
            ("v_satisfaction".to_owned(), v.to_owned()),
            ("e_satisfaction".to_owned(), e.to_owned()),
        ]
    };
    let res = post(format!("/demarches/{id}/valeurs"), fields(target, &before)).await;
    assert_eq!(res.status(), 303);
    let detail: Value = app
        .get_json(&format!("/api/v1/demarches/{id}"), &editor_token)
        .await;
    assert_eq!(value_of(&detail, "satisfaction")["raw"], target);
    let res = post(format!("/demarches/{id}/valeurs"), fields("Oui", target)).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("fr-input-group--error")
    );
    let res = post(format!("/demarches/{id}/valeurs"), fields("5", &before)).await;
    assert_eq!(res.status(), 409, "stale: someone changed it since");
    let html = res.text().await.expect("html");
    assert!(html.contains("value=\"5\""), "what was typed is kept");

    // The grid: every démarche of the ministry at once, all or nothing.
    let grid = app
        .page(&editor, &format!("/demarches/saisie?edition={latest}"))
        .await;
    assert!(grid.contains(&format!("name=\"v_{id}_satisfaction\"")));
    let cell = |d: i64, slug: &str, v: &str, e: &str| {
        vec![
            (format!("v_{d}_{slug}"), v.to_owned()),
            (format!("e_{d}_{slug}"), e.to_owned()),
        ]
    };
    let second = mine[1]["id"].as_i64().expect("id");
    let second_detail: Value = app
        .get_json(&format!("/api/v1/demarches/{second}"), &editor_token)
        .await;
    let second_online = value_of(&second_detail, "online")["raw"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let mut bulk = vec![
        ("csrf_token".to_owned(), csrf.clone()),
        ("edition".to_owned(), latest.clone()),
        ("ministere".to_owned(), "MININT".to_owned()),
    ];
    bulk.extend(cell(id, "satisfaction", "7", target));
    bulk.extend(cell(second, "online", "peut-être", &second_online));
    let res = post("/demarches/saisie".into(), bulk.clone()).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("html").contains("peut-être"));
    let detail: Value = app
        .get_json(&format!("/api/v1/demarches/{id}"), &editor_token)
        .await;
    assert_eq!(
        value_of(&detail, "satisfaction")["raw"],
        target,
        "nothing written"
    );
    bulk.truncate(3);
    bulk.extend(cell(id, "satisfaction", "7", target));
    bulk.extend(cell(second, "online", "Oui", &second_online));
    let res = post("/demarches/saisie".into(), bulk).await;
    assert_eq!(res.status(), 303);
    let detail: Value = app
        .get_json(&format!("/api/v1/demarches/{id}"), &editor_token)
        .await;
    assert_eq!(value_of(&detail, "satisfaction")["raw"], "7");

    // A MEF démarche is out of reach of the MININT editor.
    let steering = app.token(STEERING, false).await;
    let mef: Vec<Value> = app
        .get_json("/api/v1/demarches?ministry=MEF", &steering)
        .await;
    let mef_id = mef[0]["id"].as_i64().expect("id");
    assert_eq!(
        app.status(&editor, &format!("/demarches/{mef_id}/valeurs"))
            .await,
        403
    );
    let mut foreign = vec![
        ("csrf_token".to_owned(), csrf.clone()),
        ("edition".to_owned(), latest.clone()),
    ];
    foreign.extend(cell(mef_id, "online", "Oui", ""));
    assert_eq!(
        post("/demarches/saisie".into(), foreign).await.status(),
        403
    );

    // Card form: create, then a refused duplicate.
    let minint = app.org("MININT").await;
    let card = vec![
        ("csrf_token".to_owned(), csrf.clone()),
        ("organisation_id".to_owned(), minint.id.0.to_string()),
        ("administration".to_owned(), "DGEF".to_owned()),
        ("name".to_owned(), "Demande de naturalisation".to_owned()),
        ("particuliers".to_owned(), "1".to_owned()),
        ("annual_volume".to_owned(), "120 000".to_owned()),
    ];
    let res = post("/demarches/nouvelle".into(), card.clone()).await;
    assert_eq!(res.status(), 303);
    let res = post("/demarches/nouvelle".into(), card).await;
    assert_eq!(res.status(), 422);
}
dual_test!(demarches_pages_editing);
