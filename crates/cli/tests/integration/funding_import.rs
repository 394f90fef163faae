//! Funding files: the export imported back unchanged writes nothing; new
//! applications and decisions, and an accounting extract of movements, are
//! applied all or nothing, problems named by row and column; only the DINUM
//! decides and records credits; the same through the command line.

use serde_json::Value;

use crate::cli::{cosinum, stdout};
use crate::harness::*;

async fn import(
    app: &TestApp,
    token: &str,
    name: &str,
    body: String,
    dry_run: bool,
) -> (u16, Value) {
    let res = app
        .client()
        .post(app.url(&format!(
            "/api/v1/funding/import?file_name={name}&dry_run={dry_run}"
        )))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("import");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

async fn funding_import(app: &TestApp) {
    let steering = app.token(STEERING, false).await;
    let editor = app.token(EDITOR_MININT, false).await;
    // The export, sent back: nothing changes.
    let csv = app
        .client()
        .get(app.url("/api/v1/funding/export?fund=RELANCE-TNET&format=csv"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("csv");
    let before = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    let (status, report) = import(app, &editor, "dossiers.csv", csv.clone(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["layout"], "applications");
    assert!(
        report["changes"]
            .as_array()
            .is_some_and(|c| !c.is_empty() && c.iter().all(|x| x["kind"] == "unchanged")),
        "{report}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log").await,
        before,
        "an unchanged file writes nothing"
    );

    // New applications: the ministry files; a decision in the file needs the DINUM.
    let funds: Vec<Value> = app.get_json("/api/v1/funding/funds", &steering).await;
    let ftap = funds
        .iter()
        .find(|f| f["code"].as_str().is_some_and(|c| c.starts_with("FTAP")))
        .expect("FTAP");
    let window = ftap["windows"][0]["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let today = time::OffsetDateTime::now_utc().date();
    let end = today + time::Duration::days(200);
    let head = "Guichet;Ministère;Intitulé;Statut;Déposé le;Instruit le;Décision le;Coût total (€);Demandé (€);Accordé (€);Début prévu;Fin prévue;Motif";
    let filed = format!(
        "{head}\n{window};MININT;Tableau de bord des préfectures;;{today};;;600 000;300000;;{today};{end};\n"
    );
    let (status, report) = import(app, &editor, "nouveaux.csv", filed.clone(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["written"]["created"], 1);
    let granted = format!(
        "{head}\n{window};MININT;Tableau de bord des préfectures;Retenu;{today};{today};{today};600 000;300000;250000;{today};{end};Retenu en comité\n"
    );
    let (status, report) = import(app, &editor, "decisions.csv", granted.clone(), false).await;
    assert_eq!(status, 422);
    assert!(
        report["problems"].to_string().contains("seule la DINUM"),
        "{report}"
    );
    let (status, report) = import(app, &steering, "decisions.csv", granted.clone(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["written"]["decisions"], 2,
        "under review, then granted"
    );
    let (_, again) = import(app, &steering, "decisions.csv", granted, false).await;
    assert_eq!(again["written"]["decisions"], 0, "idempotent");

    let mine: Vec<Value> = app
        .get_json("/api/v1/funding/applications?status=granted", &editor)
        .await;
    let id = mine
        .iter()
        .find(|a| a["title"] == "Tableau de bord des préfectures")
        .and_then(|a| a["id"].as_i64())
        .expect("granted");

    // Movements: all or nothing, by row and column.
    let moves = format!(
        "Dossier;Type;Date;Montant (€);Référence\n{id};AE;{today};250000;EJ-77\n{id};CP;{today};100 000;DP-77\n{id};CP;{today};200000;DP-78\n"
    );
    let (status, report) = import(app, &steering, "chorus.csv", moves, false).await;
    assert_eq!(status, 422);
    let problems: Vec<(i64, &str)> = report["problems"]
        .as_array()
        .expect("p")
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap_or(0),
                p["column"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [(4, "Montant (€)")],
        "payments beyond commitments, counted in file order"
    );
    let detail: Value = app
        .get_json(&format!("/api/v1/funding/applications/{id}"), &steering)
        .await;
    assert_eq!(
        detail["movements"].as_array().map(Vec::len),
        Some(0),
        "nothing written"
    );
    let moves = format!(
        "Dossier;Type;Date;Montant (€);Référence\n{id};AE;{today};250000;EJ-77\n{id};CP;{today};100 000;DP-77\n"
    );
    assert_eq!(
        import(app, &editor, "chorus.csv", moves.clone(), false)
            .await
            .0,
        422,
        "credits are the DINUM's"
    );
    let (status, report) = import(app, &steering, "chorus.csv", moves.clone(), false).await;
    assert_eq!(
        (status, report["written"]["movements"].as_i64()),
        (200, Some(2))
    );
    let (_, again) = import(app, &steering, "chorus.csv", moves, false).await;
    assert_eq!(again["written"]["movements"], 0);

    // The command line, for the DINUM.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("mouvements.csv");
    std::fs::write(
        &path,
        format!("Dossier;Type;Date;Montant (€);Référence\n{id};CP;{today};50000;DP-79\n"),
    )
    .expect("write");
    let file = path.to_str().expect("path");
    let out = stdout(&cosinum(
        &app.test_db.url,
        &["import", "financements", file, "--dry-run"],
    ));
    assert!(
        out.contains("1 nouveaux mouvements") && out.contains("rien n'a été écrit"),
        "{out}"
    );
    let out = stdout(&cosinum(
        &app.test_db.url,
        &["import", "financements", file],
    ));
    assert!(out.contains("1 mouvements"), "{out}");
    let detail: Value = app
        .get_json(&format!("/api/v1/funding/applications/{id}"), &steering)
        .await;
    assert_eq!(detail["consumption"]["paid"], 150_000);

    // The page: preview then confirm.
    let (browser, csrf) = app.login(EDITOR_MININT).await;
    let new = format!(
        "{head}\n{window};MININT;Outil de suivi des visas;;{today};;;400000;200000;;{today};{end};\n"
    );
    let form = reqwest::multipart::Form::new().part(
        "fichier",
        reqwest::multipart::Part::bytes(new.into_bytes()).file_name("visas.csv"),
    );
    let res = browser
        .post(app.url(&format!("/financements/import?csrf_token={csrf}")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(html.contains("Nouveau dossier") && html.contains("Confirmer l"));
    let content = html
        .split("name=\"content\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("content")
        .to_owned();
    let res = browser
        .post(app.url("/financements/import/appliquer"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("file_name", "visas.csv"),
            ("content", content.as_str()),
        ])
        .send()
        .await
        .expect("confirm");
    assert_eq!(res.status(), 303);
    let mine: Vec<Value> = app.get_json("/api/v1/funding/applications", &editor).await;
    assert!(
        mine.iter()
            .any(|a| a["title"] == "Outil de suivi des visas")
    );
}
dual_test!(funding_import);
