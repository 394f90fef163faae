//! Cloud hosting as files and forms: the inventory exported and imported
//! back (API, page, command line), the application card and derogation
//! forms, and the offers catalogue.

use serde_json::Value;

use crate::harness::*;

async fn cloud_inventory_files(app: &TestApp) {
    let editor = app.token(EDITOR_MININT, false).await;
    let import = |name: &'static str, body: String, token: String| {
        let c = app.client();
        let url = app.url(&format!("/api/v1/cloud/import?file_name={name}"));
        async move {
            let res = c
                .post(url)
                .bearer_auth(token)
                .body(body)
                .send()
                .await
                .expect("import");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.expect("json"))
        }
    };
    // The export, sent back unchanged: nothing written.
    let res = app
        .client()
        .get(app.url("/api/v1/cloud/export?format=csv"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("export");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains("inventaire-"))
    );
    let csv = res.text().await.expect("csv");
    assert!(
        csv.lines().skip(1).all(|l| l.contains(";MININT;")),
        "a ministry exports its own"
    );
    let before = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    let (status, report) = import("inventaire.csv", csv.clone(), editor.clone()).await;
    assert_eq!(status, 200, "{report}");
    assert!(
        report["changes"]
            .as_array()
            .is_some_and(|c| !c.is_empty() && c.iter().all(|x| x["kind"] == "unchanged")),
        "{report}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log").await,
        before,
        "idempotent"
    );

    // A new application with its hosting; then the same file again.
    let head = "Ministère;Application;Statut;Disponibilité;Intégrité;Confidentialité;Traçabilité;Hébergement de production;En production depuis le";
    let file = format!("{head}\nMININT;Registre des armes;En production;3;3;4;3;Pi;01/09/2025\n");
    let (status, report) = import("armes.csv", file.clone(), editor.clone()).await;
    assert_eq!(
        (
            status,
            report["written"]["created"].as_i64(),
            report["written"]["hostings"].as_i64()
        ),
        (200, Some(1), Some(1)),
        "{report}"
    );
    let (_, again) = import("armes.csv", file, editor.clone()).await;
    assert_eq!(
        (
            again["written"]["created"].as_i64(),
            again["written"]["hostings"].as_i64()
        ),
        (Some(0), Some(0))
    );
    // Problems by row and column; nothing written.
    let bad = format!(
        "{head}\nMEF;Autre;En production;3;3;3;3;;\nMININT;Autre;En production;3;3;3;3;Offre inconnue;\n"
    );
    let (status, report) = import("bad.csv", bad, editor.clone()).await;
    assert_eq!(status, 422);
    let cols: Vec<&str> = report["problems"]
        .as_array()
        .expect("p")
        .iter()
        .filter_map(|p| p["column"].as_str())
        .collect();
    assert_eq!(cols, ["Ministère", "Hébergement de production"]);
    // The command line, for the DINUM.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("inventaire.csv");
    std::fs::write(
        &path,
        format!("{head}\nMEF;Chorus Pro;En production;4;4;3;4;Nubo;2024-01-01\n"),
    )
    .expect("write");
    let out = crate::cli::stdout(&crate::cli::cosinum(
        &app.test_db.url,
        &["import", "inventaire", path.to_str().expect("path")],
    ));
    assert!(out.contains("1 applications créées"), "{out}");
    let steering = app.token(STEERING, false).await;
    let all: Vec<Value> = app.get_json("/api/v1/cloud/applications", &steering).await;
    assert!(
        all.iter()
            .any(|a| a["name"] == "Chorus Pro" && a["evaluation"]["verdict"] != "not_applicable")
    );
    // The page: preview, then confirm.
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let upload = format!("{head}\nMININT;Main courante;En projet;2;2;2;2;;\n");
    let form = reqwest::multipart::Form::new().part(
        "fichier",
        reqwest::multipart::Part::bytes(upload.into_bytes()).file_name("inv.csv"),
    );
    let res = browser
        .post(app.url(&format!("/hebergement/import?csrf_token={csrf}")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(html.contains("Nouvelle application") && html.contains("Confirmer l"));
    let content = html
        .split("name=\"content\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("content")
        .to_owned();
    let res = browser
        .post(app.url("/hebergement/import/appliquer"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("file_name", "inv.csv"),
            ("content", content.as_str()),
        ])
        .send()
        .await
        .expect("confirm");
    assert_eq!(res.status(), 303);
    let mine: Vec<Value> = app.get_json("/api/v1/cloud/applications", &editor).await;
    assert!(mine.iter().any(|a| a["name"] == "Main courante"));
}
dual_test!(cloud_inventory_files);

async fn cloud_forms_and_offers(app: &TestApp) {
    use serde_json::json;
    // The catalogue: the DINUM adds offers; a ministry does not.
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    let offer = json!({"name": "IaaS qualifié (fournisseur E)", "provider": "Fournisseur E", "kind": "commercial",
        "service_model": "IaaS", "secnumcloud_version": "3.2", "secnumcloud_from": "2025-01-01", "immune": true, "accepts_sensitive": true});
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            "/api/v1/cloud/offers",
            &editor,
            offer.clone()
        )
        .await
        .0,
        403
    );
    let mut half = offer.clone();
    half["secnumcloud_from"] = serde_json::Value::Null;
    assert_eq!(
        app.send(
            reqwest::Method::POST,
            "/api/v1/cloud/offers",
            &steering,
            half
        )
        .await
        .0,
        422
    );
    let (status, created) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/cloud/offers",
            &steering,
            offer,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let offer_id = created["id"].as_i64().expect("id");

    // The card by form; a stale version shows what changed.
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let minint = app.org("MININT").await.id.0.to_string();
    let card = |name: &str, version: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("organisation_id", minint.clone()),
            ("name", name.to_owned()),
            ("status", "in_production".to_owned()),
            ("full_cost", "2 500 000".to_owned()),
            ("new_or_major", "1".to_owned()),
            ("availability", "3".to_owned()),
            ("integrity", "3".to_owned()),
            ("confidentiality", "4".to_owned()),
            ("traceability", "3".to_owned()),
            ("version", version.to_owned()),
        ]
    };
    let res = browser
        .post(app.url("/hebergement/applications/nouvelle"))
        .form(&card("Plateforme des signalements", "0"))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 303);
    let id: i64 = res.headers()["location"]
        .to_str()
        .expect("loc")
        .trim_start_matches("/hebergement/applications/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let mut bad = card("Autre", "0");
    bad[6] = ("availability", "7".to_owned());
    assert_eq!(
        browser
            .post(app.url("/hebergement/applications/nouvelle"))
            .form(&bad)
            .send()
            .await
            .expect("bad")
            .status(),
        422
    );
    // Linked to a major project; an unknown project is refused.
    let project = cosinum_store::projects::list(&app.db, false)
        .await
        .expect("projects")
        .into_iter()
        .find(|p| p.organisation_id.0.to_string() == minint)
        .expect("a MININT project");
    let mut linked = card("Registre des habilitations", "0");
    linked.push(("project_id", project.id.to_string()));
    let res = browser
        .post(app.url("/hebergement/applications/nouvelle"))
        .form(&linked)
        .send()
        .await
        .expect("linked");
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().expect("loc").to_owned();
    assert!(app.page(&browser, &location).await.contains(&project.name));
    let mut unknown = card("Registre fantôme", "0");
    unknown.push(("project_id", "999999".to_owned()));
    assert_eq!(
        browser
            .post(app.url("/hebergement/applications/nouvelle"))
            .form(&unknown)
            .send()
            .await
            .expect("unknown")
            .status(),
        422
    );
    let edit = format!("/hebergement/applications/{id}/modifier");
    assert_eq!(
        browser
            .post(app.url(&edit))
            .form(&card("Plateforme des signalements v2", "1"))
            .send()
            .await
            .expect("edit")
            .status(),
        303
    );
    let res = browser
        .post(app.url(&edit))
        .form(&card("Plateforme des signalements v3", "1"))
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("Plateforme des signalements v2"),
        "what changed meanwhile is shown"
    );

    // Hosted on the new offer with sensitive data: compliant from its qualification.
    let host = json!({"environment": "production", "offer_id": offer_id, "since": "2024-06-01"});
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/cloud/applications/{id}/hostings"),
        &editor,
        host,
    )
    .await;
    let assess = json!({"date": "2024-06-01", "assessed_by": "RSSI", "legal_secret": false, "essential_mission": true,
        "breach_public_order": false, "breach_public_security": true, "breach_health_life": false, "breach_intellectual_property": false});
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/cloud/applications/{id}/assessments"),
        &editor,
        assess,
    )
    .await;
    let verdict = |d: Value| d["evaluation"]["verdict"].as_str().unwrap_or("").to_owned();
    assert_eq!(
        verdict(
            app.get_json(
                &format!("/api/v1/cloud/applications/{id}?as_of=2024-12-01"),
                &editor
            )
            .await
        ),
        "non_compliant"
    );
    assert_eq!(
        verdict(
            app.get_json(
                &format!("/api/v1/cloud/applications/{id}?as_of=2025-02-01"),
                &editor
            )
            .await
        ),
        "compliant"
    );

    // A derogation by the page form covers the gap when validated by the Prime Minister.
    let res = browser
        .post(app.url(&format!("/hebergement/applications/{id}/derogation")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("rule", "R9"),
            ("justification", "Qualification en cours"),
            ("granted_by", "Ministre"),
            ("pm_validated", "1"),
            ("start", "2024-06-01"),
            ("end", "2024-12-31"),
        ])
        .send()
        .await
        .expect("derogation");
    assert_eq!(res.status(), 303);
    assert_eq!(
        verdict(
            app.get_json(
                &format!("/api/v1/cloud/applications/{id}?as_of=2024-12-01"),
                &editor
            )
            .await
        ),
        "under_derogation"
    );
}
dual_test!(cloud_forms_and_offers);
