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
